"""Shared fixtures: every test runs against files in its own tmp_path, never the user's."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
PLAN_TEXT = REPO / "data" / "rectification-plan.txt"


def _editable() -> bool:
    """Tell whether rectify is installed in editable (development) mode."""
    url = distribution("rectify").read_text("direct_url.json") or "{}"
    return bool(json.loads(url).get("dir_info", {}).get("editable"))


# `python -m pytest` puts the working folder first on sys.path, where the checkout's
# rectify_cli would hide the installed one. Unless the install is editable, test what
# was installed, as a user gets it (the src layout's guarantee, kept in a flat layout):
# the checkout goes last, where only `tests` itself is found (child processes too).
if not _editable():
    sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != REPO] + [str(REPO)]

from rectify_cli import workspace  # noqa: E402
from rectify_cli.cli import app, load  # noqa: E402
from rectify_cli.ledger import create_empty  # noqa: E402

INSTALLED_FROM_CHECKOUT = _editable()
load(None)  # every command, registered once for the in-process runs


@dataclass
class Result:
    """What a command printed and how it exited."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the default ledger and the caches in tmp_path, fix the user, keep the real plan.

    Return the default ledger's path: like a clerk's, it need not exist before the
    first sign-off (a ledger named by --ledger or RECTIFY_LEDGER must).
    """
    for home in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "LOCALAPPDATA"):
        monkeypatch.setenv(home, str(tmp_path / "home"))  # Linux, Windows
    monkeypatch.setenv("RECTIFY_USER", "测试员")
    for name in ("RECTIFY_LEDGER", "RECTIFY_PLAN", "RECTIFY_DEBUG", "RECTIFY_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    ledger = workspace.default_ledger()
    ledger.parent.mkdir(parents=True, exist_ok=True)
    return ledger


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run rectify in-process through Typer's CliRunner."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        outcome = runner.invoke(app, list(args), catch_exceptions=False)
        return Result(outcome.exit_code, outcome.stdout, outcome.stderr)

    return invoke


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """Set the clock the CLI reads to an ISO moment, e.g. 2023-10-10T09:00:00+08:00."""
    fixed = datetime.fromisoformat(moment)
    monkeypatch.setattr(workspace, "clock", lambda: fixed.astimezone(timezone.utc))


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set the clock the CLI reads to an ISO moment, e.g. 2023-10-10T09:00:00+08:00."""
    return lambda moment: set_clock(monkeypatch, moment)


def recorded(folder: Path, steps: list[tuple[str, tuple[str, ...]]]) -> Path:
    """Run each (moment, command) of STEPS in-process on FOLDER/ledger.yaml; return FOLDER.

    For a ledger that a module's tests share: build it once, then give each test a copy of
    FOLDER's files (the ledger names evidence files relative to its own folder).
    """
    ledger = folder / "ledger.yaml"
    create_empty(ledger)
    env = {"RECTIFY_LEDGER": str(ledger), "RECTIFY_USER": "测试员", "RECTIFY_PLAN": None,
           "RECTIFY_DEBUG": None, "RECTIFY_CONFIG": None,
           "XDG_CACHE_HOME": str(folder.parent / f"{folder.name}-cache"),
           "XDG_CONFIG_HOME": str(folder.parent / f"{folder.name}-cache"),
           "LOCALAPPDATA": str(folder.parent / f"{folder.name}-cache")}  # fmt: skip
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as monkeypatch:
        for moment, args in steps:
            set_clock(monkeypatch, moment)
            outcome = runner.invoke(app, list(args), env=env, catch_exceptions=False)
            assert outcome.exit_code == 0, outcome.stderr
    assert str(folder).encode() not in ledger.read_bytes()  # nothing ties it to FOLDER
    return folder


def copy_files(source: Path, target: Path) -> None:
    """Copy the files of the folder SOURCE, but not lock files, into the folder TARGET."""
    for file in source.iterdir():
        if file.is_file() and not file.name.endswith(".lock"):
            (target / file.name).write_bytes(file.read_bytes())


def ok(result: Result) -> Result:
    """Return RESULT, which must have succeeded (its stderr shown otherwise)."""
    assert result.exit_code == 0, result.stderr
    return result


def refused(result: Result, message: str) -> None:
    """Assert RESULT was refused (exit 2) saying MESSAGE."""
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def shown(run: Callable[..., Result], mid: str, *args: str) -> Any:
    """Return `show MID --json` (with ARGS)."""
    return ok(run("show", mid, "--json", *args)).json()


def write(path: Path, text: str) -> Path:
    """Write dedented TEXT to PATH as UTF-8 and return PATH."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


SMALL_PLAN = """
plan:
  title: 测试方案
  date: 2023-09-19
  timezone: Asia/Shanghai
problems:
  - number: 1
    title: 问题一
    finding: 发现的问题。
    measures:
      - id: "1.1"
        text: 措施一。
        lead: [政策法规科]
        responsible: [各执法科室]
        deadline: 9月底
      - id: "1.2"
        text: 措施二。
        responsible: [办公室]
        deadline: 长期坚持
  - number: 2
    title: 问题二
    measures:
      - id: "2.1"
        text: 措施三。
        lead: [办公室]
        responsible: [政策法规科, 各执法科室]
        deadline: 2023-11-15
"""


@pytest.fixture
def small_plan(tmp_path: Path) -> Path:
    """A three-measure plan file in tmp_path."""
    return write(tmp_path / "plan.yaml", SMALL_PLAN)


GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, text: str) -> None:
    """Compare TEXT with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    import os

    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
