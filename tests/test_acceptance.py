"""验收 before 销号: close submits, someone of the accepting department accepts or sends back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import SMALL_PLAN, Result, ok, refused, shown, write

PEOPLE = "people:\n  王芳: 政策法规科\n  赵敏: 政策法规科\n  李明: 办公室\nproblems:\n"


@pytest.fixture
def accepting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use a plan whose sign-offs 政策法规科 accepts, listing three people."""
    text = SMALL_PLAN.replace(
        "  timezone: Asia/Shanghai\n", "  timezone: Asia/Shanghai\n  acceptance: 政策法规科\n"
    )
    plan = write(tmp_path / "plan.yaml", text.replace("problems:\n", PEOPLE, 1))
    monkeypatch.setenv("RECTIFY_PLAN", str(plan))
    return plan


item = shown


def submit(run: Callable[..., Result], mid: str = "1.1", day: str = "2023-09-25") -> None:
    said = ok(run("close", mid, "--by", "李明", "--evidence", "制度文件", "--date", day)).stdout
    assert said.startswith(f"已提交销号,待政策法规科验收:措施 {mid}")


def test_a_sign_off_waits_for_acceptance_and_counts_for_nothing(
    run: Callable[..., Result], accepting: Path, isolated: Path
) -> None:
    submit(run)
    shown = item(run, "1.1", "--as-of", "2023-09-26")
    assert (shown["state"], shown["state_label"], shown["closed_on"]) == ("pending", "待验收", None)
    assert (shown["submitted_on"], shown["submitted_by"]) == ("2023-09-25", "李明")
    status: Any = ok(run("status", "--json", "--as-of", "2023-09-26")).json()
    assert (status["closed"], status["pending"], status["rate"]) == (0, 1, 0)
    text = ok(run("status", "--as-of", "2023-09-26")).stdout
    assert "总体:已销号 0/3,完成率 0.0%,待验收 1 项," in text and "待验收" in text.splitlines()[5]
    listed: Any = ok(run("list", "--json", "--state", "待验收", "--as-of", "2023-09-26")).json()
    assert [i["id"] for i in listed] == ["1.1"]
    late: Any = run("overdue", "--json", "--as-of", "2023-10-02").json()
    assert "1.1" in [i["id"] for i in late]  # past due and not accepted: overdue
    before = isolated.read_bytes()
    refused(run("close", "1.1", "--by", "李明", "--evidence", "再交一次"), "正等待政策法规科验收")
    refused(
        run("progress", "1.1", "--by", "李明", "--note", "补充"), "已提交销号,正等待政策法规科验收"
    )
    assert isolated.read_bytes() == before


def test_the_submitter_and_other_departments_cannot_accept(
    run: Callable[..., Result], accepting: Path
) -> None:
    submit(run)
    refused(run("accept", "1.1", "--by", "李明"), "销号是 李明 提交的,本人不能验收")
    refused(
        run("accept", "1.1", "--by", "张三"),
        "须由政策法规科的人验收,张三(方案的人员名单中没有此人)",
    )
    run_as_office = run("reject", "1.1", "--by", "李明", "--reason", "自己撤回")
    refused(run_as_office, "本人不能退回")
    said = ok(run("accept", "1.1", "--by", "王芳", "--note", "现场核查", "--date", "2023-09-26"))
    assert said.stdout.startswith("验收通过,已销号:措施 1.1")
    shown = item(run, "1.1")
    assert (shown["state"], shown["accepted_by"], shown["accepted_on"]) == (
        "closed",
        "王芳",
        "2023-09-26",
    )
    assert (shown["closed_by"], shown["closed_on"]) == ("李明", "2023-09-25")
    status: Any = ok(run("status", "--json")).json()
    assert (status["closed"], status["pending"]) == (1, 0)
    refused(run("accept", "1.1", "--by", "赵敏"), "现为“已销号”,没有待验收的销号")


