"""Replay the ledger into state at a date, compute rates and overdue lists, and judge changes.

Every function here is pure: it takes the plan, the ledger and `as_of`, and never reads
the clock, the environment or the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from .actions import ACTION_LABELS, ACTIONS
from .errors import DataInvalid, Diagnostic, Refused
from .index import ANY, Marks
from .ledger import Ledger
from .plan import ONGOING, OTHER_DATES, Measure, Plan, add_months, deadline_group

if TYPE_CHECKING:
    from .actions import Action
    from .events import Event, Evidence

State = Literal["not_started", "in_progress", "closed", "reopened"]

STATE_LABELS: dict[str, str] = {
    "not_started": "未启动",
    "in_progress": "推进中",
    "closed": "已销号",
    "reopened": "反弹",
}
REVIEW_GROUP = "待复查"
_CODE = {action: n for n, action in enumerate(ACTIONS)}
_CLOSE, _REOPEN, _ASSIGN, _PROGRESS, _EXTEND, _REVIEW = (
    _CODE[a] for a in ("close", "reopen", "assign", "progress", "extend", "review")
)


@dataclass(frozen=True)
class Item:
    """A measure as it stands at a date."""

    measure: Measure
    as_of: date
    state: State = "not_started"
    original_due: date | None = None
    due: date | None = None  # after extensions
    extensions: int = 0
    owner: str | None = None
    closed_on: date | None = None
    closed_by: str | None = None
    percent: int | None = None
    eta: date | None = None
    progress_on: date | None = None
    last_review: date | None = None  # the latest review or sign-off
    next_review: date | None = None  # for ongoing measures: when a review is due

    @property
    def closed(self) -> bool:
        """Tell whether the measure is signed off."""
        return self.state == "closed"

    @property
    def overdue(self) -> bool:
        """Tell whether the measure is past its due date and not signed off."""
        return self.due is not None and self.due < self.as_of and not self.closed

    @property
    def days_overdue(self) -> int:
        """Return how many days past due the measure is (0 if it is not overdue)."""
        return (self.as_of - self.due).days if self.overdue and self.due else 0

    @property
    def review_due(self) -> bool:
        """Tell whether an ongoing measure has gone longer than its cadence without review."""
        return self.next_review is not None and self.next_review < self.as_of

    @property
    def days_review_overdue(self) -> int:
        """Return how many days past its review date the measure is (0 if not review-due)."""
        return (self.as_of - self.next_review).days if self.review_due and self.next_review else 0


def check_ids(plan: Plan, ledger: Ledger) -> None:
    """Raise DataInvalid if the ledger names measures the plan does not have."""
    m = ledger.marks
    unknown = {code for code in set(m.id) if m.names[code] not in plan.by_id}
    if unknown:
        raise DataInvalid(
            [
                Diagnostic(ledger.path, m.line[i], 1, f"方案中没有措施“{m.names[m.id[i]]}”")
                for i in range(len(m))
                if m.id[i] in unknown
            ]
        )


def replay(plan: Plan, ledger: Ledger, as_of: date) -> list[Item]:
    """Return every measure of the plan as it stands at AS_OF, in plan order.

    Only events that take effect on or before AS_OF count; they apply in the order of
    their effective date, then the time they were recorded, then their line.
    """
    m = ledger.marks
    if as_of.toordinal() >= m.max_date:
        latest, counts = m.latest, m.counts
    else:
        latest, counts = _latest_until(m, as_of)
    return [_item(plan, measure, m, latest, counts, as_of) for measure in plan.measures]


def _item(
    plan: Plan,
    measure: Measure,
    m: Marks,
    latest: dict[tuple[int, int], int],
    counts: dict[tuple[int, int], int],
    as_of: date,
) -> Item:
    code = m.code_of(measure.id)
    original = plan.due(measure)
    if code < 0 or (ANY, code) not in latest:
        return Item(
            measure,
            as_of,
            original_due=original,
            due=original,
            next_review=_next_review(measure, plan.plan.date, None),
        )

    def day(i: int) -> date:
        return date.fromordinal(m.date[i])

    closing, reopening, progress = (latest.get((a, code)) for a in (_CLOSE, _REOPEN, _PROGRESS))
    extension, assignment, review = (latest.get((a, code)) for a in (_EXTEND, _ASSIGN, _REVIEW))
    state: State = "not_started"
    if closing is not None and (reopening is None or m.key(closing) > m.key(reopening)):
        state = "closed"
    elif reopening is not None:
        state = "reopened"
    elif progress is not None:
        state = "in_progress"
    reviewed = max((i for i in (closing, review) if i is not None), key=m.key, default=None)
    last_review = day(reviewed) if reviewed is not None else None
    return Item(
        measure,
        as_of,
        state=state,
        original_due=original,
        due=date.fromordinal(m.until[extension]) if extension is not None else original,
        extensions=counts.get((_EXTEND, code), 0),
        owner=m.names[m.owner[assignment]] if assignment is not None else None,
        closed_on=day(closing) if state == "closed" and closing is not None else None,
        closed_by=m.names[m.by[closing]] if state == "closed" and closing is not None else None,
        percent=m.percent[progress] if progress is not None and m.percent[progress] >= 0 else None,
        eta=date.fromordinal(m.until[progress])
        if progress is not None and m.until[progress]
        else None,
        progress_on=day(progress) if progress is not None else None,
        last_review=last_review,
        next_review=_next_review(measure, plan.plan.date, last_review),
    )


def _next_review(measure: Measure, plan_date: date, last: date | None) -> date | None:
    """Return when an ongoing measure must next be reviewed: its cadence after the last review
    or sign-off, or after the plan's date if it has had neither. None for other measures."""
    months = measure.review_months
    return None if months is None else add_months(last or plan_date, months)


