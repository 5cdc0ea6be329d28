"""Replay the ledger into state at a date, and compute rates and overdue lists.

Every function here is pure: it takes the plan, the ledger and `as_of`, and never reads
the clock, the environment or the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from .errors import DataInvalid, Diagnostic, Refused
from .ledger import Entry, Event, Evidence, Ledger
from .plan import ONGOING, OTHER_DATES, Measure, Plan, deadline_group

State = Literal["not_started", "closed", "reopened"]

STATE_LABELS: dict[str, str] = {
    "not_started": "未启动",
    "closed": "已销号",
    "reopened": "反弹",
}


@dataclass(frozen=True)
class Item:
    """A measure as it stands at a date: its state and the history that led there."""

    measure: Measure
    due: date | None
    state: State
    as_of: date
    history: tuple[Entry, ...] = ()

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
    def last_close(self) -> Event | None:
        """Return the sign-off in force, if the measure is signed off."""
        if not self.closed:
            return None
        return next(e.event for e in reversed(self.history) if e.event.action == "close")


def _order(entry: Entry) -> tuple[date, datetime, int]:
    return (entry.event.date, entry.event.recorded, entry.line)


def check_ids(plan: Plan, ledger: Ledger) -> None:
    """Raise DataInvalid if the ledger names measures the plan does not have."""
    problems = [
        Diagnostic(ledger.path, e.line, 1, f"方案中没有措施“{e.event.id}”")
        for e in ledger.entries
        if e.event.id not in plan.by_id
    ]
    if problems:
        raise DataInvalid(problems)


def replay(plan: Plan, ledger: Ledger, as_of: date) -> list[Item]:
    """Return every measure of the plan as it stands at AS_OF, in plan order.

    Only events that take effect on or before AS_OF count; they apply in the order of
    their effective date, then the time they were recorded, then their line.
    """
    histories: dict[str, list[Entry]] = {m.id: [] for m in plan.measures}
    for entry in ledger.entries:
        if entry.event.date <= as_of and entry.event.id in histories:
            histories[entry.event.id].append(entry)
    items = []
    for measure in plan.measures:
        history = sorted(histories[measure.id], key=_order)
        state: State = "not_started"
        for entry in history:
            state = "closed" if entry.event.action == "close" else "reopened"
        items.append(Item(measure, plan.due(measure), state, as_of, tuple(history)))
    return items


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

    def add(self, item: Item) -> Tally:
        """Return this tally with ITEM counted."""
        return Tally(
            self.key,
            self.label,
            self.total + 1,
            self.closed + item.closed,
            self.overdue + item.overdue,
        )


@dataclass(frozen=True)
class Status:
    """Completion rates at a date: overall, by problem, by deadline type, by department."""

    as_of: date
    overall: Tally
    by_problem: list[Tally] = field(default_factory=list)
    by_deadline: list[Tally] = field(default_factory=list)
    by_department: list[Tally] = field(default_factory=list)


def status(plan: Plan, items: list[Item]) -> Status:
    """Count the items strictly: a measure is done only once it is signed off."""
    overall = Tally("all", "全部措施")
    problems = {p.number: Tally(str(p.number), f"{p.label}{p.title}") for p in plan.problems}
    deadlines: dict[str, Tally] = {}
    departments: dict[str, Tally] = {}
    for item in items:
        m = item.measure
        overall = overall.add(item)
        problems[m.problem] = problems[m.problem].add(item)
        group = deadline_group(m.deadline)
        deadlines[group] = deadlines.get(group, Tally(group, group)).add(item)
        for dept in m.departments:
            departments[dept] = departments.get(dept, Tally(dept, dept)).add(item)
    as_of = items[0].as_of if items else plan.plan.date
    dues = {deadline_group(m.deadline): plan.due(m) for m in plan.measures}
    by_deadline = sorted(deadlines.values(), key=lambda t: _deadline_order(t.key, dues[t.key]))
    return Status(as_of, overall, list(problems.values()), by_deadline, list(departments.values()))


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


def _check_date(plan: Plan, ledger: Ledger, measure: Measure, request: Request) -> None:
    if request.on > request.today:
        raise Refused(f"日期 {request.on} 晚于今天 {request.today},不能登记未来的事")
    if request.on < plan.plan.date:
        raise Refused(f"日期 {request.on} 早于方案日期 {plan.plan.date}")
    history = sorted(ledger.for_measure(measure.id), key=_order)
    if history and request.on < history[-1].event.date:
        last = history[-1].event
        raise Refused(
            f"日期 {request.on} 早于措施 {measure.id} 最近一条记录的日期 {last.date}"
            f"({last.by} 于 {last.recorded:%Y-%m-%d %H:%M} 登记),不能插到它之前"
        )


def _current(plan: Plan, ledger: Ledger, measure: Measure) -> Item:
    """Return MEASURE with every event counted, whatever its date."""
    only = Ledger(ledger.path, tuple(ledger.for_measure(measure.id)), ledger.exists)
    latest = max((e.event.date for e in only.entries), default=plan.plan.date)
    return next(i for i in replay(plan, only, latest) if i.measure.id == measure.id)


def close(
    plan: Plan,
    ledger: Ledger,
    measure: Measure,
    request: Request,
    note: str = "",
    evidence: tuple[Evidence, ...] = (),
) -> Event:
    """Return the sign-off event for MEASURE, or raise Refused if it may not be signed off."""
    item = _current(plan, ledger, measure)
    done = item.last_close
    if done is not None:
        raise Refused(
            f"措施 {measure.id} 已于 {done.date} 由 {done.by} 销号"
            f"(登记于 {done.recorded:%Y-%m-%d %H:%M}),无需重复销号;"
            "如问题反弹,请用 rectify reopen"
        )
    _check_date(plan, ledger, measure, request)
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
    if not _current(plan, ledger, measure).closed:
        raise Refused(f"措施 {measure.id} 尚未销号,无需重新打开")
    _check_date(plan, ledger, measure, request)
    return Event(
        recorded=request.now,
        date=request.on,
        id=measure.id,
        action="reopen",
        by=request.by,
        note=reason,
    )
