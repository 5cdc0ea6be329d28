"""细化: a group of departments stands for its sections, and each signs off its own part."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import SMALL_PLAN, Result, ok, refused, shown, write

GROUPS = "departments:\n  各执法科室: [治安科, 交通科, 市场科]\nproblems:\n"
PEOPLE = "people:\n  王芳: 政策法规科\n  张伟: 治安科\n  刘洋: 交通科\n  陈静: 市场科\n"


def plan_text(*, accepting: bool = False) -> str:
    text = SMALL_PLAN.replace("problems:\n", GROUPS, 1)
    if accepting:
        text = text.replace(
            "  timezone: Asia/Shanghai\n", "  timezone: Asia/Shanghai\n  acceptance: 政策法规科\n"
        ).replace("departments:\n", PEOPLE + "departments:\n", 1)
    return text


@pytest.fixture
def sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use a plan whose 各执法科室 is three sections."""
    plan = write(tmp_path / "plan.yaml", plan_text())
    monkeypatch.setenv("RECTIFY_PLAN", str(plan))
    return plan


@pytest.fixture
def accepting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use the plan with sections whose sign-offs 政策法规科 accepts."""
    plan = write(tmp_path / "plan.yaml", plan_text(accepting=True))
    monkeypatch.setenv("RECTIFY_PLAN", str(plan))
    return plan


item = shown


def close(
    run: Callable[..., Result], dept: str, day: str, mid: str = "1.1", by: str = "张伟"
) -> str:
    said = run("close", mid, "--dept", dept, "--by", by, "--evidence", "材料", "--date", day)
    return ok(said).stdout


def test_a_measure_of_a_group_is_done_when_every_section_has_signed_off_its_part(
    run: Callable[..., Result], sections: Path, isolated: Path
) -> None:
    refused(run("close", "1.1", "--evidence", "材料"), "由 治安科、交通科、市场科 各自办理")
    assert not isolated.exists()
    refused(run("close", "1.1", "--dept", "财务科", "--evidence", "材料"), "没有科室“财务科”")
    refused(
        run("close", "1.1", "--dept", "政策法规科", "--evidence", "x"), "没有“政策法规科”的部分"
    )
    refused(run("close", "1.2", "--dept", "治安科", "--evidence", "x"), "不分科室办理")
    said = close(run, " 治安 ", "2023-09-25")  # a unique start, stray blanks
    assert said.startswith("已销号:措施 1.1 治安科的部分")
    refused(run("close", "1.1", "--dept", "治安科", "--evidence", "再来"), "治安科的部分 已于")
    shown = item(run, "1.1", "--as-of", "2023-09-26")
    assert shown["state"] == "in_progress" and shown["closed_on"] is None
    parts = {p["dept"]: p["state"] for p in shown["parts"]}
    assert parts == {"治安科": "closed", "交通科": "not_started", "市场科": "not_started"}
    close(run, "交通科", "2023-09-26", by="刘洋")
    close(run, "市场科", "2023-09-28", by="陈静")
    shown = item(run, "1.1", "--as-of", "2023-09-30")
    assert (shown["state"], shown["closed_on"], shown["closed_by"]) == (
        "closed",
        "2023-09-28",
        "陈静",
    )
    assert item(run, "1.1", "--as-of", "2023-09-27")["state"] == "in_progress"
    text = ok(run("show", "1.1")).stdout
    assert "分科室办理:3/3 个科室已销号" in text and "  交通科:已销号,2023-09-26 刘洋 销号" in text
    assert "2023-09-25 治安科 销号 由 张伟" in text
    points: Any = ok(run("trend", "--json", "--as-of", "2023-10-03")).json()["points"]
    assert [(p["date"], p["closed"]) for p in points] == [
        ("2023-09-19", 0),
        ("2023-09-26", 0),  # two of three parts: not done
        ("2023-10-03", 1),
    ]
    ok(run("reopen", "1.1", "--dept", "交通科", "--by", "王芳", "--reason", "反弹"))
    assert item(run, "1.1")["state"] == "reopened"


def test_a_section_sees_its_own_part_in_list_status_and_overdue(
    run: Callable[..., Result], sections: Path
) -> None:
    close(run, "治安科", "2023-09-25")
    listed: Any = ok(run("list", "--dept", "治安科", "--json", "--as-of", "2023-10-02")).json()
    assert [(i["id"], i["part"], i["state"]) for i in listed] == [
        ("1.1", "治安科", "closed"),
        ("2.1", "治安科", "not_started"),
    ]
    table = ok(run("list", "--dept", "交通科", "--as-of", "2023-10-02")).stdout
    assert "1.1 交通科" in table and "已超期 2 天" in table
    late: Any = run("overdue", "--dept", "治安", "--json", "--as-of", "2023-10-02")
    assert late.exit_code == 0 and late.json() == []  # 治安科 did its part of 1.1 in time
    late = run("overdue", "--dept", "市场科", "--json", "--as-of", "2023-10-02")
    assert late.exit_code == 1 and [(i["id"], i["part"]) for i in late.json()] == [
        ("1.1", "市场科")
    ]
    soon = run("overdue", "--dept", "市场科", "--within", "14", "--as-of", "2023-11-05")
    assert "即将到期(1 项)" in soon.stdout and "2.1 市场科" in soon.stdout
    status: Any = ok(run("status", "--json", "--as-of", "2023-10-02")).json()
    counted = {t["department"]: (t["closed"], t["total"]) for t in status["by_department"]}
    assert counted["治安科"] == (1, 2) and counted["交通科"] == (0, 2)
    assert counted["各执法科室"] == (0, 2) and status["closed"] == 0
    by_dept = ok(run("status", "--by-department", "--as-of", "2023-10-02")).stdout
    assert "治安科" in by_dept and "1/2" in by_dept


def test_each_part_is_accepted_on_its_own(run: Callable[..., Result], accepting: Path) -> None:
    said = close(run, "治安科", "2023-09-25")
    assert said.startswith("已提交销号,待政策法规科验收:措施 1.1 治安科的部分")
    queue: Any = ok(run("list", "--state", "待验收", "--json")).json()
    assert [(i["id"], i["part"]) for i in queue] == [("1.1", "治安科")]  # the acceptor's queue
    refused(run("accept", "1.1", "--by", "王芳"), "请用 --dept")
    refused(run("accept", "1.1", "--dept", "交通科", "--by", "王芳"), "没有待验收的销号")
    refused(run("accept", "1.1", "--dept", "治安科", "--by", "张伟"), "本人不能验收")
    signed_for_another = run("close", "1.1", "--dept", "交通科", "--by", "张伟", "--evidence", "代")
    refused(signed_for_another, "张伟(方案列明属于治安科)不能为交通科的部分销号")
    stranger = run("close", "1.1", "--dept", "交通科", "--by", "路人甲", "--evidence", "代")
    refused(
        stranger, "路人甲(方案的人员名单中没有此人)不能为交通科的部分销号;请由交通科的人(刘洋)销号"
    )
    ok(run("reject", "1.1", "--dept", "治安科", "--by", "王芳", "--reason", "缺签到表",
           "--date", "2023-09-26"))  # fmt: skip
    close(run, "治安科", "2023-09-27")
    close(run, "交通科", "2023-09-27", by="刘洋")
    close(run, "市场科", "2023-09-27", by="陈静")
    assert item(run, "1.1")["state"] == "pending"  # every part waits: the measure waits
    for dept in ("治安科", "交通科"):
        ok(run("accept", "1.1", "--dept", dept, "--by", "王芳", "--date", "2023-09-28"))
    assert item(run, "1.1")["state"] == "pending"
    ok(run("accept", "1.1", "--dept", "市场科", "--by", "王芳", "--date", "2023-09-29"))
    shown = item(run, "1.1")
    assert (shown["state"], shown["accepted_by"], shown["accepted_on"]) == (
        "closed",
        "王芳",
        "2023-09-29",
    )
    check = run("check")
    assert check.exit_code == 0, check.stderr  # three parts signed off: no double sign-off


def test_a_clerks_configured_section_is_the_part_they_record(
    run: Callable[..., Result], sections: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "rectify" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('name = "刘洋"\ndepartment = "交通科"\n', encoding="utf-8")
    monkeypatch.delenv("RECTIFY_USER")
    said = ok(run("close", "1.1", "--evidence", "材料", "--date", "2023-09-25")).stdout
    assert said.startswith("已销号:措施 1.1 交通科的部分") and "登记人 刘洋" in said
    ok(run("close", "1.2", "--evidence", "材料", "--date", "2023-09-25"))  # no parts: whole
    assert item(run, "1.2")["state"] == "closed"
    ok(run("close", "2.1", "--dept", "治安科", "--evidence", "代填", "--date", "2023-09-25"))
    assert {p["dept"]: p["state"] for p in item(run, "2.1")["parts"]}["治安科"] == "closed"


def test_the_sections_of_a_measure_are_what_the_ledger_holds(
    run: Callable[..., Result], sections: Path
) -> None:
    close(run, "治安科", "2023-09-25")
    sections.write_text(SMALL_PLAN, encoding="utf-8")  # the groups deleted from the plan
    assert item(run, "1.1")["state"] == "in_progress"  # not signed off by one section alone
    check = run("check")
    assert check.exit_code == 2 and "分科室办理 治安科、交通科、市场科 → —" in check.stderr
    ok(run("amend", "--reason", "不再分科室", "--by", "王芳", "--date", "2023-09-26"))
    assert item(run, "1.1")["parts"] == []
    ok(run("close", "1.1", "--evidence", "材料", "--by", "王芳", "--date", "2023-09-27"))
    assert item(run, "1.1")["state"] == "closed"


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ("departments:\n  各业务科室: [治安科]\n", "没有哪项措施的牵头或责任科室是“各业务科室”"),
        ("departments:\n  各执法科室: [治安科, 治安科]\n", "“治安科”在“各执法科室”中重复"),
        (
            "departments:\n  各执法科室: [治安科, 办公室组]\n  办公室组: [办公室]\n",
            "“办公室组”本身是一组科室",
        ),
        ("departments:\n  各执法科室: []\n", "不能为空列表"),
        ("departments:\n  各执法科室: ['治安科 ']\n", "“治安科”前后有空白"),
    ],
)
def test_groups_are_checked_where_they_are_written(
    run: Callable[..., Result], sections: Path, groups: str, message: str
) -> None:
    text = sections.read_text(encoding="utf-8").replace(GROUPS, groups + "problems:\n")
    sections.write_text(text, encoding="utf-8")
    result = run("check")
    assert result.exit_code == 2 and f"{sections}:" in result.stderr, result.stderr
    assert message in result.stderr


def test_the_papers_list_each_sections_part(run: Callable[..., Result], sections: Path) -> None:
    close(run, "治安科", "2023-09-25")
    ok(run("progress", "1.1", "--dept", "交通科", "--by", "刘洋", "--note", "起草中",
           "--percent", "40", "--date", "2023-09-26"))  # fmt: skip
    text = ok(run("report", "--as-of", "2023-09-27")).stdout
    assert (
        "分科室办理:治安科:已销号,2023-09-25 张伟 销号;交通科:推进中,最近进展 2023-09-26(完成 40%)"
        in text
    )
    rows: Any = ok(run("export", "--format", "json", "--as-of", "2023-09-27")).json()
    assert "分科室:治安科:已销号" in {r["id"]: r["remarks"] for r in rows}["1.1"]


def test_check_finds_records_of_parts_the_ledger_did_not_hold(
    run: Callable[..., Result], sections: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    from rectify_cli.events import Event
    from rectify_cli.ledger import append
    from rectify_cli.rules import adapter

    def forged(mid: str, dept: str | None) -> None:
        content = {"recorded": "2023-10-01T09:00:00+08:00", "date": "2023-09-28", "id": mid,
                   "action": "close", "by": "张伟", "evidence": [{"text": "手写"}]}  # fmt: skip
        if dept:
            content["dept"] = dept
        append(isolated, lambda _: [adapter(Event).validate_python(content)])

    at("2023-10-01T09:00:00+08:00")
    close(run, "治安科", "2023-09-25")
    ok(run("close", "1.2", "--evidence", "材料", "--date", "2023-09-25"))
    assert ok(run("check")).exit_code == 0
    forged("1.1", None)  # the whole measure, by one hand
    forged("1.1", "财务科")  # a part it does not have
    forged("1.2", "治安科")  # a part of a measure signed off whole
    said = run("check")
    assert said.exit_code == 2
    assert "此行没有写科室,而措施 1.1 由 治安科、交通科、市场科 各自办理" in said.stderr
    assert (
        "此行记的是措施 1.1 财务科的部分,而账本记下的这项措施由 治安科、交通科、市场科 各自办理"
        in said.stderr
    )
    assert "此行记的是措施 1.2 治安科的部分,而账本记下的这项措施不分科室办理" in said.stderr
    assert item(run, "1.1")["state"] == "in_progress"  # and none of them signs it off


def test_a_sign_off_of_the_whole_before_the_sections_stands_for_every_part(
    run: Callable[..., Result], sections: Path
) -> None:
    text = sections.read_text(encoding="utf-8")
    sections.write_text(SMALL_PLAN, encoding="utf-8")
    ok(run("close", "1.1", "--evidence", "材料", "--by", "王芳", "--date", "2023-09-25"))
    ok(run("progress", "2.1", "--note", "起草中", "--by", "王芳", "--date", "2023-09-25"))
    sections.write_text(text, encoding="utf-8")  # the sections come later, by amendment
    ok(run("amend", "--reason", "细化到科", "--by", "王芳", "--date", "2023-09-26"))
    shown = item(run, "1.1")
    assert shown["state"] == "closed" and {p["state"] for p in shown["parts"]} == {"closed"}
    assert {p["state"] for p in item(run, "2.1")["parts"]} == {"in_progress"}
    assert ok(run("check")).exit_code == 0


def _forge(isolated: Path, **fields: object) -> None:
    from rectify_cli.events import Event
    from rectify_cli.ledger import append
    from rectify_cli.rules import adapter

    content = {"recorded": "2023-10-01T09:00:00+08:00", "action": "close", "by": "张伟",
               "evidence": [{"text": "手写"}], **fields}  # fmt: skip
    append(isolated, lambda _: [adapter(Event).validate_python(content)])


def test_a_parts_record_on_a_measure_signed_off_whole_counts_nowhere(
    run: Callable[..., Result], sections: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-01T09:00:00+08:00")
    ok(run("progress", "1.2", "--note", "起草", "--date", "2023-09-20"))
    _forge(isolated, id="1.2", date="2023-09-26", dept="治安科")
    status: Any = ok(run("status", "--json", "--as-of", "2023-09-30")).json()
    points: Any = ok(run("trend", "--json", "--as-of", "2023-09-30")).json()["points"]
    assert status["closed"] == 0 and points[-1]["closed"] == 0  # the same figure everywhere
    assert "不分科室办理" in run("check").stderr


def test_parts_answer_a_sign_off_of_the_whole_made_before_them(
    run: Callable[..., Result], accepting: Path
) -> None:
    text = accepting.read_text(encoding="utf-8")
    accepting.write_text(text.replace(GROUPS, "problems:\n"), encoding="utf-8")
    ok(run("close", "1.1", "--by", "李明", "--evidence", "材料", "--date", "2023-09-25"))
    accepting.write_text(text, encoding="utf-8")
    ok(run("amend", "--reason", "细化到科", "--by", "王芳", "--date", "2023-09-26"))
    assert {p["state"] for p in item(run, "1.1")["parts"]} == {"pending"}
    ok(run("accept", "1.1", "--dept", "治安", "--by", "王芳", "--date", "2023-09-27"))
    ok(
        run(
            "reject",
            "1.1",
            "--dept",
            "交通",
            "--by",
            "王芳",
            "--reason",
            "缺",
            "--date",
            "2023-09-27",
        )
    )
    check = run("check")
    assert check.exit_code == 0, check.stderr  # both answers were the rules' to give


def test_a_closed_list_holds_only_measures_signed_off_whole(
    run: Callable[..., Result], sections: Path
) -> None:
    close(run, "治安科", "2023-09-25")
    assert ok(run("list", "--closed", "--json")).json() == []
    assert ok(run("list", "--state", "已销号", "--json")).json() == []
    listed: Any = ok(run("list", "--state", "未启动", "--json")).json()
    assert ("1.1", "交通科") in [(i["id"], i["part"]) for i in listed]  # what is left to do


def _regroup(plan: Path, groups: str) -> None:
    """Write PLAN's groups of departments as GROUPS (no groups if empty)."""
    text = plan.read_text(encoding="utf-8").replace(GROUPS, groups + "problems:\n")
    plan.write_text(text, encoding="utf-8")


