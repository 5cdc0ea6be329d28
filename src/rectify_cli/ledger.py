"""The ledger: an append-only file of events, one per line, chained by hashes.

Each line is a JSON object, which is also a YAML flow mapping, so the file is UTF-8 YAML
that any YAML or JSON tool reads. Lines starting with # are comments. Every event holds
`prev`, the hashes of the events that were the ledger's tips when it was written, and
`hash`, the SHA-256 of its own content without `hash`. Nothing here ever rewrites an
event: writers only append, under a lock, and fsync before they report success.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StrictStr,
    model_validator,
)

from .errors import Busy, DataInvalid, Diagnostic, FileProblem, LedgerTorn, Refused

if TYPE_CHECKING:
    from pydantic import TypeAdapter

HEADER = (
    "# rectify 整改台账账本:每行一条记录,只追加,不修改。\n"
    "# 检查:rectify check;防篡改校验:rectify verify。请勿手工编辑。\n"
)
LOCK_TIMEOUT_SECONDS = 15.0

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


@dataclass(frozen=True, slots=True)
class Entry:
    """An event and the line of the ledger it stands on."""

    line: int
    event: Event


@dataclass(frozen=True)
class Ledger:
    """Every event of a ledger file, in file order."""

    path: Path
    entries: tuple[Entry, ...] = ()
    exists: bool = False

    @property
    def tips(self) -> tuple[str, ...]:
        """Return the hashes no later event names as its prev: the ends of the chain."""
        tips: dict[str, None] = {}
        for entry in self.entries:
            for parent in entry.event.prev:
                tips.pop(parent, None)
            if entry.event.hash:
                tips[entry.event.hash] = None
        return tuple(tips)

    def for_measure(self, mid: str) -> Iterator[Entry]:
        """Yield the entries of measure MID in file order."""
        return (e for e in self.entries if e.event.id == mid)


# ---------------------------------------------------------------------------- reading


@cache
def _events_adapter() -> TypeAdapter[list[Event]]:
    from pydantic import TypeAdapter

    return TypeAdapter(list[Event])


def _parse_line(text: str) -> Any:
    """Parse one event line: JSON as the tool writes it, or a YAML flow mapping by hand."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as json_error:
        import yaml

        from .yamlsource import _Loader

        try:
            value = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError:
            raise json_error from None
        if not isinstance(value, dict):
            raise json_error from None
        return value


_FIELD_MESSAGES = {
    "missing": "缺少字段“{field}”",
    "extra_forbidden": "未知字段“{field}”",
    "literal_error": "未知操作“{value}”",
    "timezone_aware": "记录时间必须带时区,如 2023-10-08T09:30:00+08:00",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601,如 2023-10-08T09:30:00+08:00",
    "datetime_parsing": "时间格式应为 ISO 8601,如 2023-10-08T09:30:00+08:00",
    "date_from_datetime_parsing": "日期应写成 YYYY-MM-DD",
    "date_parsing": "日期应写成 YYYY-MM-DD",
    "string_type": "字段“{field}”应为文字",
    "model_type": "应为“键: 值”的映射",
}


def _field_message(error: Any) -> str:
    loc = error["loc"]
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if error["type"] == "value_error":
        return f"{field + ':' if field else ''}{error['ctx']['error']}"
    template = _FIELD_MESSAGES.get(error["type"], "字段“{field}”取值无效:{msg}")
    return template.format(field=field, value=error.get("input"), msg=error["msg"])


