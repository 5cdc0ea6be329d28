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
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import (
    Busy,
    DataInvalid,
    Diagnostic,
    FileProblem,
    LedgerTorn,
    RectifyError,
    Refused,
    reason,
    undecodable,
)
from .index import Index, _short
from .progress import advance

if TYPE_CHECKING:
    from .events import Event

HEADER = (
    "# rectify 整改台账账本:每行一条记录,只追加,不修改。\n"
    "# 检查:rectify check;防篡改校验:rectify verify。请勿手工编辑。\n"
)
LOCK_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Entry:
    """An event and the line of the ledger it stands on; the void that took it back, if any."""

    line: int
    event: Event
    voided_by: Entry | None = None
    awaits: str | None = None  # a sign-off: the department it waited for to accept it


@dataclass(frozen=True)
class Ledger:
    """A ledger file as replay sees it: every event's facts in file order, and the chain's ends.

    Whole events are read from the file only when asked for, by `entry` or `entries`.
    """

    path: Path
    index: Index = field(default_factory=Index)
    tips: tuple[str, ...] = ()
    unchained: int | None = None  # the line of the first event without a hash
    lines: int = 0  # how many lines the file has
    exists: bool = False
    broken: tuple[Diagnostic, ...] = ()  # where the hash chain of hashed records fails
    content: Any = field(default=None, compare=False, repr=False)  # a SHA-256 of the bytes read
    size: int = 0  # how many bytes were read
    # what the index says that needs a pass over all of it, kept with the cached index:
    # {"doubles": double sign-offs, "pins": conflicting plans}, each pairs of rows
    derived: dict[str, list[tuple[int, int]]] | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.index)

    def doubles(self) -> list[tuple[int, int]]:
        """Return each pair of rows where a measure was signed off twice (`core.double_sign_offs`)."""
        from .core import double_sign_offs

        return self.derived["doubles"] if self.derived else double_sign_offs(self.index)

    def pins(self) -> list[tuple[int, int]]:
        """Return each pair of rows stating a measure's plan otherwise (`core.conflicting_pins`)."""
        from .core import conflicting_pins

        return self.derived["pins"] if self.derived else conflicting_pins(self.index)

    def with_derived(self) -> Ledger:
        """Return this ledger with what `doubles` and `pins` find worked out, to be cached."""
        return replace(self, derived={"doubles": self.doubles(), "pins": self.pins()})

    def entry(self, row: int) -> Entry:
        """Read and return the event of ROW of the index from the file."""
        line, offset = self.index.line[row], self.index.offset[row]
        try:
            with self.path.open("rb") as f:
                f.seek(offset)
                raw = f.readline()
        except OSError as exc:
            raise FileProblem(f"{self.path}: 无法读取账本({reason(exc)})") from None
        ((_, _, event),) = parse_entries(self.path, raw, first_line=line, first_offset=offset)
        if Index.facts_of(line, offset, event) != self.index.facts(row):
            raise FileProblem(f"{self.path}:{line}: 账本在读取期间被改动,请重试")
        return Entry(line, event)

    def entries(self) -> list[Entry]:
        """Read and return every event of the file; the i-th is row i of the index."""
        raw = read_bytes(self.path) or b""
        return [Entry(line, event) for line, _, event in parse_entries(self.path, raw)]


# ---------------------------------------------------------------------------- reading


class DuplicateKey(ValueError):
    """A ledger line names a field twice: which one counts is not what a reader sees."""


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return the mapping of PAIRS, refusing a key given twice."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return found


def _parse_line(text: str) -> Any:
    """Parse one event line: JSON as the tool writes it, or a YAML flow mapping by hand."""
    try:
        return json.loads(text, object_pairs_hook=_once)
    except json.JSONDecodeError as json_error:
        import yaml

        from .yamlsource import _Loader, duplicate_keys, walk

        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            for inner, _ in walk(node) if node is not None else ():
                for key in duplicate_keys(inner):  # YAML, like JSON, keeps the last silently
                    raise DuplicateKey(key.value)
            value = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError:
            raise json_error from None
        finally:
            loader.dispose()
        if not isinstance(value, dict):
            raise json_error from None
        return value


