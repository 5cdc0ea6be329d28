"""Nothing lost: the ledger under concurrent writers and readers, killed writers, failing disks.

Reading, the line format, the chain, repair and upgrade are in test_ledger.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rectify_cli.errors import FileProblem, LedgerTorn
from rectify_cli.events import Event
from rectify_cli.ledger import append, read_ledger, repair, verify

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
        append(Path(path), lambda _, made=made: [now(made)], cache=Path(cache))  # type: ignore[misc]


def now(made: Event) -> Event:
    """Stamp MADE with the moment it is written, under the lock, as rectify itself does."""
    return replace(made, recorded=datetime.now(timezone.utc))


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


def test_8_processes_append_480_events_each_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    # Two users' index caches: each append by one makes the other's stale, and a stale
    # cache must never be believed.
    caches = [str(tmp_path / "cache"), str(tmp_path / "other user's cache")]
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_writer, args=(str(path), caches[w % 2], w, 60, 0))
        for w in range(1, 9)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(240)
        assert w.exitcode == 0
    events = read_ledger(path).entries()
    ids = sorted(e.event.id for e in events)
    assert ids == sorted(f"{w}.{n}" for w in range(1, 9) for n in range(1, 61))
    result = verify(path)
    assert result.problems == () and result.events == 480 and result.tips == 1
    assert all(len(read_ledger(path, Path(c))) == 480 for c in caches)  # current, or seen stale


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


RACER = """
import sys, time
from pathlib import Path
from rectify_cli.__main__ import run
from rectify_cli import cli, events, ledger, workspace  # loaded before the start: they race
print("ready", flush=True)
while not Path(sys.argv[1]).exists():
    time.sleep(0.001)
sys.argv[1:2] = []
run()
"""


def test_racing_sign_offs_of_one_item_one_wins_and_other_items_all_land(
    tmp_path: Path, isolated: Path
) -> None:
    racing = ["3.2"] * 6 + ["1.5", "4.1", "5.1"]
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RACER,
                str(go),
                "close",
                mid,
                "--evidence",
                "纪要",
                "--date",
                "2023-10-05",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for mid in racing
    ]
    for p in procs:  # every racer is up; then all start at once
        assert p.stdout is not None and p.stdout.readline() == b"ready\n"
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes[:6]) == [0, 2, 2, 2, 2, 2] and codes[6:] == [0, 0, 0], outputs
    losers = [
        err.decode("utf-8") for code, (_, err) in zip(codes, outputs, strict=True) if code == 2
    ]
    assert all("已于 2023-10-05 由 测试员 销号" in err for err in losers)
    entries = read_ledger(isolated).entries()
    assert [e.event.action for e in entries] == ["close"] * 4
    assert sorted(e.event.id for e in entries) == ["1.5", "3.2", "4.1", "5.1"]
    assert verify(isolated).problems == ()


WRITERS = """
import os, sys
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from rectify_cli.events import Event
from rectify_cli.ledger import append
path = Path(sys.argv[1])
for _ in sys.stdin:  # a line asks for a writer: a process forked from this one, rectify loaded
    writer = os.fork()
    if writer == 0:
        for n in range(100000):
            made = Event(recorded=datetime(2023, 10, 1, tzinfo=timezone.utc) + timedelta(seconds=n),
                         date=date(2023, 10, 1), id="1.1", action="progress", by="w", note="长" * 30000)
            append(path, lambda _: [replace(made, recorded=datetime.now(timezone.utc))])
            if n == 0:
                print("writing", os.getpid(), flush=True)
    os.waitpid(writer, 0)
    print("gone", flush=True)
