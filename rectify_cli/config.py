"""A clerk's own settings: who they are and which files they use, in a TOML file of their own.

The file is `config.toml` in the user's config folder (platformdirs; on Linux
`~/.config/rectify/`), or the file RECTIFY_CONFIG names. It may set `name`, `department`,
`plan` and `ledger`; an option beats the environment, which beats this file, which beats
the default. Like the plan, it is validated by pydantic, and a state of it already
validated is read back from the content-keyed cache without importing pydantic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

from .errors import DataInvalid, Diagnostic, FileProblem
from .plan import Text
from .rules import CONFIG

CONFIG_ENV = "RECTIFY_CONFIG"
CONFIG_LABELS = {"name": "姓名", "department": "科室", "plan": "计划文件", "ledger": "账本文件"}


@dataclass(frozen=True, kw_only=True)
class Config:
    """What a clerk's config file sets; None for what it leaves to the default."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    name: Text | None = None  # who records events: the default of --by
    department: Text | None = None  # the section the clerk works in
    plan: Text | None = None  # a path; relative to the config file's folder
    ledger: Text | None = None


@dataclass(frozen=True)
class Settings:
    """The config file a run uses, where that choice came from, and what it sets."""

    path: Path
    source: str
    exists: bool
    config: Config

    def file(self, key: str) -> Path | None:
        """Return the path the file sets for KEY (plan or ledger): ~ expanded, a relative
        path taken from the config file's folder; None if it does not set it."""
        value = getattr(self.config, key)
        if value is None:
            return None
        try:
            path = Path(value).expanduser()
        except RuntimeError:  # ~someone unknown
            raise FileProblem(
                f"{self.path}: {CONFIG_LABELS[key]}“{value}”中的 ~ 无法确定是谁的主目录"
            ) from None
        return path if path.is_absolute() else self.path.parent / path

    def given(self) -> list[tuple[str, str]]:
        """Return what the file sets, as (label, value), in the order of the file's keys."""
        return [
            (CONFIG_LABELS[f.name], str(getattr(self.config, f.name)))
            for f in fields(Config)
            if getattr(self.config, f.name) is not None
        ]


def config_file(environ: dict[str, str]) -> tuple[Path, str]:
    """Return the config file to read and where that choice came from."""
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]), f"环境变量 {CONFIG_ENV}"
    from platformdirs import user_config_path

    return user_config_path("rectify", appauthor=False) / "config.toml", "默认位置"


def load_settings(environ: dict[str, str], cache: Path | None = None) -> Settings:
    """Read and validate the config file; the default one may be absent (nothing set), one
    named by RECTIFY_CONFIG must exist."""
    from . import __version__
    from .index import content_key, load_object, save_object
    from .storage import read_regular

    path, source = config_file(environ)
    raw = read_regular(path, "配置")
    if raw is None:
        if path.is_symlink():  # a link to a file that is not there (a share not mounted)
            raise FileProblem(f"{path}: 配置文件是指向不存在的文件的链接")
        if source != "默认位置":
            raise FileProblem(f"{path}: 配置文件不存在(路径来自{source})")
        return Settings(path, source, False, Config())
    key = content_key(raw)
    held = load_object(cache, "config", path, key, __version__) if cache is not None else None
    if not isinstance(held, Config):
        held = parse_config(path, raw)
        if cache is not None:
            save_object(cache, "config", path, key, __version__, held)
    return Settings(path, source, True, held)


_KEY_LINE = r"^[ \t]*(?:\[\[?[ \t]*)?[\"']?{}[\"']?[ \t]*(?:=|\]|\.)"


def parse_config(path: Path, raw: bytes) -> Config:
    """Validate RAW, the content of the config file PATH; raise DataInvalid naming each
    problem's line."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the project's machines run 3.11
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    from pydantic import ValidationError

    from .core import untruthful
    from .plan import validation_message
    from .rules import adapter

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataInvalid([Diagnostic(path, line, 1, "不是 UTF-8 编码的文字")]) from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise DataInvalid([Diagnostic(path, 1, 1, "配置文件嵌套过深,不是有效的配置")]) from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(found[1]), int(found[2])) if found else (1, 1)
        message = '不是有效的 TOML 配置:每项写成一行,如 name = "王芳"(文字加英文双引号)'
        raise DataInvalid([Diagnostic(path, line, col, message)]) from None
    lines = text.splitlines()

    def line_of(key: str) -> int:
        pattern = re.compile(_KEY_LINE.format(re.escape(key)))
        return next((n for n, t in enumerate(lines, 1) if pattern.match(t)), 1)

    problems = []
    try:
        config: Config = adapter(Config).validate_python(data)
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            message = validation_message(error)
            if error["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
                message += ";可设置的项:" + "、".join(f"{k}({v})" for k, v in CONFIG_LABELS.items())
            problems.append(Diagnostic(path, line_of(key), 1, message))
    else:
        for key in ("name", "department", "plan", "ledger"):  # shown and used as they are
            value = getattr(config, key)
            char = untruthful(value, name=key in ("name", "department")) if value else None
            if char is not None:
                message = f"{CONFIG_LABELS[key]}中含有不能如实显示的字符 U+{ord(char):04X},请删去"
                problems.append(Diagnostic(path, line_of(key), 1, message))
        if not problems:
            return config
    raise DataInvalid(sorted(problems, key=lambda d: d.line))
