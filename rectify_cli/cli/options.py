"""What commands share: their options, declared once, and given to a command as one value.

A command names the shared options it takes with `@takes(...)`; they are added to its
signature for Typer, and the command receives them as one `Given`. The output mode, the
workspace and the recording of a change are chosen there, once, for every command.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..workspace import LEDGER_ENV, PLAN_ENV, USER_ENV, Files, Workspace, cache_folder

if TYPE_CHECKING:
    from datetime import date

    from ..config import Settings
    from ..core import Change
    from ..render import Formatter
    from ..workspace import Recorded


def option(name: str, metavar: str, help: str, *more: str) -> Any:
    """Declare an option that takes a value, with its Chinese metavar and help."""
    return typer.Option(name, *more, metavar=metavar, help=help, show_default=False)


def flag(name: str, help: str, *more: str) -> Any:
    """Declare an on/off option."""
    return typer.Option(name, *more, help=help)


IdArgument = Annotated[
    str, typer.Argument(metavar="编号", help="措施编号,如 3.2", show_default=False)
]

SHARED: dict[str, tuple[Any, Any, Any]] = {  # name: (type, default, option)
    "plan": (Path | None, None, option("--plan", "文件", f"计划文件(默认:环境变量 {PLAN_ENV},否则配置文件,否则内置方案)")),
    "ledger": (Path | None, None, option("--ledger", "文件", f"账本文件(默认:环境变量 {LEDGER_ENV},否则配置文件,否则用户数据目录)")),
    "as_of": (str | None, None, option("--as-of", "日期", "按此日期(YYYY-MM-DD)计算,默认今天(方案时区)")),
    "json": (bool, False, flag("--json", "输出 JSON(键名为英文,格式稳定,供脚本使用)")),
    "plain": (bool, False, flag("--plain", "输出纯文本(无颜色、无表格线)")),
    "by": (str | None, None, option("--by", "姓名", f"登记人(默认:环境变量 {USER_ENV},否则配置文件的 name,否则登录名)")),
    "on": (str | None, None, option("--date", "日期", "生效日期 YYYY-MM-DD,默认今天;补登时填写实际日期")),
    "evidence": (list[str] | None, None, option("--evidence", "说明", "佐证材料说明(可多次使用),如 会议纪要、制度文件名")),
    "evidence_files": (list[Path] | None, None, option("--file", "文件", "佐证材料文件(可多次使用):记下其大小和 SHA-256,日后 check 可核对")),
    "step": (str, "week", option("--step", "周期", "走势按周(week 或 周)或按月(month 或 月)")),
    "output": (Path | None, None, option("--output", "文件", "写入此文件(默认见说明)", "-o")),
}  # fmt: skip

READING = ("plan", "ledger", "as_of", "json", "plain")
CHANGING = ("by", "on", "json", "plan", "ledger")
DOCUMENTS = ("output", "step", "plan", "ledger", "as_of")


@dataclass(frozen=True)
class Given:
    """The shared options a command was given."""

    plan: Path | None = None
    ledger: Path | None = None
    as_of: str | None = None
    json: bool = False
    plain: bool = False
    by: str | None = None
    on: str | None = None
    evidence: list[str] | None = None
    evidence_files: list[Path] | None = None
    step: str = "week"
    output: Path | None = None

    @functools.cached_property
    def settings(self) -> Settings:
        """Return the clerk's config file and what it sets."""
        import os

        from ..config import load_settings

        return load_settings(dict(os.environ), cache_folder())

    @functools.cached_property
    def files(self) -> Files:
        """Return the plan and ledger chosen: by option, environment, config file or default."""
        return Files.resolve(self.plan, self.ledger, self.settings)

    @functools.cached_property
    def workspace(self) -> Workspace:
        """Return the workspace of the files chosen, with the user's caches."""
        config = self.settings.config
        return Workspace(
            self.files, cache_folder(), warn=_warn, name=config.name, department=config.department
        )

    def day(self) -> date:
        """Return the --as-of date, or today in the plan's timezone."""
        return self.workspace.as_of(self.as_of)

    def out(self, plain: bool = False) -> Formatter:
        """Return the output chosen: JSON if asked, a table on a terminal, else plain text."""
        return output(self.json, self.plain or plain)

    def record(self, measure_id: str, change: Change) -> Recorded:
        """Append CHANGE of a measure, by whom and when the options say."""
        return self.workspace.record(
            measure_id,
            change,
            by=self.by,
            on=self.on,
            evidence=self.evidence,
            files=self.evidence_files,
        )


def _warn(message: str) -> None:
    """Say on stderr, not in the output a script or cron mail reads, what makes it doubtful."""
    from ..text import on_screen

    typer.echo(f"警告:{on_screen(message)}", err=True)


def takes(*names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the shared options NAMES; it receives them as its `given` argument."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "given"]
        added = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[SHARED[name][0], SHARED[name][2]],
                default=SHARED[name][1],
            )
            for name in names
        ]

        @functools.wraps(command)
        def run(**values: Any) -> None:
            given = Given(**{name: values.pop(name) for name in names})
            command(**values, given=given)

        run.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
        return run

    return decorate


def on_terminal() -> bool:
    """Tell whether standard output is a terminal (not a pipe, a file or cron)."""
    return sys.stdout.isatty()


def output(json_: bool, plain: bool = False) -> Formatter:
    """Choose the output once: JSON if asked, a table on a terminal, plain text otherwise.

    The width is the terminal's (or COLUMNS, or 80 in a pipe); bars are drawn with
    characters the output's encoding can show. Only a terminal's table needs rich's
    console (for colour); plain text and JSON go without it.
    """
    from ..render import Screen, formatter

    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    if json_ or plain or not on_terminal():
        return formatter("json" if json_ else "plain", Screen(_width(), encoding))
    from rich.console import Console

    console = Console(highlight=False, emoji=False, markup=False, force_terminal=True)
    return formatter("table", console)


def _width() -> int:
    """Return the width plain text is laid out to, as rich measures a console that is not a
    terminal: COLUMNS, else the size of the first standard stream that is a terminal (the
    one a pipe's reader sees), else 80."""
    import os

    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for stream in (1, 2) if os.name == "nt" else (0, 1, 2):
        try:
            return os.get_terminal_size(stream).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80