def test_a_sign_off_sent_back_is_work_in_progress_until_signed_again(
    run: Callable[..., Result], accepting: Path
) -> None:
    submit(run)
    refused(run("reject", "1.1", "--by", "王芳"), "--reason")
    ok(run("reject", "1.1", "--by", "王芳", "--reason", "缺培训签到表", "--date", "2023-09-26"))
    shown = item(run, "1.1")
    assert shown["state"] == "in_progress" and shown["submitted_on"] is None
    assert [(h["action"], h["note"]) for h in shown["history"]][-1] == ("reject", "缺培训签到表")
    submit(run, day="2023-09-28")
    assert item(run, "1.1")["state"] == "pending"
    ok(run("accept", "1.1", "--by", "赵敏", "--date", "2023-09-29"))
    assert item(run, "1.1")["state"] == "closed"
    check = run("check")
    assert check.exit_code == 0 and "两次销号" not in check.stdout + check.stderr  # not a double
    submit(run, "2.1", "2023-10-02")  # waiting at the last point: not counted there
    points: Any = ok(run("trend", "--json", "--as-of", "2023-10-03")).json()["points"]
    assert [(p["date"], p["closed"]) for p in points] == [
        ("2023-09-19", 0),
        ("2023-09-26", 0),
        ("2023-10-03", 1),
    ]


def test_voiding_an_acceptance_puts_the_sign_off_back_to_waiting(
    run: Callable[..., Result], accepting: Path
) -> None:
    submit(run)
    accepted: Any = ok(run("accept", "1.1", "--by", "王芳", "--json")).json()
    ok(run("void", str(accepted["line"]), "--by", "赵敏", "--reason", "验收人弄错"))
    assert item(run, "1.1")["state"] == "pending"


def test_a_measure_names_its_own_accepting_department(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = SMALL_PLAN.replace(
        "        deadline: 长期坚持\n", "        deadline: 长期坚持\n        acceptance: 办公室\n"
    )
    monkeypatch.setenv("RECTIFY_PLAN", str(write(tmp_path / "plan.yaml", text)))
    said = ok(run("close", "1.1", "--evidence", "材料", "--date", "2023-09-25")).stdout
    assert said.startswith("已销号:措施 1.1")  # the plan names no acceptance: counts at once
    refused(run("accept", "1.1", "--by", "王芳"), "不需要验收(方案未指定验收科室)")
    ok(run("close", "1.2", "--by", "李明", "--evidence", "材料", "--date", "2023-09-25"))
    assert item(run, "1.2")["acceptance"] == "办公室" and item(run, "1.2")["state"] == "pending"
    ok(run("accept", "1.2", "--by", "王芳"))  # no people listed: anyone but the submitter
    assert item(run, "1.2")["state"] == "closed"


def test_without_acceptance_nothing_changes(run: Callable[..., Result]) -> None:
    said = ok(run("close", "3.2", "--evidence", "柔性执法工作指引", "--date", "2023-10-05")).stdout
    assert said.startswith("已销号(长效机制已建立):措施 3.2")
    shown = item(run, "3.2")
    assert (shown["state"], shown["acceptance"], shown["accepted_by"]) == ("closed", None, None)
    assert "待验收" not in ok(run("status")).stdout


def test_voiding_a_second_sign_off_does_not_revive_the_one_sent_back(
    run: Callable[..., Result], accepting: Path
) -> None:
    submit(run, day="2023-09-20")
    ok(run("reject", "1.1", "--by", "王芳", "--reason", "缺材料", "--date", "2023-09-21"))
    submit(run, day="2023-09-22")
    second: Any = ok(run("log", "1.1", "--json")).json()[-1]
    ok(run("accept", "1.1", "--by", "赵敏", "--date", "2023-09-23"))
    ok(run("void", str(second["line"]), "--by", "赵敏", "--reason", "第二次提交登记错了"))
    shown = item(run, "1.1")
    assert (shown["state"], shown["accepted_by"]) == ("in_progress", None)
    status: Any = ok(run("status", "--json")).json()
    assert status["closed"] == 0
    points: Any = ok(run("trend", "--json", "--as-of", "2023-09-26")).json()["points"]
    assert points[-1]["closed"] == 0


def _strip_acceptance(plan: Path) -> None:
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("  acceptance: 政策法规科\n", ""), encoding="utf-8")


