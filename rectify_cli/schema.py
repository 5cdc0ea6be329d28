"""Every JSON structure rectify prints or writes, side by side; the README documents each.

Keys are English and stable; dates are YYYY-MM-DD strings; rates are fractions rounded
to four places.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from .core import STATE_LABELS
from .events import jsonable

if TYPE_CHECKING:
    from pathlib import Path

    from .core import Item, Status, Tally
    from .events import Evidence
    from .ledger import Entry, Verification
    from .plan import Plan
    from .reports import DeadlineCheck, Point, Row


def to_json(value: Any) -> str:
    """Return VALUE as indented JSON, Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def _rate(value: float) -> float:
    return round(value, 4)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def item(item: Item) -> dict[str, Any]:
    """Return one item (list, overdue, show)."""
    m = item.measure
    return {
        "id": m.id,
        "problem": m.problem,
        "text": m.text,
        "lead": list(m.lead),
        "responsible": list(m.responsible),
        "deadline": item.deadline,
        "due": _iso(item.due),
        "original_due": _iso(item.original_due),
        "original_deadline": item.original_deadline,
        "extensions": item.extensions,
        "late_extension": item.late_extension,
        "owner": item.owner,
        "state": item.state,
        "state_label": STATE_LABELS[item.state],
        "overdue": item.overdue,
        "days_overdue": item.days_overdue,
        "days_left": item.days_left,
        "eta_late": item.eta_late,
        "closed_on": _iso(item.closed_on),
        "closed_by": item.closed_by,
        "percent": item.percent,
        "eta": _iso(item.eta),
        "progress_on": _iso(item.progress_on),
        "review_every": m.cadence,
        "last_review": _iso(item.last_review),
        "next_review": _iso(item.next_review),
        "review_due": item.review_due,
        "acceptance": item.acceptance,
        "submitted_on": _iso(item.submitted_on),
        "submitted_by": item.submitted_by,
        "accepted_on": _iso(item.accepted_on),
        "accepted_by": item.accepted_by,
        "part": item.part,
        "parts": [part(p) for p in item.parts],
    }


_PART_KEYS = (
    "state", "state_label", "owner", "closed_on", "closed_by", "percent", "eta", "progress_on",
    "last_review", "submitted_on", "submitted_by", "accepted_on", "accepted_by",
)  # fmt: skip


def part(one: Item) -> dict[str, Any]:
    """Return one section's part of a measure signed off by parts: what `item` says of it."""
    whole = item(one)
    return {"dept": one.part} | {key: whole[key] for key in _PART_KEYS}


def overdue(groups: list[tuple[str, list[Item]]]) -> list[dict[str, Any]]:
    """Return the overdue list: items with the group they are listed under."""
    return [item(i) | {"group": group} for group, items in groups for i in items]


def shown(plan: Plan, one: Item, history: list[Entry]) -> dict[str, Any]:
    """Return one item with its problem's title and its whole history (show)."""
    return item(one) | {
        "problem_title": plan.problem(one.measure.problem).title,
        "history": [entry(e) for e in history],
    }


def evidence(x: Evidence) -> dict[str, Any]:
    """Return one piece of evidence."""
    return jsonable(x)  # type: ignore[no-any-return]


def entry(e: Entry) -> dict[str, Any]:
    """Return one ledger entry: every field, and its line (log, show, every change)."""
    v = e.event
    return {
        "line": e.line,
        "recorded": v.recorded.isoformat(),
        "date": v.date.isoformat(),
        "id": v.id,
        "action": v.action,
        "by": v.by,
        "note": v.note,
        "evidence": [evidence(x) for x in v.evidence],
        "owner": v.owner,
        "percent": v.percent,
        "eta": _iso(v.eta),
        "to": _iso(v.to),
        "approved_by": v.approved_by,
        "ref": v.ref,
        "dept": v.dept,
        "awaits": e.awaits,
        "measure": jsonable(v.measure, none=True),
        "before": jsonable(v.before, none=True),
        "voided": e.voided_by is not None,
        "voided_by": None if e.voided_by is None else entry(e.voided_by),
        "prev": list(v.prev),
        "hash": v.hash,
    }


def _tally(tally: Tally, key: str, value: Any) -> dict[str, Any]:
    return {
        key: value,
        "total": tally.total,
        "closed": tally.closed,
        "rate": _rate(tally.rate),
        "overdue": tally.overdue,
        "review_due": tally.review_due,
        "pending": tally.pending,
    }


def status(plan: Plan, status: Status) -> dict[str, Any]:
    """Return the completion rates (status)."""
    titles = {str(p.number): p.title for p in plan.problems}
    return {
        "as_of": status.as_of.isoformat(),
        "total": status.overall.total,
        "closed": status.overall.closed,
        "rate": _rate(status.overall.rate),
        "overdue": status.overall.overdue,
        "review_due": status.overall.review_due,
        "pending": status.overall.pending,
        "by_problem": [
            _tally(t, "problem", int(t.key)) | {"title": titles[t.key]} for t in status.by_problem
        ],
        "by_deadline": [_tally(t, "deadline", t.key) for t in status.by_deadline],
        "by_department": [_tally(t, "department", t.key) for t in status.by_department],
    }


def trend(points: list[Point], checks: list[DeadlineCheck]) -> dict[str, Any]:
    """Return the trend and the month-end deadlines (trend)."""
    return {
        "points": [
            {"date": p.day.isoformat(), "closed": p.closed, "total": p.total, "rate": _rate(p.rate)}
            for p in points
        ],
        "deadlines": [
            {
                "deadline": c.group,
                "due": c.due.isoformat(),
                "total": c.total,
                "closed_by_due": c.on_time,
                "on_time": c.on_time,
                "extended_on_time": c.extended_on_time,
                "late": c.late,
                "pending": c.pending,
                "closed_now": c.closed_now,
                "met": c.met,
            }
            for c in checks
        ],
    }


def verification(path: Path, result: Verification) -> dict[str, Any]:
    """Return what verify found."""
    return {
        "ledger": str(path),
        "events": result.events,
        "head": result.head or None,
        "branches": result.tips,
        "side_branch": [
            {"line": e.line, "id": e.event.id, "action": e.event.action, "by": e.event.by}
            for e in result.side
        ],
        "problems": [str(p) for p in result.problems],
    }


def rows(table: list[Row]) -> list[dict[str, Any]]:
    """Return the 台账 rows (export --format json)."""
    from .reports import COLUMNS

    out = []
    for row in table:
        values = {key: getattr(row, key) for _, key in COLUMNS}
        out.append(
            {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
            | {"overdue": row.overdue}
        )
    return out