def _closed_figures(run: Callable[..., Result], day: str) -> tuple[int, int]:
    """Return how many measures stand signed off at DAY by status and by the trend."""
    status: Any = ok(run("status", "--json", "--as-of", day)).json()
    points: Any = ok(run("trend", "--json", "--as-of", day)).json()["points"]
    return status["closed"], points[-1]["closed"]


def test_a_section_added_by_amendment_counts_from_its_date_and_undoes_nothing_done(
    run: Callable[..., Result], sections: Path
) -> None:
    for dept, day, by in (("治安科", "2023-09-25", "张伟"), ("交通科", "2023-09-26", "刘洋"),
                          ("市场科", "2023-09-28", "陈静")):  # fmt: skip
        close(run, dept, day, by=by)
    close(run, "治安科", "2023-09-25", mid="2.1")
    _regroup(sections, "departments:\n  各执法科室: [治安科, 交通科, 市场科, 网络科]\n")
    refused(run("close", "2.1", "--dept", "网络科", "--evidence", "x"), "尚未用 rectify amend")
    ok(run("amend", "--reason", "新设网络科", "--by", "王芳", "--date", "2023-10-10"))

    def parts(mid: str, *args: str) -> dict[str, str]:
        return {p["dept"]: p["state"] for p in item(run, mid, *args)["parts"]}

    assert list(parts("2.1", "--as-of", "2023-10-09")) == ["治安科", "交通科", "市场科"]
    assert parts("2.1") == {"治安科": "closed", "交通科": "not_started", "市场科": "not_started",
                            "网络科": "not_started"}  # fmt: skip
    assert item(run, "1.1")["state"] == "closed"  # signed off before the section existed
    assert list(parts("1.1")) == ["治安科", "交通科", "市场科"]
    refused(run("close", "1.1", "--dept", "网络科", "--evidence", "x"), "在网络科加入前已销号")
    ok(run("close", "2.1", "--dept", "网络科", "--evidence", "x", "--date", "2023-10-11"))
    for day in ("2023-09-27", "2023-09-30", "2023-10-12"):
        assert _closed_figures(run, day) == ((0, 0) if day == "2023-09-27" else (1, 1))