"""


def test_a_killed_writer_loses_no_complete_event(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    rng = random.Random(7)
    complete = 0
    writers = subprocess.Popen(
        [sys.executable, "-c", WRITERS, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writers.stdin is not None and writers.stdout is not None
    for round_ in range(8):
        writers.stdin.write("\n")
        writers.stdin.flush()
        word, pid = writers.stdout.readline().split()  # one append done: it is up and writing
        assert word == "writing"
        time.sleep(rng.uniform(0, 0.15))
        os.kill(int(pid), signal.SIGKILL)
        assert writers.stdout.readline() == "gone\n"
        try:
            ledger = read_ledger(path)
        except LedgerTorn:
            done = repair(path, datetime(2023, 10, 2, round_, tzinfo=CST))
            assert done.backup is not None and done.size > 0
            ledger = read_ledger(path)
        assert len(ledger) > complete  # every event that was complete before is still there
        complete = len(ledger)
        assert verify(path).problems == ()
    writers.stdin.close()
    assert writers.wait(30) == 0


def test_an_append_reaches_the_disk_before_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.yaml"
    append(path, lambda _: [event("1.1")])
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
    append(path, lambda _: [event("1.2", 1)])
    (written,) = [fd for call, fd in calls if call == "write"]
    assert ("fsync", written) in calls[calls.index(("write", written)) :]


HOLDER = """
import sys
from pathlib import Path
from rectify_cli.ledger import locked_ledger
path = Path(sys.argv[1])
line = sys.argv[2].encode("utf-8")
with locked_ledger(path):
    with path.open("ab") as f:
        f.write(line[:40]); f.flush()
        print("mid-line", flush=True)
        sys.stdin.readline()  # until the test has a reader asking for the lock
        f.write(line[40:]); f.flush()
"""


def test_a_reader_waits_for_a_writer_caught_mid_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rectify_cli import ledger as module
    from rectify_cli.ledger import encode

    path = tmp_path / "ledger.yaml"
    append(path, lambda _: [event("1.1")])
    line, _ = encode(event("1.2", 1), read_ledger(path).tips)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), line],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    assert holder.stdout.readline().strip() == "mid-line"
    assert not path.read_bytes().endswith(b"\n")  # the reader below starts on a half line
    asking = threading.Event()
    real_lock = module.locked_ledger

    @contextmanager
    def noticed(at: Path) -> Iterator[None]:
        asking.set()
        with real_lock(at):
            yield

    monkeypatch.setattr(module, "locked_ledger", noticed)
    read: list[object] = []

    def reader() -> None:
        try:
            read.append(read_ledger(path))
        except Exception as exc:  # raised again below, in the test's own thread
            read.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    while not asking.wait(0.01) and thread.is_alive():
        pass
    holder.stdin.write("\n")  # the writer may finish its line now
    holder.stdin.flush()
    thread.join(30)
    assert holder.wait(30) == 0
    (ledger,) = read
    if isinstance(ledger, Exception):
        raise ledger
    assert isinstance(ledger, module.Ledger) and asking.is_set()
    assert [ledger.index.name(c) for c in ledger.index.id] == ["1.1", "1.2"]


def test_a_full_disk_leaves_the_ledger_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.yaml"
    append(path, lambda _: [event("1.1")])
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(FileProblem, match="写入账本失败"):
        append(path, lambda _: [event("1.2", 1)])
    monkeypatch.setattr(os, "write", real_write)
    assert path.read_bytes() == before


def test_a_read_only_ledger_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.yaml"
    append(path, lambda _: [event("1.1")])
    before = path.read_bytes()
    real_open = os.open

    def read_only(file: object, flags: int, *args: int) -> int:
        if str(file) == str(path) and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(FileProblem, match="无法写入账本"):
        append(path, lambda _: [event("1.2", 1)])
    assert path.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="symlinks and hard links as on a POSIX server")
def test_other_names_of_the_ledger_wait_for_its_lock(tmp_path: Path) -> None:
    """A symlink, a hard link and a relative path reach one file, so they take one lock:
    while the ledger is held under its real name, a writer through any other name waits."""
    from rectify_cli.ledger import create_empty, locked_ledger

    real = tmp_path / "账本" / "ledger.yaml"
    real.parent.mkdir()
    create_empty(real)
    (tmp_path / "link.yaml").symlink_to(real)
    os.link(real, tmp_path / "hard.yaml")
    names = [str(tmp_path / "link.yaml"), str(tmp_path / "hard.yaml"), "账本/ledger.yaml"]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "RECTIFY_USER": "测试员"}
    command = [sys.executable, "-m", "rectify_cli", "close", "3.2", "--evidence", "纪要"]
    with locked_ledger(real):
        procs = [
            subprocess.Popen(
                [*command, "--date", "2023-10-05", "--ledger", name],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=env,
            )
            for name in names
        ]
        time.sleep(1.5)  # long enough for an unlocked writer to have finished
        assert [p.poll() for p in procs] == [None, None, None]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert sorted(p.returncode for p in procs) == [0, 2, 2], outputs
    assert [e.event.id for e in read_ledger(real).entries()] == ["3.2"]
