"""Replay the events into state at a date, compute rates and overdue lists, and judge changes.

Every function here is pure: it takes the plan, the index of the ledger's events and
`as_of`, and never reads a file, the clock, the environment or the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from .actions import ACTION_LABELS, ACTIONS
from .errors import Refused
from .index import AMEND, ANY, PART, PEOPLE, REMOVED, Index
from .plan import (
    ONGOING,
    OTHER_DATES,
    Measure,
    Plan,
    add_months,
    deadline_group,
    resolve_deadline,
)

if TYPE_CHECKING:
    from .actions import Action
    from .events import Event, Evidence
    from .plan import Definition

State = Literal["not_started", "in_progress", "pending", "closed", "reopened"]

STATE_LABELS: dict[str, str] = {
    "not_started": "未启动",
    "in_progress": "推进中",
    "pending": "待验收",
    "closed": "已销号",
    "reopened": "反弹",
}
REVIEW_GROUP = "待复查"
ETA_LATE_GROUP = "预计超期"
DUE_SOON_GROUP = "即将到期"
WARNING_GROUPS = (ETA_LATE_GROUP, DUE_SOON_GROUP, REVIEW_GROUP)  # the groups not yet overdue
_CLOSE, _REOPEN, _ASSIGN, _PROGRESS, _EXTEND, _REVIEW, _ACCEPT, _REJECT = (
    ACTIONS.index(a)
    for a in ("close", "reopen", "assign", "progress", "extend", "review", "accept", "reject")
)


def rate(closed: int, total: int) -> float:
    """Return signed off ÷ all, as offices count it (0 for nothing)."""
    return closed / total if total else 0.0


@dataclass(frozen=True)
class Item:
    """A measure as it stands at a date."""

    measure: Measure
    as_of: date
    state: State = "not_started"
    original_due: date | None = None  # as the measure was first recorded (else as planned)
    original_deadline: str = ""  # the deadline word original_due was resolved from
    due: date | None = None  # after extensions and amendments of the plan
    deadline: str = ""  # the deadline word in force: as first recorded, or as amended since
    extensions: int = 0  # extensions and amendments that moved the due date
    late_extension: bool = False  # one recorded after the due date it replaced had passed
    owner: str | None = None
    closed_on: date | None = None
    closed_by: str | None = None
    closed_recorded: date | None = None  # the day the sign-off in force was recorded
    percent: int | None = None
    eta: date | None = None
    progress_on: date | None = None
    last_review: date | None = None  # the latest review or sign-off
    next_review: date | None = None  # for ongoing measures: when a review is due
    acceptance: str | None = None  # the department that accepts its sign-off, if any
    submitted_on: date | None = None  # pending: the date of the sign-off awaiting acceptance
    submitted_by: str | None = None
    accepted_on: date | None = None  # closed after acceptance: when and by whom accepted
    accepted_by: str | None = None
    part: str | None = None  # the section whose part of the measure this is, if it is one
    parts: tuple[Item, ...] = ()  # each section's part, for a measure signed off by parts

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
    def days_left(self) -> int | None:
        """Return the days until the due date of a measure not signed off (0: due today,
        less than 0: overdue); None for one signed off or with no due date."""
        return None if self.due is None or self.closed else (self.due - self.as_of).days

    @property
    def eta_late(self) -> bool:
        """Tell whether the latest progress expects a measure not signed off to be done only
        after its due date (预计超期)."""
        return (
            not self.closed
            and self.due is not None
            and self.eta is not None
            and self.eta > self.due
        )

    @property
    def review_due(self) -> bool:
        """Tell whether an ongoing measure has gone longer than its cadence without review."""
        return self.next_review is not None and self.next_review < self.as_of

    @property
    def days_review_overdue(self) -> int:
        """Return how many days past its review date the measure is (0 if not review-due)."""
        return (self.as_of - self.next_review).days if self.review_due and self.next_review else 0


def replay(plan: Plan, index: Index, as_of: date) -> list[Item]:
    """Return every measure of the plan as it stands at AS_OF, in plan order.

    Only events that take effect on or before AS_OF count; they apply in the order of
    their effective date, then the time they were recorded, then their line.
    """
    latest = index.latest if as_of.toordinal() >= index.max_date else _latest_until(index, as_of)
    return [_item(plan, measure, index, latest, as_of) for measure in plan.measures]


def _item(
    plan: Plan,
    measure: Measure,
    m: Index,
    latest: dict[tuple[int, int], int],
    as_of: date,
) -> Item:
    code = m.code_of(measure.id)
    pin = m.pinned.get(code)
    original, deadline = plan.due(measure), measure.deadline
    if pin is not None:  # the ledger holds the deadline the measure was first recorded under
        original = date.fromordinal(m.defined_due[pin]) if m.defined_due[pin] else None
        deadline = m.name(m.term[pin]) or deadline
    due, late_extension, extended, word = original, False, 0, deadline
    cutoff = as_of.toordinal()
    for row in sorted((r for r in m.extensions.get(code, ()) if m.date[r] <= cutoff), key=m.key):
        to: date | None = date.fromordinal(m.until[row]) if m.until[row] else None
        if m.action[row] == AMEND:  # an amendment of the plan moves the due date like an extension
            if m.defined_due[row] < 0:
                continue  # the plan removed the measure
            to = date.fromordinal(m.defined_due[row]) if m.defined_due[row] else None
            word = m.name(m.term[row]) or word
            if due is None or to == due or (to is not None and to < due):
                due = to  # a deadline set or brought forward: not an extension
                continue
        if due is not None and _day_entered(m, row) > due:
            late_extension = True
        due, extended = to, extended + 1
    base: dict[str, Any] = {
        "original_due": original,
        "original_deadline": deadline,
        "due": due,
        "deadline": word,
        "extensions": extended,
        "late_extension": late_extension,
    }
    parts = _parts_on(plan, m, measure, as_of)
    return Item(measure, as_of, **base, **_stood(plan, measure, m, latest, parts, as_of, base))


def _stood(
    plan: Plan,
    measure: Measure,
    m: Index,
    latest: dict[tuple[int, int], int],
    parts: tuple[str, ...],
    as_of: date,
    base: dict[str, Any],
) -> dict[str, Any]:
    """Return what LATEST makes of MEASURE signed off whole, or by the sections PARTS."""
    code = m.code_of(measure.id)
    if not parts:
        return _standing(plan, measure, m, lambda a: latest.get((a, code)))
    each = tuple(
        Item(
            measure,
            as_of,
            part=section,
            **base,
            **_standing(plan, measure, m, _part_of(plan, m, latest, measure, section)),
        )
        for section in parts
    )
    return _together(plan, measure, m, latest.get((_ASSIGN, code)), each)


def _part_of(
    plan: Plan, m: Index, latest: dict[tuple[int, int], int], measure: Measure, section: str
) -> Callable[[int], int | None]:
    """Return the lookup of a section's part: its own latest record of an action, or the
    measure's own if that was recorded while the ledger held the measure undivided, whichever
    takes effect later. A record of the whole made while it was divided counts for no part."""
    code, subject = m.code_of(measure.id), m.code_of(f"{measure.id}{PART}{section}")

    def latest_of(action: int) -> int | None:
        whole = latest.get((action, code))
        found = [r for r in (whole if whole is not None and not sections(plan, m, measure, whole)
                             else None,
                             latest.get((action, subject)) if subject >= 0 else None)
                 if r is not None]  # fmt: skip
        return max(found, key=m.key, default=None)

    return latest_of


def _joined(m: Index, row: int) -> tuple[str, ...]:
    """Return the sections the definition at ROW divides its measure into."""
    joined = m.name(m.parts[row])
    return tuple(joined.split(PART)) if joined else ()


def _definitions(m: Index, code: int, until: int | None = None) -> list[int]:
    """Return the rows that define measure CODE, the first record then each amendment in
    force (taking effect by UNTIL, a date ordinal, if given), in the order they take effect."""
    amended = [
        r
        for r in m.extensions.get(code, ())
        if m.action[r] == AMEND and m.defined_due[r] >= 0 and (until is None or m.date[r] <= until)
    ]
    return [m.pinned[code], *sorted(amended, key=m.key)]


def _parts_on(plan: Plan, m: Index, measure: Measure, as_of: date) -> tuple[str, ...]:
    """Return the sections that sign off parts of MEASURE on AS_OF (the plan's, for a measure
    not recorded yet): those of its definition in force that day, an amendment counting from
    its date as a deadline does. An amendment that would turn a measure signed off (已销号)
    when it took effect (by what came before it: its date, then when it was recorded) into
    one not signed off (a section added, or the parts given up) leaves it the parts it was
    signed off by: what was done stays done."""
    code = m.code_of(measure.id)
    if code < 0 or code not in m.definition:
        return plan.sections(measure)
    if code not in m.extensions:  # never extended nor amended: as first recorded
        return _joined(m, m.pinned[code])
    first, *amended = _definitions(m, code, as_of.toordinal())
    parts = _joined(m, first)
    for row in amended:
        new = _joined(m, row)
        if new == parts:
            continue
        day = date.fromordinal(m.date[row])
        latest = _latest_of_measure(m, code, row)
        stood = [_stood(plan, measure, m, latest, p, day, _NO_DUE)["state"] for p in (parts, new)]
        if stood != ["closed", "closed"] and stood[0] == "closed":
            continue
        parts = new
    return parts


_NO_DUE: dict[str, Any] = dict(
    original_due=None, original_deadline="", due=None, deadline="", extensions=0,
    late_extension=False,
)  # fmt: skip


def _latest_of_measure(m: Index, code: int, before: int) -> dict[tuple[int, int], int]:
    """Return `Index.latest` for measure CODE and its parts when only the events that take
    effect before the event at row BEFORE counted (by date, then the time recorded)."""
    latest, cutoff = dict[tuple[int, int], int](), m.key(before)
    for row, owner in enumerate(m.id):
        if owner == code and m.key(row) < cutoff and m.counts(row):
            m.count_in(latest, row)
    return latest


def _standing(
    plan: Plan, measure: Measure, m: Index, latest_of: Callable[[int], int | None]
) -> dict[str, Any]:
    """Return what the latest record of each action makes of MEASURE (or of one part)."""

    def day(i: int) -> date:
        return date.fromordinal(m.date[i])

    closing, reopening, progress = (latest_of(a) for a in (_CLOSE, _REOPEN, _PROGRESS))
    assignment, review = (latest_of(a) for a in (_ASSIGN, _REVIEW))
    state: State = "not_started"
    if closing is not None and (reopening is None or m.key(closing) > m.key(reopening)):
        state = "closed"
    elif reopening is not None and closing is not None:  # a reopening of nothing is not 反弹
        state = "reopened"
    elif progress is not None:
        state = "in_progress"
    # a sign-off waits as was required when it was recorded; otherwise what is held now
    acceptance = acceptor(plan, m, measure, closing if state == "closed" else None)
    submitted = accepted = None
    if state == "closed" and acceptance and closing is not None:
        # the first answer after the sign-off in force decides it: accepted, or sent back
        # (退回) to work in progress. An answer to a later sign-off since voided is no answer
        # to this one: the earliest of the latest of each kind is the first for any history
        # the rules let be recorded.
        answers = (latest_of(_ACCEPT), latest_of(_REJECT))
        after = [r for r in answers if r is not None and m.key(r) > m.key(closing)]
        answer = min(after, key=m.key, default=None)
        if answer is None:
            state, submitted = "pending", closing
        elif m.action[answer] == _ACCEPT:
            accepted = answer
        else:
            state = "in_progress"
    reviewed = max((i for i in (closing, review) if i is not None), key=m.key, default=None)
    last_review = day(reviewed) if reviewed is not None else None
    signed = state == "closed" and closing is not None
    return dict(
        state=state,
        owner=m.name(m.owner[assignment]) if assignment is not None else None,
        closed_on=day(closing) if signed and closing is not None else None,
        closed_by=m.name(m.by[closing]) if signed and closing is not None else None,
        closed_recorded=_day_entered(m, accepted if accepted is not None else closing)
        if signed and closing is not None
        else None,  # an accepted sign-off is done when the acceptance was recorded
        percent=m.percent[progress] if progress is not None and m.percent[progress] >= 0 else None,
        eta=date.fromordinal(m.until[progress])
        if progress is not None and m.until[progress]
        else None,
        progress_on=day(progress) if progress is not None else None,
        last_review=last_review,
        next_review=_next_review(measure, plan.plan.date, last_review),
        acceptance=acceptance,
        submitted_on=day(submitted) if submitted is not None else None,
        submitted_by=m.name(m.by[submitted]) if submitted is not None else None,
        accepted_on=day(accepted) if accepted is not None else None,
        accepted_by=m.name(m.by[accepted]) if accepted is not None else None,
    )


def _together(
    plan: Plan, measure: Measure, m: Index, assignment: int | None, parts: tuple[Item, ...]
) -> dict[str, Any]:
    """Return the measure whose PARTS stand as they do: signed off when every part is, waiting
    for acceptance when every part is signed off or waiting, 反弹 when a part came back."""
    states = {p.state for p in parts}
    state: State = "not_started"
    if states == {"closed"}:
        state = "closed"
    elif states <= {"closed", "pending"}:
        state = "pending"
    elif "reopened" in states:
        state = "reopened"
    elif states != {"not_started"}:
        state = "in_progress"

    def last(values: Iterable[date | None]) -> date | None:
        return max((v for v in values if v is not None), default=None)

    closed = state == "closed"

    def done(p: Item) -> tuple[date, date]:
        return (p.closed_on or date.min, p.closed_recorded or date.min)

    final = max(parts, key=done) if closed else None  # the part signed off last
    waiting = [p for p in parts if p.state == "pending"]
    reviews = [p.last_review for p in parts]
    last_review = None if None in reviews else min(r for r in reviews if r is not None)
    return dict(
        state=state,
        owner=m.name(m.owner[assignment]) if assignment is not None else None,
        closed_on=last(p.closed_on for p in parts) if closed else None,
        closed_by=final.closed_by if final else None,
        closed_recorded=last(p.closed_recorded for p in parts) if closed else None,
        percent=None,  # each part reports its own; an average would be a figure nobody gave
        eta=last(p.eta for p in parts if not p.closed) if not closed else None,
        progress_on=last(p.progress_on for p in parts),
        last_review=last_review,  # an ongoing measure is reviewed when each part has been
        next_review=_next_review(measure, plan.plan.date, last_review),
        acceptance=acceptor(plan, m, measure),
        submitted_on=last(p.submitted_on for p in waiting) if state == "pending" else None,
        submitted_by="、".join(dict.fromkeys(p.submitted_by or "" for p in waiting)) or None
        if state == "pending"
        else None,
        accepted_on=last(p.accepted_on for p in parts) if closed else None,
        accepted_by=final.accepted_by if final else None,
        parts=parts,
    )


def sections(plan: Plan, m: Index, measure: Measure, row: int | None = None) -> tuple[str, ...]:
    """Return the sections that each sign off a part of MEASURE as the ledger holds it (the
    plan's, for a measure not recorded yet); with ROW, as it held them when ROW was recorded."""
    held = _held(m, measure, row)
    if held is None:
        return plan.sections(measure)
    return _joined(m, held) if held >= 0 else ()


def acceptor(plan: Plan, m: Index, measure: Measure, row: int | None = None) -> str | None:
    """Return the department that accepts MEASURE's sign-offs as the ledger holds it (the
    plan's, for a measure not recorded yet); with ROW, the one in force when the sign-off at
    that row was recorded: a later amendment changes what later sign-offs need, never what
    an earlier one needed."""
    held = _held(m, measure, row)
    if held is None:
        return plan.acceptor(measure)
    return m.name(m.accepting[held]) if held >= 0 else None


def people(
    plan: Plan, m: Index, measure: Measure, row: int | None = None
) -> dict[str, tuple[str, ...]] | None:
    """Return who may act for whom on MEASURE, by department (the accepting one, the
    sections of its parts), as the ledger holds it (the plan's, for a measure not recorded
    yet); with ROW, as it held them when ROW was recorded: a person who moves to another
    department keeps what they did before. None: the plan listed nobody."""
    held = _held(m, measure, row)
    if held is None:
        return plan.people_of(measure)
    joined = m.name(m.people[held]) if held >= 0 else None
    if not joined:
        return None
    return {dept: tuple(names) for dept, *names in (d.split(PEOPLE) for d in joined.split(PART))}


def acceptors(
    plan: Plan, m: Index, measure: Measure, dept: str | None, row: int | None = None
) -> tuple[str, ...] | None:
    """Return who may answer a sign-off that DEPT accepts (see `people`); None: anyone but
    the one who signed off, the plan listing nobody."""
    listed = people(plan, m, measure, row)
    return None if listed is None or dept is None else listed.get(dept, ())


def _held(m: Index, measure: Measure, row: int | None) -> int | None:
    """Return the row of MEASURE's definition in force (when ROW was recorded, if given);
    None where the ledger holds none yet (the plan's applies: the next record will hold it);
    -1 for a ROW recorded by an older rectify, before the ledger recorded any plan: that
    record needed no acceptance and named no parts, whatever the plan says now. A record
    made since that holds no plan of its own (a hand-made line) is judged by the first
    definition held after it, or the plan's."""
    code = m.code_of(measure.id)
    held = m.definition.get(code) if code >= 0 else None
    if row is not None and row < m.defined_from():
        return -1
    if held is None or row is None:
        return held
    if row < m.pinned[code]:
        return m.pinned[code]
    held = m.pinned[code]
    for r in m.extensions.get(code, ()):
        if m.action[r] == AMEND and held < r < row:
            held = r
    return held


def _next_review(measure: Measure, plan_date: date, last: date | None) -> date | None:
    """Return when an ongoing measure must next be reviewed: its cadence after the last review
    or sign-off, or after the plan's date if it has had neither. None for other measures."""
    months = measure.review_months
    return None if months is None else add_months(last or plan_date, months)


def _day_entered(m: Index, row: int) -> date:
    """Return the day ROW was recorded, on the clock it was recorded by (its own UTC offset):
    a later change of the plan's timezone cannot move a late entry to the day before."""
    from datetime import timedelta, timezone

    return datetime.fromtimestamp(m.moment[row], timezone(timedelta(seconds=m.zone[row]))).date()


def _latest_until(m: Index, as_of: date) -> dict[tuple[int, int], int]:
    """Return what `Index.latest` was when only events up to AS_OF counted.

    A measure whose last event is in effect already is as it is; only the others are
    replayed, from their own events.
    """
    cutoff = as_of.toordinal()
    stale = {code for (action, code), i in m.latest.items() if action == ANY and m.date[i] > cutoff}
    stale |= {m.subject[i] for i, code in enumerate(m.id) if code in stale}  # and their parts
    latest = {slot: i for slot, i in m.latest.items() if slot[1] not in stale}
    for i, code in enumerate(m.id):
        if code in stale and m.date[i] <= cutoff and m.counts(i):
            m.count_in(latest, i)
    return latest


def closed_counts(plan: Plan, index: Index, days: list[date]) -> list[int]:
    """Return how many of the plan's measures stand signed off at each of DAYS (ascending):
    what `replay` counts as closed, in one sweep over the sign-offs, reopenings and, where a
    sign-off waits for acceptance, acceptances and sendings back; a measure signed off by
    parts replayed at each day."""
    parted = {index.code_of(m.id) for m in plan.measures if _ever_parted(plan, index, m)}
    parted_signed: dict[str, int] = {}  # a measure signed off by parts -> its first sign-off
    for r in (r for r, a in enumerate(index.action) if a == _CLOSE and index.id[r] in parted):
        mid = index.names[index.id[r]]
        parted_signed[mid] = min(parted_signed.get(mid, index.date[r]), index.date[r])
    measures = {code: m for m in plan.measures if (code := index.code_of(m.id)) not in parted}
    codes = set(measures)
    keys = list(zip(index.date, index.moment, index.line, strict=True))
    acts, ids, voided = index.action, index.id, index.voided
    moves = (_CLOSE, _REOPEN, _ACCEPT, _REJECT)
    subjects = index.subject  # a part's record counts for no measure signed off whole
    rows = [
        r
        for r, a in enumerate(acts)
        if a in moves and r not in voided and ids[r] in codes and subjects[r] == ids[r]
    ]
    rows.sort(key=keys.__getitem__)
    signed: set[int] = set()  # a sign-off in force, accepted or not
    waits: dict[int, bool] = {}  # whether the sign-off in force waits for acceptance
    closed: set[int] = set()
    counts, n = [], 0
    for day in days:
        cutoff = day.toordinal()
        while n < len(rows) and keys[rows[n]][0] <= cutoff:
            row, code = rows[n], ids[rows[n]]
            action = acts[row]
            if action == _CLOSE:
                signed.add(code)
                waits[code] = acceptor(plan, index, measures[code], row) is not None
                (closed.discard if waits[code] else closed.add)(code)
            elif action == _REOPEN:
                signed.discard(code)
                closed.discard(code)
            elif code in signed and waits[code]:  # the first answer to the sign-off decides it
                signed.discard(code)
                (closed.add if action == _ACCEPT else closed.discard)(code)
            n += 1
        counts.append(len(closed) + _parts_closed(plan, index, parted_signed, day))
    return counts


def _ever_parted(plan: Plan, m: Index, measure: Measure) -> bool:
    """Tell whether MEASURE is, or ever was, signed off by parts."""
    code = m.code_of(measure.id)
    if code < 0 or code not in m.definition:
        return bool(plan.sections(measure))
    return any(_joined(m, row) for row in _definitions(m, code))


def _parts_closed(plan: Plan, index: Index, first: dict[str, int], day: date) -> int:
    """Return how many measures signed off by parts stand signed off at DAY: only those whose
    first sign-off (FIRST: id -> date ordinal) is in effect by then are replayed."""
    cutoff = day.toordinal()
    signing = [plan.by_id[mid] for mid, on in first.items() if on <= cutoff]
    if not signing:
        return 0
    latest = index.latest if cutoff >= index.max_date else _latest_until(index, day)
    return sum(_item(plan, m, index, latest, day).closed for m in signing)


def double_sign_offs(index: Index) -> list[tuple[int, int]]:
    """Return each pair of rows (earlier, later) where a measure was signed off again with
    no reopening between: what merging two copies of a ledger can produce."""
    pairs = []
    open_close: dict[int, int] = {}  # measure -> its sign-off in force
    keys = list(zip(index.date, index.moment, index.line, strict=True))  # order of effect
    acts, voided = index.action, index.voided
    rows = [r for r, a in enumerate(acts) if a in (_CLOSE, _REOPEN, _REJECT) and r not in voided]
    for row in sorted(rows, key=keys.__getitem__):  # a sign-off sent back may be signed again
        code = index.subject[row]  # the measure, or one section's part of it
        if acts[row] == _CLOSE:
            if code in open_close:
                pairs.append((open_close[code], row))
            open_close[code] = row
        else:
            open_close.pop(code, None)
    return pairs


def answers_out_of_rule(plan: Plan, index: Index) -> list[tuple[int, str]]:
    """Return each acceptance or sending back (row, what is wrong) that the rules of `accept`
    and `reject` would have refused: one answering no sign-off awaiting it, a sign-off that
    needs no acceptance, the submitter's own, or someone outside the accepting department
    where the plan lists people (hand-made or merged lines)."""
    moves = (_CLOSE, _REOPEN, _ACCEPT, _REJECT)
    voided = index.voided  # a sign-off since voided was still there to be answered
    rows = [
        r
        for r, a in enumerate(index.action)
        if a in moves and (index.counts(r) or (a == _CLOSE and r in voided))
    ]
    awaiting: dict[int, int] = {}  # measure, or part -> its sign-off not answered yet
    answered: set[tuple[int, int]] = set()  # (measure, part) answered on a sign-off of the whole
    found = []
    for row in sorted(rows, key=index.key):
        code, action = index.subject[row], index.action[row]  # a measure, or a part of it
        if action == _CLOSE and row in voided:
            awaiting.setdefault(code, row)  # what a later answer may have answered
            continue
        if action == _CLOSE:
            awaiting[code] = row
            if answered and code == index.id[row]:  # a new sign-off of the whole
                answered = {(w, p) for w, p in answered if w != code}
            continue
        if action == _REOPEN:
            awaiting.pop(code, None)
            continue
        measure = plan.by_id.get(index.names[index.id[row]])
        if measure is None:
            continue  # a measure the plan does not have: `unknown_ids` says so
        verb, who = "验收" if action == _ACCEPT else "退回", index.names[index.by[row]]
        signed = awaiting.pop(code, None)
        whole = index.id[row]
        if signed is None and code != whole and (whole, code) not in answered:
            signed = awaiting.get(whole)  # a sign-off of the whole before it had parts
            if signed is not None:
                answered.add((whole, code))
        dept = None if signed is None else acceptor(plan, index, measure, signed)
        if untruthful(who, name=True) is not None:
            said = f"此行{verb}措施 {measure.id} 的登记人姓名含有不能如实显示的字符"
        elif signed is None:
            said = f"此行{verb}措施 {measure.id},其时没有待验收的销号"
        elif dept is None:
            said = f"此行{verb}措施 {measure.id} 第 {index.line[signed]} 行的销号,该销号不需要验收"
        elif same_name(who) == same_name(index.names[index.by[signed]]):
            said = f"措施 {measure.id} 第 {index.line[signed]} 行的销号是 {who} 提交的,此行由本人{verb}"
        elif (now := acceptor(plan, index, measure, row)) != dept:
            said = (
                f"措施 {measure.id} 第 {index.line[signed]} 行的销号须经{dept}验收,"
                f"而此行{verb}时账本记下的验收科室是{now or '(无)'}"
            )
        elif (allowed := acceptors(plan, index, measure, dept, row)) is not None and (
            same_name(who) not in allowed
        ):
            said = (
                f"措施 {measure.id} 须由{dept}的人{verb},此行的 {who} 不在账本其时记下的"
                f"{dept}人员({'、'.join(allowed)})中"
            )
        else:
            continue
        found.append((row, said + ",不合验收规则(手写或合并的行可能造成)"))
    return found


def parts_out_of_place(plan: Plan, index: Index) -> list[tuple[int, str]]:
    """Return each record (row, what is wrong) that names a section's part the ledger did
    not hold for its measure when it was recorded, signs off a part by someone other than
    the people it held for that section, or concerns a measure signed off by parts without
    naming one (hand-made or merged lines)."""
    by_part = {ACTIONS.index(a) for a in BY_PART}
    found = []
    for row in range(len(index)):
        dept, action = index.subject[row] != index.id[row], index.action[row]
        if action not in by_part or not index.counts(row):
            continue
        measure = plan.by_id.get(index.names[index.id[row]])
        if measure is None:
            continue
        parts = sections(plan, index, measure, row)
        if dept:
            section = index.names[index.subject[row]].split(PART, 1)[1]
            members = (people(plan, index, measure, row) or {}).get(section, ())
            who = index.names[index.by[row]]
            if section not in parts:
                held = f"由 {'、'.join(parts)} 各自办理" if parts else "不分科室办理"
                found.append(
                    (row, f"此行记的是措施 {measure.id} {section}的部分,而账本记下的这项措施{held}")
                )
            elif action == _CLOSE and members and same_name(who) not in members:
                found.append(
                    (
                        row,
                        f"此行由 {who} 为措施 {measure.id} {section}的部分销号,而账本其时记下的"
                        f"{section}人员是 {'、'.join(members)}",
                    )
                )
        elif parts:
            found.append(
                (
                    row,
                    f"此行没有写科室,而措施 {measure.id} 由 {'、'.join(parts)} 各自办理,记录应写明是哪个科室的部分",
                )
            )
    return [(row, said + "(手写或合并的行可能造成)") for row, said in found]


def history(index: Index, mid: str | None = None, as_of: date | None = None) -> list[int]:
    """Return the rows of the events of MID (or all) in effect at AS_OF, in the order they apply."""
    cutoff = as_of.toordinal() if as_of else date.max.toordinal()
    chosen = index.rows_of(mid) if mid is not None else range(len(index))
    return sorted((i for i in chosen if index.date[i] <= cutoff), key=index.key)


def audit_log(
    index: Index, mid: str | None = None, since: date | None = None, by: str | None = None
) -> list[int]:
    """Return the rows of the events to show in the audit log, in the order they were recorded."""
    m = index
    start = since.toordinal() if since else 0
    who = m.code_of(same_name(by)) if by is not None else None
    chosen = [
        i
        for i in (m.rows_of(mid) if mid is not None else range(len(m)))
        if m.date[i] >= start and (who is None or m.by[i] == who)
    ]
    return sorted(chosen, key=lambda i: (m.moment[i], m.line[i]))


# ---------------------------------------------------------------------------- selecting

StateFilter = Literal[
    "未启动", "推进中", "待验收", "已销号", "反弹", "已超期", "预计超期", "待复查"
]
STATE_FILTERS: tuple[StateFilter, ...] = get_args(StateFilter)


def state_filter(text: str) -> StateFilter:
    """Return the state TEXT names, or raise Refused listing the known ones."""
    for known in STATE_FILTERS:
        if text.strip() == known:
            return known
    raise Refused(f"--state 的值“{text}”无效,可用:{'、'.join(STATE_FILTERS)}")


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
    if state == "预计超期":
        return item.eta_late and not item.overdue  # as overdue lists it
    return STATE_LABELS[item.state] == state


def select(items: Iterable[Item], where: Filter) -> list[Item]:
    """Return the items that satisfy WHERE, in plan order. A measure signed off by parts is
    taken as the part of the section, owner or state asked for where the whole does not
    fit: a section's list counts its own part, 待验收 lists each part waiting."""
    chosen = []
    for whole in items:
        m = whole.measure
        if where.problem is not None and m.problem != where.problem:
            continue
        if where.deadline is not None and where.deadline not in (
            whole.deadline,
            deadline_group(whole.deadline),
        ):
            continue
        candidates = [whole]
        if where.department is not None and where.department not in m.departments:
            candidates = [p for p in whole.parts if p.part == where.department]
        elif not _fits(whole, where) and where.state != "已销号" and where.open is not False:
            candidates = list(whole.parts)  # a measure is signed off whole or not at all
        chosen += [item for item in candidates if _fits(item, where)]
    return chosen


def _fits(item: Item, where: Filter) -> bool:
    """Tell whether ITEM (a measure or one part) has the owner and state WHERE asks for."""
    return (
        (where.owner is None or item.owner == where.owner)
        and (where.state is None or _in_state(item, where.state))
        and (where.open is None or item.closed != where.open)
    )


def overdue(items: Iterable[Item], within: int | None = None) -> list[tuple[str, list[Item]]]:
    """Group what needs attention, each group listed only if it has items: overdue items by
    deadline type, oldest due first; 预计超期 (the latest progress expects them done after
    their due date); with WITHIN, 即将到期 (due in the next WITHIN days, today included);
    then 待复查. Each item is listed once, under the first group it belongs to."""
    items = list(items)

    def by_due(i: Item) -> tuple[date, int]:
        return (i.due or date.max, i.measure.problem)

    late = sorted((i for i in items if i.overdue), key=by_due)
    groups: dict[str, list[Item]] = {}
    for item in late:
        groups.setdefault(deadline_group(item.deadline), []).append(item)
    expected_late = sorted((i for i in items if i.eta_late and not i.overdue), key=by_due)
    if expected_late:
        groups[ETA_LATE_GROUP] = expected_late
    if within is not None:
        soon = [
            i
            for i in items
            if not i.eta_late and i.days_left is not None and 0 <= i.days_left <= within
        ]
        if soon:
            groups[DUE_SOON_GROUP] = sorted(soon, key=by_due)
    review = sorted(
        (i for i in items if i.review_due), key=lambda i: (i.next_review, i.measure.problem)
    )
    if review:
        groups[REVIEW_GROUP] = review
    return list(groups.items())


def folded(text: str) -> str:
    """Return TEXT as a search compares it: full-width letters and digits as ASCII, any case."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).casefold()


def grep(
    plan: Plan, items: Iterable[Item], word: str, records: Mapping[str, Sequence[str]]
) -> list[Item]:
    """Return the items in which WORD occurs: in the measure's text, its problem's title or
    finding, or RECORDS[id] (the notes and evidence of its records), ignoring case and width."""
    wanted = folded(word).strip()
    if not wanted:
        raise Refused("--grep 的值不能为空")
    chosen = []
    for item in items:
        m = item.measure
        problem = plan.problem(m.problem)
        texts = [m.text, problem.title, problem.finding or "", *records.get(m.id, ())]
        if any(wanted in folded(text) for text in texts):
            chosen.append(item)
    return chosen


def sample_seed(text: str) -> str:
    """Return TEXT as a seed, or raise Refused: a seed must be shown and retyped exactly,
    so it is 1 to 32 visible characters."""
    seed = text.strip()
    if not seed or len(seed) > 32:
        raise Refused("--seed 应为 1 到 32 个字符,如 2023年第4季度")
    char = untruthful(seed, name=True)
    if char is not None:
        raise Refused(f"--seed 中含有不能如实显示的字符 U+{ord(char):04X},请删去")
    return seed


def sample(items: Sequence[Item], size: int, seed: str) -> list[Item]:
    """Return SIZE of ITEMS (all if fewer) picked by SEED, in plan order: those whose
    SHA-256 of "SEED:id" is least. Anyone can redo it by hand; the same seed picks the same
    items from the same list on any machine, and an item added to the list leaves the
    others' chances alone."""
    import hashlib

    if size < 1:
        raise Refused(f"--sample 的值应为正整数,而不是 {size}")

    def draw(item: Item) -> str:
        return hashlib.sha256(f"{seed}:{item.measure.id}".encode()).hexdigest()

    picked = {id(i) for i in sorted(items, key=draw)[:size]}
    return [i for i in items if id(i) in picked]


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
    pending: int = 0  # signed off, awaiting acceptance: not done

    @property
    def rate(self) -> float:
        """Return signed off ÷ all."""
        return rate(self.closed, self.total)


@dataclass(frozen=True)
class Status:
    """Completion rates at a date: overall, by problem, by deadline type, by department."""

    as_of: date
    overall: Tally
    by_problem: list[Tally] = field(default_factory=list)
    by_deadline: list[Tally] = field(default_factory=list)
    by_department: list[Tally] = field(default_factory=list)
    accepting: bool = False  # whether any item's sign-off waits for acceptance


def _tally(counts: dict[str, list[int]], labels: dict[str, str]) -> list[Tally]:
    return [Tally(key, labels.get(key, key), *c) for key, c in counts.items()]


def status(plan: Plan, items: list[Item]) -> Status:
    """Count the items strictly: a measure is done only once it is signed off."""
    slices: dict[str, dict[str, list[int]]] = {"all": {}, "problem": {}, "deadline": {}, "dept": {}}
    for p in plan.problems:
        slices["problem"][str(p.number)] = [0, 0, 0, 0, 0]
    groups: dict[str, str] = {}  # deadline word -> its group
    dues: dict[str, date | None] = {}  # deadline group -> its due date
    for item in items:
        m, word = item.measure, item.deadline
        if word not in groups:
            groups[word] = deadline_group(word)
            dues.setdefault(groups[word], resolve_deadline(word, plan.plan.date))
        keys = [
            ("all", "all", item),
            ("problem", str(m.problem), item),
            ("deadline", groups[word], item),
            *(("dept", d, item) for d in m.departments),
            # a section of a group counts the measure by its own part
            *(("dept", p.part or "", p) for p in item.parts if p.part not in m.departments),
        ]
        for kind, key, counted in keys:
            counts = slices[kind].get(key)
            if counts is None:
                counts = slices[kind][key] = [0, 0, 0, 0, 0]
            counts[0] += 1
            counts[1] += counted.closed
            counts[2] += counted.overdue
            counts[3] += counted.review_due
            counts[4] += counted.state == "pending"
    as_of = items[0].as_of if items else plan.plan.date
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
        accepting=any(item.acceptance for item in items),
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


@dataclass(frozen=True)
class Change:
    """What a clerk asks to record: an action on a measure, with what the action carries."""

    action: Action
    note: str = ""
    evidence: tuple[Evidence, ...] = ()
    owner: str | None = None
    percent: int | None = None
    eta: date | None = None
    to: date | None = None
    approved_by: str | None = None
    ref: str | None = None  # void: the hash of the record it voids
    dept: str | None = None  # the section whose part it concerns (a measure signed off by parts)


BY_PART: tuple[Action, ...] = (
    "close",
    "reopen",
    "assign",
    "progress",
    "review",
    "accept",
    "reject",
)


def _recorded(plan: Plan, moment: int) -> str:
    from zoneinfo import ZoneInfo

    return f"{datetime.fromtimestamp(moment, ZoneInfo(plan.plan.timezone)):%Y-%m-%d %H:%M}"


def current(plan: Plan, index: Index, measure: Measure, part: str | None = None) -> Item:
    """Return MEASURE (or its section PART's part) with every event counted, whatever its date."""
    item = _item(plan, measure, index, index.latest, date.max)
    return next((p for p in item.parts if p.part == part), item) if part else item


def _the_part(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    """Refuse a change of a measure signed off by parts that names no part of it, one that
    names a part of a measure that has none, and a part's sign-off by someone the plan lists
    in another department."""
    parts = tuple(p.part or "" for p in current(plan, index, measure).parts)
    if not parts:
        if change.dept is not None and change.dept in plan.sections(measure):
            raise Refused(
                f"账本记下的措施 {measure.id} 不分科室办理;计划文件已改为分科室办理,"
                "尚未用 rectify amend --reason 原因 记入账本"
            )
        if change.dept is not None:
            raise Refused(f"措施 {measure.id} 不分科室办理,不用 --dept")
        return
    if change.action not in BY_PART:
        return
    listed = "、".join(parts)
    if change.dept is None:
        raise Refused(
            f"措施 {measure.id} 由 {listed} 各自办理、各自销号;请用 --dept 写明是哪个科室的部分"
            "(也可在配置文件中写 department)"
        )
    if change.dept not in parts:
        held = sections(plan, index, measure)
        unrecorded = (
            ";计划文件已改动分科室办理,尚未用 rectify amend --reason 原因 记入账本"
            if change.dept in plan.sections(measure) and change.dept not in held
            else f"(这项措施在{change.dept}加入前已销号)"
            if change.dept in held
            else ""
        )
        raise Refused(
            f"措施 {measure.id} 没有“{change.dept}”的部分;分科室办理的是:{listed}{unrecorded}"
        )
    members = (people(plan, index, measure) or {}).get(change.dept, ())
    if change.action == "close" and members and request.by not in members:
        own = (plan.people or {}).get(request.by)
        who = f"方案列明属于{own}" if own else "方案的人员名单中没有此人"
        raise Refused(  # 一级对一级负责: a section signs off its own part
            f"{request.by}({who})不能为{change.dept}的部分销号;"
            f"请由{change.dept}的人({'、'.join(members)})销号"
        )


_CONTROL = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]))
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\u061c\ufeff"