def test_parts_given_up_by_amendment_stand_until_its_date(
    run: Callable[..., Result], sections: Path
) -> None:
    for dept, by in (("治安科", "张伟"), ("交通科", "刘洋"), ("市场科", "陈静")):
        close(run, dept, "2023-09-25", by=by)
    close(run, "治安科", "2023-09-25", mid="2.1")
    _regroup(sections, "")
    ok(run("amend", "--reason", "不再分科室", "--by", "王芳", "--date", "2023-10-10"))
    assert item(run, "1.1")["state"] == "closed"  # what the sections signed off stays so
    assert [p["state"] for p in item(run, "2.1", "--as-of", "2023-10-09")["parts"]] == [
        "closed", "not_started", "not_started"]  # fmt: skip
    undivided = item(run, "2.1")
    assert undivided["parts"] == [] and undivided["state"] == "not_started"
    ok(run("close", "2.1", "--evidence", "x", "--by", "王芳", "--date", "2023-10-11"))
    assert _closed_figures(run, "2023-09-30") == (1, 1)
    assert _closed_figures(run, "2023-10-12") == (2, 2)
    ok(run("reopen", "1.1", "--dept", "治安", "--by", "王芳", "--reason", "反弹", "--date",
           "2023-10-13"))  # fmt: skip  # a part the plan file no longer names, held by the ledger
    assert item(run, "1.1")["state"] == "reopened"


