"""Commands that write the papers an office hands in: report, export.

Both read the ledger file itself, once, and only after its chain verifies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import schema
from ..errors import Refused
from .app import app
from .options import DOCUMENTS, Given, option, takes


def _save(given: Given, path: Path, data: bytes) -> None:
    """Write a document; never over the ledger or the plan, never onto a device or into a
    folder that does not exist."""
    from ..storage import regular, write_atomically

    for kept in (given.files.ledger, given.files.plan):
        if kept.exists() and path.exists() and path.samefile(kept):
            raise Refused(f"{path} 是正在使用的账本或计划文件,不能写入文档;请换一个文件名")
    if not path.parent.is_dir():
        raise Refused(f"文件夹 {path.parent} 不存在,未写入任何内容")
    regular(path, "文档")  # a device or a pipe is refused, not replaced
    write_atomically(path, data)
    typer.echo(f"已写入 {path}", err=True)


def _format(text: str, known: tuple[str, ...]) -> str:
    if text not in known:
        raise Refused(f"--format 的值“{text}”无效,应为 {'、'.join(known)}")
    return text


@app.command()
@takes(*DOCUMENTS)
def report(
    form: Annotated[str, option("--format", "格式", "md(Markdown)或 docx(Word)")] = "md",
    *,
    given: Given,
) -> None:
    """生成整改工作进展情况报告:总体完成率、逐项整改情况、超期事项、下一步工作。

    Markdown 默认输出到屏幕;Word 默认写入“整改工作进展情况报告-日期.docx”。
    同一账本、同一日期,每次生成的内容都相同;报告引用账本的头哈希。

    示例:rectify report --format docx --as-of 2023-12-31
    """
    from ..reports import parse_step
    from ..writers import docx, markdown

    form = _format(form, ("md", "docx"))
    data, _ = given.workspace.report(given.day(), parse_step(given.step))
    if form == "md" and given.output is None:
        typer.echo(markdown(data), nl=False)
        return
    content = markdown(data).encode("utf-8") if form == "md" else docx(data)
    _save(given, given.output or Path(f"整改工作进展情况报告-{data.as_of}.{form}"), content)


@app.command()
@takes(*DOCUMENTS)
def export(
    form: Annotated[str, option("--format", "格式", "xlsx(Excel)、csv 或 json")] = "xlsx",
    *,
    given: Given,
) -> None:
    """导出整改台账:每项措施一行;Excel 另有历史记录、完成率图表和进度趋势三张表。

    Excel 默认写入“整改台账-日期.xlsx”;CSV(UTF-8 带 BOM,Windows 版 Excel 可直接打开)和 JSON
    默认输出到屏幕。

    示例:rectify export --format xlsx -o 台账.xlsx
    """
    from ..reports import parse_step, rows
    from ..writers import csv_bytes, xlsx

    form = _format(form, ("xlsx", "csv", "json"))
    ws = given.workspace
    data, entries = ws.report(given.day(), parse_step(given.step))
    table = rows(data)
    if form == "xlsx":
        content = xlsx(data, table, entries, ws.plan.plan.timezone)
        _save(given, given.output or Path(f"整改台账-{data.as_of}.xlsx"), content)
        return
    text = (
        csv_bytes(table) if form == "csv" else (schema.to_json(schema.rows(table)) + "\n").encode()
    )
    if given.output is None:
        typer.echo(text.decode("utf-8-sig"), nl=False)
    else:
        _save(given, given.output, text)