def same_name(name: str) -> str:
    """Return NAME as rectify stores a person: trimmed, in Unicode NFC, so that one person
    typed on two keyboards is one name."""
    import unicodedata

    return unicodedata.normalize("NFC", name.strip())


def untruthful(text: str, *, name: bool = False, lines: bool = False) -> str | None:
    """Return the first character of TEXT that cannot be shown as what it is, or None.

    Control characters (a newline only where LINES are allowed), lone surrogates (bytes
    that were not UTF-8), bidirectional overrides and isolates; in a NAME also characters
    of no width, which would make 王芳 and 王芳+U+200B two people.
    """
    refused = _CONTROL.replace("\n", "") if lines else _CONTROL
    for char in text:
        if (
            char in refused
            or char in _BIDI
            or "\ud800" <= char <= "\udfff"
            or (name and _blank(char))
        ):
            return char
    return None


def _blank(char: str) -> bool:
    """Tell whether CHAR shows nothing though it is not a space: no place in a name."""
    import unicodedata

    fillers = "\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\U00016fe4"  # Hangul, braille, …
    if char in _INVISIBLE or char in fillers or "\u180b" <= char <= "\u180f":  # Mongolian FVS
        return True
    kind = unicodedata.category(char)
    variation = "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"
    return (
        kind in ("Cf", "Co", "Cn", "Zl", "Zp") or variation or (kind == "Mn" and char == "\u034f")
    )