def test_whether_a_sign_off_waits_is_what_the_ledger_holds_not_the_plan_file(
    run: Callable[..., Result], accepting: Path, isolated: Path
) -> None:
    submit(run)
    ok(run("progress", "2.1", "--by", "李明", "--note", "起草中", "--date", "2023-09-25"))
    _strip_acceptance(accepting)  # deleting the line must not sign the measure off
    assert item(run, "1.1")["state"] == "pending"
    assert item(run, "2.1")["acceptance"] == "政策法规科"  # recorded: held by the ledger
    check = run("check")
    assert check.exit_code == 2 and "验收科室 政策法规科 → —" in check.stderr, check.stderr
    before = isolated.read_bytes()
    refused(  # what waits is answered by whom it waits for, before the rule changes
        run("amend", "--reason", "局党组决定不再验收", "--by", "王芳", "--date", "2023-10-01"),
        "措施 1.1 的销号正等待政策法规科验收,不能修订它的验收科室",
    )
    assert isolated.read_bytes() == before
    ok(run("accept", "1.1", "--by", "王芳", "--date", "2023-10-01"))
    said = ok(
        run("amend", "--reason", "局党组决定不再验收", "--by", "王芳", "--date", "2023-10-01")
    )
    assert "验收科室 政策法规科 → —" in said.stdout
    assert item(run, "1.1")["state"] == "closed"
    assert item(run, "2.1")["acceptance"] is None
    ok(run("close", "2.1", "--by", "李明", "--evidence", "材料", "--date", "2023-10-02"))
    assert item(run, "2.1")["state"] == "closed"  # signed off after the amendment: at once
    assert ok(run("check")).exit_code == 0


def test_adding_acceptance_to_the_plan_leaves_past_sign_offs_signed_off(
    run: Callable[..., Result], accepting: Path
) -> None:
    _strip_acceptance(accepting)
    ok(run("close", "1.1", "--by", "李明", "--evidence", "材料", "--date", "2023-09-25"))
    accepting.write_text(  # the plan as the fixture wrote it: with acceptance again
        accepting.read_text(encoding="utf-8").replace(
            "  timezone: Asia/Shanghai\n", "  timezone: Asia/Shanghai\n  acceptance: 政策法规科\n"
        ),
        encoding="utf-8",
    )
    assert item(run, "1.1")["state"] == "closed"  # the ledger holds it without acceptance
    assert run("check").exit_code == 2
    ok(run("amend", "--reason", "改为验收后销号", "--by", "王芳"))
    assert item(run, "1.1")["state"] == "closed"  # signed off before the rule: it stands
    points: Any = ok(run("trend", "--json", "--as-of", "2023-09-26")).json()["points"]
    assert points[-1]["closed"] == 1  # the trend counts it as replay does
    ok(run("reopen", "1.1", "--by", "王芳", "--reason", "反弹"))
    ok(run("close", "1.1", "--by", "李明", "--evidence", "再次整改"))
    assert item(run, "1.1")["state"] == "pending"  # signed off after it: waits


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ("people:\n  王芳: 办公室\n", "验收科室“政策法规科”在人员名单(people)中没有人,无人能验收"),
        ("people:\n  王芳: '政策法规科 '\n", "“政策法规科”前后有空白,请删去"),
        ("people:\n  '王芳\u200b': 政策法规科\n", "不能如实显示的字符 U+200B"),
        ("people:\n  王芳: 政\u202e策法规科\n", "不能如实显示的字符 U+202E"),
    ],
)
def test_the_people_who_may_accept_are_plain_names(
    run: Callable[..., Result], accepting: Path, people: str, message: str
) -> None:
    text = accepting.read_text(encoding="utf-8")
    start, end = text.index("people:\n"), text.index("problems:\n")
    accepting.write_text(text[:start] + people + text[end:], encoding="utf-8")
    result = run("check")
    assert result.exit_code == 2 and f"{accepting}:" in result.stderr, result.stderr
    assert message in result.stderr


