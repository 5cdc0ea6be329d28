"""A ledger that only grew at its end (another clerk's append, a git pull) extends its cached
index from where it was; anything else is read whole. Either way the result is what a
whole read gives."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rectify_cli import ledger as ledger_module
from rectify_cli.events import Event, Evidence
from rectify_cli.index import COLUMNS
from rectify_cli.ledger import HEADER, Ledger, encode, read_ledger

CST = timezone(timedelta(hours=8))


def events(count: int, start: int = 0) -> list[Event]:
    """Return COUNT sign-offs and reopenings, one minute apart."""
    made = []
    for n in range(start, start + count):
        made.append(
            Event(
                recorded=datetime(2023, 10, 1, 9, tzinfo=CST) + timedelta(minutes=n),
                date=date(2023, 10, 1) + timedelta(days=n // 10),
                id=f"{n % 3 + 1}.1",
                action="close" if n % 2 == 0 else "reopen",
                by="张三",
                note="" if n % 2 == 0 else "反弹",
                evidence=(Evidence(text="纪要"),) if n % 2 == 0 else (),
            )
        )
    return made


def chained(made: list[Event], prev: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """Return the lines of MADE chained after PREV, and the tip after them."""
    lines = []
    for event in made:
        line, hashed = encode(event, prev)
        lines.append(line)
        prev = (hashed,)
    return "".join(lines), prev


def same(a: Ledger, b: Ledger) -> None:
    """Assert that two reads of a ledger found the same."""
    assert [a.index.facts(r) for r in range(len(a))] == [b.index.facts(r) for r in range(len(b))]
    assert (a.tips, a.unchained, a.lines, a.broken) == (b.tips, b.unchained, b.lines, b.broken)
    assert (a.index.latest, a.index.voided, a.index.max_date) == (
        b.index.latest,
        b.index.voided,
        b.index.max_date,
    )
    assert a.content.hexdigest() == b.content.hexdigest() and a.size == b.size
    assert all(getattr(a.index, c.name) == getattr(b.index, c.name) for c in COLUMNS)


def test_a_ledger_that_grew_is_extended_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    first, tip = chained(events(30))
    path.write_text(HEADER + first, encoding="utf-8")
    read_ledger(path, cache)
    more, _ = chained(events(20, start=30), tip)
    with path.open("a", encoding="utf-8", newline="\n") as f:  # as git writes a pulled append
        f.write(more)

    def whole_read(*_: object) -> None:
        raise AssertionError("read whole")

    with monkeypatch.context() as patched:
        patched.setattr(ledger_module, "parse_ledger", whole_read)
        grown = read_ledger(path, cache)
    same(grown, read_ledger(path))
    same(read_ledger(path, cache), read_ledger(path))  # and cached as it now is


def test_a_grown_ledger_is_checked_as_a_whole_read_checks_it(tmp_path: Path) -> None:
    """New lines that break the chain (a forged hash, a missing predecessor, a record twice)
    are named just as a whole read names them."""
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    first, tip = chained(events(10))
    path.write_text(HEADER + first, encoding="utf-8")
    read_ledger(path, cache)
    more, _ = chained(events(5, start=10), tip)
    orphan, _ = chained(events(1, start=40), ("f" * 64,))
    forged = more.splitlines(keepends=True)[-1].replace("纪要", "伪造")
    again = first.splitlines(keepends=True)[3]
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(more + orphan + forged + again)
    grown = read_ledger(path, cache)
    said = " ".join(d.message for d in grown.broken)
    assert all(kind in said for kind in ("不符", "不在此行之前", "完全相同"))
    same(grown, read_ledger(path))


def test_a_changed_beginning_is_read_whole(tmp_path: Path) -> None:
    """An edit before the end, even one that keeps the length, is never taken for growth."""
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    first, tip = chained(events(10))
    path.write_text(HEADER + first, encoding="utf-8")
    read_ledger(path, cache)
    more, _ = chained(events(3, start=10), tip)
    edited = (HEADER + first).replace("张三", "李四", 1) + more
    path.write_text(edited, encoding="utf-8")
    grown = read_ledger(path, cache)
    assert grown.broken and grown.index.name(grown.index.by[0]) == "李四"
    same(grown, read_ledger(path))


def test_a_grown_ledger_keeps_the_seconds_a_whole_read_compares(tmp_path: Path) -> None:
    """A new record a fraction of a second before its predecessor is read whole: the index
    keeps whole seconds, a whole read compares exactly."""
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    one = events(1)[0]
    one = replace(one, recorded=one.recorded + timedelta(microseconds=700_000))
    first, tip = chained([one])
    path.write_text(HEADER + first, encoding="utf-8")
    read_ledger(path, cache)
    later = replace(events(2)[1], recorded=one.recorded - timedelta(microseconds=500_000))
    more, _ = chained([later], tip)
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(more)
    grown = read_ledger(path, cache)
    assert len(grown.broken) == 1 and "早于" in grown.broken[0].message
    same(grown, read_ledger(path))


def test_a_hand_written_line_after_the_cached_ones_is_judged_as_a_whole_read_judges_it(
    tmp_path: Path,
) -> None:
    """A YAML line typed by hand (dates unquoted, no string to hash) is a record whose hash
    does not match, not a crash."""
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    first, tip = chained(events(3))
    path.write_text(HEADER + first, encoding="utf-8")
    read_ledger(path, cache)
    typed = (
        "{recorded: 2023-10-02T09:00:00+08:00, date: 2023-10-02, id: '1.1', action: close, "
        f"by: 张三, evidence: [{{text: 纪要}}], prev: ['{tip[0]}'], hash: '{'a' * 64}'}}\n"
    )
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(typed)
    grown = read_ledger(path, cache)
    assert "不符" in grown.broken[-1].message
    same(grown, read_ledger(path))


def test_a_predecessor_is_the_whole_hash_not_its_first_60_bits(tmp_path: Path) -> None:
    """The index keeps 60 bits of each hash: a forged line naming a hash that shares them
    with a real record is no more chained after a warm cache than after a whole read."""
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    first, tip = chained(events(3))
    path.write_text(HEADER + first, encoding="utf-8")
    read_ledger(path, cache)
    near = tip[0][:15] + "0" * 49
    orphan, _ = chained(events(1, start=10), (near,))
    twin = events(1, start=11)[0]
    line, _ = encode(twin, tip)
    fake_twin = line.replace(line[line.index('"hash": "') + 9 :][:64], tip[0][:15] + "1" * 49)
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(orphan + fake_twin)
    grown = read_ledger(path, cache)
    assert any("不在此行之前" in d.message for d in grown.broken)
    assert not any("完全相同" in d.message for d in grown.broken)
    same(grown, read_ledger(path))


def test_a_cache_of_this_very_file_is_used_and_left_as_it_is(tmp_path: Path) -> None:
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    path.write_text(HEADER + chained(events(10))[0], encoding="utf-8")
    read_ledger(path, cache)
    (saved,) = cache.glob("ledger-*.cache")
    before = saved.stat().st_mtime_ns, saved.read_bytes()
    os.utime(saved, ns=(before[0] - 10**9, before[0] - 10**9))
    same(read_ledger(path, cache), read_ledger(path))
    assert saved.stat().st_mtime_ns == before[0] - 10**9  # not written again


def test_a_shortened_ledger_is_read_whole(tmp_path: Path) -> None:
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    whole = HEADER + chained(events(10))[0]
    path.write_text(whole, encoding="utf-8")
    read_ledger(path, cache)
    path.write_text(whole[: whole.rindex("\n", 0, -1) + 1], encoding="utf-8")
    assert len(read_ledger(path, cache)) == 9
    same(read_ledger(path, cache), read_ledger(path))


def test_a_warm_reader_waits_for_a_writer_caught_mid_line(tmp_path: Path) -> None:
    """A reader that finds a line half-written after the cached ones waits for the writer's
    lock, then reads the line whole, as a reader without a cache does."""
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    first, tip = chained(events(10))
    path.write_text(HEADER + first, encoding="utf-8")
    read_ledger(path, cache)
    more, _ = chained(events(1, start=10), tip)
    read: list[Ledger] = []
    with ledger_module.locked_ledger(path):
        with path.open("a", encoding="utf-8", newline="\n") as f:
            f.write(more[:40])
        reader = threading.Thread(target=lambda: read.append(read_ledger(path, cache)), daemon=True)
        reader.start()
        reader.join(0.5)
        waited = reader.is_alive()  # waiting for the lock, not refusing a torn line
        with path.open("a", encoding="utf-8", newline="\n") as f:
            f.write(more[40:])
    reader.join(10)
    assert waited
    assert len(read[0]) == 11
    same(read[0], read_ledger(path))


def test_lines_after_an_already_broken_chain_are_judged_as_a_whole_read_judges_them(
    tmp_path: Path,
) -> None:
    """A hand-made hash (not hex) in the cached part, then a genuine child of it: the
    warm read names the same problems as a whole read, no more."""
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    first, tip = chained(events(3))
    lines = first.splitlines(keepends=True)
    forged = lines[-1].replace(tip[0], "forged")
    path.write_text(HEADER + "".join(lines[:-1]) + forged, encoding="utf-8")
    read_ledger(path, cache)
    child, _ = chained(events(1, start=3), ("forged",))
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(child)
    same(read_ledger(path, cache), read_ledger(path))


def test_records_sharing_the_bits_the_index_keeps_are_told_apart_by_a_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index keeps 60 bits of each hash; where two records share them, the new line's
    predecessor is found by a whole read, not taken for missing. (Here the index keeps 4.)"""
    from rectify_cli import index as index_module

    def coarse(digest: str | None) -> int:
        return int(digest[:1], 16) + 1 if digest else 0

    monkeypatch.setattr(index_module, "_short", coarse)
    monkeypatch.setattr(ledger_module, "_short", coarse)
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    lines: list[str] = []
    prev: tuple[str, ...] = ()
    seen: set[str] = set()
    for event in events(40):  # up to the first record whose first digit an earlier one has
        line, hashed = encode(event, prev)
        lines.append(line)
        prev = (hashed,)
        if hashed[0] in seen:
            break
        seen.add(hashed[0])
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    read_ledger(path, cache)
    more, _ = chained(events(5, start=40), prev)  # children of a record the index shadows
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(more)
    grown = read_ledger(path, cache)
    assert grown.broken == ()
    same(grown, read_ledger(path))