def _truthful(label: str, text: str | None, *, name: bool = False, lines: bool = False) -> None:
    char = untruthful(text or "", name=name, lines=lines)
    if char is not None:
        raise Refused(
            f"{label}中含有不能如实显示的字符 U+{ord(char):04X},请删去后重试;未做任何改动"
        )


def _shown_truthfully(request: Request, change: Change) -> None:
    """Refuse text no record may hold (see `untruthful`)."""
    _truthful("登记人(--by)", request.by, name=True)
    _truthful("责任人(--owner)", change.owner, name=True)
    _truthful("批准人(--approved-by)", change.approved_by, name=True)
    _truthful("说明", change.note, lines=True)
    for proof in change.evidence:
        _truthful("佐证材料", proof.text or proof.path)
    for label, text in (
        ("说明或原因", change.note),
        *(("佐证材料", p.text) for p in change.evidence),
    ):
        if text and text.strip() and all(char.isspace() or _blank(char) for char in text):
            raise Refused(f"{label}只有看不见的字符,等于没有写;请写明内容。未做任何改动")


def _in_time(plan: Plan, index: Index, request: Request, change: Change) -> None:
    """Refuse a clock behind the ledger, a date in the future or before the plan, and a
    due or expected date no plan has."""
    for label, day in (("新的完成时限", change.to), ("预计完成时间", change.eta)):
        if day is not None and not 1949 <= day.year <= 2999:
            raise Refused(f"{label} {day} 不合常理,应在 1949 年至 2999 年之间")
    last_moment = max(index.moment, default=0)
    if request.now.timestamp() < last_moment:
        raise Refused(
            f"本机时钟有误:现在是 {request.now:%Y-%m-%d %H:%M},而账本最近一条记录登记于 "
            f"{_recorded(plan, last_moment)},比现在还晚。请先校正电脑的日期和时间;未做任何改动"
        )
    today = request.now.date()
    if request.on > today:
        raise Refused(f"日期 {request.on} 晚于今天 {today},不能登记未来的事")
    if request.on < plan.plan.date:
        raise Refused(f"日期 {request.on} 早于方案日期 {plan.plan.date}")


