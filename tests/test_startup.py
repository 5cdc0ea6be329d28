"""Start-up is a feature: a run imports and builds only what its command needs.

Times are measured in bench/, never here; these tests check what is imported, which is
what the time follows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rectify_cli.cli import app
from rectify_cli.cli.commands import FAMILIES, FAMILY

PROBE = """
import runpy, sys, json
sys.argv = ["rectify", *json.loads(sys.argv[1])]
try:
    runpy.run_module("rectify_cli", run_name="__main__")
except SystemExit:
    pass
loaded = sorted({m.split(".")[0] for m in sys.modules} | {m for m in sys.modules if m.startswith("rectify_cli.cli.") or m == "rich.console"})
print(json.dumps(loaded), file=sys.stderr)
"""


def modules_loaded(tmp_path: Path, *args: str) -> set[str]:
    """Return the modules a run of rectify ARGS imported (a warm cache, output to a pipe)."""
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "RECTIFY_USER": "张三",
    }
    env.pop("RECTIFY_PLAN", None)
    env.pop("RECTIFY_LEDGER", None)
    for _ in range(2):  # the first run fills the caches
        done = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, env=env
        )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_every_command_is_in_the_table_of_families() -> None:
    """A command missing from commands.FAMILIES could not be run alone."""
    registered = {str(c.name or c.callback.__name__) for c in app.registered_commands}  # type: ignore[union-attr]
    assert registered == set(FAMILY)
    assert sum(len(c) for c in FAMILIES.values()) == len(FAMILY)


def test_a_reading_command_on_a_warm_cache_imports_no_validator_and_no_other_family(
    tmp_path: Path,
) -> None:
    loaded = modules_loaded(tmp_path, "status")
    assert "rectify_cli.cli.reading" in loaded
    assert not loaded & {"pydantic", "pydantic_core", "yaml", "rich.console"}
    assert not loaded & {f"rectify_cli.cli.{m}" for m in ("changing", "files", "documents")}


def test_the_version_and_the_guide_import_no_command(tmp_path: Path) -> None:
    for args in (("--version",), ()):
        loaded = modules_loaded(tmp_path, *args)
        assert not loaded & {f"rectify_cli.cli.{m}" for m in FAMILIES}, args


def test_help_and_an_unknown_command_see_every_command(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "200"}
    shown = subprocess.run(
        [sys.executable, "-m", "rectify_cli", "--help"], capture_output=True, text=True, env=env
    )
    assert all(name in shown.stdout for name in FAMILY)
    wrong = subprocess.run(
        [sys.executable, "-m", "rectify_cli", "statu"], capture_output=True, text=True, env=env
    )
    assert wrong.returncode == 2 and "status" in wrong.stderr
