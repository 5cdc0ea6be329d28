"""The facts replay needs, one column per fact, and a disposable on-disk cache of them.

A ledger of 100,000 events takes seconds to parse and validate; replaying it needs only
each event's measure, dates, action and author. `Index` keeps those in compact arrays.
Each fact is declared once, as a field of `Index` that says how to read it off an event;
adding, appending, comparing and caching all follow from that declaration.

The cache stores the columns under the SHA-256 of the ledger's content and a checksum of
its own: it is used only while the ledger file holds exactly the bytes it was made from,
and only if the cache file is whole. It is rewritten after every append. Deleting the
cache folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .actions import ACTIONS

if TYPE_CHECKING:
    from .actions import Action
    from .events import Event

FORMAT = 17
ANY = -1  # the action slot of `Index.latest` that counts every action
VOID = ACTIONS.index("void")
AMEND = ACTIONS.index("amend")
_MOVES_DUE = (ACTIONS.index("extend"), AMEND)
REMOVED = 1  # the definition an amendment records when the plan removed the measure
PART = "\x1f"  # between a measure's id and a section's name: the subject of a part's record

Value = int | str | None
Reader = Callable[[int, int, "Event"], Value]


def _fact(typecode: str, read: Reader, *, text: bool = False) -> Any:
    """Declare a column: its array type, how to read it from (line, offset, event), and
    whether it holds text, stored as a code into `Index.names` (-1 for None)."""
    return field(
        default_factory=lambda: array(typecode),
        metadata={"typecode": typecode, "read": read, "text": text},
    )


def _short(digest: str | None) -> int:
    """Return the first 60 bits of a SHA-256 hex digest as a number (0 for none or a
    hand-made hash that is not hex: such a record fails verification anyway)."""
    try:
        return int(digest[:15], 16) if digest else 0
    except ValueError:
        return 0


def _utc_offset(event: Event) -> int:
    offset = event.recorded.utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _defined(event: Event) -> int:
    if event.measure is not None:
        return event.measure.digest
    return REMOVED if event.action == "amend" else 0


def _defined_due(event: Event) -> int:
    if event.measure is None:
        return -1
    return event.measure.due.toordinal() if event.measure.due else 0


def _joined(names: tuple[str, ...] | None) -> str | None:
    return PART.join(names) if names else None


PEOPLE = "\x1e"  # between a department and its people in the `people` column


def _people(people: dict[str, tuple[str, ...]] | None) -> str | None:
    if not people:
        return None
    return PART.join(PEOPLE.join([dept, *names]) for dept, names in people.items())


def _until(event: Event) -> int:
    until = event.to or event.eta
    return until.toordinal() if until else 0


@dataclass
class Index:
    """Every event's facts as columns, in file order; the i-th event of the file is row i."""

    line: array[int] = _fact("q", lambda line, offset, e: line)
    offset: array[int] = _fact("q", lambda line, offset, e: offset)  # where its line starts
    id: array[int] = _fact("l", lambda line, offset, e: e.id, text=True)
    date: array[int] = _fact("l", lambda line, offset, e: e.date.toordinal())
    moment: array[int] = _fact("q", lambda line, offset, e: int(e.recorded.timestamp()))
    zone: array[int] = _fact("l", lambda line, offset, e: _utc_offset(e))  # of `recorded`, s
    action: array[int] = _fact("b", lambda line, offset, e: ACTIONS.index(e.action))
    by: array[int] = _fact("l", lambda line, offset, e: e.by, text=True)
    owner: array[int] = _fact("l", lambda line, offset, e: e.owner, text=True)
    until: array[int] = _fact("l", lambda line, offset, e: _until(e))  # extend: to; progress: eta
    percent: array[int] = _fact("b", lambda line, offset, e: -1 if e.percent is None else e.percent)
    short: array[int] = _fact("q", lambda line, offset, e: _short(e.hash))  # the record's hash
    ref: array[int] = _fact("q", lambda line, offset, e: _short(e.ref))  # void: what it voids
    # the measure as the plan stated it, when the event records that (see Event.measure):
    defined: array[int] = _fact("q", lambda line, offset, e: _defined(e))  # digest; 0 none
    term: array[int] = _fact(
        "l", lambda line, offset, e: e.measure.deadline if e.measure else None, text=True
    )
    defined_due: array[int] = _fact("l", lambda line, offset, e: _defined_due(e))  # 0 none
    accepting: array[int] = _fact(  # the department that accepts its sign-offs
        "l", lambda line, offset, e: e.measure.acceptance if e.measure else None, text=True
    )
    parts: array[int] = _fact(  # the sections that sign off its parts, joined by PART
        "l", lambda line, offset, e: _joined(e.measure.parts if e.measure else None), text=True
    )
    people: array[int] = _fact(  # who may act for whom: dept PEOPLE name PEOPLE name…, by PART
        "l", lambda line, offset, e: _people(e.measure.people if e.measure else None), text=True
    )
    # what the record is about: the measure, or one section's part of it (id PART dept)
    subject: array[int] = _fact(
        "l", lambda line, offset, e: f"{e.id}{PART}{e.dept}" if e.dept else e.id, text=True
    )
    names: list[str] = field(default_factory=list)
    latest: dict[tuple[int, int], int] = field(default_factory=dict)  # (action, measure) -> row
    extensions: dict[int, list[int]] = field(default_factory=dict)  # measure -> extend, amend rows
    voided: dict[int, int] = field(default_factory=dict)  # voided row -> the void's row
    pinned: dict[int, int] = field(default_factory=dict)  # measure -> its first definition's row
    definition: dict[int, int] = field(default_factory=dict)  # measure -> definition in force
    max_date: int = 0
    _codes: dict[str, int] = field(init=False, repr=False)
    _by_short: dict[int, int] | None = field(default=None, init=False, repr=False)
    _defined_from: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._codes = {name: i for i, name in enumerate(self.names)}

    def __len__(self) -> int:
        return len(self.line)

    def code(self, name: str) -> int:
        """Return the index of NAME in `names`, adding it if new."""
        found = self._codes.get(name)
        if found is None:
            found = self._codes[name] = len(self.names)
            self.names.append(name)
        return found

    def code_of(self, name: str) -> int:
        """Return the index of NAME in `names`, or -1 if no event names it."""
        return self._codes.get(name, -1)

    def name(self, code: int) -> str | None:
        """Return the text a column's CODE stands for (None for -1)."""
        return None if code < 0 else self.names[code]

    def extend(self, rows: Iterable[tuple[int, int, Event]]) -> None:
        """Add the events of ROWS, (line, offset, event) in file order, a column at a time
        (what `add` does for one event)."""
        rows = list(rows)
        start = len(self.line)
        read: dict[str, list[Any]] = {
            c.name: [c.read(line, o, e) for line, o, e in rows] for c in COLUMNS
        }
        texts = [read[c.name] for c in COLUMNS if c.text]
        coded: list[list[int]] = [[] for _ in texts]
        code = self.code
        for n in range(len(rows)):  # text coded row by row, as `add` codes it
            for values, codes in zip(texts, coded, strict=True):
                value = values[n]
                codes.append(-1 if value is None else code(str(value)))
        for c, codes in zip([c for c in COLUMNS if c.text], coded, strict=True):
            read[c.name] = codes
        for c in COLUMNS:
            getattr(self, c.name).fromlist(read[c.name])
        for row in range(start, start + len(rows)):
            self._count(row)

    def add(self, line: int, offset: int, event: Event) -> None:
        """Append one event's facts, keeping `latest`, `extensions`, the definitions and
        `max_date` up to date."""
        row = len(self.line)
        for column in COLUMNS:
            value = column.read(line, offset, event)
            if column.text:
                value = -1 if value is None else self.code(str(value))
            getattr(self, column.name).append(value)
        self._count(row)

    def _count(self, row: int) -> None:
        """Take ROW, whose facts are in the columns, into the tables replay reads."""
        if self._by_short is not None and self.short[row]:
            self._by_short.setdefault(self.short[row], row)
        self.max_date = max(self.max_date, self.date[row])
        if self.defined[row]:
            self._define(row)
        if self.action[row] == VOID:
            target = self.row_of(self.ref[row])  # a record before it, or itself
            if (
                target is not None
                and target <= row
                and target not in self.voided
                and self.action[target] != VOID
            ):
                self.voided[target] = row
                self._recount(self.id[target])
            return
        self._take(row)

    def _take(self, row: int) -> None:
        """Count ROW, which is neither a void nor voided, in `latest` and `extensions`."""
        code = self.id[row]
        self.count_in(self.latest, row)
        if self.action[row] in _MOVES_DUE:
            self.extensions.setdefault(code, []).append(row)

    def count_in(self, latest: dict[tuple[int, int], int], row: int) -> None:
        """Count ROW in LATEST, a map like `latest`: its measure's latest record, and its
        subject's latest of its action, if it takes effect after the one there."""
        for slot in ((ANY, self.id[row]), (self.action[row], self.subject[row])):
            best = latest.get(slot)
            if best is None or self.key(row) > self.key(best):
                latest[slot] = row

    def _define(self, row: int) -> None:
        """Take the definition ROW records, rows coming in file order: the first is the
        measure as first recorded; only an amendment changes it after that (another record
        stating it otherwise is `core.conflicting_pins`)."""
        code = self.id[row]
        self.pinned.setdefault(code, row)
        if self._defined_from is not None:
            self._defined_from = min(self._defined_from, row)
        if self.action[row] == AMEND or code not in self.definition:
            self.definition[code] = row

    def defined_from(self) -> int:
        """Return the first row that records the plan (the number of rows if none does): the
        rectify that wrote it, and every later row, records a measure's plan with its first
        record."""
        if self._defined_from is None:
            self._defined_from = min(self.pinned.values(), default=len(self))
        return self._defined_from

    def counts(self, row: int) -> bool:
        """Tell whether ROW counts in state: not a void, and not voided."""
        return self.action[row] != VOID and row not in self.voided

    def row_of(self, short: int) -> int | None:
        """Return the row of the record whose hash begins as SHORT, if any."""
        if self._by_short is None:
            self._by_short = {}
            for row, value in enumerate(self.short):
                if value:
                    self._by_short.setdefault(value, row)
        return self._by_short.get(short) if short else None

    def _recount(self, code: int) -> None:
        """Work out `latest`, `extensions` and the definitions of measure CODE again.

        A voided amendment no longer defines the measure; a first record's definition
        stands even if the record is voided: it says what the plan was when it was made.
        """
        subjects = {self.subject[r] for r, c in enumerate(self.id) if c == code} | {code}
        for slot in [slot for slot in self.latest if slot[1] in subjects]:
            del self.latest[slot]
        for table in (self.extensions, self.pinned, self.definition):
            table.pop(code, None)
        for row in (r for r, c in enumerate(self.id) if c == code):
            if self.counts(row):
                self._take(row)
            if self.defined[row] and (self.action[row] != AMEND or row not in self.voided):
                self._define(row)

    def facts(self, row: int) -> tuple[Value, ...]:
        """Return the facts of ROW as read from its event, text as text."""
        return tuple(
            self.name(getattr(self, c.name)[row]) if c.text else getattr(self, c.name)[row]
            for c in COLUMNS
        )

    @staticmethod
    def facts_of(line: int, offset: int, event: Event) -> tuple[Value, ...]:
        """Return the facts an event on LINE at OFFSET has, as `facts` returns them."""
        return tuple(c.read(line, offset, event) for c in COLUMNS)

    def copy(self) -> Index:
        """Return an independent copy."""
        copied = Index(names=list(self.names), max_date=self.max_date)
        for c in COLUMNS:
            setattr(copied, c.name, array(c.typecode, getattr(self, c.name)))
        copied.latest = dict(self.latest)
        copied.extensions = {code: list(rows) for code, rows in self.extensions.items()}
        copied.voided = dict(self.voided)
        copied.pinned = dict(self.pinned)
        copied.definition = dict(self.definition)
        return copied

    def key(self, row: int) -> tuple[int, int, int]:
        """Return the order in which ROW takes effect: date, then recording time, then line."""
        return (self.date[row], self.moment[row], self.line[row])

    def rows_of(self, mid: str) -> list[int]:
        """Return the rows of the events of measure MID, in file order."""
        code = self.code_of(mid)
        return [] if code < 0 else [i for i, c in enumerate(self.id) if c == code]

    def last(self, mid: str, action: Action | None = None) -> int | None:
        """Return the row of MID's event (of ACTION, if given) that takes effect last."""
        code = self.code_of(mid)
        slot = ANY if action is None else ACTIONS.index(action)
        return None if code < 0 else self.latest.get((slot, code))


