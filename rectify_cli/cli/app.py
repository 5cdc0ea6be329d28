"""The Typer application and the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from .. import __version__, progress
from ..errors import EXIT_ERROR, DataInvalid, RectifyError
from .chinese import localize, usage_lines

HELP = (
    "整改台账:销号、进展、延期、复查,完成率、超期清单和进展报告。\n\n"
    "退出码:0 成功;1 有超期、预警或待复查的事项(仅 overdue);2 出错(用法、数据、编号有误或操作被拒绝)。"
)

GUIDE = """\
rectify {version} — 整改台账

常用命令:
  rectify status              整改完成率:总体、按问题、按时限、按科室
  rectify overdue             已超期和待复查的措施(适合 cron 每天运行)
  rectify list                全部措施及其状态,可按问题、科室、状态筛选
  rectify show 3.2            一条措施的全文和全部历史记录
  rectify close 3.2 --evidence "局发〔2023〕12号"
                              销号,附佐证材料
  rectify progress 4.1 --note "进度和成效"
                              登记进展
  rectify report              整改工作进展情况报告
  rectify export              导出 Excel 台账

全部命令和选项:rectify --help;每条命令的说明和示例:rectify 命令 --help"""


def _utf8_arguments(arguments: list[str]) -> list[str]:
    """Return the arguments as UTF-8 text; refuse any that are not UTF-8 at all.

    Python keeps bytes it could not decode in the locale's encoding as lone surrogates:
    under LC_ALL=C a Chinese argument arrives so, and is read again as the UTF-8 it is.
    """
    from ..errors import Refused

    decoded = []
    for argument in arguments:
        if any("\ud800" <= char <= "\udfff" for char in argument):
            try:
                argument = os.fsencode(argument).decode("utf-8")
            except (UnicodeDecodeError, UnicodeEncodeError):
                char = next(c for c in argument if "\ud800" <= c <= "\udfff")
                raise Refused(
                    f"命令行参数中含有不能如实显示的字符 U+{ord(char):04X}(不是 UTF-8 编码的字节),"
                    "请检查终端或输入法的编码;未做任何改动"
                ) from None
        decoded.append(argument)
    return decoded


@contextmanager
def _progress_bar() -> Iterator[None]:
    """Show long work as a progress bar on a terminal's standard error; nothing in a pipe
    or cron mail."""
    if not sys.stderr.isatty():
        yield
        return
    from .bar import Bar

    bar = Bar()
    with progress.shown_by(bar):
        try:
            yield
        finally:
            bar.close()  # erased before any error is said


class RectifyGroup(TyperGroup):
    """The command group: Chinese help, and the one place that turns errors into output."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize(self)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run a command; print any error in Chinese on stderr and exit with its code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            given = sys.argv[1:] if args is None else list(args)
            decoded = _utf8_arguments(given)
            args = args if decoded == given else decoded  # None keeps Windows' wildcard expansion
            with _progress_bar():
                code = super().main(
                    args, prog_name, complete_var, False, windows_expand_args, **extra
                )
        except RectifyError as exc:
            from ..text import on_screen

            for line in map(on_screen, exc.lines()):  # what it quotes from files stays text
                typer.echo(line if isinstance(exc, DataInvalid) else f"错误:{line}", err=True)
            sys.exit(exc.exit_code)
        except click_errors.ClickException as exc:  # usage errors: Click says them in English
            for line in usage_lines(exc):
                typer.echo(line, err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("已中止。", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=RectifyGroup,
    name="rectify",
    help=HELP,
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rectify {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="显示版本号并退出", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """整改台账:销号、进展、延期、复查,完成率、超期清单和进展报告。"""
    if ctx.invoked_subcommand is None:
        typer.echo(GUIDE.format(version=__version__))


def main() -> None:
    """Run the command line; never let a traceback reach the user."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    from .commands import load, needed

    try:
        load(needed(sys.argv[1:]))
        app(prog_name="rectify")
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug: say so briefly; RECTIFY_DEBUG=1 shows the traceback
        if os.environ.get("RECTIFY_DEBUG"):
            raise
        typer.echo(
            f"内部错误:{type(exc).__name__}: {exc}(设置 RECTIFY_DEBUG=1 可查看详情)", err=True
        )
        sys.exit(EXIT_ERROR)
