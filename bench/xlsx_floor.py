"""Time what openpyxl alone costs to write the 台账's history sheet, as export lays it out.

Usage: python bench/xlsx_floor.py [--rows N]

Side by side in one run, for N history rows of 14 columns (100,000 by default, the
10,000 / 100,000 benchmark): openpyxl's write-only mode with plain values (no styles:
the least any export through openpyxl can cost), then the same with the styles export
sets (dates, wrapped text, row heights) in the ordinary and in the write-only mode, and
`rectify export` itself is timed by bench/run.py. The figures are in bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

ROW: list[object] = [
    datetime(2026, 1, 1, 10, 0, 0),
    date(2026, 1, 2),
    "3.2",
    "销号",
    "王芳",
    "已建立行政执法案卷评查制度,每季度开展一次评查,问题清单逐项整改。",
    "评查制度.pdf(sha256:0123abcd…)",
    None,
    None,
    None,
    None,
    None,
    123,
    "0123456789abcdef" * 4,
]
WRAPPED = (4, 6, 7)
FORMATS = {1: "yyyy-mm-dd hh:mm:ss", 2: "yyyy-mm-dd"}


def plain_write_only(rows: int) -> Any:
    """Write ROWS rows of plain values in write-only mode."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("历史记录")
    for _ in range(rows):
        sheet.append(ROW)
    return book


def styled_ordinary(rows: int) -> Any:
    """Write ROWS rows with export's styles in an ordinary worksheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook()
    sheet: Any = book.active
    for r in range(1, rows + 1):
        sheet.append(ROW)
        for n in WRAPPED:
            sheet.cell(row=r, column=n).alignment = wrap
        for n, fmt in FORMATS.items():
            sheet.cell(row=r, column=n).number_format = fmt
        sheet.row_dimensions[r].height = 30
    return book


def styled_write_only(rows: int) -> Any:
    """Write ROWS rows with export's styles in write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("历史记录")
    for r in range(1, rows + 1):
        cells: list[object] = []
        for n, value in enumerate(ROW, start=1):
            if value is None:
                cells.append(None)
                continue
            cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
            if n in WRAPPED:
                cell.alignment = wrap
            if n in FORMATS:
                cell.number_format = FORMATS[n]
            cells.append(cell)
        sheet.row_dimensions[r].height = 30
        sheet.append(cells)
    return book


def timed(make: Callable[[int], Any], rows: int) -> float:
    """Return the seconds MAKE takes to build and save a workbook of ROWS rows."""
    start = time.perf_counter()
    make(rows).save(io.BytesIO())
    return time.perf_counter() - start


def main() -> None:
    """Print each way's time and its ratio to the plain write-only floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    floor = timed(plain_write_only, rows)
    print(f"{rows:,} history rows through openpyxl")
    print(f"  write-only, plain values      {floor:7.2f} s  1.0×")
    for name, make in (
        ("ordinary, styled", styled_ordinary),
        ("write-only, styled", styled_write_only),
    ):
        seconds = timed(make, rows)
        print(f"  {name:<30}{seconds:7.2f} s  {seconds / floor:.1f}×")


if __name__ == "__main__":
    main()