def split_lines(path: Path, raw: bytes) -> list[tuple[int, str]]:
    """Return the (line number, text) of every event line; raise on bad encoding or a torn end."""
    if raw and not raw.endswith(b"\n"):
        raise LedgerTorn(path, raw.count(b"\n") + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = raw.count(b"\n", 0, exc.start) + 1
        raise DataInvalid([Diagnostic(path, bad, 1, "不是 UTF-8 编码,无法读取")]) from None
    numbered: list[tuple[int, str]] = []
    for number, content in enumerate(text.split("\n"), start=1):
        line = content.rstrip("\r")
        if line.strip() and not line.lstrip().startswith("#"):
            numbered.append((number, line))
    return numbered


def parse_ledger(path: Path, raw: bytes) -> Ledger:
    """Parse the bytes RAW of ledger PATH; raise DataInvalid listing every bad line."""
    from pydantic import ValidationError

    lines = split_lines(path, raw)
    diagnostics: list[Diagnostic] = []
    values: list[Any] = []
    kept: list[tuple[int, str]] = []
    for number, line in lines:
        try:
            value = _parse_line(line)
        except json.JSONDecodeError as exc:
            diagnostics.append(
                Diagnostic(path, number, exc.colno, "无法解析的记录(应为一行 JSON/YAML 映射)")
            )
            continue
        if not isinstance(value, dict):
            diagnostics.append(Diagnostic(path, number, 1, "记录应为“键: 值”的映射"))
            continue
        values.append(value)
        kept.append((number, line))
    events: list[Event] = []
    try:
        events = _events_adapter().validate_python(values)
    except ValidationError as exc:
        for error in exc.errors():
            index = error["loc"][0]
            number, line = kept[index] if isinstance(index, int) else (0, "")
            field = next((p for p in error["loc"][1:] if isinstance(p, str)), None)
            col = line.find(f'"{field}"') + 1 if field else 1
            diagnostics.append(Diagnostic(path, number, max(col, 1), _field_message(error)))
    if diagnostics:
        raise DataInvalid(sorted(diagnostics, key=lambda d: (d.line, d.col)))
    entries = tuple(Entry(n, e) for (n, _), e in zip(kept, events, strict=True))
    return Ledger(path, entries, exists=True)


def read_ledger(path: Path) -> Ledger:
    """Read the ledger at PATH; a missing file is an empty ledger."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Ledger(path)
    except IsADirectoryError:
        raise FileProblem(f"{path}: 是一个文件夹,不是账本文件") from None
    except OSError as exc:
        raise FileProblem(f"{path}: 无法读取账本({exc.strerror})") from None
    return parse_ledger(path, raw)


# ---------------------------------------------------------------------------- writing


def digest(content: dict[str, Any]) -> str:
    """Return the SHA-256 of an event's content without its own hash, in canonical JSON."""
    body = {k: v for k, v in content.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode(event: Event, prev: tuple[str, ...]) -> str:
    """Return the ledger line for EVENT chained after PREV, newline included."""
    content = event.model_dump(mode="json", exclude_defaults=True, exclude={"prev", "hash"})
    content["prev"] = list(prev)
    content["hash"] = digest(content)
    line = json.dumps(content, ensure_ascii=False, separators=(", ", ": "))
    # Characters YAML and some editors take as line breaks stay escaped: one event, one line.
    for char in ("\u0085", "\u2028", "\u2029"):
        line = line.replace(char, f"\\u{ord(char):04x}")
    return line + "\n"


def _lock(path: Path) -> Any:
    from filelock import FileLock

    return FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_SECONDS)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_line(path: Path, line: str, new: bool) -> None:
    """Append LINE to PATH and fsync it; on failure leave the file as it was."""
    data = ((HEADER if new else "") + line).encode("utf-8")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise FileProblem(f"{path}: 无法写入账本({exc.strerror}),未做任何改动") from None
    try:
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, data)
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        except OSError as exc:
            os.ftruncate(fd, size)
            os.fsync(fd)
            raise FileProblem(f"{path}: 写入账本失败({exc.strerror}),账本保持原样") from None
    finally:
        os.close(fd)
    if new:
        _fsync_dir(path.parent)


