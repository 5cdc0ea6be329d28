"""Hostile text in the documents: a plan and a ledger full of formulas, markup and controls.

Whatever a plan or a ledger holds, old and hand-made ones included, each writer sets it down
as text: no CSV cell a spreadsheet takes for a formula, no formula in the workbook, no character
that breaks Word or Excel, and no Markdown heading, row, link, HTML or emphasis made by data.
The ledger is written directly, chained as rectify writes it, so that these tests do not depend
on what recording accepts today.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from rectify_cli import writers
from rectify_cli.events import Event, Evidence
from rectify_cli.ledger import HEADER, encode
from rectify_cli.reports import rows
from rectify_cli.workspace import Files, Workspace

from .conftest import Result

AS_OF = "2023-12-31"
CST = timezone(timedelta(hours=8))

# each is an owner, a recorder, a note, evidence, a department and a measure's text
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "# 标题",
    "| a | b |",
    "[链接](http://x)",
    "![图](x.png)",
    "<script>",
    "```",
    "\x01\x1b[31m\x7f\x85",
    "\u202e",
]
# how Word and Excel show them: hidden characters written out, the rest as they are
SHOWN = {"\x01\x1b[31m\x7f\x85": "\\x01\\x1b[31m\\x7f\\x85", "\u202e": "\\u202e"}
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LONG = "长" * 40_000  # the note of the first sign-off
ANSI = re.compile(r"\x1b\[[;?0-9]*[a-zA-Z]")
MARKER = re.compile(r"…\(以下省略 ([0-9]+) 字\)$")


def shown(text: str) -> str:
    """Return TEXT as Word and Excel should show it."""
    return SHOWN.get(text, text)


def deadline(n: int) -> str:
    """Return measure n's deadline: the reopened (odd) ones are overdue at AS_OF."""
    return "9月底" if n % 2 else ("长期坚持" if n % 4 == 0 else "2023-12-15")


def plan_text(word: Callable[[int], str]) -> str:
    """Return a plan whose every text is WORD(n): titles, measures, departments."""
    measures = [
        {
            "id": f"1.{n + 1}",
            "text": word(n),
            "lead": [word(n)],
            "responsible": [word(n), "办公室"],
            "deadline": deadline(n),
        }
        for n in range(len(HOSTILE))
    ]
    data = {
        "plan": {
            "title": word(0),
            "date": date(2023, 9, 19),
            "timezone": "Asia/Shanghai",
            "basis": word(10),
        },
        "problems": [{"number": 1, "title": word(6), "finding": word(7), "measures": measures}],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def ledger_text(word: Callable[[int], str]) -> str:
    """Return a chained ledger: every measure assigned, progressed and signed off by and with
    WORD(n); the odd ones reopened."""
    lines: list[str] = [HEADER]
    prev: tuple[str, ...] = ()
    moment = datetime(2023, 10, 1, 9, tzinfo=CST)

    def add(**fields: Any) -> None:
        nonlocal prev, moment
        moment += timedelta(hours=1)
        line, hashed = encode(Event(recorded=moment, date=moment.date(), **fields), prev)
        lines.append(line)
        prev = (hashed,)

    for n in range(len(HOSTILE)):
        mid, w = f"1.{n + 1}", word(n)
        add(id=mid, action="assign", by=w, owner=w)
        add(
            id=mid,
            action="progress",
            by=w,
            note=f"{w}\n{w}",
            percent=50,
            evidence=(Evidence(text=w),),
        )
        add(
            id=mid,
            action="close",
            by=w,
            note=LONG if n == 0 else w,
            evidence=(Evidence(text=w), Evidence(path=w, size=1, sha256="0" * 64)),
        )
        if n % 2:
            add(id=mid, action="reopen", by=w, note=w)
    return "".join(lines)


def hostile_word(n: int) -> str:
    return HOSTILE[n]


def files(folder: Path, word: Callable[[int], str]) -> Files:
    """Write the plan and the ledger of WORD into FOLDER."""
    folder.mkdir(exist_ok=True)
    plan, ledger = folder / "plan.yaml", folder / "ledger.yaml"
    plan.write_text(plan_text(word), encoding="utf-8")
    ledger.write_text(ledger_text(word), encoding="utf-8", newline="\n")
    return Files(plan, "测试", ledger, "测试")


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Files:
    """The hostile plan and ledger, which the command line uses."""
    chosen = files(tmp_path / "hostile", hostile_word)
    monkeypatch.setenv("RECTIFY_PLAN", str(chosen.plan))
    monkeypatch.setenv("RECTIFY_LEDGER", str(chosen.ledger))
    return chosen


def report_of(chosen: Files) -> Any:
    """Return the report data and the records of CHOSEN at AS_OF."""
    return Workspace(chosen).report(date.fromisoformat(AS_OF), "week")


# ---------------------------------------------------------------------------- CSV


def check_csv(text: str, printed: Callable[[str], str] = str) -> None:
    """No cell starts as a formula would; each hostile owner and measure is there, neutralised,
    as PRINTED passes it on."""
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0][0] == "序号" and len(table) == len(HOSTILE) + 1
    for row in table:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell
    expected = [printed("'" + h if h.startswith(FORMULA_STARTS) else h) for h in HOSTILE]
    assert [row[2] for row in table[1:]] == expected  # 整改措施
    assert [row[5] for row in table[1:]] == expected  # 责任人
    assert [row[10].split(";")[0] for row in table[1:]] == expected  # 佐证材料


