"""Nothing lost: the ledger under concurrent writers and readers, killed writers, and upgrades."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rectify_cli.errors import FileProblem, LedgerTorn, Refused
from rectify_cli.events import Event
from rectify_cli.ledger import HEADER, append, read_ledger, repair, verify

from .conftest import Result

CST = timezone(timedelta(hours=8))


def event(mid: str, n: int = 0, note: str = "") -> Event:
    return Event(
        recorded=datetime(2023, 10, 1, 9, tzinfo=CST) + timedelta(seconds=n),
        date=date(2023, 10, 1) + timedelta(days=n % 60),
        id=mid,
        action="progress",
        by="写入者",
        note=note or f"第 {n} 条",
    )


def _writer(path: str, cache: str, worker: int, count: int, note_size: int) -> None:
    for n in range(count):
        made = event(f"{worker}.{n + 1}", n, "进" * note_size)
        append(Path(path), lambda _, made=made: made, cache=Path(cache))  # type: ignore[misc]


def _reader(path: str, stop: str, out: str) -> None:
    from rectify_cli.errors import RectifyError

    reads = failures = 0
    while not Path(stop).exists() or reads == 0:
        try:
            ledger = read_ledger(Path(path))
            assert all(len(ledger.index.name(c) or "") >= 3 for c in ledger.index.id)
            reads += 1
        except RectifyError as exc:
            failures += 1
            Path(out).write_text(f"{type(exc).__name__}: {exc.lines()}", encoding="utf-8")
    Path(out + ".reads").write_text(str(reads), encoding="utf-8")
    assert failures == 0


def test_8_processes_append_1000_events_each_exactly_once(tmp_path: Path) -> None:
    path, cache = tmp_path / "ledger.yaml", tmp_path / "cache"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_writer, args=(str(path), str(cache), w, 125, 0))
        for w in range(1, 9)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(240)
        assert w.exitcode == 0
    events = read_ledger(path).entries()
    ids = sorted(e.event.id for e in events)
    assert ids == sorted(f"{w}.{n}" for w in range(1, 9) for n in range(1, 126))
    result = verify(path)
    assert result.problems == () and result.events == 1000 and result.tips == 1
    assert len(read_ledger(path, cache)) == 1000  # the cache the writers kept agrees


def test_readers_never_see_half_an_event(tmp_path: Path) -> None:
    path, cache, stop = tmp_path / "ledger.yaml", tmp_path / "cache", tmp_path / "stop"
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_writer, args=(str(path), str(cache), w, 40, 20_000)) for w in (1, 2)
    ]
    readers = [
        context.Process(target=_reader, args=(str(path), str(stop), str(tmp_path / f"r{r}")))
        for r in (1, 2)
    ]
    for p in writers + readers:
        p.start()
    for w in writers:
        w.join(240)
        assert w.exitcode == 0
    stop.touch()
    for r in readers:
        r.join(60)
        failure = tmp_path / f"r{readers.index(r) + 1}"
        assert r.exitcode == 0, failure.read_text(encoding="utf-8") if failure.exists() else ""
    assert len(read_ledger(path)) == 80


def test_racing_sign_offs_of_one_item_one_wins(tmp_path: Path, isolated: Path) -> None:
    command = [sys.executable, "-m", "rectify_cli", "close", "3.2", "--date", "2023-10-05"]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)
    ]
    results = [(p.wait(120), p.communicate()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2, 2, 2, 2, 2]
    losers = [err.decode("utf-8") for code, (_, err) in results if code == 2]
    assert all("已于 2023-10-05 由 测试员 销号" in err for err in losers)
    assert [e.event.action for e in read_ledger(isolated).entries()] == ["close"]


WRITER = """
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from rectify_cli.events import Event
from rectify_cli.ledger import append
path = Path(sys.argv[1])
for n in range(100000):
    made = Event(recorded=datetime(2023, 10, 1, tzinfo=timezone.utc) + timedelta(seconds=n),
                 date=date(2023, 10, 1), id="1.1", action="progress", by="w", note="长" * 30000)
    append(path, lambda _: made)
    print(n, flush=True)
