"""Write the documents an office exchanges: Markdown and Word reports, the Excel 台账, CSV.

openpyxl and python-docx are imported only here, inside the functions that need them,
so that no other command pays for loading them.

A ledger or a plan may hold any text, old and hand-made ones included, so each writer sets
it down as text and nothing more:

- Characters a reader cannot see or a document cannot hold (C0 controls other than tab and
  line breaks, DEL, C1 controls, the bidirectional controls that reorder what is shown,
  lone surrogates, U+FFFE and U+FFFF) are written out as Python writes them, `\\x1b` or
  `\\u202e` (`visible`): seen, and saying which character the ledger holds, where U+FFFD
  would not. Word and Excel get this, and Markdown before its own escaping;
  CSV keeps the text as it is.
- Markdown: text from the plan or the ledger is escaped (`markdown_text`) so that it cannot
  open a heading, list, table cell, link, image, HTML or emphasis; line breaks become <br>.
- Excel: every text cell is a string cell, never a formula, cut with a marker to Excel's
  32,767 characters.
- CSV: a cell that starts with = + - @ tab or CR gets a leading `'` (OWASP's rule against
  CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from .progress import advance
from .reports import COLUMNS, Bullets, Chart, Heading, Paragraph, Report, Row, Table, blocks
from .text import visible

if TYPE_CHECKING:
    from .ledger import Entry

A4_TEXT_WIDTH_CM = 16.0  # 21 cm less 2.5 cm margins either side
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula
EXCEL_CELL_LIMIT = 32_767  # characters (UTF-16 units) a cell holds


# ---------------------------------------------------------------------------- any document

# ---------------------------------------------------------------------------- Markdown

_MARKUP = re.compile(r"[\\`*_\[\]<>|~&#]")
# what opens a list item, a setext heading or a thematic break at the start of a line
_BLOCK_MARKER = re.compile(r"^[ \t]*(?:[-+=]|[0-9]{1,9}[.)])(?=[-= \t]|$)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def markdown_text(text: str) -> str:
    """Return text from the plan or the ledger as Markdown that shows it and adds no markup."""
    text = _MARKUP.sub(r"\\\g<0>", visible(text))
    text = _BLOCK_MARKER.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], text)
    return _LINE_BREAK.sub("<br>", text)


def markdown(report: Report) -> str:
    """Return the progress report as Markdown."""
    out: list[str] = []
    for block in blocks(report, markdown_text):
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {item}" for item in block.items] + [""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(block.headers) + " |")
            out.append("|" + "|".join(" --- " for _ in block.headers) + "|")
            out += ["| " + " | ".join(row) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, Chart):  # rectify's bars and dates, and the plan's deadline words
            out += ["```text", *map(visible, block.lines), "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------- Word


def _word(text: str) -> str:
    """Return TEXT as python-docx may take it: made visible, a CR LF one line break, not two."""
    return visible(text).replace("\r\n", "\n")


def _east_asian(style_or_run: Any, font: str) -> None:
    """Set the font for Chinese text, which Word keeps apart from the Latin font."""
    from docx.oxml.ns import qn

    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def docx(report: Report) -> bytes:
    """Return the progress report as a Word document: Chinese fonts, A4, tables that fit the page."""
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    _east_asian(normal, "仿宋")
    for level in (1, 2, 3):
        style = document.styles[f"Heading {level}"]
        style.font.name = "Times New Roman"
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.size = Pt({1: 18, 2: 15, 3: 13}[level])
        _east_asian(style, "黑体")
    # `_word` leaves what it made visible alone, so every text python-docx gets goes through
    # it, quoted as the plan's or the ledger's or not: no text can make python-docx fail.
    for block in blocks(report, _word):
        if isinstance(block, Heading):
            document.add_heading(_word(block.text), block.level)
        elif isinstance(block, Paragraph):
            document.add_paragraph(_word(block.text))
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(_word(item), style="List Bullet")
        elif isinstance(block, Table):
            table = document.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            table.autofit = False
            total = sum(block.widths)
            widths = [Cm(A4_TEXT_WIDTH_CM * w / total) for w in block.widths]
            for n, cells in enumerate([block.headers, *block.rows]):
                row = table.rows[0] if n == 0 else table.add_row()
                for cell, text, width in zip(row.cells, cells, widths, strict=True):
                    cell.width = width
                    cell.text = _word(text)
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(10.5)
                        run.font.bold = n == 0
        elif isinstance(block, Chart):
            for line in block.lines:
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = (
                    Pt(0)
                )
                run = paragraph.add_run(_word(line))
                run.font.name = "Consolas"
                run.font.size = Pt(8)
                _east_asian(run, "黑体")
    moment = datetime.combine(report.as_of, time())
    props = document.core_properties
    props.title = f"整改工作进展情况报告({report.as_of})"
    props.author = props.last_modified_by = "rectify"
    props.created = props.modified = moment
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- CSV and JSON


def _plain(value: object) -> str:
    """Return a 台账 value as a CSV cell: dates as YYYY-MM-DD, nothing as empty."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


