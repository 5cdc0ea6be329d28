"""The command line as a whole: help, version, README coverage, real processes, init."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer.main

from rectify_cli import __version__
from rectify_cli.cli import app

from .conftest import REPO, Result

COMMANDS = sorted(c.name or "" for c in typer.main.get_command(app).commands.values())  # type: ignore[attr-defined]


def test_the_commands() -> None:
    expected = "accept amend assign check close export extend init list log overdue progress reject reopen repair report review show status sync trend upgrade verify void where"
    assert expected.split() == COMMANDS


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(run: Callable[..., Result], name: str) -> None:
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "示例" in result.stdout and f"rectify {name}" in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^#+ .*\brectify {name}\b", readme, re.MULTILINE), (
        f"no README section for {name}"
    )


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = "python -m pip install '.[test]' && python -m pytest"
    assert command in readme
    assert command in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_version(run: Callable[..., Result]) -> None:
    assert run("--version").stdout == f"rectify {__version__}\n"


def test_usage_error_exits_2(run: Callable[..., Result]) -> None:
    assert run("close").exit_code == 2
    assert run("status", "--no-such-option").exit_code == 2


def rectify(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rectify_cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_real_process_pipes_plain_text_and_exit_codes(isolated: Path) -> None:
    closed = rectify("close", "1.5", "--evidence", "佐证材料", "--date", "2023-09-28")
    assert closed.returncode == 0 and "已销号" in closed.stdout
    status = rectify("status", "--as-of", "2023-10-01")
    assert status.returncode == 0
    assert (
        "已销号 1/21" in status.stdout and "\x1b" not in status.stdout and "┃" not in status.stdout
    )
    late = rectify("overdue", "--as-of", "2023-10-01")
    assert late.returncode == 1 and "5.1" in late.stdout
    bad = rectify("close", "9.9", "--evidence", "佐证材料")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "没有编号" in bad.stderr


def test_a_bug_is_reported_without_traceback(tmp_path: Path) -> None:
    # a ledger path that is a folder makes the OS refuse; rectify must answer in Chinese
    result = rectify("status", "--ledger", str(tmp_path))
    assert result.returncode == 2 and "文件夹" in result.stderr and "Traceback" not in result.stderr


def test_init_writes_a_plan_and_an_empty_ledger(tmp_path: Path, run: Callable[..., Result]) -> None:
    target = tmp_path / "我的 台账"
    result = run("init", str(target))
    assert result.exit_code == 0
    plan, ledger = target / "measures.yaml", target / "ledger.yaml"
    assert plan.read_bytes() == (REPO / "data" / "measures.yaml").read_bytes()
    assert ledger.read_text(encoding="utf-8").startswith("# rectify")
    assert "RECTIFY_PLAN" in result.stdout and "--plan" in result.stdout
    closed = run(
        "close", "2.1", "--evidence", "纪要", "--plan", str(plan), "--ledger", str(ledger),
        "--date", "2023-10-05",
    )  # fmt: skip
    assert closed.exit_code == 0
    again = run("init", str(target))
    assert again.exit_code == 2 and "未覆盖" in again.stderr
    assert "2.1" in ledger.read_text(encoding="utf-8")


def test_option_beats_environment_beats_default(
    tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, small_plan: Path
) -> None:
    monkeypatch.setenv("RECTIFY_PLAN", str(small_plan))
    assert "环境变量 RECTIFY_PLAN" in run("where").stdout
    assert len(run("list", "--json").json()) == 3
    other = tmp_path / "other.yaml"
    other.write_bytes((REPO / "data" / "measures.yaml").read_bytes())
    assert len(run("list", "--json", "--plan", str(other)).json()) == 21
    assert "命令行选项" in run("where", "--plan", str(other)).stdout


def test_a_console_that_cannot_print_chinese_gets_no_crash(isolated: Path) -> None:
    ascii_only = {"PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0", "LC_ALL": "C"}
    status = rectify("status", "--as-of", "2023-10-01", env=ascii_only)
    assert status.returncode == 0 and "Traceback" not in status.stderr
    assert "0/21" in status.stdout
    error = rectify("close", "9.9", "--evidence", "佐证材料", env=ascii_only)
    assert error.returncode == 2 and "Traceback" not in error.stderr and "9.9" in error.stderr