def _field_message(error: Any) -> str:
    from .plan import validation_message

    field = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
    if error["type"] == "value_error":
        return f"{field + ':' if field else ''}{error['ctx']['error']}"
    if error["type"] == "literal_error" and field == "action":
        return f"未知操作“{error['input']}”"
    if error["type"] == "timezone_aware":
        return "记录时间必须带时区,如 2023-10-08T09:30:00+08:00"
    return validation_message(error)


def split_lines(
    path: Path, raw: bytes, first_line: int, first_offset: int, problems: list[Diagnostic]
) -> Iterator[tuple[int, int, str]]:
    """Yield the (line number, byte offset, text) of every event line of RAW, one at a time
    (memory follows the line, not the file); add each undecodable line to PROBLEMS.

    Raise LedgerTorn if RAW does not end with a newline: a write was cut off.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataInvalid([undecodable(path, raw, 0)])
    if raw and not raw.endswith(b"\n"):
        raise LedgerTorn(path, first_line + raw.count(b"\n"))
    start = 3 if raw.startswith(b"\xef\xbb\xbf") and first_offset == 0 else 0
    position, number = 0, first_line
    while position < len(raw):
        end = raw.index(b"\n", position)
        try:
            text = raw[position + start : end].decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            found_at = undecodable(path, raw[position + start : end], exc.start)
            problems.append(Diagnostic(path, number, found_at.col, found_at.message))
        else:
            if text.strip() and not text.lstrip().startswith("#"):
                yield number, first_offset + position, text
        position, number, start = end + 1, number + 1, 0


CHUNK = 4096  # records validated at a time: memory follows the chunk, not the file
# JSON's \ud800 and YAML's \U0000d800: the only ways a line of UTF-8 holds a lone surrogate
_ESCAPED_SURROGATE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse_entries(
    path: Path, raw: bytes, first_line: int = 1, first_offset: int = 0
) -> list[tuple[int, int, Event]]:
    """Parse the bytes RAW of ledger PATH into (line, offset, event); raise listing every bad line."""
    return [
        (line, offset, event)
        for chunk in parse_chunks(path, raw, first_line, first_offset)
        for line, offset, event, _ in chunk
    ]


def parse_chunks(
    path: Path, raw: bytes, first_line: int = 1, first_offset: int = 0
) -> Iterator[list[tuple[int, int, Event, dict[str, Any]]]]:
    """Yield the records of RAW, CHUNK at a time, as (line, offset, event, content as read).

    Every line is read before the last chunk is given; if any is bad, DataInvalid lists
    every bad line instead, and nothing built from the chunks may be kept.
    """
    from pydantic import ValidationError

    from .events import Event, _utf8
    from .rules import adapter

    diagnostics: list[Diagnostic] = []
    lines = split_lines(path, raw, first_line, first_offset, diagnostics)
    validator = adapter(list[Event])
    total, done = raw.count(b"\n"), 0
    while batch := list(islice(lines, CHUNK)):
        advance("读取账本", done, total)
        done = batch[-1][0] - first_line + 1
        values: list[Any] = []
        kept: list[tuple[int, int, str]] = []
        for number, offset, line in batch:
            try:
                value = _parse_line(line)
                if _ESCAPED_SURROGATE.search(line):  # the one way a file holds a lone surrogate
                    _utf8(value)
            except json.JSONDecodeError as exc:
                said = "无法解析的记录(应为一行 JSON/YAML 映射)"
                diagnostics.append(Diagnostic(path, number, exc.colno, said))
                continue
            except RecursionError:
                said = "记录中的列表或映射嵌套过深,无法读取"
                diagnostics.append(Diagnostic(path, number, 1, said))
                continue
            except DuplicateKey as exc:
                col = line.find(f'"{exc}"', line.find(f'"{exc}"') + 1) + 1
                said = f"字段“{exc}”写了两次:一条记录中每个字段只能写一次"
                diagnostics.append(Diagnostic(path, number, max(col, 1), said))
                continue
            except ValueError as exc:
                diagnostics.append(Diagnostic(path, number, 1, str(exc)))
                continue
            if not isinstance(value, dict):
                diagnostics.append(Diagnostic(path, number, 1, "记录应为“键: 值”的映射"))
                continue
            values.append(value)
            kept.append((number, offset, line))
        try:
            events = validator.validate_python(values)
        except ValidationError as exc:
            for error in exc.errors():
                index = error["loc"][0]
                number, _, line = kept[index] if isinstance(index, int) else (0, 0, "")
                field = next((p for p in error["loc"][1:] if isinstance(p, str)), None)
                col = line.find(f'"{field}"') + 1 if field else 1
                diagnostics.append(Diagnostic(path, number, max(col, 1), _field_message(error)))
            continue
        if not diagnostics:
            yield [(n, o, e, v) for (n, o, _), e, v in zip(kept, events, values, strict=True)]
    advance("读取账本", total, total)
    if diagnostics:
        raise DataInvalid(sorted(diagnostics, key=lambda d: (d.line, d.col)))


def parse_ledger(
    path: Path,
    raw: bytes,
    parsed: list[tuple[int, int, Event]] | None = None,
    chain: Verification | None = None,
) -> Ledger:
    """Parse and validate the whole of ledger PATH, whose content is RAW, and check its hash
    chain (or use PARSED and CHAIN, when the caller has them already).

    Without them, records are read a chunk at a time into the index and the chain check,
    and dropped: memory follows the index, not the file.
    """
    index = Index()
    if parsed is None or chain is None:
        checking = Chain(path)
        for chunk in parse_chunks(path, raw):
            for line, _, event, content in chunk:
                checking.add(line, event, content)
            index.extend((line, offset, event) for line, offset, event, _ in chunk)
        problems, tips, unhashed = checking.problems, tuple(checking.tips), checking.unhashed
    else:
        index.extend(parsed)
        problems, unhashed = list(chain.problems), [n for n, _, e in parsed if not e.hash]
        ends: dict[str, None] = {}
        for _, _, event in parsed:
            for parent in event.prev:
                ends.pop(parent, None)
            if event.hash:
                ends[event.hash] = None
        tips = tuple(ends)
    skipped = set(unhashed)
    broken = tuple(d for d in problems if d.line not in skipped)
    unchained = unhashed[0] if unhashed else None
    return Ledger(path, index, tips, unchained, raw.count(b"\n"), True, broken)


def read_ledger(path: Path, cache: Path | None = None, *, locked: bool = False) -> Ledger:
    """Read the ledger at PATH; a missing file is an empty ledger.

    With a CACHE folder, the index cached for exactly this state of the file is used
    instead of parsing it; if the file only grew at its end since (an append by another
    clerk, a git pull of an append-only file), the cached index is extended by the new
    lines once the bytes it was made from are found unchanged at the file's start. A parse
    refreshes the cache. LOCKED says the caller holds the ledger's lock.
    """
    from . import __version__
    from .index import load_index, save_index
    from .storage import regular

    if not regular(path, "账本"):
        return Ledger(path)
    hit = load_index(cache, path, __version__) if cache is not None else None
    ledger = None
    if hit is not None:
        ledger = _from_cache(path, *hit)
        if ledger is not None and ledger.size == hit[2][0]:
            return ledger  # the very state the cache was made from
    if ledger is None:
        raw = read_bytes(path, locked=locked)
        if raw is None:
            return Ledger(path)
        ledger = replace(parse_ledger(path, raw), content=hashlib.sha256(raw), size=len(raw))
    if cache is not None:
        ledger = ledger.with_derived()
        key = (ledger.size, ledger.content.hexdigest())
        save_index(cache, path, key, __version__, ledger.index, _extra(ledger))
    return ledger


def _from_cache(
    path: Path, index: Index, extra: dict[str, Any], made_from: tuple[int, str]
) -> Ledger | None:
    """Return the ledger of INDEX (and EXTRA), cached for the file's first bytes, if they are
    still those it was MADE_FROM (their size and SHA-256), extended by any lines after them;
    None where only a whole read can tell.

    The file is hashed a block at a time: memory follows the index, not the file.
    """
    size, digest_hex = made_from
    try:
        with path.open("rb") as file:
            content, left = hashlib.sha256(), size
            while left:
                block = file.read(min(left, 1 << 20))
                if not block:
                    return None  # the file is shorter than it was
                content.update(block)
                left -= len(block)
            if content.hexdigest() != digest_hex:
                return None
            broken = [Diagnostic(path, line, col, said) for line, col, said in extra["broken"]]
            derived = {name: [(a, b) for a, b in pairs] for name, pairs in extra["derived"].items()}
            kept = Ledger(
                path, index, tuple(extra["tips"]), extra["unchained"], extra["lines"], True,
                tuple(broken), content, size, derived,
            )  # fmt: skip
            tail = file.read()
            if not tail:
                return kept
            if not tail.endswith(b"\n"):
                return None  # a writer mid-line: the whole read waits for its lock
            return _grown(kept, tail, file)
    except OSError:
        return None  # the whole read says what is wrong


class _ReadWhole(Exception):
    """What the cached index keeps cannot tell: the ledger is read whole."""


def _grown(kept: Ledger, tail: bytes, file: BinaryIO) -> Ledger | None:
    """Return the ledger KEPT (the index of the first `kept.size` bytes of FILE) extended by
    TAIL, the lines after them, checked into the chain as a whole read would check them;
    None where only a whole read can tell (records without a hash, a moment to the second)."""
    from datetime import timezone

    path, index = kept.path, kept.index.copy()
    if kept.unchained is not None or kept.broken:
        return None  # a chain that already fails is listed as a whole read lists it

    def indexed(hashed: str) -> int | None:
        """Return the row of the record whose hash is HASHED: the index keeps 60 bits of
        each hash, so the record's own line, in FILE, says whether it is the whole hash.
        Raise _ReadWhole where 60 bits cannot tell (two records share them, or none)."""
        short = _short(hashed)
        if not short:
            raise _ReadWhole
        row = index.row_of(short)
        if row is None:
            return None
        file.seek(index.offset[row])
        own = _parse_line(file.readline().decode("utf-8-sig")).get("hash")
        if own != hashed:
            raise _ReadWhole  # another record begins as HASHED does: only a whole read knows
        return row

    def earlier(hashed: str) -> tuple[datetime, int] | None:
        row = indexed(hashed)  # the index keeps whole seconds, earlier than the record's own
        if row is None:
            return None
        return datetime.fromtimestamp(index.moment[row], timezone.utc), index.line[row]

    chain = Chain(path, earlier, kept)
    rows: list[tuple[int, int, Event]] = []
    try:
        for chunk in parse_chunks(path, tail, kept.lines + 1, kept.size):
            for line, offset, event, content in chunk:
                if event.hash is None:
                    return None
                for parent in event.prev:
                    row = None if parent in chain.recorded else indexed(parent)
                    if row is not None and index.moment[row] >= int(event.recorded.timestamp()):
                        return None  # in the same second: only whole times tell the order
                chain.add(line, event, content)
                rows.append((line, offset, event))
    except _ReadWhole:
        return None
    index.extend(rows)
    content = kept.content.copy()
    content.update(tail)
    lines = kept.lines + tail.count(b"\n")
    return Ledger(
        path, index, tuple(chain.tips), None, lines, True, tuple(chain.problems), content,
        kept.size + len(tail),
    )  # fmt: skip


def read_bytes(path: Path, *, locked: bool = False) -> bytes | None:
    """Return the bytes of ledger PATH, or None if there is none.

    Readers take no lock, so they may catch a writer mid-line. A file that ends without
    a newline is therefore read once more under the lock, once the writer is done; if
    it still ends so, the line really was torn.
    """
    from .storage import read_regular

    raw = read_regular(path, "账本")
    if raw is None:
        return None
    if raw and not raw.endswith(b"\n") and not locked:
        try:
            with locked_ledger(path):
                return read_bytes(path, locked=True)
        except FileProblem:  # no lock can be taken here (a read-only folder): judge what was read
            pass
    return raw


def _extra(ledger: Ledger) -> dict[str, Any]:
    return {
        "tips": list(ledger.tips),
        "unchained": ledger.unchained,
        "lines": ledger.lines,
        "broken": [[d.line, d.col, d.message] for d in ledger.broken],
        "derived": ledger.with_derived().derived,
    }


# ---------------------------------------------------------------------------- writing


def digest(content: dict[str, Any]) -> str:
    """Return the SHA-256 of an event's content without its own hash, in canonical JSON."""
    body = {k: v for k, v in content.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode(event: Event, prev: tuple[str, ...]) -> tuple[str, str]:
    """Return the ledger line for EVENT chained after PREV (newline included) and its hash."""
    # every line carries note and evidence, even empty; fields of other actions are left out
    from .events import jsonable

    content = jsonable(event)
    content.pop("hash", None)
    content["prev"] = list(prev)
    content["hash"] = digest(content)
    line = json.dumps(content, ensure_ascii=False, separators=(", ", ": "))
    # Characters YAML and some editors take as line breaks stay escaped: one event, one line.
    for char in ("\u0085", "\u2028", "\u2029"):
        line = line.replace(char, f"\\u{ord(char):04x}")
    return line + "\n", content["hash"]


def _lock(path: Path) -> Any:
    """Return the lock of the ledger PATH names, by its real path: a symlink or a relative
    spelling of the same file takes the same lock."""
    from filelock import FileLock

    return FileLock(os.path.realpath(path) + ".lock", timeout=LOCK_TIMEOUT_SECONDS)


@contextmanager
def _locked_inode(path: Path) -> Iterator[None]:
    """On POSIX, also lock the ledger file itself: another name of it (a hard link) has
    another lock file, but the same file."""
    from .storage import regular

    if os.name != "posix" or not regular(path, "账本"):  # a FIFO is never opened
        yield
        return
    import fcntl
    import time

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Busy(f"{path}: 账本正被其他 rectify 进程占用,请稍后再试") from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def locked_ledger(path: Path) -> Iterator[None]:
    """Hold the ledger's lock (a file beside it); say so in Chinese if it cannot be had."""
    from filelock import Timeout

    lock = _lock(path)
    try:
        lock.acquire()
    except Timeout:
        raise Busy(f"{path}: 账本正被其他 rectify 进程占用,请稍后再试") from None
    except OSError as exc:
        raise FileProblem(f"{path}: 无法加锁({reason(exc)}),未做任何改动") from None
    try:
        with _locked_inode(path):
            yield
    finally:
        lock.release()


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> int:
    """Append DATA to PATH and fsync it; return where it starts. On failure leave PATH as it was."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise FileProblem(f"{path}: 无法写入账本({reason(exc)}),未做任何改动") from None
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
            raise FileProblem(f"{path}: 写入账本失败({reason(exc)}),账本保持原样") from None
    finally:
        os.close(fd)
    if size == 0:
        _fsync_dir(path.parent)
    return size


def append(
    path: Path,
    build: Callable[[Ledger], list[Event]],
    *,
    create_folder: bool = False,
    cache: Path | None = None,
) -> list[Entry]:
    """Append the events BUILD makes from the current ledger, under the ledger's lock, in one
    write; return them as written (none if BUILD made none).

    BUILD sees the ledger as it is once the lock is held, so two writers never both
    decide on a stale state. It raises to refuse; then nothing is written.
    """
    from . import __version__
    from .index import save_index

    folder = path.parent
    if not folder.is_dir():
        if not create_folder:
            raise FileProblem(f"{path}: 文件夹 {folder} 不存在")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileProblem(f"{folder}: 无法创建文件夹({reason(exc)})") from None
    with locked_ledger(path):
        ledger = read_ledger(path, cache, locked=True)
        if ledger.broken:
            first = ledger.broken[0]
            raise Refused(
                f"{first}(共 {len(ledger.broken)} 处)。账本的哈希链不完整,不能再追加:"
                "请运行 rectify verify 查看,查明原因、恢复原账本后再登记"
            )
        if ledger.unchained is not None:
            raise Refused(
                f"{path}:{ledger.unchained}: 账本含未加哈希链的记录(可能是手工添加的),"
                "请先用 rectify verify 查看,确认无误后运行 rectify upgrade 加链,再追加"
            )
        events = build(ledger)
        if not events:
            return []
        header = "" if ledger.exists else HEADER
        lines, written, tips = [header], [], ledger.tips
        for event in events:  # each chained to the one before it
            line, hashed = encode(event, tips)
            lines.append(line)
            written.append(replace(event, prev=tips, hash=hashed))
            tips = (hashed,)
        data = "".join(lines).encode("utf-8")
        offset = _write(path, data) + len(header.encode("utf-8"))
        first_line = ledger.lines + header.count("\n") + 1
        entries = [Entry(first_line + n, event) for n, event in enumerate(written)]
        if cache is not None:  # the key of the file as it is now, from what was read and added
            content = ledger.content.copy() if ledger.content is not None else hashlib.sha256()
            content.update(data)
            after = (ledger.size + len(data), content.hexdigest())
            index = ledger.index.copy()
            for text, entry in zip(lines[1:], entries, strict=True):
                index.add(entry.line, offset, entry.event)
                offset += len(text.encode("utf-8"))
            grown = Ledger(path, index, tips, None, entries[-1].line, True, (), content, after[0])
            save_index(cache, path, after, __version__, index, _extra(grown))
        return entries


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
        raise FileProblem(f"{path}: 无法创建({reason(exc)})") from None


# ---------------------------------------------------------------------------- repair and verify


@dataclass(frozen=True)
class Repair:
    """What `repair` did: where the torn bytes went, that it only added a newline, or nothing."""

    backup: Path | None
    size: int
    newline_added: bool = False


def _whole_event(path: Path, fragment: bytes, line: int) -> bool:
    """Tell whether FRAGMENT, the last line of PATH without its newline, is a complete event
    whose hash matches its content: a write cut just before the newline."""
    try:
        ((_, _, event),) = parse_entries(path, fragment + b"\n", first_line=line)
        content = _parse_line(fragment.decode("utf-8"))
        return event.hash is not None and digest(content) == event.hash
    except (RectifyError, ValueError, TypeError):
        return False


def repair(path: Path, now: datetime) -> Repair:
    """Move a torn last line into a backup file beside the ledger; keep every complete event."""
    with locked_ledger(path):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise FileProblem(f"{path}: 无法读取账本({reason(exc)})") from None
        if not raw or raw.endswith(b"\n"):
            return Repair(None, 0)
        keep = raw.rfind(b"\n") + 1
        if _whole_event(path, raw[keep:], raw.count(b"\n") + 1):
            try:
                with path.open("ab") as f:
                    f.write(b"\n")
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                raise FileProblem(f"{path}: 修复失败({reason(exc)}),账本未改动") from None
            return Repair(None, 0, newline_added=True)
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
            raise FileProblem(f"{path}: 修复失败({reason(exc)}),账本未改动") from None
        return Repair(backup, len(raw) - keep)


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did: where the original went, and how many events were chained."""

    backup: Path | None
    events: int


def upgrade(path: Path, now: datetime) -> Upgrade:
    """Chain the records of a ledger that have no hash, keeping the original as a backup.

    The one operation that rewrites the file: explicit, under the lock, the original kept
    byte for byte, the new file written beside it with the original's mode, owner and
    group, fsynced, then renamed over it. Records that have a hash and comment lines are
    kept as they are; a ledger with a hashed record that fails verification is refused,
    so that upgrade can never give an edited record a new, valid hash.
    """
    with locked_ledger(path):
        raw = read_bytes(path, locked=True) or b""
        parsed, chain = read_checked(path, raw)
        unhashed = {line for line, _, event in parsed if not event.hash}
        if not unhashed:
            return Upgrade(None, 0)
        forged = [d for d in chain.problems if d.line not in unhashed]
        if forged:
            raise DataInvalid(
                [
                    *forged,
                    Diagnostic(
                        path, forged[0].line, 1,
                        "有带哈希的记录校验不通过:upgrade 只给没有哈希的记录加链,不会给改动过的记录"
                        "重新算哈希;请先查明原因(rectify verify)",
                    ),
                ]
            )  # fmt: skip
        events = {line: event for line, _, event in parsed}
        tips: dict[str, None] = {}
        lines = []
        for number, text in enumerate(raw.decode("utf-8").splitlines(keepends=True), start=1):
            event = events.get(number)
            if event is not None and not event.hash:
                text, hashed = encode(event, tuple(tips))
                tips = {hashed: None}
            elif event is not None and event.hash:
                for parent in event.prev:
                    tips.pop(parent, None)
                tips[event.hash] = None
            lines.append(text)
        backup = path.with_name(f"{path.name}.pre-chain-{now:%Y%m%dT%H%M%S}")
        temporary = path.with_name(f"{path.name}.upgrading")
        try:
            for target, data in ((backup, raw), (temporary, "".join(lines).encode("utf-8"))):
                with target.open("xb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            _same_mode_and_owner(path, temporary)
            os.replace(temporary, path)
            _fsync_dir(path.parent)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise FileProblem(f"{path}: 升级失败({reason(exc)}),账本未改动") from None
        return Upgrade(backup, len(unhashed))


def _same_mode_and_owner(original: Path, copy: Path) -> None:
    """Give COPY the permissions, and where allowed the owner and group, of ORIGINAL."""
    import stat
    from contextlib import suppress

    st = original.stat()
    os.chmod(copy, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown"):
        with suppress(PermissionError):  # only root may give a file away
            os.chown(copy, st.st_uid, st.st_gid)


@dataclass(frozen=True)
class Verification:
    """The result of checking the hash chain: problems, the head hash and the branches."""

    events: int
    head: str
    tips: int
    problems: tuple[Diagnostic, ...]
    side: tuple[Entry, ...] = ()  # records off the main line: the first parents of the last


def _side_branches(entries: list[tuple[int, int, Event]]) -> tuple[Entry, ...]:
    """Return the records that are not on the main line, the longest chain of records each
    naming the one before as `prev`: what a merge brought in beside it, or a record put in
    out of line. An unkeyed chain cannot tell the two apart; a person can."""
    by_hash = {event.hash: event for _, _, event in entries if event.hash}
    depth: dict[str, int] = {}
    for _, _, event in entries:  # parents stand before children in a chain that verifies
        if event.hash:
            depth[event.hash] = 1 + max((depth.get(p, 0) for p in event.prev), default=0)
    main: set[str] = set()
    node = max(depth, key=lambda h: depth[h], default=None)  # the first of the deepest
    while node is not None and node not in main:
        main.add(node)
        parents = [p for p in by_hash[node].prev if p in depth] if node in by_hash else []
        node = max(parents, key=lambda p: depth[p], default=None)
    return tuple(
        Entry(line, event) for line, _, event in entries if event.hash and event.hash not in main
    )


def read_whole(path: Path) -> tuple[Ledger, list[Entry], Verification]:
    """Read the ledger at PATH once, never through a cache: its index, every record, its chain."""
    raw = read_bytes(path)
    if raw is None:
        return Ledger(path), [], Verification(0, "", 0, ())
    parsed, chain = read_checked(path, raw)
    entries = [Entry(line, event) for line, _, event in parsed]
    return parse_ledger(path, raw, parsed, chain), entries, chain


class Chain:
    """The hash chain, checked record by record in file order: each hash matches its
    record's content, names only earlier records as prev, and no record comes twice."""

    def __init__(
        self,
        path: Path,
        earlier: Callable[[str], tuple[datetime, int] | None] = lambda _: None,
        ledger: Ledger | None = None,
    ) -> None:
        """Check records of PATH after those of LEDGER (its problems and tips), if given;
        EARLIER finds when and where one of them was recorded, by its hash."""
        self.path = path
        self.events = 0
        self.problems: list[Diagnostic] = list(ledger.broken) if ledger else []
        self.tips: dict[str, None] = dict.fromkeys(ledger.tips) if ledger else {}
        self.recorded: dict[str, tuple[datetime, int]] = {}  # hash -> when and where recorded
        self.earlier = earlier
        self.unhashed: list[int] = []  # the lines of records without a hash

    def find(self, hashed: str) -> tuple[datetime, int] | None:
        """Return when and where the record of hash HASHED was recorded, if it was."""
        return self.recorded.get(hashed) or self.earlier(hashed)

    def add(self, line: int, event: Event, content: dict[str, Any]) -> None:
        """Check the record on LINE, whose CONTENT as read is EVENT."""
        path, problems = self.path, self.problems
        self.events += 1
        if event.hash is None:
            said = "记录没有哈希(未加链);确认无误后可运行 rectify upgrade"
            problems.append(Diagnostic(path, line, 1, said))
            self.unhashed.append(line)
            for parent in event.prev:
                self.tips.pop(parent, None)
            return
        try:
            actual = digest(content)
        except TypeError:  # a hand-written YAML line holding dates, not strings
            actual = ""
        if actual != event.hash:
            problems.append(Diagnostic(path, line, 1, "内容与其哈希不符:此记录写入后被改动过"))
        for parent in event.prev:
            found = self.find(parent)
            if found is None:
                problems.append(
                    Diagnostic(
                        path, line, 1,
                        f"前序记录 {parent[:12]}… 不在此行之前:有记录被删除、插入或调换了顺序",
                    )
                )  # fmt: skip
            elif found[0] > event.recorded:
                then, at = found
                problems.append(
                    Diagnostic(
                        path, line, 1,
                        f"登记时刻 {event.recorded:%Y-%m-%d %H:%M:%S} 早于它的前序记录(第 {at} 行)"
                        f"的登记时刻 {then:%Y-%m-%d %H:%M:%S}:电脑时钟有误,或此记录是事后补写的",
                    )
                )  # fmt: skip
            self.tips.pop(parent, None)
        if self.find(event.hash) is not None:
            problems.append(Diagnostic(path, line, 1, "与前面某条记录完全相同(重复记录)"))
        else:
            self.recorded[event.hash] = (event.recorded, line)
        self.tips[event.hash] = None

    def result(self, entries: list[tuple[int, int, Event]] | None = None) -> Verification:
        """Return what the check found; with every record's ENTRIES, also the side branches."""
        side = _side_branches(entries) if entries is not None else ()
        tips = tuple(self.tips)
        return Verification(self.events, head_of(tips), len(tips), tuple(self.problems), side)


def read_checked(path: Path, raw: bytes) -> tuple[list[tuple[int, int, Event]], Verification]:
    """Parse every record of RAW, the bytes of ledger PATH, and check its hash chain, in one
    reading of each line."""
    chain = Chain(path)
    parsed: list[tuple[int, int, Event]] = []
    for chunk in parse_chunks(path, raw):
        for line, offset, event, content in chunk:
            chain.add(line, event, content)
            parsed.append((line, offset, event))
    return parsed, chain.result(parsed)


def verify(path: Path, raw: bytes | None = None) -> Verification:
    """Check that every event's hash matches its content and names earlier events as prev."""
    raw = read_bytes(path) if raw is None else raw
    if raw is None:
        return Verification(0, "", 0, ())
    return read_checked(path, raw)[1]


def _ancestors(by_hash: dict[str, Event], start: str) -> set[str]:
    """Return START and every record it names as prev, directly or not."""
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node in seen or node not in by_hash:
            continue
        seen.add(node)
        stack += by_hash[node].prev
    return seen


def head_of(tips: tuple[str, ...]) -> str:
    """Return the head hash: the one tip, or the SHA-256 of the sorted tips joined by commas."""
    if len(tips) <= 1:
        return tips[0] if tips else ""
    return hashlib.sha256(",".join(sorted(tips)).encode()).hexdigest()


def extends(path: Path, head: str) -> tuple[bool, str]:
    """Tell whether the ledger at PATH still holds, and only extends, the state whose head
    hash is HEAD (as a report quoted it); say how in Chinese either way.

    HEAD must be the head of the file after some whole number of its records, in a chain
    that verifies. Each hash covers its record and, through `prev`, every record before
    it, so that state is then kept whole: records may have been added after it, none
    removed, changed or reordered.
    """
    raw = read_bytes(path) or b""
    parsed, chain = read_checked(path, raw)
    if chain.problems:
        return False, f"哈希链不完整({len(chain.problems)} 处问题,见 rectify verify):账本被改写过"
    by_hash = {event.hash: event for _, _, event in parsed if event.hash}
    if head in by_hash:  # a one-tip head is a record: is it an ancestor of every tip now?
        ends = [h for h in by_hash if h not in {p for e in by_hash.values() for p in e.prev}]
        under = _ancestors(by_hash, head)
        if all(head in _ancestors(by_hash, end) for end in ends):
            added = len(parsed) - len(under)
            return True, f"账本仍包含头哈希 {head[:12]}… 时的全部记录,此后只追加了 {added} 条记录"
        return False, (
            "头哈希所指的记录仍在账本中,但账本另有不以它为前序的分支末端(合并后尚未连起来,"
            "或有记录被插在旁边);下一条记录会把末端连起来,请用 rectify verify 查看旁支"
        )
    tips: dict[str, None] = {}
    found, at = head == "", 0
    for n, (_, _, event) in enumerate(parsed, start=1):
        assert event.hash is not None  # the chain verified
        for parent in event.prev:
            tips.pop(parent, None)
        tips[event.hash] = None
        if not found and head_of(tuple(tips)) == head:
            found, at = True, n
    if not found:
        return False, "账本中从未有过这个头哈希:账本被截断或改写过,或者头哈希抄错了"
    added = len(parsed) - at
    return True, f"账本仍包含头哈希 {head[:12]}… 时的全部记录,此后只追加了 {added} 条记录"
