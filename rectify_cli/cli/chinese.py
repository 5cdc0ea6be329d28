"""Every word Typer and its Click show a user, in Chinese, through the seams they offer.

- Help: Typer's module-level panel titles and labels (`typer.rich_utils`), a help
  formatter whose usage line says 用法, the help option's own text, and metavars.
- Usage errors: Click raises them as exception classes that carry what went wrong
  (`NoSuchOption` and its possibilities, `MissingParameter` and its parameter,
  `BadParameter`, `BadOptionUsage`, a plain `UsageError` for an unknown command);
  `message` says each in Chinese for the one error handler (`RectifyGroup.main`).

Typer 0.26 and later vendor Click as `typer._click`; no vendored source is patched.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer._click import exceptions as click_errors
from typer._click.formatting import HelpFormatter

HELP_OPTION = "显示本帮助并退出"
COMPLETION = {
    "install_completion": "为当前 shell 安装命令补全",
    "show_completion": "显示当前 shell 的命令补全脚本,可复制后自行安装",
}
TYPE_WORDS = {"str": "文字", "int": "整数", "float": "数字", "path": "路径", "Path": "路径"}


def _type_word(text: str) -> str:
    """Say a type label in Chinese: <int> → <整数>, <list[Path]> → <路径…>, <bool> → nothing."""

    def one(found: re.Match[str]) -> str:
        inner = found.group(1)
        listed = re.fullmatch(r"list\[(\w+)\]", inner)
        word = TYPE_WORDS.get(listed.group(1) if listed else inner)
        if inner == "bool":
            return ""
        return found.group(0) if word is None else f"<{word}{'…' if listed else ''}>"

    return re.sub(r"<([^<>]+)>", one, text)


_help_in_chinese = False


def _chinese_help() -> None:
    """Set Typer's help strings; done when help is first drawn, since rich_utils is slow to import."""
    global _help_in_chinese
    if _help_in_chinese:
        return
    _help_in_chinese = True
    from rich.text import Text
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.DEFAULT_STRING = "[默认:{}]"
    rich_utils.ENVVAR_STRING = "[环境变量:{}]"
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.DEPRECATED_STRING = "(已弃用) "
    rich_utils.ABORTED_TEXT = "已中止。"
    rich_utils.RICH_HELP = "运行 [blue]{command_path} {help_option}[/] 查看帮助。"
    highlighter = rich_utils.OptionHighlighter
    highlighter.highlights = [*highlighter.highlights, r"(?P<usage>用法:)"]

    make_text = rich_utils._make_rich_text

    def folding(*, text: str, style: str = "", markup_mode: Any) -> Any:
        """Fold a long Chinese help text onto the next line instead of cutting it with …."""
        made = make_text(text=text, style=style, markup_mode=markup_mode)
        if isinstance(made, Text):
            made.overflow = "fold"
        return made

    rich_utils._make_rich_text = folding

    class ChineseTypes(rich_utils.TypesHighlighter):
        def __call__(self, text: str | Text) -> Text:
            plain = text if isinstance(text, str) else text.plain
            return super().__call__(Text(_type_word(plain), overflow="fold"))

    rich_utils.types_highlighter = ChineseTypes()


class ChineseFormatter(HelpFormatter):
    """Click's help formatter, with 用法 for Usage and Chinese type labels."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Write the usage line."""
        super().write_usage(prog, args, "用法:" if prefix is None else prefix)

    def write_dl(self, rows: Any, *args: Any, **kwargs: Any) -> None:
        """Write the option list."""
        super().write_dl([(_type_word(term), text) for term, text in rows], *args, **kwargs)


latest_context: typer.Context | None = None  # for errors raised without one


def _install_completion(context: Any, param: Any, value: Any) -> Any:
    """Install shell completion as Typer does, and say so in Chinese."""
    if not value or context.resilient_parsing:
        return value
    from typer._completion_shared import install

    shell, path = install(shell=value) if isinstance(value, str) else install()
    typer.echo(f"已为 {shell} 安装命令补全:{path}\n重新打开终端后生效。")
    raise typer.Exit()


