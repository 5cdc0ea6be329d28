"""Every word a user sees is Chinese: usage errors, help, YAML and validation messages.

A message may name commands, options, files, dates and formats; any other run of Latin
letters is English that leaked through from a library.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SMALL_PLAN, Result, write

NAMES = """rectify RECTIFY PLAN LEDGER USER DEBUG YYYY JSON README SHA cron Markdown Word Excel
CSV UTF BOM Windows Linux macOS PowerShell export shell true false Tab YAML ISO
status overdue list show log trend close accept reject reopen assign progress extend review
void amend
report export check verify repair upgrade init where week month xlsx csv json md docx
pdf help yaml Asia Shanghai name
git sync clone remote add origin merge abort config global union diff"""
ALLOWED = set(re.findall(r"\S+", NAMES))


def english(text: str, typed: tuple[str, ...] = ()) -> list[str]:
    """Return the Latin words of TEXT that are neither rectify's own names nor TYPED by the user."""
    for word in typed:
        text = text.replace(word, " ")
    text = re.sub(r"--?[a-z][a-z-]*|\S*/\S*|\S+\.(?:yaml|pdf|txt)", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED]


USAGE_ERRORS = {
    "unknown command": (("foo",), "没有命令 foo"),
    "missing argument": (("close",), "缺少参数 编号"),
    "unknown option": (("close", "3.2", "--not", "x"), "没有选项 --not;是否要用:--note"),
    "no help for a typo": (("show", "3.2", "--dept", "x"), "没有选项 --dept\n"),
    "option without value": (("extend", "3.2", "--to"), "选项 --to 需要一个值"),
    "missing required option": (("assign", "3.2"), "缺少选项 --owner"),
    "not an integer": (("progress", "3.2", "--note", "x", "--percent", "六十"), "应为整数"),
    "extra argument": (("list", "extra"), "多余的参数:extra"),
    "flag with a value": (("status", "--json=yes"), "选项 --json 不接受值"),
    "bad date": (("status", "--as-of", "2023-13-01"), "--as-of 的日期“2023-13-01”无效"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors_are_chinese(run: Callable[..., Result], case: str) -> None:
    args, expected = USAGE_ERRORS[case]
    result = run(*args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert english(result.stderr, args) == [], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_usage_error_from_the_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rectify_cli", "close", "3.2", "--not", "x"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "用法:rectify close [选项] {编号}",
        "运行 rectify close --help 查看帮助。",
        "错误:没有选项 --not;是否要用:--note",
    ]


@pytest.mark.parametrize(
    "args", [("--help",), ("close", "--help"), ("log", "--help"), ("list", "-h"), ("export", "-h")]
)
def test_help_is_chinese(run: Callable[..., Result], args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 0
    for word in ("Usage", "Options", "Arguments", "Commands", "Show this", "required", "<bool>"):
        assert word not in result.stdout
    assert "用法:rectify" in result.stdout and "选项" in result.stdout
    assert english(result.stdout) == [], result.stdout


def test_no_arguments_prints_a_short_guide(run: Callable[..., Result]) -> None:
    result = run()
    assert result.exit_code == 0
    assert "常用命令" in result.stdout and "rectify status" in result.stdout
    assert len(result.stdout.splitlines()) < 25
    assert english(result.stdout) == []


YAML_ERRORS = {
    "tab": ("        text: 措施一。", "\ttext: 措施一。", "制表符"),
    "colon": ("        text: 措施一。", "        text: 措施一: 内容", "冒号"),
    "bracket": ("lead: [政策法规科]", "lead: [政策法规科", "括号"),
    "token": ("        text: 措施一。", "        text: @措施一", "不能作为一项内容的开头"),
    "tag": ("  title: 测试方案", "  title: !!python/object:os.system x", "标签"),
}


@pytest.mark.parametrize("case", list(YAML_ERRORS))
def test_yaml_errors_are_chinese(run: Callable[..., Result], tmp_path: Path, case: str) -> None:
    old, new, expected = YAML_ERRORS[case]
    assert old in SMALL_PLAN
    plan = write(tmp_path / "plan.yaml", SMALL_PLAN.replace(old, new, 1))
    result = run("check", "--plan", str(plan))
    assert result.exit_code == 2
    assert f"{plan}:" in result.stderr and "YAML 语法错误" in result.stderr
    assert expected in result.stderr
    assert english(result.stderr.replace(str(plan), "")) == [], result.stderr


def test_validation_lists_the_allowed_values_in_chinese(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    plan = write(
        tmp_path / "plan.yaml",
        SMALL_PLAN.replace("deadline: 长期坚持", "deadline: 长期坚持\n        review_every: 每周"),
    )
    result = run("check", "--plan", str(plan))
    assert result.exit_code == 2
    assert "“每周”无效,可用的值:月、季度、半年、年" in result.stderr
    assert english(result.stderr.replace(str(plan), "")) == []
