"""Replay the ledger into state at a date, and compute rates and overdue lists.

Every function here is pure: it takes the plan, the ledger and `as_of`, and never reads
the clock, the environment or the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from .errors import DataInvalid, Diagnostic, Refused
from .index import ACTIONS, ANY, Mark, Marks
from .ledger import Ledger
from .plan import ONGOING, OTHER_DATES, Measure, Plan, deadline_group

if TYPE_CHECKING:
    from .events import Event, Evidence

State = Literal["not_started", "closed", "reopened"]

STATE_LABELS: dict[str, str] = {
    "not_started": "未启动",
    "closed": "已销号",
    "reopened": "反弹",
}


@dataclass(frozen=True)
class Item:
    """A measure as it stands at a date."""

    measure: Measure
    due: date | None
    state: State
    as_of: date
    closed_on: date | None = None
    closed_by: str | None = None

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
    close = ACTIONS.index("close")
    latest = m.latest if as_of.toordinal() >= m.max_date else _latest_until(m, as_of)
    items = []
    for measure in plan.measures:
        code = m.code_of(measure.id)
        state: State = "not_started"
        closed_on = closed_by = None
        last = latest.get((ANY, code))
        if last is not None:
            state = "closed" if m.action[last] == close else "reopened"
        if state == "closed":
            i = latest[(close, code)]
            closed_on, closed_by = date.fromordinal(m.date[i]), m.names[m.by[i]]
        items.append(Item(measure, plan.due(measure), state, as_of, closed_on, closed_by))
    return items


def _latest_until(m: Marks, as_of: date) -> dict[tuple[int, int], int]:
    """Return what `Marks.latest` was when only the events in effect at AS_OF counted.

    A measure whose last event is in effect already is as it is; only the others are
    replayed, from their own events.
    """
    cutoff = as_of.toordinal()
    stale = {code for (action, code), i in m.latest.items() if action == ANY and m.date[i] > cutoff}
    latest = {slot: i for slot, i in m.latest.items() if slot[1] not in stale}
    keys: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    none = (-1, 0, 0, 0)
    for i, code in enumerate(m.id):
        if code not in stale or m.date[i] > cutoff:
            continue
        key = (m.date[i], m.moment[i], m.line[i], i)
        for slot in ((ANY, code), (m.action[i], code)):
            if key > keys.get(slot, none):
                keys[slot] = key
    latest.update((slot, key[3]) for slot, key in keys.items())
    return latest


def history(ledger: Ledger, mid: str, as_of: date) -> list[int]:
    """Return the indices of the events of MID in effect at AS_OF, in the order they apply."""
    cutoff = as_of.toordinal()
    chosen = [i for i in ledger.indices(mid) if ledger.marks.date[i] <= cutoff]
    return sorted(chosen, key=ledger.marks.key)


# ---------------------------------------------------------------------------- selecting


@dataclass(frozen=True)
class Filter:
    """Which items `list` shows; every condition given must hold."""

    problem: int | None = None
    department: str | None = None
    deadline: str | None = None
    state: Literal["open", "closed", "overdue"] | None = None


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
        if where.state == "open" and item.closed:
            continue
        if where.state == "closed" and not item.closed:
            continue
        if where.state == "overdue" and not item.overdue:
            continue
        chosen.append(item)
    return chosen


def overdue(items: Iterable[Item]) -> list[tuple[str, list[Item]]]:
    """Group the overdue items by deadline type, oldest due date first."""
    late = sorted((i for i in items if i.overdue), key=lambda i: (i.due, i.measure.problem))
    groups: dict[str, list[Item]] = {}
    for item in late:
        groups.setdefault(deadline_group(item.measure.deadline), []).append(item)
    return list(groups.items())


# ---------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class Tally:
    """Counts for one slice of the plan: all, signed off, overdue."""

    key: str
    label: str
    total: int = 0
    closed: int = 0
    overdue: int = 0

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
        slices["problem"][str(p.number)] = [0, 0, 0]
    for item in items:
        m = item.measure
        keys = [
            ("all", "all"),
            ("problem", str(m.problem)),
            ("deadline", deadline_group(m.deadline)),
            *(("dept", d) for d in m.departments),
        ]
        for kind, key in keys:
            counts = slices[kind].setdefault(key, [0, 0, 0])
            counts[0] += 1
            counts[1] += item.closed
            counts[2] += item.overdue
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


def _closed_by(ledger: Ledger, measure: Measure) -> Mark | None:
    """Return the sign-off in force for MEASURE, counting every event whatever its date."""
    latest = ledger.latest(measure.id)
    if latest is None or ACTIONS[ledger.marks.action[latest]] != "close":
        return None
    return ledger.mark(latest)


def close(
    plan: Plan,
    ledger: Ledger,
    measure: Measure,
    request: Request,
    note: str = "",
    evidence: tuple[Evidence, ...] = (),
) -> Event:
    """Return the sign-off event for MEASURE, or raise Refused if it may not be signed off."""
    done = _closed_by(ledger, measure)
    if done is not None:
        raise Refused(
            f"措施 {measure.id} 已于 {date.fromordinal(done.date)} 由 {done.by} 销号"
            f"(登记于 {_recorded(plan, done.moment)}),无需重复销号;"
            "如问题反弹,请用 rectify reopen"
        )
    _check_date(plan, ledger, measure, request)
    from .events import Event

    return Event(
        recorded=request.now,
        date=request.on,
        id=measure.id,
        action="close",
        by=request.by,
        note=note,
        evidence=evidence,
    )


def reopen(plan: Plan, ledger: Ledger, measure: Measure, request: Request, reason: str) -> Event:
    """Return the event that reopens MEASURE (反弹), or raise Refused if it is not signed off."""
    if not reason.strip():
        raise Refused("重新打开必须用 --reason 写明原因")
    if _closed_by(ledger, measure) is None:
        raise Refused(f"措施 {measure.id} 尚未销号,无需重新打开")
    _check_date(plan, ledger, measure, request)
    from .events import Event

    return Event(
        recorded=request.now,
        date=request.on,
        id=measure.id,
        action="reopen",
        by=request.by,
        note=reason,
    )
