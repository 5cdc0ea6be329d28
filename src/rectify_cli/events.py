"""An event of the ledger: what happened to a measure, who recorded it, when, on what evidence."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StrictStr,
    model_validator,
)

Action = Literal["close", "reopen"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("不能为空")
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Model):
    """One piece of evidence (佐证材料): a description, or a file with its size and digest."""

    text: Text | None = None
    path: Text | None = None
    size: int | None = None
    sha256: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Evidence:
        if (self.text is None) == (self.path is None):
            raise ValueError("佐证材料应有 text 或 path 之一")
        if self.path is not None and (self.size is None or self.sha256 is None):
            raise ValueError("文件佐证材料应记录 size 和 sha256")
        return self


class Event(_Model):
    """One thing that happened to a measure, as recorded in the ledger."""

    recorded: AwareDatetime
    date: date
    id: StrictStr
    action: Action
    by: Text
    note: str = ""
    evidence: tuple[Evidence, ...] = ()
    prev: tuple[str, ...] = ()
    hash: str | None = None

    @model_validator(mode="after")
    def _reason_given(self) -> Event:
        if self.action == "reopen" and not self.note.strip():
            raise ValueError("重新打开(reopen)必须写明原因")
        return self
