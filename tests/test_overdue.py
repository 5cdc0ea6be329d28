"""rectify overdue: what is past due and not signed off, grouped by deadline type."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from .conftest import SMALL_PLAN, Result, write


def test_overdue_groups_oldest_first_with_exit_1(run: Callable[..., Result]) -> None:
    run("close", "5.1", "--evidence", "佐证材料", "--date", "2023-10-09")
    result = run("overdue", "--json", "--as-of", "2024-01-10")
    assert result.exit_code == 1
    items: Any = result.json()
    assert [(i["group"], i["id"]) for i in items] == [
        ("9月底", "1.5"),
        ("10月底", "4.1"),
        ("10月底", "7.1"),
        *[("12月底", mid) for mid in ("1.1", "1.4", "3.1", "4.2", "6.1", "6.2", "7.2", "8.1")],
        *[
            ("待复查", mid)
            for mid in ("1.2", "1.3", "2.1", "3.2", "3.3", "3.4", "5.2", "5.3", "5.4")
        ],
    ]  # long-term measures never reviewed: due one quarter after the plan's date
    first = items[0]
    assert (
        first["due"] == "2023-09-30" and first["days_overdue"] == 102 and first["overdue"] is True
    )
    assert first["lead"] == ["政策法规科"] and first["responsible"] == ["各执法科室"]
    assert first["deadline"] == "9月底" and first["state"] == "not_started"


def test_nothing_overdue_exits_0_and_quiet_prints_nothing(run: Callable[..., Result]) -> None:
    result = run("overdue", "--as-of", "2023-09-30")
    assert result.exit_code == 0 and "没有已超期" in result.stdout
    quiet = run("overdue", "--quiet", "--as-of", "2023-09-30")
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_quiet_still_prints_when_something_is_overdue(run: Callable[..., Result]) -> None:
    result = run("overdue", "--quiet", "--as-of", "2023-10-01")
    assert result.exit_code == 1 and "1.5" in result.stdout


def test_cron_at_half_past_midnight_beijing_sees_9_month_end_overdue(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    at("2023-09-30T16:30:00+00:00")  # a UTC server, 00:30 on 1 October in Beijing
    result = run("overdue", "--json")
    assert result.exit_code == 1
    items: Any = result.json()
    assert [i["id"] for i in items] == ["1.5", "5.1"]
    at("2023-09-30T15:59:00+00:00")
    assert run("overdue").exit_code == 0


# ---------------------------------------------------------------------------- 预警


def groups_of(result: Result) -> list[tuple[str, str]]:
    items: Any = result.json()
    return [(i["group"], i["id"]) for i in items]


def test_within_lists_what_falls_due_in_the_next_days_today_included(
    run: Callable[..., Result],
) -> None:
    run("close", "7.1", "--evidence", "规范文件", "--date", "2023-10-20")
    result = run("overdue", "--json", "--within", "6", "--as-of", "2023-10-25")
    assert result.exit_code == 1
    assert groups_of(result) == [("9月底", "1.5"), ("9月底", "5.1"), ("即将到期", "4.1")]
    soon: Any = result.json()[-1]
    assert soon["days_left"] == 6 and soon["eta_late"] is False and soon["overdue"] is False
    assert groups_of(run("overdue", "--json", "--within", "5", "--as-of", "2023-10-25")) == [
        ("9月底", "1.5"),
        ("9月底", "5.1"),
    ]  # 4.1 is due in six days
    today: Any = run("overdue", "--json", "--within", "0", "--as-of", "2023-10-31").json()
    assert [(i["group"], i["id"], i["days_left"]) for i in today][-1] == ("即将到期", "4.1", 0)
    assert "即将到期" not in {
        g for g, _ in groups_of(run("overdue", "--json", "--as-of", "2023-10-25"))
    }


def test_due_soon_alone_makes_the_exit_status_1(run: Callable[..., Result]) -> None:
    assert run("overdue", "--as-of", "2023-09-25").exit_code == 0
    result = run("overdue", "--within", "7", "--as-of", "2023-09-25", "--quiet")
    assert result.exit_code == 1
    assert (
        result.stdout.splitlines()[0] == "截至 2023-09-25:已超期 0 项,7 天内到期 2 项,待复查 0 项"
    )
    assert "即将到期(2 项)" in result.stdout and "剩 5 天" in result.stdout


def test_the_plan_sets_the_warning_days_and_the_option_overrides_them(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    plan = write(
        tmp_path / "plan.yaml", SMALL_PLAN.replace("  timezone:", "  warn_days: 10\n  timezone:")
    )
    result = run("overdue", "--plan", str(plan), "--json", "--as-of", "2023-09-21")
    assert result.exit_code == 1 and groups_of(result) == [("即将到期", "1.1")]
    assert (
        run("overdue", "--plan", str(plan), "--within", "3", "--as-of", "2023-09-21").exit_code == 0
    )
    quiet = run("overdue", "--plan", str(plan), "--quiet", "--as-of", "2023-09-19")
    assert quiet.exit_code == 0 and quiet.stdout == ""  # 1.1 falls due in 11 days
    empty = run("overdue", "--plan", str(plan), "--as-of", "2023-09-19")
    assert empty.stdout == "截至 2023-09-19 没有已超期、10 天内到期或待复查的措施。\n"
    own = run("overdue", "--plan", str(plan), "--as-of", "2023-09-19", "--dept", "办公室")
    assert own.stdout == "截至 2023-09-19(办公室)没有已超期、10 天内到期或待复查的措施。\n"


@pytest.mark.parametrize(
    ("written", "message"),
    [("-1", "应不小于 0"), ("七", "应为整数"), ("400", "应不大于 366"), ("true", "应为整数")],
)
def test_a_bad_warn_days_is_refused_at_its_line(
    run: Callable[..., Result], tmp_path: Path, written: str, message: str
) -> None:
    plan = write(
        tmp_path / "plan.yaml",
        SMALL_PLAN.replace("  timezone:", f"  warn_days: {written}\n  timezone:"),
    )
    result = run("overdue", "--plan", str(plan))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "plan.yaml:4:3:" in result.stderr and message in result.stderr, result.stderr


def test_a_negative_within_is_refused(run: Callable[..., Result]) -> None:
    result = run("overdue", "--within", "-1")
    assert (
        result.exit_code == 2 and "--within 的值应为 0 到 366 之间的整数,而不是 -1" in result.stderr
    )


def test_progress_expecting_completion_after_the_due_date_is_expected_late(
    run: Callable[..., Result],
) -> None:
    run(
        "progress", "4.1", "--note", "已公布投诉电话", "--eta", "2023-11-20", "--date", "2023-10-09"
    )
    result = run("overdue", "--json", "--as-of", "2023-10-25")
    assert groups_of(result)[-1] == ("预计超期", "4.1")
    listed: Any = run("list", "--json", "--state", "预计超期", "--as-of", "2023-10-25").json()
    assert [(i["id"], i["eta_late"], i["days_left"]) for i in listed] == [("4.1", True, 6)]
    shown = run("show", "4.1", "--as-of", "2023-10-25").stdout
    assert "推进中,预计超期" in shown and "比到期日晚 20 天(预计超期)" in shown
    plain = run("list", "--as-of", "2023-10-25", "--problem", "4").stdout
    assert "推进中,预计超期" in plain
    # listed once: past its due date it is overdue, not expected late
    late = groups_of(run("overdue", "--json", "--within", "30", "--as-of", "2023-11-01"))
    assert [g for g, i in late if i == "4.1"] == ["10月底"]
    # an extension past the expected date, or a nearer date, ends the warning
    extended = run(
        "extend", "4.1", "--to", "2023-11-30", "--reason", "系统升级", "--approved-by", "局长",
        "--date", "2023-10-26",
    )  # fmt: skip
    assert extended.exit_code == 0, extended.stderr
    assert ("预计超期", "4.1") not in groups_of(run("overdue", "--json", "--as-of", "2023-10-27"))
    progress = run(
        "progress", "7.1", "--note", "起草中", "--eta", "2023-10-31", "--date", "2023-10-09"
    )
    assert progress.exit_code == 0, progress.stderr
    assert "预计超期" not in {
        g for g, _ in groups_of(run("overdue", "--json", "--as-of", "2023-10-27"))
    }


def test_a_signed_off_measure_is_never_warned_of(run: Callable[..., Result]) -> None:
    run("progress", "4.1", "--note", "推进", "--eta", "2023-11-20", "--date", "2023-10-09")
    run("close", "4.1", "--evidence", "台账", "--date", "2023-10-20")
    result = run("overdue", "--json", "--within", "30", "--as-of", "2023-10-25")
    assert "4.1" not in [i for _, i in groups_of(result)]
    shown: Any = run("show", "4.1", "--json", "--as-of", "2023-10-25").json()
    assert shown["eta_late"] is False and shown["days_left"] is None


def test_overdue_for_one_department_or_person(run: Callable[..., Result]) -> None:
    run("assign", "1.5", "--owner", "李明", "--date", "2023-09-20")
    everything = groups_of(run("overdue", "--json", "--within", "7", "--as-of", "2023-10-25"))
    office = groups_of(
        run("overdue", "--json", "--within", "7", "--as-of", "2023-10-25", "--dept", "办公")
    )
    assert office == [("即将到期", "4.1")] and set(office) < set(everything)
    mine = run("overdue", "--within", "7", "--as-of", "2023-10-25", "--owner", "李明")
    assert mine.exit_code == 1
    assert (
        mine.stdout.splitlines()[0]
        == "截至 2023-10-25(李明):已超期 1 项,7 天内到期 0 项,待复查 0 项"
    )
    assert "1.5" in mine.stdout and "5.1" not in mine.stdout
    nobody = run("overdue", "--as-of", "2023-10-25", "--owner", "张三", "--quiet")
    assert nobody.exit_code == 0 and nobody.stdout == ""
    unknown = run("overdue", "--dept", "不存在的科")
    assert unknown.exit_code == 2 and "方案中没有科室“不存在的科”" in unknown.stderr


def test_every_group_shares_one_layout_and_each_says_its_days(run: Callable[..., Result]) -> None:
    run("progress", "4.1", "--note", "推进", "--eta", "2023-11-20", "--date", "2023-10-09")
    out = run("overdue", "--within", "7", "--as-of", "2023-10-25").stdout
    lines = out.splitlines()
    assert lines[0] == "截至 2023-10-25:已超期 2 项,预计超期 1 项,7 天内到期 1 项,待复查 0 项"
    titles = [line for line in lines if line.endswith("项)")]
    assert titles == ["9月底(2 项)", "预计超期(1 项)", "即将到期(1 项)"]
    heads = [line for line in lines if line.startswith("编号")]
    assert [h.split()[2] for h in heads] == ["逾期", "预计完成", "剩余"]
    starts = {
        cell_len(line[: line.rindex(line.split()[-1])])
        for line in lines
        if re.match(r"\d+\.\d+ ", line)
    }
    assert len(starts) == 1, out  # the measure's text starts in the same column in every table
    assert "2023-11-20" in out and "剩 6 天" in out and "25 天" in out


@pytest.mark.parametrize("option", ["--dept", "--owner"])
def test_an_empty_department_or_owner_is_refused_not_everyone(
    run: Callable[..., Result], option: str
) -> None:
    for command in ("overdue", "list"):
        result = run(command, option, "", "--as-of", "2023-10-25")
        assert result.exit_code == 2 and f"{option} 的值不能为空" in result.stderr, command


def test_an_owner_nobody_is_gets_a_warning_on_stderr(run: Callable[..., Result]) -> None:
    run("assign", "1.5", "--owner", "李明", "--date", "2023-09-20")
    result = run("overdue", "--owner", "李 明", "--quiet", "--as-of", "2023-10-25")
    assert result.exit_code == 0 and result.stdout == ""
    assert "没有哪项措施的责任人是“李 明”;现有责任人:李明" in result.stderr
    assert run("overdue", "--owner", "李明", "--as-of", "2023-10-25").stderr == ""


def test_within_is_bounded_like_warn_days(run: Callable[..., Result]) -> None:
    result = run("overdue", "--within", "367")
    assert result.exit_code == 2 and "--within 的值应为 0 到 366 之间的整数" in result.stderr


def test_state_expected_late_lists_what_overdue_lists_under_it(run: Callable[..., Result]) -> None:
    run("progress", "4.1", "--note", "推进", "--eta", "2023-11-20", "--date", "2023-10-09")
    listed: Any = run("list", "--json", "--state", "预计超期", "--as-of", "2023-11-25").json()
    assert listed == []  # overdue by then: listed as such, not as expected late