def _latest_until(
    m: Marks, as_of: date
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Return what `Marks.latest` and `Marks.counts` were when only events up to AS_OF counted.

    A measure whose last event is in effect already is as it is; only the others are
    replayed, from their own events.
    """
    cutoff = as_of.toordinal()
    stale = {code for (action, code), i in m.latest.items() if action == ANY and m.date[i] > cutoff}
    latest = {slot: i for slot, i in m.latest.items() if slot[1] not in stale}
    counts = {slot: n for slot, n in m.counts.items() if slot[1] not in stale}
    keys: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    none = (-1, 0, 0, 0)
    for i, code in enumerate(m.id):
        if code not in stale or m.date[i] > cutoff:
            continue
        key = (m.date[i], m.moment[i], m.line[i], i)
        for slot in ((ANY, code), (m.action[i], code)):
            counts[slot] = counts.get(slot, 0) + 1
            if key > keys.get(slot, none):
                keys[slot] = key
    latest.update((slot, key[3]) for slot, key in keys.items())
    return latest, counts


def history(ledger: Ledger, mid: str | None = None, as_of: date | None = None) -> list[int]:
    """Return the indices of the events of MID (or all) in effect at AS_OF, in the order they apply."""
    m = ledger.marks
    cutoff = as_of.toordinal() if as_of else date.max.toordinal()
    chosen = ledger.indices(mid) if mid is not None else range(len(m))
    return sorted((i for i in chosen if m.date[i] <= cutoff), key=m.key)


def audit_log(
    ledger: Ledger, mid: str | None = None, since: date | None = None, by: str | None = None
) -> list[int]:
    """Return the indices of the events to show in the audit log, in the order they were recorded."""
    m = ledger.marks
    start = since.toordinal() if since else 0
    who = m.code_of(by) if by is not None else None
    chosen = [
        i
        for i in (ledger.indices(mid) if mid is not None else range(len(m)))
        if m.date[i] >= start and (who is None or m.by[i] == who)
    ]
    return sorted(chosen, key=lambda i: (m.moment[i], m.line[i]))


# ---------------------------------------------------------------------------- selecting

StateFilter = Literal["未启动", "推进中", "已销号", "反弹", "已超期", "待复查"]
STATE_FILTERS: tuple[StateFilter, ...] = ("未启动", "推进中", "已销号", "反弹", "已超期", "待复查")


@dataclass(frozen=True)
class Filter:
    """Which items `list` shows; every condition given must hold."""

    problem: int | None = None
    department: str | None = None
    deadline: str | None = None
    owner: str | None = None
    state: StateFilter | None = None
    open: bool | None = None  # True: not signed off; False: signed off


def _in_state(item: Item, state: StateFilter) -> bool:
    if state == "已超期":
        return item.overdue
    if state == "待复查":
        return item.review_due
    return STATE_LABELS[item.state] == state


def select(items: Iterable[Item], where: Filter) -> list[Item]:
    """Return the items that satisfy WHERE, in plan order."""
    chosen = []
    for item in items:
        m = item.measure
        if where.problem is not None and m.problem != where.problem:
            continue
        if where.department is not None and where.department not in m.departments:
            continue
        if where.deadline is not None and where.deadline not in (
            m.deadline,
            deadline_group(m.deadline),
        ):
            continue
        if where.owner is not None and item.owner != where.owner:
            continue
        if where.state is not None and not _in_state(item, where.state):
            continue
        if where.open is not None and item.closed == where.open:
            continue
        chosen.append(item)
    return chosen


def overdue(items: Iterable[Item]) -> list[tuple[str, list[Item]]]:
    """Group what needs attention: overdue items by deadline type, oldest due first, then 待复查."""
    items = list(items)
    late = sorted((i for i in items if i.overdue), key=lambda i: (i.due, i.measure.problem))
    groups: dict[str, list[Item]] = {}
    for item in late:
        groups.setdefault(deadline_group(item.measure.deadline), []).append(item)
    review = sorted(
        (i for i in items if i.review_due), key=lambda i: (i.next_review, i.measure.problem)
    )
    if review:
        groups[REVIEW_GROUP] = review
    return list(groups.items())


# ---------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class Tally:
    """Counts for one slice of the plan: all, signed off, overdue, due for review."""

    key: str
    label: str
    total: int = 0
    closed: int = 0
    overdue: int = 0
    review_due: int = 0

    @property
    def rate(self) -> float:
        """Return signed off ÷ all, as offices count it."""
        return self.closed / self.total if self.total else 0.0


@dataclass(frozen=True)
class Status:
    """Completion rates at a date: overall, by problem, by deadline type, by department."""

    as_of: date
    overall: Tally
    by_problem: list[Tally] = field(default_factory=list)
    by_deadline: list[Tally] = field(default_factory=list)
    by_department: list[Tally] = field(default_factory=list)


def _tally(counts: dict[str, list[int]], labels: dict[str, str]) -> list[Tally]:
    return [Tally(key, labels.get(key, key), *c) for key, c in counts.items()]


def status(plan: Plan, items: list[Item]) -> Status:
    """Count the items strictly: a measure is done only once it is signed off."""
    slices: dict[str, dict[str, list[int]]] = {"all": {}, "problem": {}, "deadline": {}, "dept": {}}
    for p in plan.problems:
        slices["problem"][str(p.number)] = [0, 0, 0, 0]
    for item in items:
        m = item.measure
        keys = [
            ("all", "all"),
            ("problem", str(m.problem)),
            ("deadline", deadline_group(m.deadline)),
            *(("dept", d) for d in m.departments),
        ]
        for kind, key in keys:
            counts = slices[kind].setdefault(key, [0, 0, 0, 0])
            counts[0] += 1
            counts[1] += item.closed
            counts[2] += item.overdue
            counts[3] += item.review_due
    as_of = items[0].as_of if items else plan.plan.date
    dues = {deadline_group(m.deadline): plan.due(m) for m in plan.measures}
    by_deadline = sorted(
        _tally(slices["deadline"], {}), key=lambda t: _deadline_order(t.key, dues[t.key])
    )
    problems = {str(p.number): f"{p.label}{p.title}" for p in plan.problems}
    overall = _tally(slices["all"], {"all": "全部措施"}) or [Tally("all", "全部措施")]
    return Status(
        as_of,
        overall[0],
        _tally(slices["problem"], problems),
        by_deadline,
        _tally(slices["dept"], {}),
    )


def _deadline_order(group: str, due: date | None) -> tuple[int, date, int]:
    """Order deadline groups: month ends by date, then other dates, then 长期坚持, 持续推进."""
    if group == OTHER_DATES:
        return (1, date.max, 0)
    if due is None:
        return (2, date.max, ONGOING.index(group))
    return (0, due, 0)


# ---------------------------------------------------------------------------- changing


@dataclass(frozen=True)
class Request:
    """Who asks for a change, when it is recorded and the date it takes effect."""

    by: str
    now: datetime
    on: date
    today: date


def _recorded(plan: Plan, moment: int) -> str:
    from zoneinfo import ZoneInfo

    return f"{datetime.fromtimestamp(moment, ZoneInfo(plan.plan.timezone)):%Y-%m-%d %H:%M}"


def _check_date(plan: Plan, ledger: Ledger, measure: Measure, request: Request) -> None:
    if request.on > request.today:
        raise Refused(f"日期 {request.on} 晚于今天 {request.today},不能登记未来的事")
    if request.on < plan.plan.date:
        raise Refused(f"日期 {request.on} 早于方案日期 {plan.plan.date}")
    latest = ledger.latest(measure.id)
    if latest is not None and request.on.toordinal() < ledger.marks.date[latest]:
        last = ledger.mark(latest)
        raise Refused(
            f"日期 {request.on} 早于措施 {measure.id} 最近一条记录的日期 {date.fromordinal(last.date)}"
            f"({last.by} 于 {_recorded(plan, last.moment)} 登记),不能插到它之前"
        )


def current(plan: Plan, ledger: Ledger, measure: Measure) -> Item:
    """Return MEASURE with every event counted, whatever its date."""
    m = ledger.marks
    return _item(plan, measure, m, m.latest, m.counts, date.max)


def _event(measure: Measure, request: Request, action: Action, **fields: object) -> Event:
    from .events import Event

    return Event.model_validate(
        {
            "recorded": request.now,
            "date": request.on,
            "id": measure.id,
            "action": action,
            "by": request.by,
            **{k: v for k, v in fields.items() if v not in (None, "", ())},
        }
    )


def close(
    plan: Plan,
    ledger: Ledger,
    measure: Measure,
    request: Request,
    note: str = "",
    evidence: tuple[Evidence, ...] = (),
) -> Event:
    """Return the sign-off event for MEASURE, or raise Refused if it may not be signed off."""
    item = current(plan, ledger, measure)
    if item.closed:
        closing = ledger.mark(
            ledger.marks.latest[(_CODE["close"], ledger.marks.code_of(measure.id))]
        )
        raise Refused(
            f"措施 {measure.id} 已于 {date.fromordinal(closing.date)} 由 {closing.by} 销号"
            f"(登记于 {_recorded(plan, closing.moment)}),无需重复销号;"
            "如问题反弹,请用 rectify reopen"
        )
    _check_date(plan, ledger, measure, request)
    return _event(measure, request, "close", note=note, evidence=evidence)


def reopen(plan: Plan, ledger: Ledger, measure: Measure, request: Request, reason: str) -> Event:
    """Return the event that reopens MEASURE (反弹), or raise Refused if it is not signed off."""
    if not reason.strip():
        raise Refused("重新打开必须用 --reason 写明原因")
    if not current(plan, ledger, measure).closed:
        raise Refused(f"措施 {measure.id} 尚未销号,无需重新打开")
    _check_date(plan, ledger, measure, request)
    return _event(measure, request, "reopen", note=reason)


def assign(plan: Plan, ledger: Ledger, measure: Measure, request: Request, owner: str) -> Event:
    """Return the event naming OWNER the person responsible (责任人) for MEASURE."""
    if not owner.strip():
        raise Refused("责任人不能为空,请用 --owner 姓名")
    if current(plan, ledger, measure).owner == owner.strip():
        raise Refused(f"措施 {measure.id} 的责任人已是 {owner.strip()}")
    _check_date(plan, ledger, measure, request)
    return _event(measure, request, "assign", owner=owner.strip())


def progress(
    plan: Plan,
    ledger: Ledger,
    measure: Measure,
    request: Request,
    note: str,
    percent: int | None = None,
    eta: date | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Event:
    """Return a progress entry (进展、现阶段成效、预计完成时间) for MEASURE."""
    if not note.strip():
        raise Refused("进展必须用 --note 写明进度和现阶段成效")
    if percent is not None and not 0 <= percent <= 100:
        raise Refused(f"--percent 应在 0 到 100 之间,而不是 {percent}")
    if eta is not None and eta < request.on:
        raise Refused(f"预计完成时间 {eta} 早于进展日期 {request.on}")
    if current(plan, ledger, measure).closed:
        raise Refused(
            f"措施 {measure.id} 已销号;如需继续整改请先 rectify reopen,长期措施请用 rectify review"
        )
    _check_date(plan, ledger, measure, request)
    return _event(
        measure, request, "progress", note=note.strip(), percent=percent, eta=eta, evidence=evidence
    )


def extend(
    plan: Plan,
    ledger: Ledger,
    measure: Measure,
    request: Request,
    to: date,
    reason: str,
    approved_by: str | None = None,
) -> Event:
    """Return the extension (延期) of MEASURE's deadline to TO, or raise Refused."""
    if measure.ongoing:
        raise Refused(f"措施 {measure.id} 的整改时限是“{measure.deadline}”,没有到期日,不能延期")
    if not reason.strip():
        raise Refused("延期必须用 --reason 写明原因")
    item = current(plan, ledger, measure)
    if item.closed:
        raise Refused(f"措施 {measure.id} 已销号,无需延期")
    if item.due is not None and to <= item.due:
        raise Refused(f"新的完成时限 {to} 不晚于现在的完成时限 {item.due},延期只能往后")
    _check_date(plan, ledger, measure, request)
    return _event(measure, request, "extend", to=to, note=reason.strip(), approved_by=approved_by)


def review(
    plan: Plan,
    ledger: Ledger,
    measure: Measure,
    request: Request,
    note: str,
    evidence: tuple[Evidence, ...] = (),
) -> Event:
    """Return a periodic check (复查) of MEASURE: proof that it is being kept up."""
    if not note.strip():
        raise Refused("复查必须用 --note 写明复查情况")
    _check_date(plan, ledger, measure, request)
    return _event(measure, request, "review", note=note.strip(), evidence=evidence)


def describe(event: Event) -> str:
    """Return a short Chinese summary of what EVENT records."""
    label = ACTION_LABELS[event.action]
    if event.action == "assign":
        return f"{label}:{event.owner}"
    if event.action == "extend":
        approved = f"(批准人 {event.approved_by})" if event.approved_by else ""
        return f"延期至 {event.to}{approved}"
    details = []
    if event.percent is not None:
        details.append(f"完成 {event.percent}%")
    if event.eta:
        details.append(f"预计 {event.eta} 完成")
    return label + (f"({','.join(details)})" if details else "")
