"""Signing off (close) and reopening (reopen) through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rectify_cli.ledger import read_ledger

from .conftest import Result


def events(path: Path) -> list[dict[str, object]]:
    return [
        json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("{")
    ]


def test_close_records_who_when_why_and_evidence(
    run: Callable[..., Result], isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-08T10:15:00+08:00")
    result = run(
        "close", "3.2", "--by", "王五", "--note", "已建立机制", "--evidence", "会议纪要", "--evidence", "局发〔2023〕12号",
        "--date", "2023-10-05",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "已销号(长效机制已建立):措施 3.2(生效日期 2023-10-05,登记人 王五)。\n"
    (e,) = events(isolated)
    assert e["recorded"] == "2023-10-08T10:15:00+08:00"
    assert e["date"] == "2023-10-05" and e["id"] == "3.2" and e["action"] == "close"
    assert e["by"] == "王五" and e["note"] == "已建立机制"
    assert e["evidence"] == [{"text": "会议纪要"}, {"text": "局发〔2023〕12号"}]


def test_by_defaults_to_rectify_user_and_date_to_today(
    run: Callable[..., Result], isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-10-08T10:15:00+08:00")
    assert run("close", "1.5", "--evidence", "佐证材料").exit_code == 0
    (e,) = events(isolated)
    assert e["by"] == "测试员" and e["date"] == "2023-10-08"


def test_today_is_in_the_plans_timezone(
    run: Callable[..., Result], isolated: Path, at: Callable[[str], None]
) -> None:
    at("2023-09-30T16:30:00+00:00")  # 00:30 on 1 October in Beijing
    assert run("close", "1.5", "--evidence", "佐证材料").exit_code == 0
    assert events(isolated)[0]["date"] == "2023-10-01"


def test_full_width_id_is_the_same_id(run: Callable[..., Result], isolated: Path) -> None:
    assert run("close", "３．２", "--evidence", "佐证材料", "--date", "2023-10-05").exit_code == 0
    assert run("close", "3。2", "--evidence", "佐证材料", "--date", "2023-10-06").exit_code == 2
    assert [e["id"] for e in events(isolated)] == ["3.2"]


def test_closing_twice_says_who_closed_it(run: Callable[..., Result], isolated: Path) -> None:
    run("close", "3.2", "--evidence", "佐证材料", "--by", "王五", "--date", "2023-10-05")
    before = isolated.read_bytes()
    result = run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-10-06")
    assert result.exit_code == 2
    assert "措施 3.2 已于 2023-10-05 由 王五 销号" in result.stderr
    assert isolated.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("close", "3.9", "--evidence", "佐证材料"), "是否要找:3."),
        (("close", "abc", "--evidence", "佐证材料"), "没有编号为“abc”的措施"),
        (("close", "3.2", "--evidence", "佐证材料", "--date", "2099-01-01"), "晚于今天"),
        (
            ("close", "3.2", "--evidence", "佐证材料", "--date", "2023-09-18"),
            "早于方案日期 2023-09-19",
        ),
        (
            ("close", "3.2", "--evidence", "佐证材料", "--date", "2023-02-30"),
            "--date 的日期“2023-02-30”无效",
        ),
        (("close", "3.2", "--evidence", "佐证材料", "--by", "  "), "无法确定登记人"),
        (("reopen", "3.2", "--reason", "反弹"), "尚未销号"),
        (("reopen", "3.2", "--reason", " "), "写明原因"),
    ],
)
def test_refusals_append_nothing(
    run: Callable[..., Result], isolated: Path, args: tuple[str, ...], words: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not isolated.exists()


def test_reopen_keeps_history_and_item_can_close_again(
    run: Callable[..., Result], isolated: Path
) -> None:
    assert run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-10-05").exit_code == 0
    assert run("reopen", "3.2", "--reason", "复查发现反弹", "--date", "2023-11-01").exit_code == 0
    listed = run("list", "--json", "--as-of", "2023-11-02").json()
    assert isinstance(listed, list)
    assert {i["id"]: i["state"] for i in listed}["3.2"] == "reopened"
    assert run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-11-20").exit_code == 0
    assert [e["action"] for e in events(isolated)] == ["close", "reopen", "close"]
    shown = run("show", "3.2", "--json", "--as-of", "2023-11-10").json()
    assert isinstance(shown, dict)
    assert shown["state"] == "reopened"
    assert [h["action"] for h in shown["history"]] == ["close", "reopen"]


def test_an_event_cannot_be_dated_before_the_items_last_event(
    run: Callable[..., Result], isolated: Path
) -> None:
    run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-10-05")
    result = run("reopen", "3.2", "--reason", "反弹", "--date", "2023-10-01")
    assert result.exit_code == 2 and "早于措施 3.2 最近一条记录的日期 2023-10-05" in result.stderr
    assert len(read_ledger(isolated).entries()) == 1


def test_missing_ledger_folder_is_an_error_for_an_explicit_path(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    target = tmp_path / "无此文件夹" / "ledger.yaml"
    result = run(
        "close", "3.2", "--evidence", "佐证材料", "--ledger", str(target), "--date", "2023-10-05"
    )
    assert result.exit_code == 2 and "不存在" in result.stderr
    assert not target.parent.exists()


def test_default_ledger_folder_is_created(
    tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECTIFY_LEDGER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data home"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "data home"))
    where = run("where").stdout
    assert "默认位置" in where and "尚不存在" in where
    assert run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-10-05").exit_code == 0
    ledgers = list((tmp_path / "data home").rglob("ledger.yaml"))
    assert len(ledgers) == 1
    assert "已存在" in run("where").stdout


def test_a_sign_off_needs_evidence(run: Callable[..., Result], isolated: Path) -> None:
    """Real 销号 rests on 佐证材料: a sign-off without any is refused and nothing is written."""
    result = run("close", "3.2", "--note", "已整改", "--date", "2023-10-05")
    assert result.exit_code == 2
    assert "销号必须附佐证材料" in result.stderr and "--evidence" in result.stderr
    assert not isolated.exists()
    blank = run("close", "3.2", "--evidence", "   ", "--date", "2023-10-05")
    assert blank.exit_code == 2 and "销号必须附佐证材料" in blank.stderr
    assert (
        run("close", "3.2", "--evidence", "局发〔2023〕12号", "--date", "2023-10-05").exit_code == 0
    )


def test_a_clock_that_went_back_cannot_record(
    run: Callable[..., Result], at: Callable[[str], None], isolated: Path
) -> None:
    """A record may not claim to be written before the latest one: the machine's clock is wrong."""
    at("2023-10-10T09:00:00+08:00")
    assert run("close", "3.2", "--evidence", "纪要", "--date", "2023-10-05").exit_code == 0
    before = isolated.read_bytes()
    at("2023-10-09T17:00:00+08:00")
    result = run("assign", "1.1", "--owner", "王芳")
    assert result.exit_code == 2
    assert "本机时钟有误" in result.stderr and "2023-10-10 09:00" in result.stderr
    assert isolated.read_bytes() == before
    at("2023-10-10T09:00:00+08:00")  # the same second is not earlier
    assert run("assign", "1.1", "--owner", "王芳").exit_code == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("close", "3.2", "--evidence", "纪要", "--note", "已整改\x1b[31m"), "U+001B"),
        (("close", "3.2", "--evidence", "纪要\x7f"), "U+007F"),
        (("close", "3.2", "--evidence", "纪要", "--note", "已整改\x85"), "U+0085"),
        (("close", "3.2", "--evidence", "纪要", "--note", "已整改\t完成"), "U+0009"),
        (("close", "3.2", "--evidence", "纪要", "--by", "王芳\u200b"), "U+200B"),
        (("assign", "3.2", "--owner", "\u202e芳王"), "U+202E"),
        (("assign", "3.2", "--owner", "王\u2066芳"), "U+2066"),
        (("close", "3.2", "--evidence", "纪要", "--note", "字节\udcff"), "U+DCFF"),
        (
            ("extend", "7.1", "--to", "2023-12-31", "--reason", "x", "--approved-by", "李\ufeff"),
            "U+FEFF",
        ),
        (("assign", "3.2", "--owner", "王\u00ad芳"), "U+00AD"),
        (("assign", "3.2", "--owner", "王芳\ufe0f"), "U+FE0F"),
        (("assign", "3.2", "--owner", "王\U000e0041芳"), "U+E0041"),
        (("close", "3.2", "--evidence", "纪要", "--by", "\u3164"), "U+3164"),
        (
            ("extend", "7.1", "--to", "2023-12-31", "--reason", "x", "--approved-by", "\u2800"),
            "U+2800",
        ),
    ],
)
def test_text_that_cannot_be_shown_truthfully_is_refused(
    run: Callable[..., Result], isolated: Path, args: tuple[str, ...], code: str
) -> None:
    result = run(*args, "--date", "2023-10-05")
    assert result.exit_code == 2
    assert "不能如实显示的字符" in result.stderr and code in result.stderr
    assert not isolated.exists()


def test_a_note_may_have_lines_and_a_name_is_one_person(
    run: Callable[..., Result], isolated: Path
) -> None:
    note = "已整改。\n下一步:常态化检查"
    ok = run("close", "3.2", "--evidence", "纪要", "--note", note, "--by", "Jose\u0301")
    assert ok.exit_code == 0
    (entry,) = run("log", "--json").json()
    assert entry["note"] == note and entry["by"] == "Jos\u00e9"  # stored in NFC
    assert len(run("log", "--by", "Jose\u0301", "--json").json()) == 1
    assert run("assign", "3.2", "--owner", "Jose\u0301").exit_code == 0
    assert [i["id"] for i in run("list", "--owner", "Jos\u00e9", "--json").json()] == ["3.2"]
