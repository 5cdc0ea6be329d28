"""The ledger file: append-only, one event per line, hash-chained, safe under concurrency."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rectify_cli.errors import DataInvalid, LedgerTorn, Refused
from rectify_cli.events import Event, Evidence
from rectify_cli.ledger import append, read_ledger, repair, verify

from .conftest import Result

CST = timezone(timedelta(hours=8))


def event(mid: str = "3.2", action: str = "close", note: str = "", day: int = 5) -> Event:
    return Event(
        recorded=datetime(2023, 10, day, 9, 30, tzinfo=CST),
        date=date(2023, 10, day),
        id=mid,
        action=action,
        by="张三",
        note=note,
    )


def add(path: Path, e: Event) -> Event:
    return append(path, lambda _: e).event


def test_missing_file_is_an_empty_ledger(tmp_path: Path) -> None:
    ledger = read_ledger(tmp_path / "none.yaml")
    assert len(ledger) == 0 and not ledger.exists


def test_lines_are_json_and_yaml_and_chained(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    first = add(path, event("3.2"))
    add(path, event("1.5", day=6))
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert len(lines) == 2
    one, two = (json.loads(ln) for ln in lines)
    assert [yaml.safe_load(ln)["id"] for ln in lines] == ["3.2", "1.5"]
    assert one["prev"] == [] and two["prev"] == [one["hash"]]
    assert read_ledger(path).entries()[0].event == first.model_copy(
        update={"prev": (), "hash": one["hash"]}
    )
    assert verify(path).problems == ()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    note=st.text(max_size=80),
    by=st.text(min_size=1, max_size=12).filter(str.strip),
    evidence=st.lists(st.text(min_size=1, max_size=20).filter(str.strip), max_size=3),
)
def test_what_is_written_reads_back_the_same(
    tmp_path: Path, note: str, by: str, evidence: list[str]
) -> None:
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "ledger.yaml"  # hypothesis may replay an example
    written = Event(
        recorded=datetime(2023, 10, 5, 9, 30, tzinfo=CST),
        date=date(2023, 10, 5),
        id="3.2",
        action="close",
        by=by,
        note=note,
        evidence=tuple(Evidence(text=e) for e in evidence),
    )
    add(path, written)
    (entry,) = read_ledger(path).entries()
    assert entry.event.model_copy(update={"hash": None}) == written.model_copy(update={"prev": ()})
    assert path.read_bytes().count(b"\n") == 3  # two header lines, one event line
    assert verify(path).problems == ()


def test_torn_last_line_is_refused_then_repaired(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    add(path, event("3.2"))
    add(path, event("1.5", day=6))
    whole = path.read_bytes()
    torn = b'{"recorded": "2023-10-07T09:00:00+08:00", "date": "2023-'
    path.write_bytes(whole + torn)
    with pytest.raises(LedgerTorn) as caught:
        read_ledger(path)
    assert caught.value.diagnostics[0].line == 5
    with pytest.raises(LedgerTorn):
        add(path, event("4.1", day=7))
    assert path.read_bytes() == whole + torn  # nothing appended after a torn line
    done = repair(path, datetime(2023, 10, 8, tzinfo=CST))
    assert done.backup is not None and done.backup.read_bytes() == torn
    assert path.read_bytes() == whole
    assert [e.event.id for e in read_ledger(path).entries()] == ["3.2", "1.5"]
    assert repair(path, datetime(2023, 10, 8, tzinfo=CST)).backup is None


def test_a_complete_line_without_newline_is_torn_too(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    add(path, event("3.2"))
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    with pytest.raises(LedgerTorn):
        read_ledger(path)


def test_bad_lines_are_all_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    path.write_text(
        "# comment\n"
        '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "3.2", "action": "close", "by": "张三"}\n'
        "not an event\n"
        '{"recorded": "2023-10-05T09:30:00", "date": "2023-10-05", "id": "3.2", "action": "close", "by": "张三"}\n'
        '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-13-05", "id": "3.2", "action": "sign", "by": "张三"}\n'
        "{recorded: 2023-10-05T09:30:00+08:00, date: 2023-10-05, id: '3.3', action: reopen, by: 李四}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataInvalid) as caught:
        read_ledger(path)
    found = [(d.line, d.message) for d in caught.value.diagnostics]
    assert [line for line, _ in found] == [3, 4, 5, 5, 6]
    assert "无法解析" in found[0][1]
    assert "时区" in found[1][1]
    assert "日期" in found[2][1] and "sign" in found[3][1]
    assert "原因" in found[4][1]


def test_hand_written_yaml_line_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    path.write_text(
        "{recorded: 2023-10-05T09:30:00+08:00, date: 2023-10-05, id: '3.3', action: close, by: 李四}\n",
        encoding="utf-8",
    )
    (entry,) = read_ledger(path).entries()
    assert entry.event.id == "3.3" and entry.event.hash is None
    assert "未加链" in verify(path).problems[0].message
    with pytest.raises(Refused, match="未加哈希链"):
        add(path, event("3.2"))


def chain_of(path: Path, n: int) -> list[bytes]:
    for day in range(1, n + 1):
        add(path, event(f"{day % 8 + 1}.1", day=day))
    return path.read_bytes().splitlines(keepends=True)


def test_verify_detects_edit_deletion_reordering(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    lines = chain_of(path, 5)  # 2 header lines, events on lines 3..7
    head = verify(path).head
    assert len(head) == 64

    path.write_bytes(b"".join(lines).replace(b'"by": "\xe5\xbc\xa0\xe4\xb8\x89"', b'"by": "X"', 1))
    assert verify(path).problems[0].line == 3  # edited content no longer matches its hash

    path.write_bytes(b"".join(lines[:4] + lines[5:]))
    assert verify(path).problems[0].line == 5  # a deleted event: the next one's prev is missing

    path.write_bytes(b"".join([*lines[:3], lines[4], lines[3], *lines[5:]]))
    assert verify(path).problems[0].line == 4  # reordered: its prev comes after it

    path.write_bytes(b"".join(lines))
    assert verify(path).problems == () and verify(path).head == head


def test_an_inserted_event_changes_the_head(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    lines = chain_of(path, 3)
    head = verify(path).head
    forged = tmp_path / "forged.yaml"
    forged.write_bytes(b"".join(lines[:3]))
    add(forged, event("8.1", day=9))  # a valid event forked from line 3
    path.write_bytes(
        b"".join(lines[:4])
        + forged.read_bytes().splitlines(keepends=True)[-1]
        + b"".join(lines[4:])
    )
    result = verify(path)
    assert result.problems == ()
    assert result.head != head and result.tips == 2


def test_union_merge_of_two_copies_verifies_and_rejoins(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    common = chain_of(base, 2)
    ours, theirs = tmp_path / "ours.yaml", tmp_path / "theirs.yaml"
    ours.write_bytes(b"".join(common))
    theirs.write_bytes(b"".join(common))
    add(ours, event("5.1", day=10))
    add(theirs, event("6.1", day=11))
    add(theirs, event("7.1", day=12))
    merged = tmp_path / "merged.yaml"
    merged.write_bytes(
        b"".join(common)
        + b"".join(ours.read_bytes().splitlines(keepends=True)[len(common) :])
        + b"".join(theirs.read_bytes().splitlines(keepends=True)[len(common) :])
    )
    result = verify(merged)
    assert result.problems == () and result.tips == 2
    add(merged, event("8.1", day=13))
    result = verify(merged)
    assert result.problems == () and result.tips == 1
    assert len(json.loads(merged.read_bytes().splitlines()[-1])["prev"]) == 2


def _append_many(path: str, worker: int, count: int) -> None:
    for n in range(count):
        add(Path(path), event(f"{worker}.{n + 1}", day=1 + n % 28))


def test_processes_appending_at_once_all_land(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w, 25)) for w in range(1, 5)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    ids = sorted(e.event.id for e in read_ledger(path).entries())
    assert ids == sorted(f"{w}.{n}" for w in range(1, 5) for n in range(1, 26))
    result = verify(path)
    assert result.problems == () and result.tips == 1  # every writer saw the one before it


def test_two_clerks_closing_at_once_both_land(tmp_path: Path, isolated: Path) -> None:
    commands = [
        [sys.executable, "-m", "rectify_cli", "close", mid, "--date", "2023-10-05"]
        for mid in ("3.2", "1.5", "4.1")
    ]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert sorted(e.event.id for e in read_ledger(isolated).entries()) == ["1.5", "3.2", "4.1"]


def test_cli_repair_and_check_name_the_torn_line(
    run: Callable[..., Result], isolated: Path
) -> None:
    assert run("close", "3.2", "--date", "2023-10-05").exit_code == 0
    isolated.write_bytes(isolated.read_bytes() + b'{"recorded": "20')
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:4:1: 最后一行不完整" in checked.stderr
    assert run("status").exit_code == 2
    assert run("close", "1.5", "--date", "2023-10-05").exit_code == 2
    repaired = run("repair")
    assert repaired.exit_code == 0 and "移入" in repaired.stdout
    backups = list(isolated.parent.glob("ledger.yaml.torn-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == b'{"recorded": "20'
    assert run("check").exit_code == 0


def test_unknown_measure_in_ledger_is_reported(run: Callable[..., Result], isolated: Path) -> None:
    add(isolated, event("9.9"))
    result = run("status")
    assert result.exit_code == 2
    assert f"{isolated}:3:1: 方案中没有措施“9.9”" in result.stderr
