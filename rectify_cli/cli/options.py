"""What commands share: their options, declared once, and the choice of output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..workspace import LEDGER_ENV, PLAN_ENV, USER_ENV

if TYPE_CHECKING:
    from ..render import Formatter

PlanOption = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        metavar="文件",
        help=f"计划文件(默认:环境变量 {PLAN_ENV},否则内置方案)",
        show_default=False,
    ),
]
LedgerOption = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        metavar="文件",
        help=f"账本文件(默认:环境变量 {LEDGER_ENV},否则用户数据目录)",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="日期",
        help="按此日期(YYYY-MM-DD)计算,默认今天(方案时区)",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON(格式见 README)")]
PlainOption = Annotated[bool, typer.Option("--plain", help="输出纯文本(无颜色、无表格线)")]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="姓名",
        help=f"登记人(默认:环境变量 {USER_ENV},否则登录名)",
        show_default=False,
    ),
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="日期",
        help="生效日期 YYYY-MM-DD,默认今天;补登时填写实际日期",
        show_default=False,
    ),
]
IdArgument = Annotated[
    str, typer.Argument(metavar="编号", help="措施编号,如 3.2", show_default=False)
]
EvidenceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--evidence",
        metavar="说明",
        help="佐证材料说明(可多次使用),如 会议纪要、制度文件名",
        show_default=False,
    ),
]
FileOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--file",
        metavar="文件",
        help="佐证材料文件(可多次使用):记下其大小和 SHA-256,日后 check 可核对",
        show_default=False,
    ),
]
StepOption = Annotated[
    str, typer.Option("--step", metavar="周期", help="走势按周(week)或按月(month)")
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="文件", help="写入此文件(默认见说明)", show_default=False
    ),
]


def on_terminal() -> bool:
    """Tell whether standard output is a terminal (not a pipe, a file or cron)."""
    return sys.stdout.isatty()


def output(json_: bool, plain: bool = False) -> Formatter:
    """Choose the output once: JSON if asked, a table on a terminal, plain text otherwise.

    The width is the terminal's (or COLUMNS, or 80 in a pipe); bars are drawn with
    characters the output's encoding can show.
    """
    from rich.console import Console

    from ..render import formatter

    table = on_terminal() and not plain and not json_
    console = Console(
        highlight=False,
        emoji=False,
        markup=False,
        color_system="auto" if table else None,
        force_terminal=table or None,
    )
    return formatter("json" if json_ else "table" if table else "plain", console)
