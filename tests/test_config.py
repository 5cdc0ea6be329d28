"""A clerk's own config file: name, department, plan and ledger, below options and environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rectify_cli.ledger import create_empty

from .conftest import SMALL_PLAN, Result, write


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Return the path of the config file rectify looks for by default (not yet written)."""
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "rectify" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def last_by(run: Callable[..., Result], *args: str) -> str:
    result = run("log", "--json", *args)
    assert result.exit_code == 0, result.stderr
    entries: Any = result.json()
    return str(entries[-1]["by"])


def test_the_configured_name_records_below_option_and_environment(
    run: Callable[..., Result], config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config.write_text('name = "王芳"\ndepartment = "政策法规科"\n', encoding="utf-8")
    monkeypatch.delenv("RECTIFY_USER")
    assert run("close", "1.5", "--evidence", "材料", "--date", "2023-09-28").exit_code == 0
    assert last_by(run) == "王芳"
    monkeypatch.setenv("RECTIFY_USER", "李明")
    assert run("close", "5.1", "--evidence", "材料", "--date", "2023-09-29").exit_code == 0
    assert last_by(run) == "李明"
    assert run("close", "4.1", "--evidence", "材料", "--by", "张三").exit_code == 0
    assert last_by(run) == "张三"


def test_an_edited_config_counts_at_once(
    run: Callable[..., Result], config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECTIFY_USER")
    config.write_text('name = "王芳"\n', encoding="utf-8")
    assert run("close", "1.5", "--evidence", "材料", "--date", "2023-09-28").exit_code == 0
    config.write_text('name = "王芸"\n', encoding="utf-8")  # same size: the cache is by content
    assert run("close", "5.1", "--evidence", "材料", "--date", "2023-09-29").exit_code == 0
    assert last_by(run) == "王芸"


def test_files_from_the_config_below_option_and_environment(
    run: Callable[..., Result], config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "book"
    book.mkdir()
    write(book / "plan.yaml", SMALL_PLAN)
    create_empty(book / "ledger.yaml")
    other = tmp_path / "other.yaml"
    create_empty(other)
    monkeypatch.setenv("HOME", str(tmp_path))
    config.write_text(
        f'plan = "~/book/plan.yaml"\nledger = "{os.path.relpath(book / "ledger.yaml", config.parent)}"\n',
        encoding="utf-8",
    )  # ~ is the home folder; a relative path is taken from the config file's folder
    assert run("close", "1.1", "--evidence", "材料", "--date", "2023-09-28").exit_code == 0
    assert "1.1" in (book / "ledger.yaml").read_text(encoding="utf-8")
    listed: Any = run("list", "--json").json()
    assert [i["id"] for i in listed] == ["1.1", "1.2", "2.1"]  # the configured plan
    monkeypatch.setenv("RECTIFY_LEDGER", str(other))
    assert run("close", "1.2", "--evidence", "材料", "--date", "2023-09-28").exit_code == 0
    assert "1.2" in other.read_text(encoding="utf-8")
    assert "1.2" not in (book / "ledger.yaml").read_text(encoding="utf-8")
    where = run("where", "--ledger", str(book / "ledger.yaml")).stdout
    assert f"计划:{tmp_path}/book/plan.yaml(配置文件 {config})" in where
    assert "(命令行选项,已存在)" in where


def test_where_says_what_the_config_sets(run: Callable[..., Result], config: Path) -> None:
    absent = run("where").stdout
    assert f"配置:{config}(默认位置,不存在,未作设置)" in absent
    assert "登记人:测试员(环境变量 RECTIFY_USER)" in absent
    config.write_text('name = "王芳"\ndepartment = "政策法规科"\n', encoding="utf-8")
    shown = run("where").stdout.splitlines()
    start = shown.index(f"配置:{config}(默认位置,已存在)")
    assert shown[start + 1 : start + 3] == ["  姓名:王芳", "  科室:政策法规科"]


def test_a_configured_ledger_that_is_missing_is_an_error(
    run: Callable[..., Result], config: Path
) -> None:
    config.write_text('ledger = "没有这个账本.yaml"\n', encoding="utf-8")
    result = run("overdue")
    assert result.exit_code == 2
    assert f"账本不存在(路径来自配置文件 {config})" in result.stderr


def test_the_config_named_by_the_environment(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = write(tmp_path / "我的设置.toml", 'name = "赵六"\n')
    monkeypatch.setenv("RECTIFY_CONFIG", str(named))
    monkeypatch.delenv("RECTIFY_USER")
    assert run("close", "1.5", "--evidence", "材料", "--date", "2023-09-28").exit_code == 0
    assert last_by(run) == "赵六"
    monkeypatch.setenv("RECTIFY_CONFIG", str(tmp_path / "没有.toml"))
    result = run("status")
    assert result.exit_code == 2
    assert "配置文件不存在(路径来自环境变量 RECTIFY_CONFIG)" in result.stderr


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('name = "王芳"\nledger = "账本\n', ":2:", "不是有效的 TOML 配置"),
        ('name = "王芳"\nnmae = "王芳"\n', ":2:1:", "未知字段“nmae”;可设置的项:name(姓名)"),
        ('name = "王芳"\n\nledger = 5\n', ":3:1:", "字段“ledger”应为文字"),
        ('name = "王\\u200b芳"\n', ":1:1:", "姓名中含有不能如实显示的字符 U+200B"),
        ('department = "  "\n', ":1:1:", "不能为空"),
        ("[plan]\nfile = 1\n", ":1:1:", "字段“plan”应为文字"),
    ],
)
def test_a_broken_config_is_refused_at_its_line_and_nothing_changes(
    run: Callable[..., Result], config: Path, isolated: Path, text: str, where: str, message: str
) -> None:
    config.write_text(text, encoding="utf-8")
    result = run("close", "1.5", "--evidence", "材料")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert f"{config}{where}" in result.stderr and message in result.stderr, result.stderr
    assert not isolated.exists()  # no ledger was begun


def test_a_config_that_is_not_utf8_or_not_a_file(run: Callable[..., Result], config: Path) -> None:
    config.write_bytes('name = "王芳"\n'.encode("gbk"))
    result = run("status")
    assert result.exit_code == 2 and f"{config}:1:1: 不是 UTF-8 编码的文字" in result.stderr
    config.unlink()
    config.mkdir()
    folder = run("status")
    assert (
        folder.exit_code == 2 and "Traceback" not in folder.stderr and str(config) in folder.stderr
    )


def test_a_warm_run_with_a_config_imports_no_validator(tmp_path: Path, config: Path) -> None:
    config.write_text('name = "王芳"\n', encoding="utf-8")
    probe = (
        "import runpy, sys, json\nsys.argv = ['rectify', 'status']\n"
        "try:\n    runpy.run_module('rectify_cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the first run validates and caches
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env
        )
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert not loaded & {"pydantic", "pydantic_core", "tomllib", "tomli"}


def test_where_says_a_configured_ledger_is_missing(
    run: Callable[..., Result], config: Path
) -> None:
    config.write_text('ledger = "没有.yaml"\n', encoding="utf-8")
    where = run("where").stdout
    assert "账本不存在(路径来自配置文件" in where and "首次销号时创建" not in where


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('plan = "a\\u0000b.yaml"\n', ":1:1:", "计划文件中含有不能如实显示的字符 U+0000"),
        ("# a\n# b\n\nname.first = 1\n", ":4:1:", "字段“name”应为文字"),
        ("# a\n\n[[ledger]]\nx = 1\n", ":3:1:", "字段“ledger”应为文字"),
        ("name = " + "[" * 600 + "]" * 600 + "\n", ":1:1:", "嵌套过深"),
    ],
)
def test_more_broken_configs_at_their_lines(
    run: Callable[..., Result], config: Path, text: str, where: str, message: str
) -> None:
    config.write_text(text, encoding="utf-8")
    result = run("status")
    assert (
        result.exit_code == 2 and "Traceback" not in result.stderr and "Error" not in result.stderr
    )
    assert f"{config}{where}" in result.stderr and message in result.stderr, result.stderr


def test_a_home_nobody_has_or_a_dangling_link_is_an_error(
    run: Callable[..., Result], config: Path, tmp_path: Path
) -> None:
    config.write_text('plan = "~nosuchuser_rectify/x.yaml"\n', encoding="utf-8")
    result = run("status")
    assert result.exit_code == 2 and "中的 ~ 无法确定是谁的主目录" in result.stderr
    config.unlink()
    config.symlink_to(tmp_path / "not-mounted" / "config.toml")
    linked = run("status")
    assert linked.exit_code == 2 and "配置文件是指向不存在的文件的链接" in linked.stderr