def neutral(cell: str) -> str:
    """Return CELL with a leading ' if a spreadsheet could take it for a formula (OWASP)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_text(rows: list[Row]) -> str:
    """Return the 台账 as CSV, Chinese headers, dates as YYYY-MM-DD, no cell a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for header, _ in COLUMNS])
    for row in rows:
        writer.writerow([neutral(_plain(getattr(row, key))) for _, key in COLUMNS])
    return buffer.getvalue()


def csv_bytes(rows: list[Row]) -> bytes:
    """Return the CSV as UTF-8 with a byte-order mark, so that Excel on Windows reads Chinese."""
    return "\ufeff".encode() + csv_text(rows).encode("utf-8")


# ---------------------------------------------------------------------------- Excel


WIDTHS = {
    "id": 7,
    "problem": 24,
    "text": 60,
    "lead": 16,
    "responsible": 18,
    "owner": 10,
    "deadline": 10,
    "due": 12,
    "state": 14,
    "progress": 40,
    "evidence": 30,
    "closed_on": 12,
    "remarks": 32,
}


def excel_text(text: str) -> str:
    """Return TEXT as an Excel cell holds it: made visible, cut to fit with a marker saying how much."""
    text = visible(text)
    if len(text.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT:
        return text
    room = EXCEL_CELL_LIMIT - len(f"…(以下省略 {len(text)} 字)")  # the longest marker it can take
    kept = 0
    for char in text:
        room -= 2 if ord(char) > 0xFFFF else 1
        if room < 0:
            break
        kept += 1
    return f"{text[:kept]}…(以下省略 {len(text) - kept} 字)"


def _as_text(cell: Any) -> None:
    """Make CELL, which holds text, a text cell: never a formula, never an error value."""
    cell.data_type = "s"  # openpyxl takes a text starting with = as a formula, #N/A as an error
    if cell.value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # as Excel does for '=…: the text stays text when edited


def _set(cell: Any, value: object) -> Any:
    """Put VALUE in CELL, text as `excel_text` makes it and as text; return CELL."""
    if isinstance(value, str):
        cell.value = excel_text(value)
        _as_text(cell)
    else:
        cell.value = value
    return cell


def _append(sheet: Any, values: Sequence[object]) -> tuple[list[object], int]:
    """Append VALUES to SHEET as `_set` writes them; return what the cells hold, and the row."""
    from openpyxl.cell import Cell

    held = [excel_text(v) if isinstance(v, str) else v for v in values]
    # the cells are made first, then appended: finding the row after (sheet.max_row) is a
    # pass over every cell of the sheet
    cells = [Cell(sheet, row=None, column=None, value=v) for v in held]  # type: ignore[arg-type]
    for cell in cells:
        if isinstance(cell.value, str):
            _as_text(cell)
    sheet.append(cells)
    return held, cells[0].row


def xlsx(report: Report, rows: list[Row], entries: list[Entry], timezone: str) -> bytes:
    """Return the 台账 as an Excel workbook: the rows, the full history, the rates with charts."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    late_fill = PatternFill("solid", fgColor="FFC7CE")
    wrap = Alignment(wrap_text=True, vertical="top")

    def header(sheet: Any, names: list[str], widths: list[float]) -> None:
        """Write a bold, frozen header row; print landscape on A4, as wide as the page."""
        _append(sheet, names)
        for n, width in enumerate(widths, start=1):
            cell = sheet.cell(row=1, column=n)
            cell.font, cell.fill, cell.alignment = bold, header_fill, wrap
            sheet.column_dimensions[get_column_letter(n)].width = width
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def fit_height(sheet: Any, row: int, values: Sequence[object], widths: list[float]) -> None:
        """Make the row tall enough for its wrapped text: not every spreadsheet does it on opening."""
        from rich.cells import cell_len

        lines = max(
            (
                -(-cell_len(str(v)) // max(1, int(w) - 1))
                for v, w in zip(values, widths, strict=True)
                if v
            ),
            default=1,
        )
        sheet.row_dimensions[row].height = 15 * max(1, lines)

    book = Workbook()
    book.remove(book.worksheets[0])
    ledger_sheet = book.create_sheet("台账")
    header(ledger_sheet, [h for h, _ in COLUMNS], [WIDTHS[k] for _, k in COLUMNS])
    widths = [float(WIDTHS[k]) for _, k in COLUMNS]
    for row in rows:
        cells, at = _append(ledger_sheet, [getattr(row, key) or None for _, key in COLUMNS])
        fit_height(ledger_sheet, at, cells, widths)
        for n, (_, key) in enumerate(COLUMNS, start=1):
            cell = ledger_sheet.cell(row=at, column=n)
            cell.alignment = wrap
            if key in ("due", "closed_on"):
                cell.number_format = "yyyy-mm-dd"
            if row.overdue:
                cell.fill = late_fill
    ledger_sheet.auto_filter.ref = ledger_sheet.dimensions

    history = book.create_sheet("历史记录")
    names = [
        "登记时间",
        "生效日期",
        "编号",
        "操作",
        "登记人",
        "说明",
        "佐证材料",
        "责任人",
        "完成百分比",
        "预计完成",
        "延期至",
        "批准人",
        "行号",
        "哈希",
    ]
    history_widths = [18.0, 12, 7, 14, 10, 40, 30, 10, 10, 12, 12, 10, 7, 20]
    header(history, names, history_widths)
    from zoneinfo import ZoneInfo

    from .reports import evidence
    from .text import describe

    zone = ZoneInfo(timezone)
    for done, entry in enumerate(entries):
        if done % 1024 == 0:
            advance("写入台账", done, len(entries) + 1)  # the last step is saving the file
        e = entry.event
        values: list[object] = [
            e.recorded.astimezone(zone).replace(tzinfo=None),
            e.date,
            e.id,
            describe(e, entry.awaits)
            + (f"(已撤销,见第 {entry.voided_by.line} 行)" if entry.voided_by else ""),
            e.by,
            e.note or None,
            ";".join(evidence(entry)) or None,
            e.owner,
            e.percent,
            e.eta,
            e.to,
            e.approved_by,
            entry.line,
            e.hash,
        ]
        held, at = _append(history, values)
        texts = [v if isinstance(v, str) else None for v in held]
        texts[-1] = None  # the hash may run past its column
        fit_height(history, at, texts, history_widths)
        for n, fmt in (
            (1, "yyyy-mm-dd hh:mm:ss"),
            (2, "yyyy-mm-dd"),
            (10, "yyyy-mm-dd"),
            (11, "yyyy-mm-dd"),
        ):
            history.cell(row=at, column=n).number_format = fmt
        for n in (4, 6, 7):
            history.cell(row=at, column=n).alignment = wrap
    history.auto_filter.ref = history.dimensions

    rates = book.create_sheet("完成率")
    rates.page_setup.orientation, rates.page_setup.paperSize = "landscape", rates.PAPERSIZE_A4
    rates.page_setup.fitToWidth, rates.page_setup.fitToHeight = 1, 0
    rates.sheet_properties.pageSetUpPr.fitToPage = True
    rates.column_dimensions["A"].width = 36
    status = report.status
    heads = ["项目", "措施数", "已销号", "完成率", *(["待验收"] if status.accepting else [])]
    heads += ["已超期", "待复查"]
    for letter in "BCDEFG"[: len(heads) - 1]:
        rates.column_dimensions[letter].width = 10
    top = 1
    for title, tallies in (
        ("按问题", status.by_problem),
        ("按整改时限", status.by_deadline),
        ("按科室", status.by_department),
    ):
        _set(rates.cell(row=top, column=1), title).font = Font(bold=True, size=12)
        for n, name in enumerate(heads, start=1):
            cell = _set(rates.cell(row=top + 1, column=n), name)
            cell.font, cell.fill = bold, header_fill
        for r, t in enumerate(tallies, start=top + 2):
            waiting = [t.pending] if status.accepting else []
            for n, value in enumerate(
                [t.label, t.total, t.closed, t.rate, *waiting, t.overdue, t.review_due], start=1
            ):
                _set(rates.cell(row=r, column=n), value)
            rates.cell(row=r, column=4).number_format = "0.0%"
        first, last = top + 2, top + 1 + len(tallies)
        chart = BarChart()
        chart.type = "bar"
        chart.title = f"完成率({title})"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.y_axis.numFmt = "0%"
        chart.legend = None
        chart.add_data(
            Reference(rates, min_col=4, min_row=top + 1, max_row=last), titles_from_data=True
        )
        chart.set_categories(Reference(rates, min_col=1, min_row=first, max_row=last))
        chart.height, chart.width = 0.6 * len(tallies) + 3, 16
        rates.add_chart(chart, f"H{top}")
        top = max(last, top + round(chart.height * 2)) + 3  # a row is about half a centimetre

    trend = book.create_sheet("进度趋势")
    header(trend, ["日期", "已销号", "措施总数", "完成率"], [12, 10, 10, 10])
    for point in report.trend:
        _append(trend, [point.day, point.closed, point.total, point.rate])
        trend.cell(row=trend.max_row, column=1).number_format = "yyyy-mm-dd"
        trend.cell(row=trend.max_row, column=4).number_format = "0.0%"
    line = LineChart()
    line.title = "整改完成率走势"
    line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 1
    line.y_axis.numFmt = "0%"
    line.x_axis.number_format = "yyyy-mm-dd"
    line.legend = None
    line.add_data(
        Reference(trend, min_col=4, min_row=1, max_row=trend.max_row), titles_from_data=True
    )
    line.set_categories(Reference(trend, min_col=1, min_row=2, max_row=trend.max_row))
    line.height, line.width = 9, 18
    for series in line.series:
        series.smooth = False  # the rate moves in steps, one sign-off at a time
    trend.add_chart(line, "F2")
    below = trend.max_row + 2
    _set(trend.cell(row=below, column=1), "各时限到期时的完成情况").font = Font(bold=True)
    _append(
        trend,
        ["整改时限", "到期日", "措施数", "按期", "延期后按期", "逾期", "延期未到期", "现已销号"],
    )
    for check in report.deadlines:
        _append(
            trend,
            [
                check.group,
                check.due,
                check.total,
                check.on_time,
                check.extended_on_time,
                check.late,
                check.pending,
                check.closed_now,
            ],
        )
        trend.cell(row=trend.max_row, column=2).number_format = "yyyy-mm-dd"

    moment = datetime.combine(report.as_of, time())
    book.properties.creator = book.properties.lastModifiedBy = "rectify"
    book.properties.title = visible(f"{report.plan.plan.title}整改台账")
    book.properties.created = book.properties.modified = moment
    buffer = io.BytesIO()
    advance("写入台账", len(entries), len(entries) + 1)
    book.save(buffer)
    advance("写入台账", len(entries) + 1, len(entries) + 1)
    return buffer.getvalue()
