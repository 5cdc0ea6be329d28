"""rectify void: a mistaken record stays in the ledger, marked, and stops counting anywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rectify_cli import core
from rectify_cli.ledger import read_ledger
from rectify_cli.plan import load_plan
from rectify_cli.workspace import embedded_plan

from .conftest import Result
from .test_ledger import signed_off_twice


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def state(run: Callable[..., Result], mid: str) -> Any:
    return {i["id"]: i for i in run("list", "--json").json()}[mid]


def test_a_wrong_sign_off_is_voided_not_reopened(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    at("2023-10-10T09:00:00+08:00")
    ok(run("close", "3.2", "--evidence", "纪要", "--date", "2023-10-05"))  # meant 3.3
    line = run("log", "--json").json()[0]["line"]
    said = ok(run("void", str(line), "--reason", "误将 3.2 销号,应为 3.3"))
    assert said.stdout == (
        f"已撤销第 {line} 行的记录:措施 3.2 的“销号”(2023-10-05 生效,测试员 登记);"
        "撤销由 测试员 登记,生效日期 2023-10-10。\n"
    )
    assert state(run, "3.2")["state"] == "not_started"  # not 反弹: as if never signed off
    assert run("status", "--json").json()["closed"] == 0
    voided, void = run("log", "--json").json()
    assert voided["voided"] and voided["voided_by"]["line"] == void["line"]
    assert void["action"] == "void" and void["ref"] == voided["hash"] and not void["voided"]
    shown = run("show", "3.2").stdout
    assert "已撤销:由 测试员" in shown and "误将 3.2 销号" in shown
    ok(run("close", "3.3", "--evidence", "纪要", "--date", "2023-10-05"))
    ok(run("close", "3.2", "--evidence", "纪要"))  # and 3.2 may be signed off when it is done


def test_a_record_is_named_by_a_hash_prefix(run: Callable[..., Result]) -> None:
    ok(run("assign", "4.1", "--owner", "王芳", "--date", "2023-10-05"))
    digest = run("log", "--json").json()[0]["hash"]
    ok(run("void", digest[:8].upper(), "--reason", "责任人写错"))
    assert state(run, "4.1")["owner"] is None


def test_voids_that_are_refused(run: Callable[..., Result], isolated: Path) -> None:
    ok(run("close", "3.2", "--evidence", "纪要", "--date", "2023-10-05"))
    ok(run("void", "3", "--reason", "错了"))
    before = isolated.read_bytes()
    for args, words in (
        (("void", "3", "--reason", "再撤一次"), "已于第 4 行撤销"),
        (("void", "4", "--reason", "撤销撤销"), "本身是一条撤销记录"),
        (("void", "99", "--reason", "x"), "第 99 行不是一条记录"),
        (("void", "abc", "--reason", "x"), "不是记录的行号"),
        (("void", "1234567", "--reason", "x"), "第 1234567 行不是一条记录"),
        (("void", "deadbeef", "--reason", "x"), "没有哈希以 deadbeef 开头的记录"),
        (("void", "3", "--reason", " "), "写明原因"),
    ):
        result = run(*args)
        assert result.exit_code == 2 and words in result.stderr, (args, result.stderr)
    assert run("void", "3").exit_code == 2  # --reason is required
    assert isolated.read_bytes() == before


def test_voiding_one_of_two_sign_offs_resolves_them(
    run: Callable[..., Result], isolated: Path
) -> None:
    signed_off_twice(isolated)
    assert run("check").exit_code == 2
    ok(run("void", "4", "--reason", "合并带来的重复销号"))
    assert run("check").exit_code == 0
    assert state(run, "3.2")["closed_on"] == "2023-10-05"


def test_a_voided_record_counts_nowhere_and_the_cache_agrees(
    run: Callable[..., Result], isolated: Path
) -> None:
    ok(run("close", "1.5", "--evidence", "纪要", "--date", "2023-09-28"))
    ok(run("extend", "7.1", "--to", "2023-12-31", "--reason", "x", "--approved-by", "李局长",
           "--date", "2023-10-05"))  # fmt: skip
    ok(run("void", "3", "--reason", "1.5 尚未完成"))
    ok(run("void", "4", "--reason", "延期未获批准"))
    trend = run("trend", "--json", "--as-of", "2023-11-15").json()
    assert all(p["closed"] == 0 for p in trend["points"])
    assert state(run, "7.1")["extensions"] == 0 and state(run, "7.1")["due"] == "2023-10-31"
    report = run("report", "--as-of", "2023-11-15").stdout
    assert "已撤销的记录" in report and "1.5 尚未完成" in report
    plan = load_plan(embedded_plan())
    cached = core.replay(plan, read_ledger(isolated, isolated.parent / "c").index, date.max)
    fresh = core.replay(plan, read_ledger(isolated).index, date.max)
    assert cached == fresh


def test_voiding_the_only_sign_off_leaves_no_rebound(run: Callable[..., Result]) -> None:
    ok(run("close", "4.1", "--evidence", "纪要", "--date", "2023-10-05"))
    ok(run("reopen", "4.1", "--reason", "复查发现问题", "--date", "2023-11-02"))
    ok(run("void", "3", "--reason", "这次销号本不该登记"))
    assert state(run, "4.1")["state"] == "not_started"  # no sign-off, so nothing came back


def test_the_excel_history_marks_voided_records(
    run: Callable[..., Result], isolated: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    ok(run("close", "3.2", "--evidence", "纪要", "--date", "2023-10-05"))
    ok(run("void", "3", "--reason", "误销号"))
    ok(run("export", "-o", str(tmp_path / "台账.xlsx")))
    sheet = load_workbook(tmp_path / "台账.xlsx")["历史记录"]
    actions = [row[3].value for row in sheet.iter_rows(min_row=2)]
    assert actions[0] == "销号(已撤销,见第 4 行)" and str(actions[1]).startswith("撤销记录 ")