@dataclass(frozen=True)
class Column:
    """One declared fact of `Index`."""

    name: str
    typecode: str
    read: Reader
    text: bool


COLUMNS = tuple(
    Column(f.name, f.metadata["typecode"], f.metadata["read"], f.metadata["text"])
    for f in fields(Index)
    if "read" in f.metadata
)


# ---------------------------------------------------------------------------- the cache

Identity = tuple[int, str]


def content_key(data: bytes) -> Identity:
    """Return what a cache of a file is kept for: its size and the SHA-256 of its content.

    Not its modification time or inode: a same-size edit with the time put back
    (touch -r, cp -p, rsync -t) or a swapped file must never be served from a cache.
    """
    return (len(data), hashlib.sha256(data).hexdigest())


def _cache_file(folder: Path, kind: str, path: Path) -> Path:
    name = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:24]
    return folder / f"{kind}-{name}.cache"


def _header(path: Path, ident: Identity, version: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": version,
        "python": list(sys.version_info[:2]),
        "byteorder": sys.byteorder,
        "path": str(path.resolve()),
        "identity": list(ident),
    }


def _save(target: Path, data: bytes) -> None:
    """Write a cache file; one that cannot be written is simply not there next time."""
    from contextlib import suppress

    from .errors import FileProblem
    from .storage import write_atomically

    with suppress(FileProblem, OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)