def test_csv_file_and_stdout_through_the_cli(
    run: Callable[..., Result], hostile: Files, tmp_path: Path
) -> None:
    target = tmp_path / "台账.csv"
    assert run("export", "--format", "csv", "-o", str(target), "--as-of", AS_OF).exit_code == 0
    check_csv(target.read_bytes().decode("utf-8-sig"))
    printed = run("export", "--format", "csv", "--as-of", AS_OF)
    assert printed.exit_code == 0, printed.stderr
    # typer's echo drops ANSI escapes unless it writes to a terminal
    check_csv(printed.stdout, lambda cell: ANSI.sub("", cell))


def test_csv_writer(hostile: Files) -> None:
    data, _ = report_of(hostile)
    check_csv(writers.csv_text(rows(data)))
    check_csv(writers.csv_bytes(rows(data)).decode("utf-8-sig"))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("1=1", "1=1"),
        ("2023-10-01", "2023-10-01"),
        ("", ""),
    ],
)
def test_a_cell_that_could_be_a_formula_gets_a_quote(cell: str, written: str) -> None:
    assert writers.neutral(cell) == written


# ---------------------------------------------------------------------------- Excel


def check_xlsx(data: bytes) -> None:
    """Every text cell is a string cell holding the shown text; no formula; long text cut."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name
    book: Any = load_workbook(io.BytesIO(data))
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    assert len(cell.value) <= 32_767 and not HIDDEN.search(cell.value)
                    assert cell.quotePrefix == cell.value.startswith(FORMULA_STARTS)
    ledger = list(book["台账"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in ledger] == [r[5] for r in ledger] == [shown(h) for h in HOSTILE]
    assert [r[10].split(";")[0] for r in ledger] == [shown(h) for h in HOSTILE]
    history = list(book["历史记录"].iter_rows(min_row=2, values_only=True))
    assigned = [r for r in history if r[3].startswith("指定责任人")]
    assert [r[4] for r in assigned] == [r[7] for r in assigned] == [shown(h) for h in HOSTILE]
    progressed = [r[5] for r in history if r[3].startswith("进展")]
    assert progressed == [shown(h) + "\n" + shown(h) for h in HOSTILE]
    (long,) = [r[5] for r in history if r[5] and r[5].startswith("长长长")]
    cut = MARKER.search(long)
    assert cut is not None and len(long) <= 32_767
    kept = long[: cut.start()]
    assert kept == LONG[: len(kept)] and len(kept) + int(cut.group(1)) == len(LONG)


def test_excel_through_the_cli(run: Callable[..., Result], hostile: Files, tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    result = run("export", "-o", str(target), "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    check_xlsx(target.read_bytes())


def test_excel_writer(hostile: Files) -> None:
    data, entries = report_of(hostile)
    check_xlsx(writers.xlsx(data, rows(data), entries, data.plan.plan.timezone))


@pytest.mark.parametrize("size", [32_766, 32_767])
def test_text_that_fits_a_cell_is_kept_whole(size: int) -> None:
    assert writers.excel_text("字" * size) == "字" * size


@pytest.mark.parametrize(
    ("text", "units"),
    [("字" * 32_768, 1), ("字" * 100_000, 2), ("😀" * 20_000, 2)],
    ids=["one over", "far over", "beyond the BMP"],
)
def test_text_over_a_cell_is_cut_with_a_marker(text: str, units: int) -> None:
    cell = writers.excel_text(text)
    cut = MARKER.search(cell)
    assert cut is not None
    kept = cell[: cut.start()]
    assert text.startswith(kept) and len(kept) + int(cut.group(1)) == len(text)
    assert len(cell.encode("utf-16-le")) // 2 <= 32_767  # Excel counts UTF-16 units
    assert len(kept) * units > 32_700  # and as much is kept as fits


# ---------------------------------------------------------------------------- Word


def check_docx(data: bytes) -> None:
    """The document opens and shows every hostile text, hidden characters written out."""
    from docx import Document

    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    text = "\n".join(texts)
    assert not HIDDEN.search(text)
    for h in HOSTILE:
        for piece in re.split(r"[\r\n]", shown(h)):
            assert piece in text, h
    assert LONG in text
    headings = [p.text for p in document.paragraphs if p.style and p.style.name == "Heading 3"]
    assert headings == ["(一)# 标题"]


def test_word_through_the_cli(run: Callable[..., Result], hostile: Files, tmp_path: Path) -> None:
    target = tmp_path / "报告.docx"
    result = run("report", "--format", "docx", "-o", str(target), "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    check_docx(target.read_bytes())


def test_word_writer(hostile: Files) -> None:
    data, _ = report_of(hostile)
    check_docx(writers.docx(data))


# ---------------------------------------------------------------------------- Markdown


def plain_word(n: int) -> str:
    """Return HOSTILE[n] with plain words in place of its text, its line breaks kept."""
    return re.sub(r"[^\r\n]+", f"甲{n}", HOSTILE[n])


def flat_word(n: int) -> str:
    """Return a plain word, on one line."""
    return f"甲{n}"


def structure(text: str) -> list[tuple[Any, ...]]:
    """Return the Markdown's parsed structure: each token's kind, with the kinds of its inline
    children, adjacent text run together; the text itself left out."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out: list[tuple[Any, ...]] = []
    for token in parser.parse(text):
        children: list[str] = []
        for child in token.children or []:
            kind = f"{child.type}:{child.content if child.type == 'html_inline' else ''}"
            if not (kind == "text:" and children and children[-1] == kind):
                children.append(kind)
        out.append((token.type, token.tag, token.nesting, tuple(children)))
    return out


