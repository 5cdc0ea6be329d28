"""What clerks see at the widths their screens have: golden outputs at 60, 80 and 120 columns.

Every listing keeps one line per measure, cuts long texts with an ellipsis, never splits
a date, and draws bars with characters the output's encoding can show.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rectify_cli.cli import options

from .conftest import Result, assert_golden, copy_files, recorded

WIDTHS = (60, 80, 120)
SCREENS = {
    "status": ("status", "--as-of", "2023-11-15"),
    "list": ("list", "--as-of", "2023-11-15"),
    "overdue": ("overdue", "--as-of", "2023-11-15"),
    "show": ("show", "4.1", "--as-of", "2023-11-15"),
}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


KEPT_AT = "2023-11-01T09:30:00+08:00"


@pytest.fixture(scope="module")
def kept_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build, once, a ledger with a sign-off, an owner, progress, an extension and a late item."""
    steps = [
        ("close", "1.5", "--date", "2023-09-28", "--evidence", "追责决定书"),
        ("close", "3.2", "--date", "2023-10-05", "--evidence", "柔性执法工作指引"),
        ("assign", "4.1", "--owner", "赵磊", "--date", "2023-09-25"),
        ("progress", "4.1", "--note", "已公布投诉电话,12345 转办单建档 12 件", "--percent", "60",
         "--eta", "2023-11-20", "--date", "2023-10-20"),
        ("extend", "4.1", "--to", "2023-11-30", "--reason", "12345 平台对接延后",
         "--approved-by", "李局长", "--date", "2023-10-28"),
    ]  # fmt: skip
    return recorded(tmp_path_factory.mktemp("kept"), [(KEPT_AT, args) for args in steps])


@pytest.fixture
def kept(
    kept_once: Path, isolated: Path, run: Callable[..., Result], at: Callable[[str], None]
) -> Callable[..., Result]:
    """A copy of that ledger, the clock where it was when the ledger was kept."""
    copy_files(kept_once, isolated.parent)
    at(KEPT_AT)
    return run


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("mode", ["plain", "table"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_golden(
    kept: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    screen: str,
    mode: str,
    width: int,
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(options, "on_terminal", lambda: mode == "table")
    result = kept(*SCREENS[screen])
    assert result.exit_code in (0, 1), result.stderr
    assert ("\x1b[" in result.stdout) == (mode == "table" and screen != "show")  # bold headers
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert_golden(f"{screen}-{mode}-{width}.txt", text)
    lines = text.splitlines()
    assert max(cell_width(line) for line in lines) <= width
    for line in lines:  # a date cut at the end of a line would leave a piece of one
        assert not re.search(r"(?<![\d-])\d{4}-\d{0,2}-?$", line), line
    if screen in ("list", "overdue"):
        rows = [line for line in lines if re.match(r"^[│ ]*\d+\.\d+ ", line)]
        assert rows and all(DATE.search(row) or re.search("长期|持续", row) for row in rows)


def cell_width(line: str) -> int:
    from rich.cells import cell_len

    return cell_len(line)


def test_list_has_one_line_per_measure_at_60_columns(
    kept: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    lines = kept("list").stdout.splitlines()
    ids = [line.split()[0] for line in lines if re.match(r"^\d+\.\d+ ", line)]
    assert len(ids) == 21 and ids[0] == "1.1"
    assert any(line.endswith("…") for line in lines)  # long texts are cut, not wrapped


@pytest.mark.parametrize(
    ("encoding", "full", "empty"), [("utf-8", "█", "░"), ("gbk", "#", "-"), ("ascii", "#", "-")]
)
def test_bars_use_characters_the_console_can_show(
    kept: Callable[..., Result], tmp_path: Path, encoding: str, full: str, empty: str
) -> None:
    """A real process whose output encoding is GBK or ASCII draws bars it can print."""
    env = {**__import__("os").environ, "PYTHONIOENCODING": encoding, "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "rectify_cli", "status", "--as-of", "2023-11-15"],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(encoding, "replace")
    text = done.stdout.decode(encoding)
    overall = text.splitlines()[2]
    assert overall.startswith("[") and set(overall.strip("[]")) <= {full, empty}
    assert full in overall and empty in overall
    if encoding != "ascii":
        assert "?" not in text


def test_text_from_files_is_shown_as_text(
    run: Callable[..., Result], isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note cannot colour the terminal, fake a record or a line of the cron mail."""
    from rectify_cli.events import Event, Evidence
    from rectify_cli.ledger import HEADER, encode

    note = "第一行\n佐证:伪造的佐证\n3.2  2023-10-06 销号 由 局长\x1b[2J\u202e\r3.2  假记录\t"
    event = Event(
        recorded=datetime(2023, 10, 5, 9, 0, tzinfo=timezone(timedelta(hours=8))),
        date=date(2023, 10, 5),
        id="3.2",
        action="close",
        by="王芳\x1b[31m",
        note=note,
        evidence=(Evidence(text="[link=http://x]纪要[/link]"),),
    )  # fmt: skip — as a hand-made or older record could hold them
    line, _ = encode(event, ())
    isolated.write_text(HEADER + line, encoding="utf-8")
    for mode in ("plain", "table"):
        monkeypatch.setattr(options, "on_terminal", lambda table=mode == "table": table)
        monkeypatch.setenv("NO_COLOR", "1")
        for args in (("log",), ("show", "3.2")):
            out = re.sub(r"\x1b\[[0-9;]*m", "", run(*args).stdout)  # rectify's own styles
            assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
            assert "          3.2  假记录\\x09" in out  # after a CR: indented under the note
            assert "\\x1b[2J" in out and "\\u202e" in out and "王芳\\x1b[31m" in out
            assert "[link=http://x]纪要[/link]" in out
            records = [ln for ln in out.splitlines() if re.match(r"^(3\.2  |  )?2023-10-0\d ", ln)]
            assert len(records) == 1, out  # the note's fake record is not a record line
            fake = next(ln for ln in out.splitlines() if "伪造的佐证" in ln)
            real = next(ln for ln in out.splitlines() if "纪要[/link]" in ln)
            assert len(fake) - len(fake.lstrip()) > len(real) - len(real.lstrip())
