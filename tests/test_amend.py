"""The plan cannot change under the ledger silently: the ledger holds each recorded measure
as planned, `check` and every command say when the plan file differs, `amend` records it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rectify_cli.index import load_index
from rectify_cli.ledger import read_ledger, read_whole
from rectify_cli.rules import adapter

from .conftest import SMALL_PLAN, Result, refused, write


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small plan, used by every command through RECTIFY_PLAN."""
    path = write(tmp_path / "plan.yaml", SMALL_PLAN)
    monkeypatch.setenv("RECTIFY_PLAN", str(path))
    return path


def edit(plan: Path, old: str, new: str) -> None:
    text = plan.read_text(encoding="utf-8")
    assert text.count(old) == 1
    plan.write_text(text.replace(old, new), encoding="utf-8")


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def item(run: Callable[..., Result], mid: str, *more: str) -> Any:
    return ok(run("show", mid, "--json", *more)).json()


def deadline(run: Callable[..., Result], group: str, as_of: str = "2024-01-10") -> Any:
    checks = ok(run("trend", "--json", "--as-of", as_of)).json()["deadlines"]
    return next(c for c in checks if c["deadline"] == group)


def test_a_measure_first_recorded_holds_the_plan(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    ok(run("assign", "1.1", "--owner", "王芳", "--date", "2023-10-01"))
    ok(run("close", "1.1", "--evidence", "通报"))
    first, second = run("log", "--json").json()
    assert first["measure"] == {
        "text": "措施一。",
        "lead": ["政策法规科"],
        "responsible": ["各执法科室"],
        "deadline": "9月底",
        "due": "2023-09-30",
        "review_every": None,
        "timezone": "Asia/Shanghai",
        "acceptance": None,
        "parts": None,
        "people": None,
    }
    assert second["measure"] is None  # held once, by the first record


def test_a_definition_recorded_before_acceptance_existed_keeps_its_digest() -> None:
    """The digest of a measure held without an accepting department is what rectify wrote
    before the field existed: old ledgers do not drift from their own plan."""
    from datetime import date

    from rectify_cli.plan import Definition

    held = Definition(
        text="措施一。", lead=("政策法规科",), responsible=("各执法科室",), deadline="9月底",
        due=date(2023, 9, 30), timezone="Asia/Shanghai",
    )  # fmt: skip
    assert held.digest == 0x5E10687314DA20F
    assert Definition(**{**vars(held), "acceptance": "政策法规科"}).digest != held.digest


def test_moving_a_deadline_under_the_ledger_is_caught_and_changes_nothing(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    ok(run("close", "1.1", "--evidence", "通报"))  # three weeks late
    assert deadline(run, "9月底")["late"] == 1
    edit(plan, "deadline: 9月底", "deadline: 10月底")  # now it would look on time

    checked = run("check")
    assert checked.exit_code == 2
    assert f"{plan}:10:9: 措施 1.1 与账本第 3 行记录的方案不同:整改时限 9月底 → 10月底" in (
        checked.stdout + checked.stderr
    )
    listed = run("list")
    assert listed.exit_code == 0
    assert "1 项措施与账本记录的方案不同(1.1)" in listed.stderr
    shown = item(run, "1.1")
    assert (shown["due"], shown["original_due"], shown["extensions"]) == ("2023-09-30",) * 2 + (0,)
    assert deadline(run, "9月底")["late"] == 1  # still late: the ledger's deadline counts
    assert [c["deadline"] for c in run("trend", "--json").json()["deadlines"]][:1] == ["9月底"]
    assert "10月底" not in [c["deadline"] for c in run("trend", "--json").json()["deadlines"]]


def test_an_amendment_records_old_and_new_and_counts_like_an_extension(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    ok(run("close", "1.1", "--evidence", "通报"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    said = ok(run("amend", "--reason", "局党组会议调整时限", "--approved-by", "张局长"))
    assert said.stdout.splitlines() == [
        "已记录方案修订(生效日期 2023-10-20,登记人 测试员):",
        "  措施 1.1:整改时限 9月底 → 10月底;到期日 2023-09-30 → 2023-10-31",
    ]
    assert said.stderr == ""
    assert ok(run("check")).stdout.startswith("未发现错误")
    amendment = run("log", "--json").json()[-1]
    assert amendment["action"] == "amend" and amendment["approved_by"] == "张局长"
    assert (
        amendment["before"]["deadline"] == "9月底" and amendment["measure"]["deadline"] == "10月底"
    )
    assert amendment["note"] == "局党组会议调整时限"
    shown = item(run, "1.1")
    assert shown["due"] == "2023-10-31" and shown["original_due"] == "2023-09-30"
    assert shown["extensions"] == 1 and shown["late_extension"]  # moved after 9月底 had passed
    check = deadline(run, "9月底")
    assert (check["on_time"], check["extended_on_time"], check["late"]) == (0, 0, 1)
    text = ok(run("show", "1.1")).stdout
    assert "修订方案(批准人 张局长):整改时限 9月底 → 10月底" in text


def test_an_amendment_made_in_time_is_an_extension_in_time(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-09-25T09:00:00+08:00")
    ok(run("progress", "1.1", "--note", "起草中"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    ok(run("amend", "--reason", "局党组会议调整时限"))
    at("2023-10-20T09:00:00+08:00")
    ok(run("close", "1.1", "--evidence", "通报"))
    assert not item(run, "1.1")["late_extension"]
    check = deadline(run, "9月底")
    assert (check["on_time"], check["extended_on_time"], check["late"]) == (0, 1, 0)


def test_a_changed_text_or_department_is_named(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("close", "2.1", "--evidence", "纪要", "--date", "2023-11-01"))
    edit(plan, "text: 措施三。", "text: 措施三(修改)。")
    edit(plan, "responsible: [政策法规科, 各执法科室]", "responsible: [政策法规科]")
    checked = run("check")
    assert checked.exit_code == 2
    said = checked.stdout + checked.stderr
    assert "措施内容由“措施三。”改为“措施三(修改)。”" in said
    assert "责任科室 政策法规科、各执法科室 → 政策法规科" in said
    ok(run("amend", "--reason", "文字订正"))
    assert ok(run("check")).exit_code == 0
    assert item(run, "2.1")["extensions"] == 0  # the deadline did not move


def test_a_removed_measure_is_caught_then_recorded(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("close", "2.1", "--evidence", "纪要", "--date", "2023-11-01"))
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text[: text.index("  - number: 2")], encoding="utf-8")
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:3:1: 措施 2.1 与账本第 3 行记录的方案不同:方案删除了此项措施" in (
        checked.stdout + checked.stderr
    )
    status = ok(run("status", "--json"))
    assert status.json()["total"] == 2 and "(2.1)" in status.stderr
    ok(run("amend", "--reason", "问题二并入问题一"))
    assert ok(run("check")).exit_code == 0
    assert ok(run("status")).stderr == ""
    assert [e["id"] for e in run("log", "--json").json()] == ["2.1", "2.1"]  # nothing lost


def test_changes_to_measures_without_records_need_no_amendment(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "deadline: 2023-11-15", "deadline: 12月底")
    edit(plan, "text: 措施二。", "text: 措施二(修改)。")
    assert ok(run("check")).exit_code == 0
    assert ok(run("status")).stderr == ""
    before = isolated.read_bytes()
    said = ok(run("amend", "--reason", "无"))
    assert said.stdout == "计划文件与账本记录的方案一致,无需修订。\n"
    assert isolated.read_bytes() == before


def test_moving_the_plan_date_moves_every_due_date(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "date: 2023-09-19", "date: 2023-10-19")  # 9月底 is now September 2024
    checked = run("check")
    assert checked.exit_code == 2
    assert "到期日 2023-09-30 → 2024-09-30" in checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("amend",), "缺少选项 --reason"),
        (("amend", "--reason", "  "), "修订方案必须用 --reason 写明原因"),
        (("amend", "--reason", "x", "--approved-by", "张\u200b局长"), "U+200B"),
        (("amend", "--reason", "x", "--date", "2099-01-01"), "晚于今天"),
    ],
)
def test_refused_amendments_change_nothing(
    run: Callable[..., Result], plan: Path, isolated: Path, args: tuple[str, ...], said: str
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    before = isolated.read_bytes()
    result = run(*args)
    assert result.exit_code == 2 and said in result.stderr
    assert isolated.read_bytes() == before


def test_voiding_an_amendment_brings_the_difference_back(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    ok(run("amend", "--reason", "调整"))
    assert item(run, "1.1")["due"] == "2023-10-31"
    amendment = run("log", "--json").json()[-1]["line"]
    ok(run("progress", "2.1", "--note", "起草中"))  # another measure's record: no matter
    ok(run("void", str(amendment), "--reason", "未经批准"))
    assert run("check").exit_code == 2
    assert item(run, "1.1")["due"] == "2023-09-30"


def test_an_amendment_something_was_recorded_under_is_not_voided(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    ok(run("amend", "--reason", "调整"))
    amendment = run("log", "--json").json()[-1]["line"]
    ok(run("reopen", "1.1", "--reason", "反弹"))
    before = isolated.read_bytes()
    refused(run("void", str(amendment), "--reason", "未经批准"), "那些记录是按修订后的方案登记的")
    assert isolated.read_bytes() == before


def test_records_from_before_the_plan_was_held_get_it_by_amend(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    from rectify_cli.events import Event
    from rectify_cli.ledger import append

    old = adapter(Event).validate_python(  # as an older rectify wrote it: no measure
        {"recorded": "2023-09-28T09:00:00+08:00", "date": "2023-09-28", "id": "1.1",
         "action": "close", "by": "李明", "evidence": [{"text": "通报"}]}
    )  # fmt: skip
    append(isolated, lambda _: [old])
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    assert ok(run("check")).exit_code == 0  # nothing held to compare with
    said = ok(run("amend", "--reason", "记下现行方案"))
    assert "措施 1.1:记下方案中此项措施的内容、科室和时限" in said.stdout
    edit(plan, "deadline: 10月底", "deadline: 11月底")
    assert run("check").exit_code == 2


def test_the_cached_index_holds_what_the_file_does(
    run: Callable[..., Result], plan: Path, isolated: Path, tmp_path: Path
) -> None:
    from rectify_cli import __version__
    from rectify_cli.index import content_key
    from rectify_cli.workspace import cache_folder

    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    ok(run("progress", "2.1", "--note", "起草中", "--date", "2023-09-28"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    ok(run("amend", "--reason", "调整"))
    ok(run("void", "5", "--reason", "撤回"))
    cached = load_index(cache_folder(), isolated, __version__)
    assert cached is not None and cached[2] == content_key(isolated.read_bytes())
    fresh = read_whole(isolated)[0].index
    assert (cached[0].pinned, cached[0].definition) == (fresh.pinned, fresh.definition)
    assert fresh.definition == fresh.pinned  # the void took the amendment back: first again
    assert read_ledger(isolated).index.definition == fresh.definition


def test_the_report_lists_amendments(
    run: Callable[..., Result], plan: Path, isolated: Path, tmp_path: Path
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    ok(run("amend", "--reason", "局党组会议调整时限"))
    out = tmp_path / "report.md"
    ok(run("report", "-o", str(out)))
    text = out.read_text(encoding="utf-8")
    section = text[text.index("## 附:方案的修订") :]
    assert "措施 1.1:修订方案:整改时限 9月底 → 10月底" in section
    assert "原因:局党组会议调整时限" in section


def test_the_plan_cache_keeps_each_measures_digest(plan: Path, tmp_path: Path) -> None:
    from rectify_cli.plan import load_plan

    fresh = load_plan(plan)
    load_plan(plan, tmp_path / "cache")
    cached = load_plan(plan, tmp_path / "cache")
    assert "digests" in vars(cached) and cached.digests == fresh.digests  # kept, not worked out
    assert [fresh.digest(m) for m in fresh.measures] == [
        fresh.definition(m).digest for m in fresh.measures
    ]


def test_a_change_at_the_end_of_a_long_text_is_shown(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    long = "措施三" + "并加强监督检查" * 10 + "。"
    edit(plan, "text: 措施三。", f"text: {long}")
    ok(run("close", "2.1", "--evidence", "纪要", "--date", "2023-11-01"))
    edit(plan, f"text: {long}", f"text: {long[:-1]}并组织考试。")
    said = run("check").stderr
    assert "措施内容由“…加强监督检查。”改为“…加强监督检查并组织考试。”" in said


def test_documents_warn_and_say_the_plan_differs(
    run: Callable[..., Result], plan: Path, isolated: Path, tmp_path: Path
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    made = ok(run("report"))
    assert "1 项措施与账本记录的方案不同(1.1)" in made.stderr
    assert "注意:计划文件中有 1 项措施(1.1)与账本记录的方案不同" in made.stdout
    exported = ok(run("export", "--format", "json"))
    assert "1 项措施与账本记录的方案不同(1.1)" in exported.stderr


def test_the_deadline_shown_is_the_one_in_force(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    shown = item(run, "1.1")
    assert (shown["deadline"], shown["due"]) == ("9月底", "2023-09-30")  # not yet amended
    assert "整改时限:9月底(到期日:2023-09-30)" in run("show", "1.1").stdout
    ok(run("amend", "--reason", "调整"))
    shown = item(run, "1.1")
    assert (shown["deadline"], shown["due"]) == ("10月底", "2023-10-31")
    assert item(run, "1.1", "--as-of", "2023-10-01")["deadline"] == "9月底"  # before it


def test_a_deadline_brought_forward_is_no_extension(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    ok(run("progress", "2.1", "--note", "起草中"))
    edit(plan, "deadline: 2023-11-15", "deadline: 10月底")
    ok(run("amend", "--reason", "提前完成"))
    shown = item(run, "2.1")
    assert (shown["due"], shown["extensions"], shown["late_extension"]) == ("2023-10-31", 0, False)


def test_moving_the_plan_timezone_is_a_change(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    """The timezone decides the day a sign-off was entered, so whether it was on time."""
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-28"))
    edit(plan, "timezone: Asia/Shanghai", "timezone: Etc/GMT+12")
    checked = run("check")
    assert checked.exit_code == 2 and "方案时区 Asia/Shanghai → Etc/GMT+12" in checked.stderr


def test_text_that_shows_nothing_is_no_evidence(run: Callable[..., Result], isolated: Path) -> None:
    for blank in ("\u200b", "\u2800", "\u3164\u115f", "\u17b4\u17b5", "\u180b"):
        result = run("close", "1.5", "--evidence", blank, "--date", "2023-09-28")
        assert result.exit_code == 2 and "只有看不见的字符" in result.stderr
        noted = run("progress", "1.5", "--note", blank, "--date", "2023-09-28")
        assert noted.exit_code == 2 and "只有看不见的字符" in noted.stderr
    assert not isolated.exists()


def _forge(isolated: Path, update: Callable[[dict[str, Any]], None]) -> None:
    """Append a hand-made line, chained and hashed as rectify would, after the ledger's tip."""
    import json

    from rectify_cli.events import Event
    from rectify_cli.ledger import encode

    lines = isolated.read_text(encoding="utf-8").splitlines(keepends=True)
    last = json.loads(lines[-1])
    content = {k: v for k, v in last.items() if k not in ("prev", "hash")}
    content["recorded"] = "2023-10-30T09:00:00+08:00"
    update(content)
    line, _ = encode(adapter(Event).validate_python(content), (last["hash"],))
    isolated.write_text("".join(lines) + line, encoding="utf-8")


def test_a_second_different_plan_of_a_measure_is_named(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    """What merging a copy kept against another plan, or a forged line, would leave."""
    at("2023-10-20T09:00:00+08:00")
    ok(run("progress", "1.1", "--note", "起草中"))

    def later_deadline(content: dict[str, Any]) -> None:
        content.update(action="review", note="复查", date="2023-10-30")
        content["measure"] = content["measure"] | {"deadline": "12月底", "due": "2023-12-31"}

    at("2023-11-01T09:00:00+08:00")
    _forge(isolated, later_deadline)
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:4:1: 措施 1.1 的方案已在第 3 行记下,此行记下的不同" in checked.stderr
    assert "方案在第 3 行和第 4 行记得不同" in ok(run("status")).stderr


def test_an_amendment_must_start_from_what_the_ledger_held(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    ok(run("progress", "1.1", "--note", "起草中"))

    def hidden_change(content: dict[str, Any]) -> None:
        moved = content["measure"] | {"deadline": "12月底", "due": "2023-12-31"}
        content.update(action="amend", note="调整", measure=moved, before=moved, date="2023-10-30")

    at("2023-11-01T09:00:00+08:00")
    _forge(isolated, hidden_change)
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:4:1: 这条修订写的修订前内容,与账本此前记下的措施 1.1 不符" in checked.stderr


def test_a_forged_amendment_dated_back_cannot_take_the_first_plan_s_place(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-11-15T10:00:00+08:00")
    ok(run("close", "1.1", "--evidence", "通报"))  # late for 9月底

    def earlier_amendment(content: dict[str, Any]) -> None:
        moved = content["measure"] | {"deadline": "12月底", "due": "2023-12-31"}
        content.update(action="amend", note="调整", date="2023-09-20", measure=moved)
        content.update(recorded="2023-09-20T10:00:00+08:00", evidence=[])

    _forge(isolated, earlier_amendment)
    assert item(run, "1.1")["original_due"] == "2023-09-30"  # the first in the file holds
    checked = run("check")
    assert checked.exit_code == 2 and "这条修订写的修订前内容,与账本此前记下的措施 1.1 不符" in (
        checked.stderr
    )


def test_a_record_restating_the_plan_before_an_amendment_is_named(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    ok(run("progress", "1.1", "--note", "起草中"))
    edit(plan, "deadline: 9月底", "deadline: 10月底")
    ok(run("amend", "--reason", "调整"))

    def restated(content: dict[str, Any]) -> None:
        content.update(action="review", note="复查", measure=content.pop("before"))
        content.pop("approved_by", None)

    _forge(isolated, restated)
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:5:1: 措施 1.1 的方案已在第 4 行记下,此行记下的不同" in checked.stderr
    assert item(run, "1.1")["due"] == "2023-10-31"  # the amendment still holds
    assert "方案在第 4 行和第 5 行记得不同" in ok(run("status")).stderr


def test_a_record_of_no_plan_s_form_is_unknown_not_a_crash(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-20T09:00:00+08:00")
    ok(run("progress", "1.1", "--note", "起草中"))
    _forge(isolated, lambda content: content.update(id="x"))
    for command in ("status", "check", "amend"):
        args = (command, "--reason", "x") if command == "amend" else (command,)
        result = run(*args)
        assert result.exit_code == 2 and "方案中没有措施“x”" in result.stderr, result.stderr


def test_the_day_a_record_was_entered_is_on_its_own_clock(
    run: Callable[..., Result], plan: Path, isolated: Path, at: Callable[[str], None]
) -> None:
    """A sign-off entered just after midnight is late; a new timezone does not move it back."""
    at("2023-10-01T00:30:00+08:00")
    ok(run("close", "1.1", "--evidence", "通报", "--date", "2023-09-30"))
    assert deadline(run, "9月底")["late"] == 1
    edit(plan, "timezone: Asia/Shanghai", "timezone: Etc/GMT+12")
    ok(run("amend", "--reason", "改用新时区"))
    assert deadline(run, "9月底")["late"] == 1
    assert ok(run("check")).exit_code == 0


def test_an_extended_ongoing_measure_was_first_its_word(
    run: Callable[..., Result], plan: Path, isolated: Path
) -> None:
    ok(run("progress", "1.2", "--note", "起草中", "--date", "2023-10-01"))
    edit(plan, "deadline: 长期坚持", "deadline: 10月底")
    ok(run("amend", "--reason", "定下时限"))
    edit(plan, "deadline: 10月底", "deadline: 12月底")
    ok(run("amend", "--reason", "延后"))
    shown = ok(run("show", "1.2")).stdout
    assert "原定 长期坚持,已延期 1 次" in shown and "None" not in shown