def test_check_applies_the_acceptance_rules_to_hand_made_lines(
    run: Callable[..., Result], accepting: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    from rectify_cli.events import Event
    from rectify_cli.ledger import append
    from rectify_cli.rules import adapter

    def forged(by: str, day: str, action: str = "accept", mid: str = "1.1") -> None:
        content = {"recorded": "2023-10-01T09:00:00+08:00", "date": day, "id": mid,
                   "action": action, "by": by, "note": "手写"}  # fmt: skip
        append(isolated, lambda _: [adapter(Event).validate_python(content)])

    at("2023-10-01T09:00:00+08:00")
    submit(run)
    forged("李明", "2023-09-26")  # the submitter's own acceptance
    assert item(run, "1.1")["state"] == "closed"  # replay reads it: check must say so
    line = ok(run("log", "--json")).json()[-1]["line"]
    result = run("check")
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 2, result.stderr
    assert any(
        said.startswith(f"{isolated}:{line}:1:") and "是 李明 提交的,此行由本人验收" in said
        for said in lines
    ), result.stderr
    forged("张三", "2023-09-27", "reject", "2.1")  # answering nothing
    submit(run, "1.2", "2023-09-28")
    forged("李明", "2023-09-29", mid="1.2")  # again the submitter
    ok(run("reopen", "1.2", "--by", "王芳", "--reason", "自行验收无效", "--date", "2023-09-29"))
    submit(run, "1.2", "2023-09-30")
    forged("张三", "2023-09-30", mid="1.2")  # someone outside the accepting department
    said = run("check").stderr
    assert "此行退回措施 2.1,其时没有待验收的销号" in said
    assert "此行的 张三 不在账本其时记下的政策法规科人员(王芳、赵敏)中" in said
    assert said.count("不合验收规则") == 4, said


def test_the_papers_say_who_accepted_what_waits_and_why_it_was_sent_back(
    run: Callable[..., Result], accepting: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    submit(run)
    ok(run("accept", "1.1", "--by", "王芳", "--date", "2023-09-26"))
    submit(run, "2.1", "2023-09-27")
    ok(run("reject", "2.1", "--by", "赵敏", "--reason", "缺培训签到表", "--date", "2023-09-28"))
    submit(run, "1.2", "2023-09-28")
    text = ok(run("report", "--as-of", "2023-09-30")).stdout
    assert "经政策法规科 王芳 于 2023-09-26 验收通过" in text
    assert "2023-09-28 验收未通过,由 赵敏 退回:“缺培训签到表”" in text
    assert "2023-09-28 由 李明 提交销号,待政策法规科验收" in text
    assert "待验收 1 项(已提交销号,未计入已销号)" in text
    rows: Any = ok(run("export", "--format", "json", "--as-of", "2023-09-30")).json()
    remarks = {r["id"]: r["remarks"] for r in rows}
    assert "2023-09-26 王芳 验收通过" in remarks["1.1"]
    assert "2023-09-28 验收退回:缺培训签到表" in remarks["2.1"]
    assert "待政策法规科验收" in remarks["1.2"]
    target = tmp_path / "台账.xlsx"
    ok(run("export", "-o", str(target), "--as-of", "2023-09-30"))
    rates: Any = load_workbook(target)["完成率"]
    assert [c.value for c in rates[2]] == [
        "项目", "措施数", "已销号", "完成率", "待验收", "已超期", "待复查"
    ]  # fmt: skip
    assert [c.value for c in rates[3]][4] == 1  # problem 1: 1.2 waits


def test_check_sees_through_an_invisible_character_in_a_hand_made_name(
    run: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated: Path,
    at: Callable[[str], None],
) -> None:
    from rectify_cli.events import Event
    from rectify_cli.ledger import append
    from rectify_cli.rules import adapter

    text = SMALL_PLAN.replace(
        "  timezone: Asia/Shanghai\n", "  timezone: Asia/Shanghai\n  acceptance: 政策法规科\n"
    )  # no people: anyone but the submitter may accept
    monkeypatch.setenv("RECTIFY_PLAN", str(write(tmp_path / "plan.yaml", text)))
    at("2023-10-01T09:00:00+08:00")
    submit(run)
    for name in (" 李明", "李明\u200b"):
        content = {"recorded": "2023-10-01T09:00:00+08:00", "date": "2023-09-26", "id": "1.1",
                   "action": "accept", "by": name}  # fmt: skip
        append(isolated, lambda _, c=content: [adapter(Event).validate_python(c)])  # type: ignore[misc]
    said = run("check").stderr
    assert "登记人姓名含有不能如实显示的字符" in said and "此行由本人验收" in said, said


def test_a_sign_off_by_an_older_rectify_needed_no_acceptance(
    run: Callable[..., Result], accepting: Path, isolated: Path
) -> None:
    """A record written before the ledger held definitions: adding acceptance to the plan
    must not turn its sign-off into one waiting, now or once the measure is recorded again."""
    from rectify_cli.events import Event
    from rectify_cli.ledger import append
    from rectify_cli.rules import adapter

    old = adapter(Event).validate_python(  # as an older rectify wrote it: no measure
        {"recorded": "2023-09-28T09:00:00+08:00", "date": "2023-09-28", "id": "1.2",
         "action": "close", "by": "李明", "evidence": [{"text": "通报"}]}
    )  # fmt: skip
    append(isolated, lambda _: [old])
    assert item(run, "1.2")["state"] == "closed"
    ok(run("review", "1.2", "--by", "王芳", "--note", "复查无反弹"))  # holds the plan now
    assert item(run, "1.2")["state"] == "closed"
    assert ok(run("check")).exit_code == 0


def test_who_may_accept_is_what_the_ledger_held_when_they_answered(
    run: Callable[..., Result], accepting: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    from rectify_cli.events import Event
    from rectify_cli.ledger import append
    from rectify_cli.rules import adapter

    at("2023-10-01T09:00:00+08:00")
    submit(run)
    ok(run("accept", "1.1", "--by", "王芳", "--date", "2023-09-26"))
    submit(run, "1.2", "2023-09-26")
    submit(run, "2.1", "2023-09-26")
    content = {"recorded": "2023-10-01T09:00:00+08:00", "date": "2023-09-27", "id": "1.2",
               "action": "accept", "by": "张三", "note": "手写"}  # fmt: skip
    append(isolated, lambda _: [adapter(Event).validate_python(content)])  # a forged answer
    # 王芳 moves to 办公室; 张三 writes himself into 政策法规科
    moved = accepting.read_text(encoding="utf-8").replace("王芳: 政策法规科", "王芳: 办公室")
    accepting.write_text(moved.replace("李明: 办公室", "李明: 办公室\n  张三: 政策法规科"), "utf-8")
    said = run("check")
    assert (
        said.exit_code == 2 and "人员 政策法规科:王芳、赵敏 → 政策法规科:张三、赵敏" in said.stderr
    ), said.stderr
    assert "此行的 张三 不在账本其时记下的政策法规科人员(王芳、赵敏)中" in said.stderr
    refused(run("accept", "2.1", "--by", "张三"), "这一改动尚未记入账本")
    ok(run("amend", "--reason", "人员调整", "--by", "赵敏", "--date", "2023-09-29"))
    said = run("check")  # 王芳's acceptance stands; the forged line still does not
    assert said.exit_code == 2 and said.stderr.count("不合验收规则") == 1, said.stderr
    assert "此行的 张三 不在账本其时记下的政策法规科人员(王芳、赵敏)中" in said.stderr
    refused(run("accept", "2.1", "--by", "王芳"), "王芳(方案列明属于办公室)不能办理")
    ok(run("accept", "2.1", "--by", "张三", "--date", "2023-09-30"))
    assert item(run, "1.1")["accepted_by"] == "王芳"


def test_the_history_calls_a_sign_off_waiting_for_acceptance_a_submission(
    run: Callable[..., Result], accepting: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    said: Any = ok(run("close", "1.1", "--by", "李明", "--evidence", "制度", "--json",
                       "--date", "2023-09-25")).json()  # fmt: skip
    assert said["awaits"] == "政策法规科"
    ok(run("accept", "1.1", "--by", "王芳", "--date", "2023-09-26"))
    text = ok(run("show", "1.1")).stdout
    assert "2023-09-25 提交销号(须经政策法规科验收) 由 李明" in text
    assert "2023-09-26 验收通过 由 王芳" in text
    logged: Any = ok(run("log", "--json")).json()
    assert [e["awaits"] for e in logged] == ["政策法规科", None]
    out = tmp_path / "台账.xlsx"
    ok(run("export", "-o", str(out)))
    cells = [c.value for row in load_workbook(out)["历史记录"].iter_rows() for c in row]
    assert "提交销号(须经政策法规科验收)" in cells
    text = accepting.read_text(encoding="utf-8").replace("  acceptance: 政策法规科\n", "")
    accepting.write_text(text, encoding="utf-8")  # no acceptance for sign-offs from now on
    ok(run("amend", "--reason", "不再验收", "--by", "王芳", "--date", "2023-09-27"))
    ok(run("close", "1.2", "--by", "李明", "--evidence", "制度", "--date", "2023-09-28"))
    history = ok(run("log", "1.2")).stdout
    assert "2023-09-28 销号 由 李明" in history and "提交" not in history
    assert "提交销号(须经政策法规科验收)" in ok(run("show", "1.1")).stdout  # as it was then


def test_an_overdue_sign_off_waiting_or_come_back_says_so(
    run: Callable[..., Result], accepting: Path
) -> None:
    submit(run)  # 1.1 is due 2023-09-30
    listed = ok(run("list", "--state", "待验收", "--as-of", "2023-10-05")).stdout
    assert "待验收,已超期 5 天" in listed
    shown = ok(run("show", "1.1", "--as-of", "2023-10-05")).stdout
    assert shown.startswith("措施 1.1  待验收,已超期 5 天(截至 2023-10-05)")
    ok(run("accept", "1.1", "--by", "王芳", "--date", "2023-10-02"))
    ok(run("reopen", "1.1", "--by", "王芳", "--reason", "复发", "--date", "2023-10-03"))
    shown = ok(run("show", "1.1", "--as-of", "2023-10-05")).stdout
    assert shown.startswith("措施 1.1  反弹,已超期 5 天(截至 2023-10-05)")
    shown = ok(run("show", "2.1", "--as-of", "2023-11-20")).stdout
    assert shown.startswith("措施 2.1  已超期 5 天(状态:未启动)")


def test_a_sign_off_waits_for_the_department_it_was_made_for(
    run: Callable[..., Result],
    accepting: Path,
    isolated: Path,
    at: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rectify_cli import core
    from rectify_cli.events import Event
    from rectify_cli.ledger import append
    from rectify_cli.rules import adapter

    at("2023-10-01T09:00:00+08:00")
    submit(run, "1.2")
    moved = accepting.read_text(encoding="utf-8").replace(
        "acceptance: 政策法规科", "acceptance: 办公室"
    )
    accepting.write_text(moved.replace("李明: 办公室", "李明: 办公室\n  孙丽: 办公室"), "utf-8")
    refused(run("amend", "--reason", "改由办公室验收", "--by", "王芳", "--date", "2023-09-26"),
            "措施 1.2 的销号正等待政策法规科验收")  # fmt: skip
    # a ledger an older rectify amended while it waited: the answer is still 政策法规科's
    monkeypatch.setattr(core, "_no_pending_answer_moved", lambda *args: None)
    ok(run("amend", "--reason", "改由办公室验收", "--by", "王芳", "--date", "2023-09-26"))
    refused(run("accept", "1.2", "--by", "孙丽", "--date", "2023-09-27"), "须经政策法规科验收")
    content = {"recorded": "2023-10-01T09:00:00+08:00", "date": "2023-09-27", "id": "1.2",
               "action": "accept", "by": "孙丽", "note": "手写"}  # fmt: skip
    append(isolated, lambda _: [adapter(Event).validate_python(content)])
    said = run("check").stderr
    assert "第 3 行的销号须经政策法规科验收,而此行验收时账本记下的验收科室是办公室" in said, said


def test_an_answer_to_a_sign_off_since_voided_is_not_called_hand_made(
    run: Callable[..., Result], accepting: Path
) -> None:
    submit(run)
    ok(run("accept", "1.1", "--by", "王芳", "--date", "2023-09-26"))
    signed = ok(run("log", "--json")).json()[0]["line"]
    ok(run("void", str(signed), "--by", "王芳", "--reason", "材料不实"))
    assert item(run, "1.1")["state"] == "not_started"
    said = run("check")
    assert "不合验收规则" not in said.stderr, said.stderr
