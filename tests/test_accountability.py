"""Owners, progress, extensions, evidence files, reviews of long-term measures, the audit log."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import SMALL_PLAN, Result, write


def item(run: Callable[..., Result], mid: str, as_of: str = "2023-11-15") -> dict[str, Any]:
    result = run("show", mid, "--json", "--as-of", as_of)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = result.json()
    return data


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def test_every_change_can_answer_in_json(run: Callable[..., Result]) -> None:
    entry = run(
        "extend", "4.1", "--to", "2023-11-30", "--reason", "延后", "--approved-by", "李局长",
        "--date", "2023-10-20", "--json",
    ).json()  # fmt: skip
    assert (entry["line"], entry["action"], entry["to"], entry["note"]) == (
        3,
        "extend",
        "2023-11-30",
        "延后",
    )
    assert len(entry["hash"]) == 64 and entry["prev"] == []
    second = run("assign", "4.1", "--owner", "赵磊", "--date", "2023-10-21", "--json").json()
    assert second["line"] == 4 and second["prev"] == [entry["hash"]]
    assert run("log", "--json").json() == [entry, second]


def test_assign_and_reassign_keep_history(run: Callable[..., Result]) -> None:
    ok(run("assign", "4.1", "--owner", "赵磊", "--date", "2023-09-25"))
    ok(run("assign", "4.1", "--owner", "钱敏", "--date", "2023-10-10"))
    assert item(run, "4.1", "2023-10-01")["owner"] == "赵磊"
    shown = item(run, "4.1")
    assert shown["owner"] == "钱敏"
    assert [(h["action"], h["owner"]) for h in shown["history"]] == [
        ("assign", "赵磊"),
        ("assign", "钱敏"),
    ]
    listed = run("list", "--owner", "钱敏", "--json").json()
    assert [i["id"] for i in listed] == ["4.1"]
    again = run("assign", "4.1", "--owner", "钱敏", "--date", "2023-10-11")
    assert again.exit_code == 2 and "已是 钱敏" in again.stderr


def test_progress_makes_an_item_in_progress(run: Callable[..., Result]) -> None:
    assert item(run, "4.1")["state"] == "not_started"
    ok(run("assign", "4.1", "--owner", "赵磊", "--date", "2023-09-25"))
    assert item(run, "4.1")["state"] == "not_started"  # an owner alone is no progress
    ok(
        run(
            "progress",
            "4.1",
            "--note",
            "已公布投诉电话",
            "--percent",
            "60",
            "--eta",
            "2023-11-20",
            "--date",
            "2023-10-20",
        )
    )
    shown = item(run, "4.1")
    assert shown["state"] == "in_progress" and shown["state_label"] == "推进中"
    assert (shown["percent"], shown["eta"], shown["progress_on"]) == (
        60,
        "2023-11-20",
        "2023-10-20",
    )
    assert [i["id"] for i in run("list", "--state", "推进中", "--json").json()] == ["4.1"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--note", "x", "--percent", "101"), "0 到 100"),
        (("--note", "x", "--eta", "2023-10-01", "--date", "2023-10-20"), "早于进展日期"),
        (("--note", " "), "写明进度"),
        (("--note", "x", "--file", "无此文件.pdf"), "不存在"),
    ],
)
def test_progress_refusals(
    run: Callable[..., Result], isolated: Path, args: tuple[str, ...], words: str
) -> None:
    result = run("progress", "4.1", *args)
    assert result.exit_code == 2 and words in result.stderr
    assert not isolated.exists()


def test_progress_on_a_closed_item_is_refused(run: Callable[..., Result]) -> None:
    ok(run("close", "4.1", "--evidence", "佐证材料", "--date", "2023-10-20"))
    result = run("progress", "4.1", "--note", "x", "--date", "2023-10-21")
    assert result.exit_code == 2 and "已销号" in result.stderr


def test_extension_moves_the_due_date(run: Callable[..., Result]) -> None:
    assert run("overdue", "--as-of", "2023-11-02", "--json").json()[2]["id"] == "4.1"
    ok(
        run(
            "extend",
            "4.1",
            "--to",
            "2023-11-30",
            "--reason",
            "平台对接延后",
            "--approved-by",
            "李局长",
            "--date",
            "2023-10-28",
        )
    )
    late = [i["id"] for i in run("overdue", "--as-of", "2023-11-02", "--json").json()]
    assert "4.1" not in late
    shown = item(run, "4.1", "2023-12-05")
    assert (shown["due"], shown["original_due"], shown["extensions"]) == (
        "2023-11-30",
        "2023-10-31",
        1,
    )
    assert shown["overdue"] and shown["days_overdue"] == 5
    ok(
        run("extend", "4.1", "--to", "2023-12-31", "--reason", "再延", "--approved-by", "李局长",
            "--date", "2023-11-20")
    )  # fmt: skip
    assert item(run, "4.1", "2023-12-05")["extensions"] == 2
    assert (
        item(run, "4.1", "2023-11-01")["extensions"] == 1
    )  # as of a date, only extensions in effect
    text = run("show", "4.1", "--as-of", "2023-12-05").stdout
    assert "到期日:2023-12-31;原定 2023-10-31,已延期 2 次" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("4.1", "--to", "2023-10-30", "--reason", "x"), "延期只能往后"),
        (("1.2", "--to", "2024-01-01", "--reason", "x"), "没有到期日,不能延期"),
        (("4.1", "--to", "2023-12-01", "--reason", " "), "写明原因"),
        (("4.1", "--to", "2023-13-01", "--reason", "x"), "--to 的日期"),
        (("4.1", "--to", "2023-12-01", "--reason", "x", "--approved-by", " "), "写明批准人"),
        (("4.1", "--to", "9999-12-31", "--reason", "x"), "不合常理"),
    ],
)
def test_extension_refusals(
    run: Callable[..., Result], isolated: Path, args: tuple[str, ...], words: str
) -> None:
    approver = () if "--approved-by" in args else ("--approved-by", "李局长")
    result = run("extend", *args, *approver, "--date", "2023-10-20")
    assert result.exit_code == 2 and words in result.stderr, result.stderr
    assert not isolated.exists()


def test_evidence_file_is_recorded_and_checked(
    run: Callable[..., Result], isolated: Path, tmp_path: Path
) -> None:
    proof = isolated.parent / "会议 纪要.pdf"
    proof.write_bytes(b"%PDF minutes")
    ok(
        run(
            "close",
            "4.1",
            "--evidence",
            "局办〔2023〕31号",
            "--file",
            str(proof),
            "--date",
            "2023-10-20",
        )
    )
    (event,) = [
        json.loads(ln)
        for ln in isolated.read_text(encoding="utf-8").splitlines()
        if ln.startswith("{")
    ]
    assert event["evidence"][0] == {"text": "局办〔2023〕31号"}
    stored = event["evidence"][1]
    assert stored["path"] == "会议 纪要.pdf"  # inside the ledger's folder: kept relative
    assert stored["size"] == 12 and len(stored["sha256"]) == 64
    assert ok(run("check")).stdout.startswith("未发现错误")
    proof.write_bytes(b"%PDF edited!")
    changed = run("check")
    assert (
        changed.exit_code == 2
        and f"{isolated}:3:1: 佐证材料文件" in changed.stderr
        and "改动" in changed.stderr
    )
    proof.unlink()
    missing = run("check")
    assert missing.exit_code == 2 and "不存在" in missing.stderr


def test_long_term_measures_fall_due_for_review(run: Callable[..., Result]) -> None:
    # plan dated 2023-09-19, quarterly by default: first review due by 2023-12-19
    assert item(run, "1.2", "2023-12-19")["review_due"] is False
    late = item(run, "1.2", "2023-12-20")
    assert late["review_due"] is True and late["next_review"] == "2023-12-19"
    ok(
        run(
            "close",
            "1.2",
            "--evidence",
            "佐证材料",
            "--note",
            "长效机制已建立",
            "--date",
            "2023-11-01",
        )
    )
    closed = item(run, "1.2", "2024-01-15")
    assert (
        closed["state"] == "closed"
        and closed["review_due"] is False
        and closed["next_review"] == "2024-02-01"
    )
    result = run("overdue", "--as-of", "2024-02-02", "--json")
    assert result.exit_code == 1
    review = [i for i in result.json() if i["group"] == "待复查"]
    assert "1.2" in [i["id"] for i in review]
    ok(run("review", "1.2", "--note", "已听取法治工作汇报", "--date", "2024-02-05"))
    assert item(run, "1.2", "2024-03-01")["next_review"] == "2024-05-05"
    status = run("status", "--json", "--as-of", "2024-03-01").json()
    assert status["closed"] == 1  # a review is no sign-off; a closed long-term measure counts


def test_review_only_overdue_still_exits_1(run: Callable[..., Result], tmp_path: Path) -> None:
    plan = write(
        tmp_path / "plan.yaml",
        SMALL_PLAN.replace("deadline: 长期坚持", "deadline: 长期坚持\n        review_every: 月"),
    )
    ok(run("close", "1.1", "--evidence", "佐证材料", "--plan", str(plan), "--date", "2023-09-25"))
    ok(run("close", "2.1", "--evidence", "佐证材料", "--plan", str(plan), "--date", "2023-09-25"))
    quiet = run("overdue", "--plan", str(plan), "--quiet", "--as-of", "2023-10-19")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    result = run("overdue", "--plan", str(plan), "--as-of", "2023-10-20")
    assert result.exit_code == 1
    assert (
        "待复查(1 项)" in result.stdout
        and "1.2" in result.stdout
        and re.search(r"^1\.2 +2023-10-19 +1 天 ", result.stdout, re.MULTILINE)
    )


def test_review_cadence_only_for_ongoing_measures(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    plan = write(
        tmp_path / "plan.yaml",
        SMALL_PLAN.replace("deadline: 9月底", "deadline: 9月底\n        review_every: 月"),
    )
    result = run("check", "--plan", str(plan))
    assert result.exit_code == 2 and "复查周期" in result.stderr
    plan = write(
        tmp_path / "plan.yaml",
        SMALL_PLAN.replace("deadline: 长期坚持", "deadline: 长期坚持\n        review_every: 每周"),
    )
    result = run("check", "--plan", str(plan))
    assert result.exit_code == 2 and "“每周”无效" in result.stderr


def test_states(run: Callable[..., Result]) -> None:
    ok(run("progress", "4.1", "--note", "x", "--date", "2023-10-20"))
    ok(run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-10-20"))
    ok(run("close", "3.3", "--evidence", "佐证材料", "--date", "2023-10-20"))
    ok(run("reopen", "3.3", "--reason", "反弹", "--date", "2023-11-01"))

    def ids(state: str) -> list[str]:
        return [
            i["id"] for i in run("list", "--state", state, "--json", "--as-of", "2023-11-02").json()
        ]

    assert ids("推进中") == ["4.1"]
    assert ids("已销号") == ["3.2"]
    assert ids("反弹") == ["3.3"]
    assert ids("已超期") == ["1.5", "4.1", "5.1", "7.1"]  # in progress, yet past due
    assert "1.1" in ids("未启动") and "4.1" not in ids("未启动")
    assert run("list", "--state", "完成").exit_code == 2


def test_log_shows_everything_oldest_first_and_backdating(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    at("2023-10-08T09:00:00+08:00")
    ok(run("assign", "4.1", "--owner", "赵磊", "--by", "王芳"))
    at("2023-10-20T09:00:00+08:00")
    ok(
        run("close", "1.5", "--evidence", "佐证材料", "--date", "2023-09-28", "--by", "李明")
    )  # signed off late, dated on time
    ok(run("progress", "4.1", "--note", "已公布投诉电话", "--by", "王芳"))
    entries = run("log", "--json").json()
    assert [(e["id"], e["action"]) for e in entries] == [
        ("4.1", "assign"),
        ("1.5", "close"),
        ("4.1", "progress"),
    ]
    assert (
        entries[1]["recorded"] == "2023-10-20T09:00:00+08:00" and entries[1]["date"] == "2023-09-28"
    )
    assert set(entries[0]) >= {
        "line",
        "recorded",
        "date",
        "id",
        "action",
        "by",
        "note",
        "evidence",
        "owner",
        "hash",
    }
    text = run("log", "1.5").stdout
    assert "2023-09-28 销号 由 李明(登记于 2023-10-20 09:00:00+0800(补登)" in text
    assert [e["id"] for e in run("log", "--by", "王芳", "--json").json()] == ["4.1", "4.1"]
    assert [e["action"] for e in run("log", "--since", "2023-10-01", "--json").json()] == [
        "assign",
        "progress",
    ]


def test_status_by_department(run: Callable[..., Result]) -> None:
    ok(run("close", "4.1", "--evidence", "佐证材料", "--date", "2023-10-20"))
    result = ok(run("status", "--by-department", "--as-of", "2023-11-15"))
    lines = result.stdout.splitlines()
    section = lines.index("按科室(一项措施计入其所列每个科室;超期多的在前)")
    header, first = lines[section + 1], lines[section + 2]
    assert header.split()[-2:] == ["已超期", "待复查"]
    assert first.split()[0] == "政策法规科" and first.split()[-2:] == [
        "3",
        "0",
    ]  # most overdue first
    assert "按问题" not in result.stdout


def test_ledger_lines_must_fit_their_action(run: Callable[..., Result], isolated: Path) -> None:
    isolated.write_text(
        '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "3.2", "action": "assign", "by": "张三"}\n'
        '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "3.2", "action": "close", "by": "张三", "to": "2023-12-01"}\n',
        encoding="utf-8",
    )
    result = run("check")
    assert result.exit_code == 2
    assert f"{isolated}:1:" in result.stderr and "必须有责任人(owner)" in result.stderr
    assert f"{isolated}:2:" in result.stderr and "不应有新的完成时限(to)" in result.stderr


def test_an_extension_needs_an_approver(run: Callable[..., Result], isolated: Path) -> None:
    result = run("extend", "4.1", "--to", "2023-12-01", "--reason", "x", "--date", "2023-10-20")
    assert result.exit_code == 2 and "缺少选项 --approved-by" in result.stderr
    assert not isolated.exists()


def test_an_extension_recorded_after_the_lapse_is_marked(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    """Extending a deadline that had already passed does not make the item look on time."""
    at("2023-10-20T09:00:00+08:00")  # before 4.1's due date, 2023-10-31
    ok(
        run(
            "extend", "4.1", "--to", "2023-11-15", "--reason", "平台延后", "--approved-by", "李局长"
        )
    )
    at("2023-11-20T09:00:00+08:00")  # 5 days after the new due date had passed
    ok(
        run(
            "extend", "7.1", "--to", "2023-12-31", "--reason", "证件升级", "--approved-by", "李局长"
        )
    )
    ok(
        run(
            "extend",
            "4.1",
            "--to",
            "2023-12-15",
            "--reason",
            "再延",
            "--approved-by",
            "李局长",
            "--date",
            "2023-11-14",
        )
    )  # fmt: skip — backdated to before the lapse, but recorded after it
    items = {i["id"]: i for i in run("list", "--json").json()}
    assert items["7.1"]["late_extension"] and items["4.1"]["late_extension"]
    assert not items["5.1"]["late_extension"]
    early = {i["id"]: i for i in run("list", "--json", "--as-of", "2023-11-01").json()}
    assert early["4.1"]["extensions"] == 1 and not early["4.1"]["late_extension"]
    assert "2023-12-31(逾期后延)" in run("list", "--plain").stdout
    assert "逾期后才延期" in run("show", "7.1").stdout


def test_on_time_counts_only_sign_offs_by_the_due_date_or_an_extension_made_in_time(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    """10月底: 4.1 extended in time and done by the new date; 7.1 extended after the lapse."""
    at("2023-10-20T09:00:00+08:00")
    ok(run("extend", "4.1", "--to", "2023-11-30", "--reason", "延后", "--approved-by", "李局长"))
    at("2023-11-10T09:00:00+08:00")
    ok(run("extend", "7.1", "--to", "2023-11-30", "--reason", "补批", "--approved-by", "李局长"))
    at("2023-11-20T09:00:00+08:00")
    ok(run("close", "4.1", "--evidence", "纪要"))
    ok(run("close", "7.1", "--evidence", "纪要"))
    (october,) = [
        d for d in run("trend", "--json").json()["deadlines"] if d["deadline"] == "10月底"
    ]
    assert (october["on_time"], october["extended_on_time"], october["late"]) == (0, 1, 1)
    assert october["closed_now"] == 2 and not october["met"]


def test_a_sign_off_entered_late_with_an_earlier_date_is_not_on_time(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    """补登 keeps the effective date, but on-time means signed off and recorded by the due date."""
    at("2023-09-29T09:00:00+08:00")
    ok(run("close", "1.5", "--evidence", "纪要"))  # on time, recorded on time
    at("2023-11-20T09:00:00+08:00")
    ok(run("close", "5.1", "--evidence", "纪要", "--date", "2023-09-28"))  # backdated
    (september,) = [
        d for d in run("trend", "--json").json()["deadlines"] if d["deadline"] == "9月底"
    ]
    assert (september["on_time"], september["late"]) == (1, 1) and not september["met"]


def test_an_expected_date_no_plan_has_is_refused(
    run: Callable[..., Result], isolated: Path
) -> None:
    result = run("progress", "4.1", "--note", "x", "--eta", "9999-12-31", "--date", "2023-10-20")
    assert result.exit_code == 2 and "预计完成时间 9999-12-31 不合常理" in result.stderr
    assert not isolated.exists()


def test_an_empty_evidence_file_is_no_evidence(
    run: Callable[..., Result], isolated: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "纪要.pdf"
    empty.write_bytes(b"")
    result = run("close", "4.1", "--file", str(empty), "--date", "2023-10-20")
    assert result.exit_code == 2 and "是空文件(0 字节),不能作为佐证" in result.stderr
    assert not isolated.exists()


def test_the_report_marks_a_sign_off_entered_late(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    at("2023-09-29T09:00:00+08:00")
    ok(run("close", "1.5", "--evidence", "纪要"))
    at("2023-11-20T09:00:00+08:00")
    ok(run("close", "5.1", "--evidence", "纪要", "--date", "2023-09-28"))
    text = ok(run("report")).stdout
    assert "已完成整改并销号(2023-09-29,测试员)" in text
    assert "(2023-09-28,测试员;2023-11-20 补登)" in text
