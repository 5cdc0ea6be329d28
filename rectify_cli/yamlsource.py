"""Read a YAML file safely, keeping where each value stood so errors can name FILE:LINE:COL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DataInvalid, Diagnostic, FileProblem, undecodable

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C loader when built


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, except that a date that does not exist (2023-02-30) stays text.

    PyYAML raises a bare ValueError for it, with no position; as text it reaches
    validation, which names the file, line and column.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass(frozen=True)
class Located:
    """A parsed YAML document with its node tree, for locating validation errors."""

    path: Path
    data: Any
    root: yaml.Node | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def locate(self, loc: tuple[str | int, ...]) -> tuple[int, int]:
        """Return the 1-based (line, col) of the deepest node on the path LOC."""
        if self.root is None:
            return (1, 1)
        mark = self._walk(loc)[1]
        return (mark.line + 1, mark.column + 1)

    def written(self, loc: tuple[str | int, ...]) -> str | None:
        """Return the text of the scalar at LOC exactly as the file writes it."""
        node = self._walk(loc)[0]
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def _walk(self, loc: tuple[str | int, ...]) -> tuple[yaml.Node | None, yaml.Mark]:
        """Follow LOC down the node tree; return the node reached (if all of LOC) and a mark."""
        node = self.root
        assert node is not None
        mark = node.start_mark
        for part in loc:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        mark, child = key.start_mark, value
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
                mark = child.start_mark
            if child is None:
                return None, mark
            node = child
        return node, mark


def read_text(path: Path) -> str:
    """Return the UTF-8 text of PATH (a BOM is allowed), or raise a located error."""
    from .storage import read_regular

    raw = read_regular(path, "计划")
    if raw is None:
        raise FileProblem(f"{path}: 文件不存在")
    return decoded(path, raw)


def decoded(path: Path, raw: bytes) -> str:
    """Return RAW, the content of PATH, as UTF-8 text (a BOM is allowed), or raise a located error."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataInvalid([undecodable(path, raw, exc.start)]) from None


def walk(root: yaml.Node) -> Iterator[tuple[yaml.Node, bool]]:
    """Yield every node under ROOT once, as (node, False), and each node met again through
    an alias as (node, True), not descended into again."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            yield node, True
            continue
        seen.add(id(node))
        yield node, False
        if isinstance(node, yaml.MappingNode):
            stack.extend(value for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def duplicate_keys(node: yaml.Node) -> list[yaml.ScalarNode]:
    """Return the keys of mapping NODE given a second time (none for another node)."""
    if not isinstance(node, yaml.MappingNode):
        return []
    keys: set[str] = set()
    again = []
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in keys:
                again.append(key)
            keys.add(key.value)
    return again


def _structure_problems(path: Path, root: yaml.Node) -> tuple[list[Diagnostic], bool]:
    """Find duplicate keys and aliases, which the loader would silently accept.

    Return the problems and whether there is an alias: a document with aliases is not
    constructed at all, since aliases can multiply a small file into a huge value.
    """
    found: list[Diagnostic] = []
    aliased = False
    for node, again in walk(root):
        if again:
            m = node.start_mark
            found.append(Diagnostic(path, m.line + 1, m.column + 1, "不支持 YAML 锚点和别名(&、*)"))
            aliased = True
        for key in duplicate_keys(node):
            m = key.start_mark
            found.append(Diagnostic(path, m.line + 1, m.column + 1, f"字段“{key.value}”重复"))
    return found, aliased


# What PyYAML's scanner, parser and constructor say, in the words of a clerk's editor.
_YAML_PROBLEMS = (
    (r"^\t|found a tab character", "缩进不能用制表符(Tab),请改用空格"),
    (r"that cannot start any token", "此处的字符不能作为一项内容的开头(如 @、`、%),请加引号"),
    (r"mapping values are not allowed", "此处不能出现“键: 值”:内容含冒号时请加引号,或检查缩进"),
    (r"could not find expected ':'", "缺少冒号“:”,应写成“键: 值”"),
    (r"did not find expected key", "缩进不对:此处应为一个字段名"),
    (r"did not find expected '-' indicator", "缩进不对:此处应为以“- ”开头的列表项"),
    (r"did not find expected node content", "此处缺少内容:括号没有闭合?"),
    (r"expected ',' or '\]'", "方括号列表 [ ] 没有闭合,或缺少逗号"),
    (r"expected ',' or '\}'", "花括号 { } 没有闭合,或缺少逗号"),
    (r"found unexpected end of stream", "文件意外结束:引号或括号没有闭合"),
    (r"found unknown escape character", "双引号中有无法识别的转义字符(\\),可改用单引号"),
    (r"expected <block end>|expected <document start>|single document", "缩进不对,或有多余内容"),
    (r"found undefined alias|found duplicate anchor", "不支持 YAML 锚点和别名(&、*)"),
    (r"could not determine a constructor for the tag", "不支持的 YAML 标签(!!…)"),
    (r"found unexpected ':'", "此处的冒号“:”不合语法,请给这项内容加引号"),
    (r"unacceptable character|special characters are not allowed", "文件中有不允许的控制字符"),
)


def yaml_problem(exc: yaml.YAMLError, text: str = "") -> str:
    """Say a PyYAML error in TEXT in Chinese: PyYAML words its errors in English only."""
    import re

    mark = getattr(exc, "problem_mark", None)
    here = text[mark.index : mark.index + 1] if mark is not None and mark.index < len(text) else ""
    said = here + " ".join(
        str(part) for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part
    )
    for pattern, chinese in _YAML_PROBLEMS:
        if re.search(pattern, said):
            return f"YAML 语法错误:{chinese}"
    return "YAML 语法错误:无法解析此处的内容"


def parse_located(path: Path, text: str) -> Located:
    """Parse TEXT (the content of PATH) as one YAML document with safe types only."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return Located(path, None, None)
        problems, aliased = _structure_problems(path, root)
        if aliased:
            raise DataInvalid(problems)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise DataInvalid([Diagnostic(path, line, col, yaml_problem(exc, text))]) from None
    except yaml.YAMLError as exc:
        raise DataInvalid([Diagnostic(path, 1, 1, yaml_problem(exc, text))]) from None
    except ValueError:  # Python will not read a number of thousands of digits
        import re

        long = re.search(r"[0-9]{1000,}", text)
        at = long.start() if long else 0
        line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        raise DataInvalid([Diagnostic(path, line, col, "数字位数过多,无法读取")]) from None
    finally:
        loader.dispose()
    return Located(path, data, root, problems)


def load_located(path: Path) -> Located:
    """Read PATH and parse it as located YAML."""
    return parse_located(path, read_text(path))