def _in_order(plan: Plan, index: Index, mid: str, on: date, dept: str | None = None) -> None:
    """Refuse a record of MID that would take effect before its latest record; of section
    DEPT's part, before the latest record of that part or of the whole measure (sections
    record their own parts, each in its own order)."""
    if dept is None:
        latest, whose = index.last(mid), f"措施 {mid}"
    else:
        subjects = [index.code_of(mid), index.code_of(f"{mid}{PART}{dept}")]
        found = (index.latest.get((a, s)) for a in range(len(ACTIONS)) for s in subjects)
        latest = max((r for r in found if r is not None), key=index.key, default=None)
        whose = f"措施 {mid} {dept}的部分"
    if latest is not None and on.toordinal() < index.date[latest]:
        raise Refused(
            f"日期 {on} 早于{whose} 最近一条记录的日期 {date.fromordinal(index.date[latest])}"
            f"({ACTION_LABELS[ACTIONS[index.action[latest]]]},{index.name(index.by[latest])} 于 "
            f"{_recorded(plan, index.moment[latest])} 登记),不能插到它之前"
        )


def _event(mid: str, request: Request, change: Change, **more: object) -> Event:
    from .events import Event

    fields = {
        "note": change.note.strip(),
        "evidence": change.evidence,
        "owner": same_name(change.owner) if change.owner else None,
        "percent": change.percent,
        "eta": change.eta,
        "to": change.to,
        "approved_by": same_name(change.approved_by) if change.approved_by else None,
        "ref": change.ref,
        "dept": change.dept,
        **more,
    }
    return Event(
        recorded=request.now,
        date=request.on,
        id=mid,
        action=change.action,
        by=request.by,
        **{k: v for k, v in fields.items() if v not in (None, "", ())},  # type: ignore[arg-type]
    )


