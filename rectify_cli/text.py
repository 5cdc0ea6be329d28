"""How rectify words things, once: rates, bars, widths, evidence, events, departments.

Shared by the terminal output and the documents, so that a figure or a record reads
the same on screen, in the report and in the 台账.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import get_character_cell_size

from .actions import ACTION_LABELS

if TYPE_CHECKING:
    from .core import Item
    from .events import Event, Evidence
    from .plan import Definition


_HIDDEN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
    r"\ud800-\udfff\ufffe\uffff]"
)


def _written_out(match: re.Match[str]) -> str:
    """Return the matched character as Python writes it in a string: \\x1b, \\u202e."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Return TEXT with each hidden or XML-illegal character written out as \\xNN or \\uNNNN."""
    return _HIDDEN.sub(_written_out, text)


_ON_SCREEN = re.compile(r"[\t\r]")


def on_screen(text: str) -> str:
    """Return TEXT as a terminal may show it: also a tab or a carriage return written out,
    since either can make one line look like another."""
    return _ON_SCREEN.sub(_written_out, visible(text))


def percent(rate: float) -> str:
    """Return RATE as a percentage with one decimal, e.g. 23.8%."""
    return f"{rate * 100:.1f}%"


def bar(rate: float, width: int, full: str, empty: str) -> str:
    """Return a bar of WIDTH characters filled to RATE."""
    filled = round(rate * width)
    return full * filled + empty * (width - filled)


def clip(text: str, width: int) -> str:
    """Cut TEXT to at most WIDTH cells, ending with … when cut; one line only."""
    return fit(text, width)[0]


def fit(text: str, width: int) -> tuple[str, int]:
    """Return TEXT cut to at most WIDTH cells as `clip` does, and the cells it takes.

    Looks at no more of TEXT than fits: a long text costs no more than a short one.
    """
    text = " ".join(text.split())
    used = cut = kept = 0
    for n, char in enumerate(text):
        size = get_character_cell_size(char)
        if used + size <= width - 1:
            cut, kept = n + 1, used + size
        elif used + size > width:
            return text[:cut] + "…", kept + 1
        used += size
    return text, used


def names(values: tuple[str, ...] | list[str]) -> str:
    """Return departments or people joined as Chinese lists them, or — for none."""
    return "、".join(values) or "—"


def state_text(item: Item) -> str:
    """Return an item's state as offices say it: how long overdue first, a review due after."""
    from .core import STATE_LABELS

    label = STATE_LABELS[item.state]
    if item.overdue:  # what waits for acceptance or came back says so
        late = f"已超期 {item.days_overdue} 天"
        return f"{label},{late}" if item.state in ("pending", "reopened") else late
    if item.eta_late:
        return f"{label},预计超期"
    return f"{label},待复查" if item.review_due else label


def evidence_text(evidence: Evidence) -> str:
    """Return a piece of evidence: its description, or a file with its size and digest."""
    if evidence.path is None:
        return evidence.text or ""
    from .evidence import STORE

    digest = evidence.sha256 or ""
    folder, _, name = evidence.path.rpartition("/")
    if folder == f"{STORE}/{digest}":  # kept beside a shared ledger, under its digest
        return f"{name}(存于账本旁的 {STORE}/{digest[:16]}…/,{evidence.size} 字节)"
    return f"{evidence.path}({evidence.size} 字节,SHA-256 {digest[:16]}…)"


def describe(event: Event, awaits: str | None = None) -> str:
    """Return a short Chinese summary of what EVENT records (for one section's part of a
    measure, the section first); a sign-off that waited for AWAITS to accept it is a
    submission (提交销号)."""
    said = (
        f"提交销号(须经{awaits}验收)" if awaits and event.action == "close" else _described(event)
    )
    return f"{event.dept} {said}" if event.dept else said


def _described(event: Event) -> str:
    label = ACTION_LABELS[event.action]
    if event.action == "assign":
        return f"{label}:{event.owner}"
    if event.action == "void":
        return f"{label} {(event.ref or '')[:12]}…"
    approved = f"(批准人 {event.approved_by})" if event.approved_by else ""
    if event.action == "extend":
        return f"延期至 {event.to}{approved}"
    if event.action == "amend":
        return f"{label}{approved}:{';'.join(changes(event.before, event.measure))}"
    details = []
    if event.percent is not None:
        details.append(f"完成 {event.percent}%")
    if event.eta:
        details.append(f"预计 {event.eta} 完成")
    return label + (f"({','.join(details)})" if details else "")


def part_text(part: Item) -> str:
    """Return one section's part as `show` and the papers list it: its state, who did what when."""
    said = [state_text(part)]
    if part.closed:
        said.append(f"{part.closed_on} {part.closed_by} 销号")
        if part.accepted_on:
            said.append(f"{part.accepted_on} {part.accepted_by} 验收")
    elif part.submitted_on:
        said.append(f"{part.submitted_on} {part.submitted_by} 提交,待{part.acceptance}验收")
    elif part.progress_on:
        done = f"(完成 {part.percent}%)" if part.percent is not None else ""
        said.append(f"最近进展 {part.progress_on}{done}")
    if part.owner:
        said.append(f"责任人 {part.owner}")
    return f"{part.part}:{','.join(said)}"


def changes(before: Definition | None, after: Definition | None) -> list[str]:
    """Say what an amendment of the plan changes in a measure: each field, old → new."""
    from .plan import DEFINITION_LABELS

    if after is None:
        return ["方案删除了此项措施"]
    if before is None:
        return ["记下方案中此项措施的内容、科室和时限"]
    said = []
    for name, label in DEFINITION_LABELS.items():
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        if name == "text":
            was, now = _difference(old, new)
            said.append(f"{label}由“{was}”改为“{now}”")
        else:
            said.append(f"{label} {_value(old)} → {_value(new)}")
    return said


def _difference(old: str, new: str, context: int = 6, room: int = 40) -> tuple[str, str]:
    """Return the part of OLD and of NEW that differs, each with a little of the text around
    it and … where text is left out, so that two long texts differing at the end still
    read differently."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    first = max(0, start - context)

    def part(text: str) -> str:
        last = len(text) - max(0, end - context)
        middle = text[first:last]
        if len(middle) > room:
            middle = middle[: room - 1] + "…"
        return ("…" if first else "") + middle + ("…" if last < len(text) else "")

    return part(old), part(new)


def _value(value: object) -> str:
    if isinstance(value, tuple):
        return names(value)
    if isinstance(value, dict):
        return ";".join(f"{dept}:{names(people)}" for dept, people in value.items())
    return "—" if value is None else str(value)