def shown_text(text: str) -> str:
    """Return the text a reader of the rendered Markdown sees."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return "\n".join(
        child.content
        for token in parser.parse(text)
        for child in token.children or []
        if child.type in ("text", "code_inline")
    )


def check_markdown(text: str, plain: str, flat: str) -> None:
    """TEXT, made of the hostile plan and ledger, has the structure of PLAIN, made of plain
    words with the same line breaks, as many lines as FLAT, made of words on one line each,
    and shows every hostile text."""
    assert structure(text) == structure(plain)
    assert "\r" not in text and text.count("\n") == flat.count("\n")
    lines, plain_lines = text.splitlines(), plain.splitlines()
    for start in ("#", "|", "- ", "```"):
        assert sum(x.startswith(start) for x in lines) == sum(
            x.startswith(start) for x in plain_lines
        ), start
    assert not HIDDEN.search(text)
    seen = shown_text(text)
    for h in HOSTILE:
        for piece in re.split(r"[\r\n]", shown(h)):
            assert piece in seen, h
    assert LONG in seen


def test_markdown_through_the_cli(
    run: Callable[..., Result], hostile: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run("report", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    target = tmp_path / "报告.md"
    assert run("report", "-o", str(target), "--as-of", AS_OF).exit_code == 0
    assert target.read_text(encoding="utf-8") == result.stdout
    others = []
    for word in (plain_word, flat_word):
        chosen = files(tmp_path / word.__name__, word)
        monkeypatch.setenv("RECTIFY_PLAN", str(chosen.plan))
        monkeypatch.setenv("RECTIFY_LEDGER", str(chosen.ledger))
        others.append(run("report", "--as-of", AS_OF).stdout)
    check_markdown(result.stdout, *others)


def test_markdown_writer(hostile: Files, tmp_path: Path) -> None:
    text = writers.markdown(report_of(hostile)[0])
    plain, flat = (
        writers.markdown(report_of(files(tmp_path / word.__name__, word))[0])
        for word in (plain_word, flat_word)
    )
    check_markdown(text, plain, flat)
    assert "\n### (一)\\# 标题\n" in text  # the plan's heading, its text escaped


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("# 标题", "\\# 标题"),
        ("| a | b |", "\\| a \\| b \\|"),
        ("[链接](http://x)", "\\[链接\\](http://x)"),
        ("![图](x.png)", "!\\[图\\](x.png)"),
        ("<script>", "\\<script\\>"),
        ("```", "\\`\\`\\`"),
        ("*强调* _强调_ ~~删除~~", "\\*强调\\* \\_强调\\_ \\~\\~删除\\~\\~"),
        ("&lt; C:\\路径", "\\&lt; C:\\\\路径"),
        ("- 一项", "\\- 一项"),
        ("1. 一项", "1\\. 一项"),
        ("===", "\\==="),
        ("第一行\n# 第二行\r\n第三行\r第四行", "第一行<br>\\# 第二行<br>第三行<br>第四行"),
        ("\x1b[31m\u202e", "\\\\x1b\\[31m\\\\u202e"),
        ("1.1 措施、-1、=1", "1.1 措施、-1、=1"),
    ],
)
def test_markdown_text(text: str, written: str) -> None:
    assert writers.markdown_text(text) == written
