"""An event of the ledger: what happened to a measure, who recorded it, when, on what evidence."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AwareDatetime, Field, StrictInt, StrictStr, model_validator

from .actions import ACTION_LABELS, Action
from .plan import Definition, Model, Text

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
}
_OPTIONAL: dict[str, frozenset[str]] = {
    "close": frozenset({"note", "evidence"}),
    "reopen": frozenset(),
    "assign": frozenset({"note"}),
    "progress": frozenset({"percent", "eta", "evidence"}),
    "extend": frozenset({"approved_by"}),
    "review": frozenset({"evidence"}),
    "void": frozenset(),
    "amend": frozenset({"approved_by", "before"}),
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
}


class Evidence(Model):
    """One piece of evidence (佐证材料): a description, or a file with its size and digest."""

    text: Text | None = None
    path: Text | None = None
    size: StrictInt | None = None
    sha256: StrictStr | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Evidence:
        if (self.text is None) == (self.path is None):
            raise ValueError("佐证材料应有 text 或 path 之一")
        if self.path is not None and (self.size is None or self.sha256 is None):
            raise ValueError("文件佐证材料应记录 size 和 sha256")
        return self


class Event(Model):
    """One thing that happened to a measure, as recorded in the ledger."""

    recorded: AwareDatetime
    date: dt.date
    id: StrictStr
    action: Action
    by: Text
    note: str = ""
    evidence: tuple[Evidence, ...] = ()
    owner: Text | None = None
    percent: Annotated[StrictInt, Field(ge=0, le=100)] | None = None
    eta: dt.date | None = None
    to: dt.date | None = None
    approved_by: Text | None = None
    ref: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")] | None = None  # void: what
    # The measure as the plan stated it when this was recorded: carried by a measure's first
    # record in the ledger, and by an amendment (absent there: the plan removed the measure).
    measure: Definition | None = None
    before: Definition | None = None  # amend: the measure as the ledger recorded it before
    prev: tuple[str, ...] = ()
    hash: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _utf8(cls, data: object) -> object:
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

    @model_validator(mode="after")
    def _plausible_times(self) -> Event:
        for when in (self.recorded.date(), self.date, self.to, self.eta):
            if when is not None and not 1949 <= when.year <= 2999:
                raise ValueError(f"时间 {when} 不合常理,应在 1949 年至 2999 年之间")
        return self

    @model_validator(mode="after")
    def _fields_fit_the_action(self) -> Event:
        label = f"“{ACTION_LABELS[self.action]}”记录"
        fields = _FIELD_LABELS | (
            {"note": "原因(note)"} if self.action in ("reopen", "extend", "void", "amend") else {}
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
        return self