def judge(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> Event:
    """Return the event CHANGE makes of MEASURE, or raise Refused if the rules forbid it.

    The first record of a measure also records the measure as the plan states it, so
    that the plan cannot later change under the ledger unnoticed.
    """
    _shown_truthfully(request, change)
    _the_part(plan, index, measure, request, change)
    _RULES[change.action](plan, index, measure, request, change)
    _in_time(plan, index, request, change)
    _in_order(plan, index, measure.id, request.on, change.dept)
    if change.action == "close" and not change.evidence:
        raise Refused(
            f"销号必须附佐证材料:请用 --evidence 写明材料(如文号、会议纪要),"
            f"或用 --file 登记材料文件。措施 {measure.id} 未销号"
        )
    defined = index.code_of(measure.id) in index.definition
    return _event(
        measure.id, request, change, measure=None if defined else plan.definition(measure)
    )


# ---------------------------------------------------------------------------- the plan held


@dataclass(frozen=True)
class Drift:
    """A measure the plan file states otherwise than the ledger records it."""

    mid: str
    row: int  # the record of the definition the ledger holds
    measure: Measure | None  # as the plan file states it now; None if it removed the measure


def _id_order(mid: str) -> tuple[int, ...]:
    return tuple(int(n) if n.isdigit() else -1 for n in mid.split("."))


def drift(plan: Plan, index: Index) -> list[Drift]:
    """Return every recorded measure whose definition in the plan differs from the one the
    ledger holds (its first record's, or the latest amendment's), in id order.

    Measures without records, and records older than this check, are not compared.
    """
    found = []
    names, defined, digests = index.names, index.defined, plan.digests
    for code, row in index.definition.items():
        mid = names[code]
        if defined[row] != digests.get(mid, REMOVED):
            found.append(Drift(mid, row, plan.by_id.get(mid)))
    return sorted(found, key=lambda d: _id_order(d.mid))


def conflicting_pins(index: Index) -> list[tuple[int, int]]:
    """Return each pair of rows (held, other) where a record that is not an amendment states
    a measure's plan otherwise than the ledger held it then (HELD): two copies of a ledger
    kept against different plans and merged, or a hand-made line. Only an amendment
    changes a plan."""
    held: dict[int, int] = {}
    pairs = []
    for row in range(len(index)):
        if not index.defined[row]:
            continue
        code = index.id[row]
        if index.action[row] == AMEND:
            if row not in index.voided:
                held[code] = row
        elif code not in held:
            held[code] = row
        elif index.defined[row] != index.defined[held[code]]:
            pairs.append((held[code], row))
    return pairs


def unpinned(plan: Plan, index: Index) -> list[Measure]:
    """Return the measures with records but no definition in the ledger: records made
    before rectify recorded the plan."""
    recorded = set(index.id)
    return [
        m
        for m in plan.measures
        if (code := index.code_of(m.id)) in recorded and code not in index.definition
    ]


def amendments(
    plan: Plan,
    index: Index,
    held: dict[int, Definition | None],
    request: Request,
    change: Change,
) -> list[Event]:
    """Return the events that record the plan as it is now: one amendment per measure that
    differs from what the ledger holds (old and new), and the definition of each measure
    recorded without one. HELD maps the row of each drift to the definition it records.
    Raise Refused if the rules forbid it."""
    if not change.note.strip():
        raise Refused("修订方案必须用 --reason 写明原因,如 党组会议决定调整整改时限")
    _shown_truthfully(request, change)
    _in_time(plan, index, request, change)
    events = []
    for d in drift(plan, index):
        _in_order(plan, index, d.mid, request.on)
        after = plan.definition(d.measure) if d.measure is not None else None
        _no_pending_answer_moved(plan, index, d.mid, after)
        events.append(_event(d.mid, request, change, before=held[d.row], measure=after))
    for m in unpinned(plan, index):
        _in_order(plan, index, m.id, request.on)
        events.append(_event(m.id, request, change, measure=plan.definition(m)))
    return sorted(events, key=lambda e: _id_order(e.id))


def _no_pending_answer_moved(plan: Plan, index: Index, mid: str, after: Definition | None) -> None:
    """Refuse an amendment that changes who accepts MID's sign-offs (or removes MID) while a
    sign-off of it, or of a part, waits for acceptance: it waits for whom it was made for.
    A measure removed from the plan is no longer counted at all."""
    measure = plan.by_id.get(mid)
    before = index.name(index.accepting[index.definition[index.code_of(mid)]])
    if measure is None or after is None or after.acceptance == before:
        return
    item = current(plan, index, measure)
    waiting = [p for p in (item.parts or (item,)) if p.state == "pending"]
    if waiting:
        whose = "、".join(f"{p.part}的部分" for p in waiting if p.part)
        raise Refused(
            f"措施 {mid} {whose}的销号正等待{before}验收,不能修订它的验收科室;"
            "请先验收或退回(rectify accept / reject),再修订。未做任何改动"
        )


Rule = Callable[[Plan, Index, Measure, Request, Change], None]


def _whose(measure: Measure, change: Change) -> str:
    """Return what CHANGE concerns: the measure, or one section's part of it."""
    return f"措施 {measure.id}" + (f" {change.dept}的部分" if change.dept else "")


def _close(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    item = current(plan, index, measure, change.dept)
    if item.state == "pending":
        raise Refused(
            f"{_whose(measure, change)} 已于 {item.submitted_on} 由 {item.submitted_by} 提交销号,"
            f"正等待{item.acceptance}验收,无需重复提交;验收未通过时会退回"
        )
    if item.closed:
        whose = _whose(measure, change) + " "
        subjects = {index.code_of(measure.id + (f"{PART}{change.dept}" if change.dept else ""))}
        subjects.add(index.code_of(measure.id))  # a part counts what the whole measure had
        rows = index.rows_of(measure.id)
        signed = (r for r in rows if index.action[r] == _CLOSE and index.subject[r] in subjects)
        closing = max((r for r in signed if index.counts(r)), key=index.key)
        raise Refused(
            f"{whose}已于 {date.fromordinal(index.date[closing])} 由 "
            f"{index.name(index.by[closing])} 销号(登记于 {_recorded(plan, index.moment[closing])}),"
            "无需重复销号;如问题反弹,请用 rectify reopen"
        )


def _reopen(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    if not change.note.strip():
        raise Refused("重新打开必须用 --reason 写明原因")
    if not current(plan, index, measure, change.dept).closed:
        raise Refused(f"{_whose(measure, change)} 尚未销号,无需重新打开")


def _assign(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    owner = same_name(change.owner or "")
    if not owner:
        raise Refused("责任人不能为空,请用 --owner 姓名")
    if current(plan, index, measure, change.dept).owner == owner:
        raise Refused(f"{_whose(measure, change)} 的责任人已是 {owner}")


def _progress(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    if not change.note.strip():
        raise Refused("进展必须用 --note 写明进度和现阶段成效")
    if change.percent is not None and not 0 <= change.percent <= 100:
        raise Refused(f"--percent 应在 0 到 100 之间,而不是 {change.percent}")
    if change.eta is not None and change.eta < request.on:
        raise Refused(f"预计完成时间 {change.eta} 早于进展日期 {request.on}")
    item = current(plan, index, measure, change.dept)
    if item.state == "pending":
        raise Refused(
            f"{_whose(measure, change)} 已提交销号,正等待{item.acceptance}验收;退回后再登记进展"
        )
    if item.closed:
        raise Refused(
            f"{_whose(measure, change)} 已销号;如需继续整改请先 rectify reopen,长期措施请用 rectify review"
        )


def _extend(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    if measure.ongoing:
        raise Refused(f"措施 {measure.id} 的整改时限是“{measure.deadline}”,没有到期日,不能延期")
    if not change.note.strip():
        raise Refused("延期必须用 --reason 写明原因")
    if not (change.approved_by or "").strip():
        raise Refused("延期必须经过批准:请用 --approved-by 写明批准人")
    item = current(plan, index, measure)
    if item.closed:
        raise Refused(f"措施 {measure.id} 已销号,无需延期")
    if change.to is None or (item.due is not None and change.to <= item.due):
        raise Refused(f"新的完成时限 {change.to} 不晚于现在的完成时限 {item.due},延期只能往后")


def _review(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    if not change.note.strip():
        raise Refused("复查必须用 --note 写明复查情况")


def _void(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    from .index import VOID, _short

    if not change.note.strip():
        raise Refused("撤销记录必须用 --reason 写明原因")
    row = index.row_of(_short(change.ref))
    if row is None:
        raise Refused("账本中没有要撤销的这条记录")
    line = index.line[row]
    if index.action[row] == VOID:
        raise Refused(f"第 {line} 行本身是一条撤销记录,不能撤销;如撤销有误,请重新登记原来的内容")
    if row in index.voided:
        raise Refused(
            f"第 {line} 行的记录已于第 {index.line[index.voided[row]]} 行撤销,无需重复撤销"
        )
    if index.action[row] == AMEND:
        code = index.id[row]
        later = next((r for r in range(row + 1, len(index)) if index.id[r] == code), None)
        if later is not None:  # what was recorded since was judged under it
            raise Refused(
                f"第 {line} 行的修订之后,措施 {index.names[code]} 已有记录(第 {index.line[later]} "
                "行),那些记录是按修订后的方案登记的,不能撤销这次修订;如修订有误,请改好计划文件"
                "后再用 rectify amend 记下"
            )


def _answer(plan: Plan, index: Index, measure: Measure, request: Request, change: Change) -> None:
    """Allow an acceptance or a sending back only of a sign-off awaiting it, by someone of
    the accepting department (where the plan lists people) other than who signed off."""
    item = current(plan, index, measure, change.dept)
    verb = "验收" if change.action == "accept" else "退回"
    if item.acceptance is None:
        raise Refused(f"措施 {measure.id} 的销号不需要验收(方案未指定验收科室),无从{verb}")
    if item.state != "pending":
        state = STATE_LABELS[item.state]
        raise Refused(f"{_whose(measure, change)} 现为“{state}”,没有待验收的销号,无从{verb}")
    if request.by == item.submitted_by:
        raise Refused(
            f"{_whose(measure, change)} 的销号是 {request.by} 提交的,本人不能{verb};"
            f"请由{item.acceptance}的其他人办理"
        )
    if acceptor(plan, index, measure) != item.acceptance:  # a ledger from before the rule
        raise Refused(
            f"{_whose(measure, change)} 的销号须经{item.acceptance}验收,而账本现在记下的验收科室"
            "已经修订;请撤销(rectify void)那次修订后再办理"
        )
    allowed = acceptors(plan, index, measure, item.acceptance)
    if allowed is not None and request.by not in allowed:
        if request.by in (plan.people_of(measure) or {}).get(item.acceptance or "", ()):
            raise Refused(  # the list was changed in the plan file only
                f"计划文件把 {request.by} 列入了{item.acceptance},但这一改动尚未记入账本,"
                f"措施 {measure.id} 仍按账本记下的{item.acceptance}人员({'、'.join(allowed)})验收;"
                "请先用 rectify amend --reason 原因 记下人员的变动"
            )
        dept = (plan.people or {}).get(request.by)
        who = (
            f"{request.by}(方案列明属于{dept})"
            if dept
            else f"{request.by}(方案的人员名单中没有此人)"
        )
        raise Refused(f"措施 {measure.id} 须由{item.acceptance}的人{verb},{who}不能办理")
    if change.action == "reject" and not change.note.strip():
        raise Refused("退回必须用 --reason 写明验收未通过的原因")


_RULES: dict[Action, Rule] = {
    "close": _close,
    "reopen": _reopen,
    "assign": _assign,
    "progress": _progress,
    "extend": _extend,
    "review": _review,
    "void": _void,
    "accept": _answer,
    "reject": _answer,
}