def append(path: Path, build: Callable[[Ledger], Event], *, create_folder: bool = False) -> Event:
    """Append the event BUILD makes from the current ledger, under the ledger's lock.

    BUILD sees the ledger as it is once the lock is held, so two writers never both
    decide on a stale state. It raises to refuse; then nothing is written.
    """
    from filelock import Timeout

    folder = path.parent
    if not folder.is_dir():
        if not create_folder:
            raise FileProblem(f"{path}: 文件夹 {folder} 不存在")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileProblem(f"{folder}: 无法创建文件夹({exc.strerror})") from None
    try:
        with _lock(path):
            ledger = read_ledger(path)
            unchained = next((e for e in ledger.entries if e.event.hash is None), None)
            if unchained is not None:
                raise Refused(
                    f"{path}:{unchained.line}: 账本含未加哈希链的记录,"
                    "请先运行 rectify verify 查看并处理后再追加"
                )
            event = build(ledger)
            _write_line(path, encode(event, ledger.tips), new=not ledger.exists)
            return event
    except Timeout:
        raise Busy(f"{path}: 账本正被其他 rectify 进程占用,请稍后再试") from None
    except PermissionError as exc:
        raise FileProblem(f"{path}: 无法加锁({exc.strerror}),未做任何改动") from None


def create_empty(path: Path) -> None:
    """Create an empty ledger (its header only) at PATH, which must not exist."""
    try:
        with path.open("x", encoding="utf-8", newline="\n") as f:
            f.write(HEADER)
            f.flush()
            os.fsync(f.fileno())
    except FileExistsError:
        raise FileProblem(f"{path}: 文件已存在,未覆盖") from None
    except OSError as exc:
        raise FileProblem(f"{path}: 无法创建({exc.strerror})") from None


# ---------------------------------------------------------------------------- repair and verify


@dataclass(frozen=True)
class Repair:
    """What `repair` did: where the torn bytes went, or nothing."""

    backup: Path | None
    size: int


def repair(path: Path, now: datetime) -> Repair:
    """Move a torn last line into a backup file beside the ledger; keep every complete event."""
    with _lock(path):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise FileProblem(f"{path}: 无法读取账本({exc.strerror})") from None
        if not raw or raw.endswith(b"\n"):
            return Repair(None, 0)
        keep = raw.rfind(b"\n") + 1
        backup = path.with_name(f"{path.name}.torn-{now:%Y%m%dT%H%M%S}")
        try:
            with backup.open("xb") as f:
                f.write(raw[keep:])
                f.flush()
                os.fsync(f.fileno())
            with path.open("r+b") as f:
                f.truncate(keep)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise FileProblem(f"{path}: 修复失败({exc.strerror}),账本未改动") from None
        return Repair(backup, len(raw) - keep)


@dataclass(frozen=True)
class Verification:
    """The result of checking the hash chain: problems, the head hash and the branches."""

    events: int
    head: str
    tips: int
    problems: tuple[Diagnostic, ...]


def verify(path: Path) -> Verification:
    """Check that every event's hash matches its content and names earlier events as prev."""
    ledger = read_ledger(path)
    if not ledger.exists:
        return Verification(0, "", 0, ())
    raw = {n: _parse_line(text) for n, text in split_lines(path, path.read_bytes())}
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for entry in ledger.entries:
        event = entry.event
        if event.hash is None:
            problems.append(Diagnostic(path, entry.line, 1, "记录没有哈希(未加链)"))
            continue
        try:
            actual = digest(raw[entry.line])
        except TypeError:
            actual = ""
        if actual != event.hash:
            problems.append(
                Diagnostic(path, entry.line, 1, "内容与其哈希不符:此记录写入后被改动过")
            )
        for parent in event.prev:
            if parent not in seen:
                problems.append(
                    Diagnostic(
                        path,
                        entry.line,
                        1,
                        f"前序记录 {parent[:12]}… 不在此行之前:有记录被删除、插入或调换了顺序",
                    )
                )
        if event.hash in seen:
            problems.append(Diagnostic(path, entry.line, 1, "与前面某条记录完全相同(重复记录)"))
        seen.add(event.hash)
    tips = ledger.tips
    head = (
        tips[0] if len(tips) == 1 else hashlib.sha256(",".join(sorted(tips)).encode()).hexdigest()
    )
    return Verification(len(ledger.entries), head, len(tips), tuple(problems))
