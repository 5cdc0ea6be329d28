"""The facts replay needs, one column per fact, and a disposable on-disk cache of them.

A ledger of 100,000 events takes seconds to parse and validate; replaying it needs only
each event's measure, dates, action and author. `Marks` keeps those in compact arrays.
The cache stores them next to the file's identity (size, modification time, inode): it
is used only while the ledger file is exactly as it was when the cache was written, and
it is rewritten after every append. check, verify, report and export never use it. Deleting the
cache folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 3
ANY = -1  # the action slot of `Marks.latest` that counts every action
_COLUMNS = {
    "line": "q",
    "offset": "q",
    "id": "l",
    "date": "l",
    "moment": "q",
    "action": "b",
    "by": "l",
    "owner": "l",
    "until": "l",
    "percent": "b",
}


def _column(typecode: str) -> array[int]:
    return array(typecode)


@dataclass(frozen=True)
class Mark:
    """The facts of one event that state depends on."""

    line: int
    offset: int
    id: str
    date: int  # proleptic ordinal of the effective date
    moment: int  # when it was recorded, in seconds since the epoch
    action: int  # index into events.ACTIONS
    by: str
    owner: str | None = None  # assign: the person responsible
    until: int = 0  # extend: the new due date; progress: the expected completion (ordinals)
    percent: int = -1  # progress: how far along, 0–100


@dataclass
class Marks:
    """Every event's marks as columns; strings are stored once in `names`."""

    names: list[str] = field(default_factory=list)
    line: array[int] = field(default_factory=lambda: _column("q"))
    offset: array[int] = field(default_factory=lambda: _column("q"))
    id: array[int] = field(default_factory=lambda: _column("l"))
    date: array[int] = field(default_factory=lambda: _column("l"))
    moment: array[int] = field(default_factory=lambda: _column("q"))
    action: array[int] = field(default_factory=lambda: _column("b"))
    by: array[int] = field(default_factory=lambda: _column("l"))
    owner: array[int] = field(default_factory=lambda: _column("l"))
    until: array[int] = field(default_factory=lambda: _column("l"))
    percent: array[int] = field(default_factory=lambda: _column("b"))
    latest: dict[tuple[int, int], int] = field(default_factory=dict)
    counts: dict[tuple[int, int], int] = field(default_factory=dict)
    max_date: int = 0
    _codes: dict[str, int] = field(init=False, repr=False)

    def __len__(self) -> int:
        return len(self.line)

    def __post_init__(self) -> None:
        self._codes = {name: i for i, name in enumerate(self.names)}

    def last(self, code: int, action: int = ANY) -> int | None:
        """Return the index of the event of measure CODE (of ACTION) that takes effect last."""
        return self.latest.get((action, code))

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

    def add(self, mark: Mark) -> None:
        """Append one event's marks, keeping `latest` and `max_date` up to date."""
        index = len(self.line)
        code = self.code(mark.id)
        key = (mark.date, mark.moment, mark.line)
        for slot in ((ANY, code), (mark.action, code)):
            best = self.latest.get(slot)
            if best is None or key > self.key(best):
                self.latest[slot] = index
            self.counts[slot] = self.counts.get(slot, 0) + 1
        self.max_date = max(self.max_date, mark.date)
        self.line.append(mark.line)
        self.offset.append(mark.offset)
        self.id.append(code)
        self.date.append(mark.date)
        self.moment.append(mark.moment)
        self.action.append(mark.action)
        self.by.append(self.code(mark.by))
        self.owner.append(-1 if mark.owner is None else self.code(mark.owner))
        self.until.append(mark.until)
        self.percent.append(mark.percent)

    def copy(self) -> Marks:
        """Return an independent copy."""
        return Marks.of_columns(
            list(self.names),
            [array(c.typecode, c) for c in self.columns()],
            dict(self.latest),
            dict(self.counts),
            self.max_date,
        )

    @classmethod
    def of_columns(
        cls,
        names: list[str],
        columns: list[array[int]],
        latest: dict[tuple[int, int], int],
        counts: dict[tuple[int, int], int],
        max_date: int,
    ) -> Marks:
        """Build from columns in the order of `columns()`."""
        line, offset, id_, date, moment, action, by, owner, until, percent = columns
        return cls(
            names, line, offset, id_, date, moment, action, by, owner, until, percent,
            latest, counts, max_date,
        )  # fmt: skip

    def columns(self) -> tuple[array[int], ...]:
        """Return the columns in the order of _COLUMNS."""
        return (
            self.line, self.offset, self.id, self.date, self.moment, self.action, self.by,
            self.owner, self.until, self.percent,
        )  # fmt: skip

    def key(self, i: int) -> tuple[int, int, int]:
        """Return the order in which event I takes effect: date, then recording time, then line."""
        return (self.date[i], self.moment[i], self.line[i])


Identity = tuple[int, int, int, int]


def identity(path: Path) -> Identity | None:
    """Return what tells one state of a file from another: size, mtime, inode, device."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


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


def write_atomically(target: Path, data: bytes) -> None:
    """Write DATA to TARGET through a temporary file and a rename; ignore failures."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError:
        pass


def save_marks(
    folder: Path, path: Path, ident: Identity, version: str, marks: Marks, extra: dict[str, Any]
) -> None:
    """Cache MARKS (and EXTRA, small JSON values) for the ledger PATH in state IDENT."""
    header = _header(path, ident, version) | {
        "names": marks.names,
        "latest": [[a, c, i] for (a, c), i in marks.latest.items()],
        "counts": [[a, c, n] for (a, c), n in marks.counts.items()],
        "max_date": marks.max_date,
        "extra": extra,
    }
    body = b"".join(c.tobytes() for c in marks.columns())
    header["rows"] = len(marks)
    data = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + body
    write_atomically(_cache_file(folder, "ledger", path), data)


def load_marks(
    folder: Path, path: Path, ident: Identity, version: str
) -> tuple[Marks, dict[str, Any]] | None:
    """Return the cached marks of ledger PATH if they were made from it in state IDENT."""
    try:
        data = _cache_file(folder, "ledger", path).read_bytes()
        split = data.index(b"\n")
        header = json.loads(data[:split])
        expected = _header(path, ident, version)
        if any(header.get(k) != v for k, v in expected.items()):
            return None
        rows = header["rows"]
        columns = []
        position = split + 1
        for typecode in _COLUMNS.values():
            column = array(typecode)
            size = rows * column.itemsize
            column.frombytes(data[position : position + size])
            position += size
            columns.append(column)
        if position != len(data):
            return None
        latest = {(a, c): i for a, c, i in header["latest"]}
        counts = {(a, c): n for a, c, n in header["counts"]}
        marks = Marks.of_columns(list(header["names"]), columns, latest, counts, header["max_date"])
        return marks, dict(header["extra"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_text(
    folder: Path, kind: str, path: Path, ident: Identity, version: str, text: str
) -> None:
    """Cache TEXT derived from the file PATH in state IDENT."""
    header = json.dumps(_header(path, ident, version), ensure_ascii=False)
    write_atomically(_cache_file(folder, kind, path), (header + "\n" + text).encode("utf-8"))


def load_text(folder: Path, kind: str, path: Path, ident: Identity, version: str) -> str | None:
    """Return the TEXT cached for the file PATH if it was made from it in state IDENT."""
    try:
        header, _, text = (
            _cache_file(folder, kind, path).read_text(encoding="utf-8").partition("\n")
        )
        if json.loads(header) != _header(path, ident, version):
            return None
        return text
    except (OSError, ValueError):
        return None
