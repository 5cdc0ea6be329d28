"""Files and paths: a named ledger must exist; what is not a regular file is never read."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Result

COMMANDS = [
    ("status",),
    ("overdue", "--quiet"),
    ("list",),
    ("show", "3.2"),
    ("log",),
    ("trend",),
    ("report",),
    ("export", "--format", "csv"),
    ("check",),
    ("verify",),
    ("repair",),
    ("upgrade",),
    ("close", "3.2", "--evidence", "纪要"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_named_ledger_that_does_not_exist_is_an_error(
    run: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    how: str,
) -> None:
    """A typo in the cron job's RECTIFY_LEDGER must not mail every item as overdue."""
    typo = tmp_path / "台帐" / "ledger.yaml"
    if how == "option":
        result = run(*args, "--ledger", str(typo))
    else:
        monkeypatch.setenv("RECTIFY_LEDGER", str(typo))
        result = run(*args)
    assert result.exit_code == 2, result.stdout
    assert str(typo) in result.stderr and "账本不存在" in result.stderr
    assert "rectify init" in result.stderr
    assert not typo.parent.exists()


def test_only_the_default_ledger_may_be_absent(run: Callable[..., Result], isolated: Path) -> None:
    assert not isolated.exists()
    assert run("status", "--json").json()["closed"] == 0
    assert "尚不存在" in run("where").stdout


@pytest.mark.skipif(os.name != "posix", reason="named pipes and /dev are POSIX")
@pytest.mark.parametrize(
    ("option", "make", "kind"),
    [
        ("--ledger", "fifo", "命名管道"),
        ("--ledger", "/dev/zero", "设备"),
        ("--plan", "fifo", "命名管道"),
        ("--plan", "/dev/zero", "设备"),
        ("--ledger", "folder", "文件夹"),
    ],
)
def test_what_is_not_a_regular_file_is_never_read(
    tmp_path: Path, option: str, make: str, kind: str
) -> None:
    """A real process, with a time limit: reading a FIFO would hang, /dev/zero would never end."""
    if make == "fifo":
        path = tmp_path / "管道.yaml"
        os.mkfifo(path)
    elif make == "folder":
        path = tmp_path / "文件夹.yaml"
        path.mkdir()
    else:
        path = Path(make)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "RECTIFY_USER": "测试员"}
    # a writer for a ledger (it takes the lock and appends), a reader for a plan
    writer = ("close", "3.2", "--evidence", "纪要")
    for args in [writer] if option == "--ledger" else [("status",)]:
        done = subprocess.run(
            [sys.executable, "-m", "rectify_cli", *args, option, str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=20,
            check=False,
        )
        assert done.returncode == 2, done.stdout
        assert f"{path}: 是一个{kind}" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(os.name != "posix", reason="named pipes are POSIX")
def test_evidence_that_is_not_a_regular_file_is_refused(
    run: Callable[..., Result], tmp_path: Path, isolated: Path
) -> None:
    pipe = tmp_path / "纪要.pdf"
    os.mkfifo(pipe)
    result = run("close", "3.2", "--file", str(pipe), "--date", "2023-10-05")
    assert result.exit_code == 2
    assert "是一个命名管道" in result.stderr and "未登记任何内容" in result.stderr
    assert not isolated.exists()