def test_each_section_records_its_part_in_its_own_order(
    run: Callable[..., Result], sections: Path
) -> None:
    def progress(dept: str, day: str, by: str) -> Result:
        return run("progress", "1.1", "--dept", dept, "--by", by, "--note", "推进", "--date", day)

    ok(progress("治安科", "2023-09-27", "张伟"))
    close(run, "交通科", "2023-09-25", by="刘洋")  # recorded late, after another's record
    refused(progress("治安科", "2023-09-26", "张伟"), "早于措施 1.1 治安科的部分 最近一条记录")
    refused(
        run("extend", "1.1", "--to", "2023-10-31", "--reason", "r", "--approved-by", "局长",
            "--date", "2023-09-26"),
        "早于措施 1.1 最近一条记录的日期 2023-09-27",
    )  # fmt: skip
    ok(run("extend", "1.1", "--to", "2023-10-31", "--reason", "r", "--approved-by", "局长",
           "--date", "2023-09-28"))  # fmt: skip
    refused(progress("市场科", "2023-09-27", "陈静"), "早于措施 1.1 市场科的部分 最近一条记录")


def test_a_section_the_plan_file_adds_is_told_to_amend_first(
    run: Callable[..., Result], sections: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "rectify" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('name = "孙磊"\ndepartment = "网络科"\n', encoding="utf-8")
    monkeypatch.delenv("RECTIFY_USER")
    close(run, "治安科", "2023-09-25", by="张伟")
    close(run, "治安科", "2023-09-25", mid="2.1", by="张伟")
    _regroup(sections, "departments:\n  各执法科室: [治安科, 交通科, 市场科, 网络科]\n")
    refused(run("progress", "1.1", "--note", "起草"), "尚未用 rectify amend")  # their section
    ok(run("amend", "--reason", "新设网络科", "--by", "王芳", "--date", "2023-10-10"))
    refused(
        run("progress", "1.1", "--note", "起草", "--date", "2023-10-09"),
        "早于措施 1.1 网络科的部分 最近一条记录的日期 2023-10-10(修订方案,王芳 于",
    )
    ok(run("progress", "1.1", "--note", "起草", "--date", "2023-10-11"))


def test_a_group_the_plan_file_splits_is_not_signed_off_by_a_section_before_the_amendment(
    run: Callable[..., Result], sections: Path
) -> None:
    text = sections.read_text(encoding="utf-8")
    sections.write_text(SMALL_PLAN, encoding="utf-8")
    ok(run("progress", "1.1", "--note", "起草", "--by", "王芳", "--date", "2023-09-20"))
    sections.write_text(text, encoding="utf-8")  # split in the file, not yet in the ledger
    refused(
        run("close", "1.1", "--dept", "治安科", "--evidence", "x", "--by", "张伟"),
        "账本记下的措施 1.1 不分科室办理;计划文件已改为分科室办理",
    )


def test_a_sign_off_on_the_day_a_section_joins_does_not_send_it_away(
    run: Callable[..., Result], sections: Path
) -> None:
    close(run, "治安科", "2023-09-25", by="张伟")
    close(run, "交通科", "2023-09-26", by="刘洋")
    _regroup(sections, "departments:\n  各执法科室: [治安科, 交通科, 市场科, 网络科]\n")
    ok(run("amend", "--reason", "新设网络科", "--by", "王芳", "--date", "2023-10-10"))
    close(run, "市场科", "2023-10-10", by="陈静")  # the same day, recorded after the amendment
    shown = item(run, "1.1")
    assert shown["state"] == "in_progress" and len(shown["parts"]) == 4
    ok(run("close", "1.1", "--dept", "网络科", "--evidence", "x", "--date", "2023-10-11"))
    assert item(run, "1.1")["state"] == "closed"


def test_a_hand_made_first_record_without_the_plan_is_judged_by_the_plan(
    run: Callable[..., Result], accepting: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-01T09:00:00+08:00")
    close(run, "治安科", "2023-09-25")
    _forge(isolated, id="2.1", date="2023-09-30")  # the whole group, by one hand, no plan
    shown = item(run, "2.1")
    assert shown["state"] == "not_started" and shown["acceptance"] == "政策法规科"
    said = run("check")
    assert said.exit_code == 2 and "此行是措施 2.1 的第一条记录,却没有记下当时的方案" in said.stderr
    ok(run("amend", "--reason", "补记", "--by", "王芳", "--date", "2023-10-01"))
    assert item(run, "2.1")["state"] == "not_started"  # judged by the plan then recorded
    assert "此行是措施 2.1 的第一条记录" in run("check").stderr


def test_only_a_first_record_is_called_one(
    run: Callable[..., Result], sections: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-01T09:00:00+08:00")
    _forge(isolated, id="1.2", date="2023-09-25")  # as an older rectify wrote it: no plan
    close(run, "治安科", "2023-09-26", mid="2.1")  # this rectify records plans from here on
    _forge(isolated, id="1.2", date="2023-09-27", action="reopen", note="反弹", evidence=[])
    assert "第一条记录" not in run("check").stderr


def test_check_finds_a_record_put_before_what_was_recorded_earlier(
    run: Callable[..., Result], sections: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    close(run, "治安科", "2023-09-25")
    _regroup(sections, "departments:\n  各执法科室: [治安科, 交通科, 市场科, 网络科]\n")
    ok(run("amend", "--reason", "新设网络科", "--by", "王芳", "--date", "2023-10-10"))
    ok(run("progress", "1.1", "--dept", "交通科", "--note", "推进", "--by", "刘洋",
           "--date", "2023-10-12"))  # fmt: skip
    assert ok(run("check")).exit_code == 0
    late = "2023-10-20T09:00:00+08:00"
    _forge(isolated, id="1.1", date="2023-09-20", dept="网络科", by="孙磊", recorded=late)
    _forge(isolated, id="1.1", date="2023-10-11", dept="治安科", action="reopen", note="x",
           evidence=[], recorded=late)  # fmt: skip  # before 交通科's record: its own order
    said = run("check")
    assert said.exit_code == 2 and said.stderr.count("登记时会被拒绝") == 1, said.stderr
    assert (
        "此行的生效日期 2023-09-20 早于措施 1.1 网络科的部分 此前登记的记录的日期 2023-10-10"
        in (said.stderr)
    )


def test_a_merge_brings_records_in_any_order(
    run: Callable[..., Result], sections: Path, isolated: Path, tmp_path: Path
) -> None:
    close(run, "治安科", "2023-09-25")
    common = isolated.read_bytes()
    ok(run("progress", "1.1", "--dept", "交通科", "--note", "a", "--by", "刘洋",
           "--date", "2023-10-10"))  # fmt: skip
    ours = isolated.read_bytes()
    isolated.write_bytes(common)
    ok(run("progress", "1.1", "--dept", "交通科", "--note", "b", "--by", "刘洋",
           "--date", "2023-10-05"))  # fmt: skip
    theirs = isolated.read_bytes()
    isolated.write_bytes(ours + theirs[len(common) :])  # what git's union merge writes
    said = run("check")
    assert "登记时会被拒绝" not in said.stderr, said.stderr


def test_check_finds_a_part_signed_off_by_someone_not_of_its_section(
    run: Callable[..., Result], accepting: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-01T09:00:00+08:00")
    close(run, "治安科", "2023-09-25")
    _forge(isolated, id="1.1", date="2023-09-26", dept="交通科", by="张伟")  # not 刘洋
    said = run("check")
    assert said.exit_code == 2
    assert (
        "此行由 张伟 为措施 1.1 交通科的部分销号,而账本其时记下的交通科人员是 刘洋" in said.stderr
    )
