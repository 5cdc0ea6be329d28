"""Reports an office hands in: the progress report, the Excel 台账, CSV and JSON, the trend."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rectify_cli.plan import load_plan
from rectify_cli.workspace import embedded_plan

from .conftest import Result, assert_golden, copy_files, recorded

AS_OF = "2024-01-10"


def plan_order() -> list[str]:
    """Return the real plan's measure ids in plan order."""
    return [m.id for m in load_plan(embedded_plan()).measures]


@pytest.fixture(scope="module")
def history_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build, once, a ledger of sign-offs, progress, an extension, a reopening, evidence and
    a review, with the evidence file beside it."""
    folder = tmp_path_factory.mktemp("history")
    proof = folder / "纪要.pdf"
    proof.write_bytes(b"%PDF minutes")
    steps = [
        (
            "2023-09-28T17:00:00+08:00",
            ("close", "1.5", "--note", "已追责 2 起", "--evidence", "追责决定书"),
        ),
        (
            "2023-10-09T10:00:00+08:00",
            ("close", "5.1", "--note", "权责清单已印发", "--file", str(proof)),
        ),
        ("2023-10-10T09:00:00+08:00", ("assign", "4.1", "--owner", "赵磊")),
        (
            "2023-10-20T09:00:00+08:00",
            (
                "progress",
                "4.1",
                "--note",
                "已公布投诉电话",
                "--percent",
                "60",
                "--eta",
                "2023-11-20",
            ),
        ),
        (
            "2023-10-28T09:00:00+08:00",
            (
                "extend",
                "4.1",
                "--to",
                "2023-11-30",
                "--reason",
                "平台对接延后",
                "--approved-by",
                "李局长",
            ),
        ),
        (
            "2023-11-05T09:00:00+08:00",
            ("progress", "7.1", "--note", "已清理过期证件 12 个", "--percent", "50"),
        ),
        (
            "2023-11-24T09:00:00+08:00",
            ("close", "4.1", "--evidence", "局发〔2023〕12号", "--note", "督办机制运行"),
        ),
        (
            "2023-11-25T09:00:00+08:00",
            ("close", "3.2", "--evidence", "局发〔2023〕12号", "--note", "柔性执法指引印发"),
        ),
        (
            "2023-12-01T09:00:00+08:00",
            ("close", "3.3", "--evidence", "局发〔2023〕12号", "--note", "监督机制建立"),
        ),
        ("2023-12-20T09:00:00+08:00", ("reopen", "3.3", "--reason", "复查发现运动式执法")),
        ("2024-01-05T09:00:00+08:00", ("review", "3.2", "--note", "抽查 10 件均规范")),
    ]
    return recorded(folder, [(moment, (*args, "--by", "王芳")) for moment, args in steps])


@pytest.fixture
def history(history_once: Path, isolated: Path, at: Callable[[str], None]) -> Path:
    """A copy of that ledger and its evidence file; return the evidence file."""
    copy_files(history_once, isolated.parent)
    at("2024-01-10T18:00:00+08:00")
    return isolated.parent / "纪要.pdf"


def test_markdown_report_golden(run: Callable[..., Result], history: Path) -> None:
    result = run("report", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert_golden("report.md", result.stdout)


def test_report_is_complete_and_agrees_with_status(
    run: Callable[..., Result], history: Path
) -> None:
    text = run("report", "--as-of", AS_OF).stdout
    status: Any = run("status", "--json", "--as-of", AS_OF).json()
    section = text.split("## 二、各问题整改情况")[1].split("## 三、")[0]
    ids = re.findall(r"^措施 (\d+\.\d+)\(", section, re.MULTILINE)
    assert (
        sorted(ids, key=lambda i: tuple(map(int, i.split(".")))) == ids
        and len(ids) == len(set(ids)) == 21
    )
    rate = status["closed"] / status["total"] * 100
    assert (
        f"整改措施共 {status['total']} 项,已销号 {status['closed']} 项,整改完成率 {rate:.1f}%"
        in text
    )
    assert f"已超期 {status['overdue']} 项" in text and f"待复查 {status['review_due']} 项" in text
    assert "措施 3.3" in text.split("## 五、下一步工作")[1]  # reopened: still to do
    assert "因“复查发现运动式执法”重新打开" in section
    assert (
        "进度:完成 50%(2023-11-05 登记)。现阶段成效:已清理过期证件 12 个。预计完成时间:未填报。"
        in section
    )
    assert "尚无任何进展登记(未启动)" in section  # nothing recorded is said plainly


def test_report_is_the_same_every_time_and_quotes_the_head(
    run: Callable[..., Result], history: Path
) -> None:
    first, second = run("report", "--as-of", AS_OF).stdout, run("report", "--as-of", AS_OF).stdout
    assert first == second
    head = run("verify", "--json").json()["head"]
    assert f"账本头哈希:{head}" in first


def test_report_refuses_a_tampered_ledger(
    run: Callable[..., Result], history: Path, isolated: Path
) -> None:
    isolated.write_text(
        isolated.read_text(encoding="utf-8").replace("已追责 2 起", "已追责 9 起"), encoding="utf-8"
    )
    result = run("report", "--as-of", AS_OF)
    assert result.exit_code == 2 and "内容与其哈希不符" in result.stderr


def test_word_report(run: Callable[..., Result], history: Path, tmp_path: Path) -> None:
    from docx import Document
    from docx.shared import Cm

    target = tmp_path / "报告.docx"
    assert run("report", "--format", "docx", "-o", str(target), "--as-of", AS_OF).exit_code == 0
    document = Document(str(target))
    section: Any = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings[:3] == ["整改工作进展情况报告", "一、总体情况", "二、各问题整改情况"]
    assert "(八)执法监督力量较为薄弱" in headings
    texts = "\n".join(p.text for p in document.paragraphs)
    by_problem = texts.split("二、各问题整改情况")[1].split("三、超期事项")[0]
    assert all(by_problem.count(f"措施 {mid}(") == 1 for mid in ("1.1", "2.1", "4.1", "8.1"))
    widest = max(sum(c.width for c in t.rows[0].cells) for t in document.tables)
    assert widest <= Cm(16.01)
    assert [c.text for c in document.tables[0].rows[0].cells][:3] == [
        "整改时限",
        "措施数",
        "已销号",
    ]
    created = document.core_properties.created
    assert created is not None and created.replace(tzinfo=None) == datetime(2024, 1, 10)


def test_excel_ledger(run: Callable[..., Result], history: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "台账.xlsx"
    assert run("export", "-o", str(target), "--as-of", AS_OF).exit_code == 0
    book: Any = load_workbook(target)
    assert book.sheetnames == ["台账", "历史记录", "完成率", "进度趋势"]
    sheet = book["台账"]
    headers = [c.value for c in sheet[1]]
    assert headers == [
        "序号",
        "问题",
        "整改措施",
        "牵头科室",
        "责任科室",
        "责任人",
        "整改时限",
        "到期日",
        "状态",
        "进展",
        "佐证材料",
        "销号时间",
        "备注",
    ]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:M{sheet.max_row}"
    rows: dict[Any, Any] = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert list(rows) == plan_order() and len(rows) == 21
    due, closed = rows["4.1"][7], rows["4.1"][11]
    assert (
        due.is_date
        and due.value == datetime(2023, 11, 30)
        and closed.value == datetime(2023, 11, 24)
    )
    assert rows["4.1"][5].value == "赵磊" and "已延期 1 次" in rows["4.1"][12].value
    assert rows["1.1"][8].value == "已超期 10 天" and rows["1.1"][0].fill.fgColor.rgb.endswith(
        "FFC7CE"
    )
    assert rows["1.5"][0].fill.fgColor.rgb in ("00000000", None)
    assert rows["5.1"][10].value.startswith("纪要.pdf(12 字节,SHA-256 ")
    assert rows["3.1"][2].alignment.wrap_text
    events = list(book["历史记录"].iter_rows(min_row=2, values_only=True))
    assert (
        len(events) == 11
        and events[0][3] == "销号"
        and events[0][0] == datetime(2023, 9, 28, 17, 0)
    )
    status: Any = run("status", "--json", "--as-of", AS_OF).json()
    rates: list[Any] = list(book["完成率"].iter_rows(values_only=True))
    by_deadline = {
        r[0]: r for r in rates if r[0] in ("9月底", "10月底", "12月底", "长期坚持", "持续推进")
    }
    for d in status["by_deadline"]:
        assert by_deadline[d["deadline"]][1:] == (
            d["total"],
            d["closed"],
            pytest.approx(d["rate"], abs=1e-4),
            d["overdue"],
            d["review_due"],
        )
    assert len(book["完成率"]._charts) == 3 and len(book["进度趋势"]._charts) == 1
    trend = list(book["进度趋势"].iter_rows(min_row=2, max_row=3, values_only=True))
    assert trend[0][0] == datetime(2023, 9, 19)


def test_csv_opens_in_excel_on_windows(
    run: Callable[..., Result], history: Path, tmp_path: Path
) -> None:
    target = tmp_path / "台账.csv"
    assert run("export", "--format", "csv", "-o", str(target), "--as-of", AS_OF).exit_code == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][0] == "序号" and [r[0] for r in table[1:]] == plan_order()
    assert {r[0]: r[7] for r in table[1:]}["4.1"] == "2023-11-30"


def test_json_export(run: Callable[..., Result], history: Path) -> None:
    rows: Any = run("export", "--format", "json", "--as-of", AS_OF).json()
    assert [r["id"] for r in rows] == plan_order()
    assert set(rows[0]) == {
        "id",
        "problem",
        "text",
        "lead",
        "responsible",
        "owner",
        "deadline",
        "due",
        "state",
        "progress",
        "evidence",
        "closed_on",
        "remarks",
        "overdue",
    }
    assert {r["id"]: r["closed_on"] for r in rows}["1.5"] == "2023-09-28"


def test_trend(run: Callable[..., Result], history: Path) -> None:
    data: Any = run("trend", "--json", "--as-of", AS_OF).json()
    points = data["points"]
    assert points[0] == {"date": "2023-09-19", "closed": 0, "total": 21, "rate": 0.0}
    assert points[-1]["date"] == AS_OF and points[-1]["closed"] == 4
    deadlines = {d["deadline"]: d for d in data["deadlines"]}
    assert deadlines["9月底"] == {
        "deadline": "9月底",
        "due": "2023-09-30",
        "total": 2,
        "closed_by_due": 1,
        "closed_now": 2,
        "met": False,
        "on_time": 1,
        "extended_on_time": 0,
        "late": 1,
        "pending": 0,
    }  # fmt: skip — 5.1 was signed off on 10-09, after its due date
    october = deadlines["10月底"]  # 4.1 extended in time and done by then; 7.1 not done
    assert (october["on_time"], october["extended_on_time"], october["late"]) == (0, 1, 1)
    assert not october["met"]
    monthly: Any = run("trend", "--json", "--step", "month", "--as-of", AS_OF).json()
    assert [p["date"] for p in monthly["points"]][:3] == ["2023-09-19", "2023-10-19", "2023-11-19"]
    lines = run("trend", "--as-of", AS_OF).stdout.splitlines()
    mark = lines.index(" " * 12 + "↑ 9月底(2023-09-30)到期:按期 1/2,延期后按期 0,逾期 1")
    assert lines[mark - 1].startswith("2023-10-03 ")  # under the first point after the deadline
    assert any(line.strip().startswith("↑ 10月底") for line in lines)


def test_export_default_file_name(
    run: Callable[..., Result], history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("export", "--as-of", AS_OF)
    assert result.exit_code == 0 and (tmp_path / f"整改台账-{AS_OF}.xlsx").is_file()
    result = run("report", "--format", "docx", "--as-of", AS_OF)
    assert result.exit_code == 0 and (tmp_path / f"整改工作进展情况报告-{AS_OF}.docx").is_file()
    refused = run("export", "--format", "pdf")
    assert refused.exit_code == 2
    assert "--format 的值“pdf”无效,应为 xlsx、csv、json" in refused.stderr
    refused = run("report", "--format", "xlsx")
    assert refused.exit_code == 2 and "--format 的值“xlsx”无效,应为 md、docx" in refused.stderr


def test_status_does_not_load_the_office_libraries(isolated: Path) -> None:
    loaded = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rectify_cli", "status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.returncode == 0
    modules = {line.rsplit("|", 1)[-1].strip() for line in loaded.stderr.splitlines()}
    assert {"rectify_cli", "typer"} <= modules  # the import list was read, so absence means it
    assert not {"openpyxl", "docx", "lxml"} & modules


@pytest.mark.parametrize("document", [("report",), ("export", "--format", "json")])
def test_a_document_is_one_read_of_the_ledger(
    run: Callable[..., Result],
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    document: tuple[str, ...],
) -> None:
    """A record appended while a document is being made is not in it, and its head hash
    covers exactly what it shows."""
    from rectify_cli import ledger

    assert run("close", "1.5", "--evidence", "追责决定书", "--date", "2023-09-28").exit_code == 0
    head = run("verify", "--json").json()["head"]
    real = ledger.read_bytes
    reads: list[bytes | None] = []

    def read_then_another_writes(path: Path, *, locked: bool = False) -> bytes | None:
        raw = real(path, locked=locked)
        if not reads:  # the first read of the document: a clerk signs 5.1 off just after it
            reads.append(raw)
            assert run("close", "5.1", "--evidence", "清单", "--date", "2023-10-09").exit_code == 0
        return raw

    monkeypatch.setattr(ledger, "read_bytes", read_then_another_writes)
    made = run(*document, "--as-of", AS_OF)
    monkeypatch.undo()
    assert made.exit_code == 0, made.stderr
    if document[0] == "report":
        assert f"账本头哈希:{head}。" in made.stdout
        assert "整改措施共 21 项,已销号 1 项," in made.stdout
    else:
        closed = [row["id"] for row in made.json() if row["closed_on"]]
        assert closed == ["1.5"]
    assert run("verify", "--json").json()["head"] != head  # 5.1 did land, after the read
