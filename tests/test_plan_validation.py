"""A wrong plan file is reported whole: every error with FILE:LINE:COL, exit 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rectify_cli.errors import DataInvalid
from rectify_cli.plan import load_plan

from .conftest import SMALL_PLAN, Result, write


def errors_of(path: Path) -> list[str]:
    with pytest.raises(DataInvalid) as caught:
        load_plan(path)
    return [str(d) for d in caught.value.diagnostics]


def test_small_plan_is_valid(small_plan: Path) -> None:
    plan = load_plan(small_plan)
    assert [m.id for m in plan.measures] == ["1.1", "1.2", "2.1"]


BROKEN = """
plan:
  title: 测试方案
  date: 2023-09-19
  timezone: Asia/Shanghai
  owner: 多余的字段
problems:
  - number: 1
    title: 问题一
    measures:
      - id: 1.10
        text: 措施一。
        responsible: [各执法科室]
        deadline: 9月底
      - id: "1.2"
        text: "  "
        responsible: [办公室]
        deadline: 年底
      - id: "1.2"
        text: 措施三。
        responsible: [办公室]
        deadline: 长期坚持
      - id: "2.1"
        text: 措施四。
        responsible: [办公室]
        deadline: 9月底
  - number: 2
    title: 问题二
    measures:
      - id: "2.2"
        text: 措施五。
        deadline: 9月底
"""


def test_every_error_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.yaml", BROKEN)
    errors = errors_of(path)
    expected = [
        (5, "未知字段“owner”"),
        (10, "编号必须加引号"),
        (15, "不能为空"),
        (17, "无法识别的整改时限“年底”"),
        (18, "措施编号“1.2”重复"),
        (22, "措施“2.1”不属于问题 1"),
        (29, "缺少字段“responsible”"),
    ]
    assert len(errors) == len(expected), errors
    for error, (line, words) in zip(errors, expected, strict=True):
        assert error.startswith(f"{path}:{line}:"), error
        assert words in error, error


def test_deadline_error_lists_the_accepted_forms(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.yaml", SMALL_PLAN.replace("deadline: 9月底", "deadline: 下月"))
    (error,) = errors_of(path)
    assert "N月底" in error and "YYYY-MM-DD" in error and "长期坚持" in error


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("plan: [\n", 2, "YAML 语法错误"),
        ("", 1, "文件为空"),
        ("a: &x [1]\nb: *x\n", 1, "锚点和别名"),
        ("plan: {title: a, title: b}\n", 1, "字段“title”重复"),
        ("- 1\n- 2\n", 1, "应为“键: 值”的映射"),
    ],
)
def test_structural_errors(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    errors = errors_of(path)
    assert any(e.startswith(f"{path}:{line}:") and words in e for e in errors), errors


def test_gbk_file_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(SMALL_PLAN.lstrip("\n").encode("gbk"))
    (error,) = errors_of(path)
    assert error.startswith(f"{path}:2:") and "UTF-8" in error


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL_PLAN.lstrip("\n").replace("\n", "\r\n").encode())
    assert len(list(load_plan(path).measures)) == 3


@pytest.mark.parametrize("bad", ["3-2", "1.0", "a.1", "1.1.1"])
def test_ill_formed_ids(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path / "plan.yaml", SMALL_PLAN.replace('id: "1.2"', f'id: "{bad}"'))
    (error,) = errors_of(path)
    assert error.startswith(f"{path}:15:") and f"编号“{bad}”应写成“问题号.措施号”" in error


def test_unknown_timezone(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.yaml", SMALL_PLAN.replace("Asia/Shanghai", "Mars/Base"))
    (error,) = errors_of(path)
    assert error.startswith(f"{path}:4:") and "未知时区" in error


def test_check_prints_every_error_and_exits_2(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = write(tmp_path / "plan.yaml", BROKEN)
    result = run("check", "--plan", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 8
    assert all(line.startswith(f"{path}:") for line in lines[:7])
    assert lines[-1] == "发现 7 处错误"
    assert "Traceback" not in result.stderr + result.stdout


def test_check_passes_on_the_real_plan(run: Callable[..., Result]) -> None:
    result = run("check")
    assert result.exit_code == 0
    assert result.stdout.startswith("未发现错误:")
    assert "8 个问题,21 条措施" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_missing_plan_file(tmp_path: Path, run: Callable[..., Result]) -> None:
    result = run("status", "--plan", str(tmp_path / "无此文件.yaml"))
    assert result.exit_code == 2
    assert "文件不存在" in result.stderr