def save_index(
    folder: Path, path: Path, ident: Identity, version: str, index: Index, extra: dict[str, Any]
) -> None:
    """Cache INDEX (and EXTRA, small JSON values) for the ledger PATH in state IDENT."""
    header = _header(path, ident, version) | {
        "names": index.names,
        "latest": [[a, c, i] for (a, c), i in index.latest.items()],
        "extensions": [[c, rows] for c, rows in index.extensions.items()],
        "voided": [[row, by] for row, by in index.voided.items()],
        "pinned": [[code, row] for code, row in index.pinned.items()],
        "definition": [[code, row] for code, row in index.definition.items()],
        "max_date": index.max_date,
        "rows": len(index),
        "extra": extra,
    }
    body = b"".join(column.tobytes() for column in _arrays(index))
    key = _key(folder)
    if key is not None:
        _save(_cache_file(folder, "ledger", path), sealed(header, body, key))


def _key(folder: Path) -> bytes | None:
    """Return this user's secret that seals the cache files of FOLDER, made on first use and
    readable by the user alone; None if it cannot be had (then nothing is cached).

    A checksum anyone can compute would not stop a hand-edited cache that was resealed;
    an HMAC under a key the editor does not have does.
    """
    import secrets

    path = folder / "key"
    try:
        key = _read_cache(path)
        return key if len(key) == 32 else None  # a key cut short seals nothing
    except OSError:
        pass
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except OSError:
        return None
    try:
        made = secrets.token_bytes(32)
        os.write(fd, made)
        return made
    except OSError:
        return None
    finally:
        os.close(fd)


