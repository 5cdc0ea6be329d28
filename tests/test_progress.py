"""Long work shows a progress bar on a terminal, after a second, and nothing in a pipe or
cron mail; the loader and the writers say how far they are as they go."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from rich.console import Console

from rectify_cli import ledger as ledger_module
from rectify_cli import progress
from rectify_cli.cli.bar import Bar
from rectify_cli.ledger import read_ledger, verify

from .test_growth import chained, events

Said = list[tuple[str, int, int]]


def _ledger(path: Path, count: int) -> Path:
    path.write_text(chained(events(count))[0], encoding="utf-8")
    return path


def _said(work: Callable[[], object]) -> Said:
    """Run WORK and return what it said through `progress.advance`."""
    said: Said = []
    with progress.shown_by(lambda what, done, total: said.append((what, done, total))):
        work()
    return said


def test_reading_says_how_far_it_is_chunk_by_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "CHUNK", 4)
    path = _ledger(tmp_path / "ledger.yaml", 10)
    said = _said(lambda: read_ledger(path))
    assert said == [("读取账本", n, 10) for n in (0, 4, 8, 10)]
    assert _said(lambda: verify(path))[-1] == ("读取账本", 10, 10)


def test_nothing_is_said_without_a_display(tmp_path: Path) -> None:
    path = _ledger(tmp_path / "ledger.yaml", 3)
    progress.advance("读取账本", 1, 3)  # no display installed: nothing happens, nothing fails
    assert len(read_ledger(path)) == 3


def test_export_says_how_far_its_writing_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from rectify_cli.cli import app

    ledger = _ledger(tmp_path / "ledger.yaml", 6)
    out = tmp_path / "a.xlsx"
    args = ["export", "--ledger", str(ledger), "-o", str(out)]
    said = _said(lambda: CliRunner().invoke(app, args, catch_exceptions=False))
    writing = [s for s in said if s[0] == "写入台账"]
    assert writing[0] == ("写入台账", 0, 7) and writing[-2:] == [
        ("写入台账", 6, 7),
        ("写入台账", 7, 7),
    ]
    assert out.exists()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _bar(clock: Clock) -> tuple[Bar, io.StringIO]:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80, color_system=None)
    return Bar(delay=1.0, clock=clock, console=console), screen


def test_a_bar_appears_only_after_a_second_of_work() -> None:
    clock = Clock()
    bar, screen = _bar(clock)
    bar("读取账本", 0, 100)
    clock.now += 0.9
    bar("读取账本", 40, 100)
    assert bar.progress is None and screen.getvalue() == ""  # quick work never flashes a bar
    clock.now += 0.2
    bar("读取账本", 50, 100)
    cast(Any, bar).progress.refresh()  # draw now, not at the next tick
    assert "读取账本" in screen.getvalue() and "50%" in screen.getvalue()
    bar("读取账本", 100, 100)  # done: the bar goes before the command prints what it found
    assert bar.tasks == {} and bar.progress is None


def test_work_that_ends_within_the_second_shows_nothing() -> None:
    clock = Clock()
    bar, screen = _bar(clock)
    bar("读取账本", 0, 10)
    clock.now += 0.5
    bar("读取账本", 10, 10)
    clock.now += 5
    bar("写入台账", 0, 10)  # a second piece of work is timed from its own start
    bar.close()
    assert bar.progress is None and screen.getvalue() == ""


RUN_WITH_NO_DELAY = (
    "import sys; from rectify_cli import ledger; from rectify_cli.cli import bar, main; "
    "bar.DELAY = 0; ledger.CHUNK = 2; sys.argv[0] = 'rectify'; main()"
)


def _status(ledger: Path, stderr: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RECTIFY_LEDGER": str(ledger), "COLUMNS": "100"}
    return subprocess.Popen(
        [sys.executable, "-c", RUN_WITH_NO_DELAY, "status", "--plain"],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
    )


@pytest.mark.skipif(os.name == "nt", reason="a pseudo-terminal is POSIX")
def test_the_real_cli_shows_the_bar_on_a_terminal_and_erases_it(tmp_path: Path) -> None:
    import pty

    ledger = _ledger(tmp_path / "ledger.yaml", 12)
    main, other = pty.openpty()
    child = _status(ledger, other)
    os.close(other)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed with the child
            break
        if not chunk:
            break
        shown += chunk
    out, _ = child.communicate(timeout=30)
    os.close(main)
    assert child.returncode == 0
    text = shown.decode("utf-8", "replace")
    assert "读取账本" in text and "%" in text
    assert text.rstrip().endswith(("\x1b[?25h", "\x1b[2K")), text[-200:]  # erased at the end
    assert "读取账本" not in out.decode() and "整改完成率" in out.decode()


def test_the_real_cli_shows_nothing_of_it_in_a_pipe(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path / "ledger.yaml", 12)
    child = _status(ledger, subprocess.PIPE)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err.decode()
    assert err == b"" and "整改完成率" in out.decode()  # cron mail gets the output alone


def test_output_is_never_redirected_into_the_bar() -> None:
    clock = Clock()
    bar, _ = _bar(clock)
    before = sys.stdout
    bar("读取账本", 0, 10)
    clock.now += 2
    bar("读取账本", 5, 10)  # shown, and still running while the command prints
    assert bar.progress is not None and sys.stdout is before
    bar.close()


def test_an_error_erases_the_bar_before_it_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from rectify_cli.cli import bar as bar_module

    app_module = importlib.import_module("rectify_cli.cli.app")

    closed: list[bool] = []

    class Recorded(Bar):
        def close(self) -> None:
            closed.append(True)

    monkeypatch.setattr(bar_module, "Bar", Recorded)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with pytest.raises(ValueError), app_module._progress_bar():
        progress.advance("读取账本", 1, 10)
        raise ValueError
    assert closed == [True]
