"""An event of the ledger: what happened to a measure, who recorded it, when, on what evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar

from .actions import ACTION_LABELS, Action
from .plan import Definition, Text
from .rules import CONFIG, STRICT, limits

# For each action: the fields it must have, and the optional fields it may have.
_REQUIRED: dict[str, frozenset[str]] = {
    "close": frozenset(),
    "reopen": frozenset({"note"}),
    "assign": frozenset({"owner"}),
    "progress": frozenset({"note"}),
    "extend": frozenset({"to", "note"}),
    "review": frozenset({"note"}),
    "void": frozenset({"note", "ref"}),
    "amend": frozenset({"note"}),
    "accept": frozenset(),
    "reject": frozenset({"note"}),
}
_OPTIONAL: dict[str, frozenset[str]] = {
    "close": frozenset({"note", "evidence", "dept"}),
    "reopen": frozenset({"dept"}),
    "assign": frozenset({"note", "dept"}),
    "progress": frozenset({"percent", "eta", "evidence", "dept"}),
    "extend": frozenset({"approved_by"}),
    "review": frozenset({"evidence", "dept"}),
    "void": frozenset(),
    "amend": frozenset({"approved_by", "before"}),
    "accept": frozenset({"note", "dept"}),
    "reject": frozenset({"dept"}),
}
_FIELD_LABELS = {
    "note": "说明(note)",
    "owner": "责任人(owner)",
    "to": "新的完成时限(to)",
    "percent": "完成百分比(percent)",
    "eta": "预计完成时间(eta)",
    "approved_by": "批准人(approved_by)",
    "evidence": "佐证材料(evidence)",
    "ref": "被撤销记录的哈希(ref)",
    "before": "修订前的措施(before)",
    "dept": "科室(dept)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One piece of evidence (佐证材料): a description, or a file with its size and digest."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    text: Text | None = None
    path: Text | None = None
    size: Annotated[int, STRICT] | None = None
    sha256: Annotated[str, STRICT] | None = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.path is None):
            raise ValueError("佐证材料应有 text 或 path 之一")
        if self.path is not None and (self.size is None or self.sha256 is None):
            raise ValueError("文件佐证材料应记录 size 和 sha256")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One thing that happened to a measure, as recorded in the ledger.

    Validated by pydantic when read from a file (where `ledger.parse_chunks` also refuses
    lone surrogates); its own rules (`__post_init__`) hold for an event the program makes.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    recorded: Annotated[dt.datetime, limits(tz_constraint="aware")]
    date: dt.date
    id: Annotated[str, STRICT]
    action: Action
    by: Text
    note: str = ""
    evidence: tuple[Evidence, ...] = ()
    owner: Text | None = None
    percent: Annotated[int, limits(strict=True, ge=0, le=100)] | None = None
    eta: dt.date | None = None
    to: dt.date | None = None
    approved_by: Text | None = None
    ref: Annotated[str, limits(strict=True, pattern=r"^[0-9a-f]{64}$")] | None = None  # void: what
    # The measure as the plan stated it when this was recorded: carried by a measure's first
    # record in the ledger, and by an amendment (absent there: the plan removed the measure).
    measure: Definition | None = None
    before: Definition | None = None  # amend: the measure as the ledger recorded it before
    prev: tuple[str, ...] = ()
    hash: str | None = None
    dept: Text | None = None  # the section whose part of the measure this concerns, if any

    def __post_init__(self) -> None:
        texts = [self.note, self.by, self.id, self.owner or "", self.approved_by or ""]
        texts.append(self.dept or "")
        texts += [piece.text or piece.path or "" for piece in self.evidence]
        _utf8("".join(texts))
        for when in (self.recorded.date(), self.date, self.to, self.eta):
            if when is not None and not 1949 <= when.year <= 2999:
                raise ValueError(f"时间 {when} 不合常理,应在 1949 年至 2999 年之间")
        self._fit_the_action()

    def _fit_the_action(self) -> None:
        label = f"“{ACTION_LABELS[self.action]}”记录"
        fields = _FIELD_LABELS | (
            {"note": "原因(note)"}
            if self.action in ("reopen", "extend", "void", "amend", "reject")
            else {}
        )
        if self.action == "amend" and self.before is None and self.measure is None:
            raise ValueError(f"{label}必须有修订前的措施(before)或修订后的措施(measure)")
        for name in sorted(_REQUIRED[self.action]):
            value = getattr(self, name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise ValueError(f"{label}必须有{fields[name]}")
        allowed = _REQUIRED[self.action] | _OPTIONAL[self.action]
        for name in fields:
            if name not in allowed and getattr(self, name) not in (None, "", ()):
                raise ValueError(f"{label}不应有{fields[name]}")


def _utf8(data: object) -> object:
    """Refuse text that is not Unicode a file can hold: a lone surrogate (\\ud800)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("含有孤立的代理字符(不是有效的 Unicode 文字)") from None
        elif isinstance(value, dict):
            stack += value.values()
        elif isinstance(value, (list, tuple)):
            stack += value
    return data


def _iso(moment: dt.datetime) -> str:
    """Write MOMENT as pydantic writes a datetime in JSON: Z for UTC, the offset in minutes."""
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    if seconds == 0:
        zone = "Z"
    else:
        sign, rest = ("-" if seconds < 0 else "+"), abs(seconds)
        zone = f"{sign}{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return moment.replace(tzinfo=None).isoformat() + zone


def jsonable(value: Any, *, none: bool = False) -> Any:
    """Return a model (or a value in one) as JSON values, fields that are None left out unless
    NONE: what pydantic's `dump_python(mode="json", exclude_none=not none)` gives, without
    importing it (tests/test_events.py holds the two together)."""
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [jsonable(v, none=none) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        found = ((f.name, getattr(value, f.name)) for f in fields(value))
        return {name: jsonable(v, none=none) for name, v in found if none or v is not None}
    return value
