"""rectify list and rectify show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rectify_cli.plan import load_plan
from rectify_cli.workspace import embedded_plan

from .conftest import SMALL_PLAN, Result, write


def ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    items: Any = result.json()
    return [i["id"] for i in items]


def test_list_all_in_plan_order(run: Callable[..., Result]) -> None:
    listed = ids(run("list", "--json"))
    assert len(listed) == 21 and listed[0] == "1.1" and listed[-1] == "8.1"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--problem", "3"), ["3.1", "3.2", "3.3", "3.4"]),
        (("--problem", "(三)"), ["3.1", "3.2", "3.3", "3.4"]),
        (("--dept", "办公室"), ["4.1"]),
        (("--dept", "机关党委"), ["1.1", "4.2"]),
        (("--deadline", "9月底"), ["1.5", "5.1"]),
        (("--deadline", "持续推进"), ["2.1"]),
        (("--dept", "社会事务科", "--deadline", "12月底"), ["3.1", "6.1"]),
        (("--closed",), ["3.2"]),
        (("--overdue", "--as-of", "2023-10-15"), ["1.5", "5.1"]),
        (("--open", "--problem", "3"), ["3.1", "3.3", "3.4"]),
    ],
)
def test_list_filters(
    run: Callable[..., Result], args: tuple[str, ...], expected: list[str]
) -> None:
    run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-10-05")
    assert ids(run("list", "--json", *args)) == expected


def test_list_refuses_unknown_department_with_suggestion(run: Callable[..., Result]) -> None:
    result = run("list", "--dept", "政策法归科")
    assert result.exit_code == 2 and "是否要找:政策法规科" in result.stderr


def test_a_department_by_unique_prefix_or_with_stray_blanks(run: Callable[..., Result]) -> None:
    whole = ids(run("list", "--json", "--dept", "政策法规科"))
    assert len(whole) == 16
    for written in ("政策法规", "政策", " 政策 法规科 ", "政策\u3000法规科"):
        assert ids(run("list", "--json", "--dept", written)) == whole, written
    assert ids(run("list", "--json", "--dept", "办")) == ids(
        run("list", "--json", "--dept", "办公室")
    )


def test_a_prefix_of_several_departments_is_refused_naming_them(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    text = SMALL_PLAN.replace("responsible: [办公室]", "responsible: [治安科, 治安大队]")
    plan = write(tmp_path / "plan.yaml", text)
    result = run("list", "--plan", str(plan), "--dept", "治安")
    assert result.exit_code == 2
    assert "科室“治安”可指:治安科、治安大队;请写全" in result.stderr
    assert ids(run("list", "--json", "--plan", str(plan), "--dept", "治安科")) == ["1.2"]


def test_list_refuses_a_deadline_the_plan_does_not_use(run: Callable[..., Result]) -> None:
    result = run("list", "--deadline", "13月底")
    assert result.exit_code == 2
    assert (
        "方案中没有整改时限“13月底”;可用:9月底、10月底、12月底、长期坚持、持续推进" in result.stderr
    )
    assert [i["id"] for i in run("list", "--deadline", "１０月底", "--json").json()] == [
        "4.1",
        "7.1",
    ]


def test_list_refuses_two_states(run: Callable[..., Result]) -> None:
    result = run("list", "--open", "--closed")
    assert result.exit_code == 2 and "--open 和 --closed 只能选一个" in result.stderr
    result = run("list", "--overdue", "--state", "推进中")
    assert result.exit_code == 2 and "--overdue 与 --state 只能选一个" in result.stderr


def test_show_full_text_and_history(run: Callable[..., Result]) -> None:
    run(
        "close",
        "3.2",
        "--by",
        "王五",
        "--note",
        "已建立机制",
        "--evidence",
        "会议纪要",
        "--date",
        "2023-10-05",
    )
    result = run("show", "３．２", "--as-of", "2023-11-01")
    assert result.exit_code == 0
    text = result.stdout
    joined = "".join(line.strip() for line in text.splitlines())
    assert "措施 3.2  已销号(截至 2023-11-01)" in text
    measure = load_plan(embedded_plan()).measure("3.2").text
    assert measure in joined and measure.endswith("简单执法。")  # the whole text, not cut
    assert "整改时限:长期坚持(到期日:无固定期限)" in text
    assert (
        "2023-10-05 销号 由 王五" in text and "说明:已建立机制" in text and "佐证:会议纪要" in text
    )
    data: Any = run("show", "3.2", "--json").json()
    assert data["problem_title"] == "“运动式”执法依然存在"
    (entry,) = data["history"]
    assert (
        entry["by"] == "王五"
        and entry["evidence"] == [{"text": "会议纪要"}]
        and len(entry["hash"]) == 64
    )


def test_show_unknown(run: Callable[..., Result]) -> None:
    result = run("show", "8.2")
    assert result.exit_code == 2 and "是否要找:8.1" in result.stderr