def _seal(key: bytes, header: dict[str, Any], body: bytes) -> str:
    import hmac

    data = json.dumps(header, sort_keys=True).encode() + body
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def sealed(header: dict[str, Any], body: bytes, key: bytes) -> bytes:
    """Return a cache file: its header, with an HMAC under KEY of the header and the body,
    and the body."""
    check = _seal(key, header, body)
    return json.dumps(header | {"check": check}, ensure_ascii=False).encode("utf-8") + b"\n" + body


def unsealed(data: bytes, key: bytes) -> tuple[dict[str, Any], bytes] | None:
    """Return the header and body of a cache file, or None if it is not as this user's
    rectify sealed it."""
    import hmac

    split = data.index(b"\n")
    header, body = json.loads(data[:split]), data[split + 1 :]
    if not isinstance(header, dict):
        return None
    check = header.pop("check", None)
    fine = isinstance(check, str) and hmac.compare_digest(check, _seal(key, header, body))
    return (header, body) if fine else None


def load_index(
    folder: Path, path: Path, version: str
) -> tuple[Index, dict[str, Any], Identity] | None:
    """Return the cached index of ledger PATH, with its extra values and the state of the
    file (size, SHA-256) it was made from, if this user's rectify wrote it for PATH."""
    try:
        key = _key(folder)
        if key is None:
            return None
        opened = unsealed(_read_cache(_cache_file(folder, "ledger", path)), key)
        if opened is None:
            return None  # the cache file itself was damaged or edited
        header, body = opened
        expected = _header(path, (0, ""), version)
        if any(header.get(k) != v for k, v in expected.items() if k != "identity"):
            return None
        size, digest = header["identity"]
        if not isinstance(size, int) or not isinstance(digest, str):
            return None
        index = Index(names=list(header["names"]), max_date=header["max_date"])
        position = 0
        for c in COLUMNS:
            column = array(c.typecode)
            length = header["rows"] * column.itemsize
            column.frombytes(body[position : position + length])
            position += length
            setattr(index, c.name, column)
        if position != len(body) or any(len(c) != header["rows"] for c in _arrays(index)):
            return None
        index.latest = {(a, c): i for a, c, i in header["latest"]}
        index.extensions = {c: list(rows) for c, rows in header["extensions"]}
        index.voided = {row: by for row, by in header["voided"]}
        index.pinned = {code: row for code, row in header["pinned"]}
        index.definition = {code: row for code, row in header["definition"]}
        return index, dict(header["extra"]), (size, digest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _read_cache(path: Path) -> bytes:
    """Return the bytes of a cache file; anything but a regular file (a FIFO) is no cache."""
    import stat

    if not stat.S_ISREG(path.stat().st_mode):
        raise OSError(f"{path} 不是普通文件")
    return path.read_bytes()


def _arrays(index: Index) -> list[array[int]]:
    return [getattr(index, c.name) for c in COLUMNS]


def save_object(
    folder: Path, kind: str, path: Path, ident: Identity, version: str, value: object
) -> None:
    """Cache VALUE, validated from the file PATH in state IDENT, as a pickle sealed under this
    user's key: only what this user's rectify wrote is ever unpickled."""
    import pickle

    key = _key(folder)
    if key is not None:
        header = _header(path, ident, version)
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        _save(_cache_file(folder, kind, path), sealed(header, body, key))


def load_object(folder: Path, kind: str, path: Path, ident: Identity, version: str) -> object:
    """Return the value cached for the file PATH if it was made from it in state IDENT, else None."""
    import pickle

    try:
        key = _key(folder)
        if key is None:
            return None
        opened = unsealed(_read_cache(_cache_file(folder, kind, path)), key)
        if opened is None or opened[0] != _header(path, ident, version):
            return None
        return pickle.loads(opened[1])
    except (OSError, ValueError, AttributeError, RecursionError, pickle.UnpicklingError, EOFError):
        return None