"""


def test_a_killed_writer_loses_no_complete_event(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    rng = random.Random(7)
    complete = 0
    for round_ in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert writer.stdout is not None
        writer.stdout.readline()  # one append done: the interpreter is up and writing
        time.sleep(rng.uniform(0, 0.3))
        writer.send_signal(signal.SIGKILL)
        writer.wait(30)
        try:
            ledger = read_ledger(path)
        except LedgerTorn:
            done = repair(path, datetime(2023, 10, 2, round_, tzinfo=CST))
            assert done.backup is not None and done.size > 0
            ledger = read_ledger(path)
        assert len(ledger) > complete  # every event that was complete before is still there
        complete = len(ledger)
        assert verify(path).problems == ()


@pytest.mark.parametrize("seed", range(6))
def test_a_write_cut_at_any_byte_is_named_and_repaired(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "ledger.yaml"
    for n in range(3):
        append(path, lambda _, n=n: event("1.1", n))  # type: ignore[misc]
    whole = path.read_bytes()
    last = path.read_bytes().rstrip(b"\n").rfind(b"\n") + 1
    cut = random.Random(seed).randrange(last + 1, len(whole) - 1)
    path.write_bytes(whole[:cut])
    with pytest.raises(LedgerTorn) as caught:
        read_ledger(path)
    assert caught.value.diagnostics[0].line == 5
    repair(path, datetime(2023, 10, 2, tzinfo=CST))
    assert path.read_bytes() == whole[:last]
    assert len(read_ledger(path)) == 2 and verify(path).problems == ()


def test_an_append_reaches_the_disk_before_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.yaml"
    append(path, lambda _: event("1.1"))
    calls: list[tuple[str, int]] = []
    real_write, real_fsync = os.write, os.fsync

    def write(fd: int, data: bytes) -> int:
        calls.append(("write", fd))
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        calls.append(("fsync", fd))
        real_fsync(fd)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fsync", fsync)
    append(path, lambda _: event("1.2", 1))
    (written,) = [fd for call, fd in calls if call == "write"]
    assert ("fsync", written) in calls[calls.index(("write", written)) :]


HOLDER = """
import sys, time
from pathlib import Path
from rectify_cli.ledger import locked_ledger
path = Path(sys.argv[1])
line = sys.argv[2].encode("utf-8")
with locked_ledger(path):
    with path.open("ab") as f:
        f.write(line[:40]); f.flush()
        print("mid-line", flush=True)
        time.sleep(1.5)
        f.write(line[40:]); f.flush()
"""


def test_a_reader_waits_for_a_writer_caught_mid_line(tmp_path: Path) -> None:
    from rectify_cli.ledger import encode

    path = tmp_path / "ledger.yaml"
    append(path, lambda _: event("1.1"))
    line, _ = encode(event("1.2", 1), read_ledger(path).tips)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), line], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "mid-line"
    assert not path.read_bytes().endswith(b"\n")  # the reader below starts on a half line
    ledger = read_ledger(path)
    assert holder.wait(30) == 0
    assert [ledger.index.name(c) for c in ledger.index.id] == ["1.1", "1.2"]


def test_a_full_disk_leaves_the_ledger_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.yaml"
    append(path, lambda _: event("1.1"))
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(FileProblem, match="写入账本失败"):
        append(path, lambda _: event("1.2", 1))
    monkeypatch.setattr(os, "write", real_write)
    assert path.read_bytes() == before


def test_a_read_only_ledger_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.yaml"
    append(path, lambda _: event("1.1"))
    before = path.read_bytes()
    real_open = os.open

    def read_only(file: object, flags: int, *args: int) -> int:
        if str(file) == str(path) and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(FileProblem, match="无法写入账本"):
        append(path, lambda _: event("1.2", 1))
    assert path.read_bytes() == before


def test_a_new_ledger_is_not_writable_by_others(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        append(tmp_path / "ledger.yaml", lambda _: event("1.1"))
    finally:
        os.umask(old)
    assert (tmp_path / "ledger.yaml").stat().st_mode & 0o022 == 0


LEGACY = (
    "# 旧账本\n"
    '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "3.2", "action": "close", "by": "张三"}\n'
    "{recorded: 2023-10-06T09:30:00+08:00, date: 2023-10-06, id: '1.5', action: close, by: 李四}\n"
)


def test_a_legacy_ledger_is_upgraded_only_when_asked(
    run: Callable[..., Result], isolated: Path, at: Callable[[str], None]
) -> None:
    isolated.write_text(LEGACY, encoding="utf-8")
    assert run("status", "--json", "--as-of", "2023-10-10").json()["closed"] == 2  # readable as is
    refused = run("close", "4.1", "--date", "2023-10-07")
    assert refused.exit_code == 2 and "rectify upgrade" in refused.stderr
    unchained = run("verify")
    assert unchained.exit_code == 2 and f"{isolated}:2:1: 记录没有哈希" in unchained.stderr
    assert isolated.read_text(encoding="utf-8") == LEGACY
    at("2023-10-08T09:00:00+08:00")
    done = run("upgrade")
    assert done.exit_code == 0 and "已为 2 条记录加链" in done.stdout
    (backup,) = isolated.parent.glob("ledger.yaml.pre-chain-*")
    assert backup.read_text(encoding="utf-8") == LEGACY
    assert run("verify").exit_code == 0
    assert run("status", "--json", "--as-of", "2023-10-10").json()["closed"] == 2
    assert run("close", "4.1", "--date", "2023-10-07").exit_code == 0
    assert run("upgrade").stdout.startswith("账本")  # nothing left to do


def test_refusing_to_append_after_a_refusal_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"

    def refuse(_: object) -> Event:
        raise Refused("不行")

    with pytest.raises(Refused):
        append(path, refuse)
    assert not path.exists()


def test_ledger_file_lines_are_one_event_each_even_with_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    append(path, lambda _: event("1.1", 0, "甲\u2028乙\n丙\u0085丁"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER) and text.count("\n") == 3
    assert (
        "\u2028" not in text
        and json.loads(text.splitlines()[2])["note"] == "甲\u2028乙\n丙\u0085丁"
    )