class ChineseContext(typer.Context):
    """A context whose help speaks Chinese, including the help option itself."""

    formatter_class = ChineseFormatter

    def __init__(self, command: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(command, *args, **kwargs)
        helper = command.get_help_option(self)  # made once per command, then kept
        if helper is not None:
            helper.help, helper.metavar = HELP_OPTION, ""
        for param in command.params:
            if param.name in COMPLETION:
                param.help, param.metavar = COMPLETION[param.name], ""
            if param.name == "install_completion":
                param.callback = _install_completion
        global latest_context
        latest_context = self

    def make_formatter(self) -> HelpFormatter:
        """Return the help formatter, with Typer's words in Chinese."""
        _chinese_help()
        return super().make_formatter()


def localize(group: Any) -> None:
    """Give GROUP and every command in it Chinese help and usage lines."""
    group.context_class = ChineseContext
    for command in [group, *group.commands.values()]:
        command.context_class = ChineseContext
        if command.options_metavar == "[OPTIONS]":
            command.options_metavar = "[选项]"
    group.subcommand_metavar = "命令 [参数]..."


# ---------------------------------------------------------------------------- usage errors


def _name(param: Any) -> str:
    if param is None:
        return ""
    if param.param_type_name == "option":
        return " / ".join(param.opts)
    return str(param.metavar or param.name)


def _kind(param: Any) -> str:
    return "选项" if param is not None and param.param_type_name == "option" else "参数"


def _expected(param: Any) -> str:
    """Say what a parameter takes, from its type (Typer 0.29: annotation; older: Click type)."""
    described = getattr(param, "type_descriptor", None)
    if described is not None:
        word = getattr(described.annotation, "__name__", "")
        choices = described.choices if described.is_choice else None
    else:
        word = getattr(getattr(param, "type", None), "name", "")
        choices = getattr(getattr(param, "type", None), "choices", None)
    if choices:
        return "应为 " + "、".join(str(getattr(c, "value", c)) for c in choices) + " 之一"
    noun = {"int": "整数", "integer": "整数", "float": "数字"}.get(word, "")
    return f"应为{noun}" if noun else "格式不对"


def _chinese(text: str) -> bool:
    """Tell whether TEXT is said in Chinese, not counting what it quotes ('六十' is not a valid int)."""
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", text)
    return re.search(r"[\u4e00-\u9fff]", unquoted) is not None


def message(error: click_errors.ClickException) -> str:
    """Say a usage error in Chinese."""
    if isinstance(error, click_errors.NoSuchOption):
        said = f"没有选项 {error.option_name}"
        likely = sorted(set(error.possibilities or ()) - {"--help", "-h"})  # not what was meant
        if likely:
            said += f";是否要用:{'、'.join(likely)}"
        return said
    if isinstance(error, click_errors.MissingParameter):
        kind = "选项" if error.param_type == "option" else _kind(error.param)
        return f"缺少{kind} {_name(error.param)}".rstrip()
    if isinstance(error, click_errors.BadParameter):
        detail = error.message if _chinese(error.message) else _expected(error.param)
        return f"{_kind(error.param)} {_name(error.param)} 的值无效:{detail}"
    if isinstance(error, click_errors.BadOptionUsage):
        if "requires" in error.message:
            return f"选项 {error.option_name} 需要一个值"
        if "does not take a value" in error.message:
            return f"选项 {error.option_name} 不接受值"
    found = re.fullmatch(r"No such command (['\"])(.*)\1\.(?: Did you mean (.*)\?)?", error.message)
    if found:
        said = f"没有命令 {found.group(2)}"
        if found.group(3):
            names = re.findall(r"'([^']+)'", found.group(3)) or [found.group(3)]
            said += f";是否要用:{'、'.join(names)}"
        return said
    if error.message == "Missing command.":
        return "缺少命令"
    found = re.fullmatch(r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", error.message)
    if found:
        return f"多余的参数:{found.group(1)}"
    return error.message if _chinese(error.message) else f"用法有误:{error.message}"


def usage_lines(error: click_errors.ClickException) -> list[str]:
    """Return what to print for a usage error: the usage line, where to find help, the error."""
    context = getattr(error, "ctx", None) or latest_context
    lines = []
    if context is not None:
        lines.append(context.get_usage())
        lines.append(f"运行 {context.command_path} --help 查看帮助。")
    return [*lines, f"错误:{message(error)}"]
