"""A catalogue of bad input. Each: a Chinese message naming the file and line where there is
one, exit 2, no traceback, and no file changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from rectify_cli.errors import DataInvalid, LedgerTorn, RectifyError
from rectify_cli.events import Event
from rectify_cli.ledger import HEADER, encode, parse_ledger, read_ledger, verify
from rectify_cli.plan import load_plan, parse_plan
from rectify_cli.rules import adapter
from rectify_cli.workspace import embedded_plan
from rectify_cli.yamlsource import load_located, parse_located

from .conftest import SMALL_PLAN, Result

PLAN = textwrap.dedent(SMALL_PLAN).lstrip("\n")
GOOD_EVENT = '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "1.1", "action": "progress", "by": "张三", "note": "进展"}'

CHAINED_EVENT = encode(adapter(Event).validate_json(GOOD_EVENT), ())[0].strip()


@dataclass(frozen=True)
class Case:
    """One bad input: the plan and ledger bytes, the command, what the message must say."""

    words: str
    line: int | None = None  # the line the message must name, in the file named by `where`
    plan: bytes = PLAN.encode()
    ledger: bytes | None = None
    args: tuple[str, ...] = ("check",)
    where: str = "plan.yaml"


def edit(old: str, new: str) -> bytes:
    assert old in PLAN
    return PLAN.replace(old, new, 1).encode()


def ledger(*lines: str) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


CASES: dict[str, Case] = {
    # ---- the plan: YAML and structure
    "unclosed bracket": Case("YAML 语法错误", 13, edit("lead: [政策法规科]", "lead: [政策法规科")),
    "tab indentation": Case(
        "YAML 语法错误", 11, edit("        text: 措施一。", "\ttext: 措施一。")
    ),
    "problems is text": Case(
        "应为", 5, edit("problems:\n  - number: 1", "problems: 很多\nx:\n  - number: 1")
    ),
    "title is a number": Case("应为文字", 7, edit("title: 问题一", "title: 123")),
    "measures not a list": Case(
        "应为列表",
        21,
        (
            PLAN.split("  - number: 2")[0] + "  - number: 2\n    title: 问题二\n    measures: 无\n"
        ).encode(),
    ),
    "no plan section": Case(
        "缺少字段“plan”",
        1,
        PLAN.split("problems:")[0].replace("plan:", "meta:").encode()
        + b"problems:"
        + PLAN.split("problems:")[1].encode(),
    ),
    "no plan date": Case("缺少字段“date”", 1, edit("  date: 2023-09-19\n", "")),
    "unknown top-level field": Case("未知字段“owner”", 27, (PLAN + "owner: 某人\n").encode()),
    "misspelt field": Case("未知字段“deadine”", 14, edit("deadline: 9月底", "deadine: 9月底")),
    "duplicate id": Case("措施编号“1.1”重复", 15, edit('id: "1.2"', 'id: "1.1"')),
    "ill-formed id": Case("应写成“问题号.措施号”", 15, edit('id: "1.2"', 'id: "1-2"')),
    "id as a YAML number": Case('"1.10"', 15, edit('id: "1.2"', "id: 1.10")),
    "id of another problem": Case("不属于问题 1", 15, edit('id: "1.2"', 'id: "2.2"')),
    "duplicate problem number": Case("问题编号 1 重复", 19, edit("  - number: 2", "  - number: 1")),
    "problem number zero": Case("正整数", 6, edit("  - number: 1", "  - number: 0")),
    "problem number is a list": Case("应为整数", 19, edit("  - number: 2", "  - number: []")),
    "unknown deadline word": Case(
        "无法识别的整改时限“年底”", 14, edit("deadline: 9月底", "deadline: 年底")
    ),
    "impossible deadline date": Case(
        "无法识别的整改时限“2023-11-31”", 26, edit("deadline: 2023-11-15", "deadline: 2023-11-31")
    ),
    "impossible plan date": Case(
        "日期应写成 YYYY-MM-DD", 3, edit("date: 2023-09-19", "date: 2023-02-30")
    ),
    "empty text": Case("不能为空", 11, edit("text: 措施一。", 'text: ""')),
    "blank text": Case("不能为空", 11, edit("text: 措施一。", 'text: "   "')),
    "no responsible department": Case(
        "不能为空列表", 13, edit("responsible: [各执法科室]", "responsible: []")
    ),
    "full-width digits in an id": Case(
        "应写成“问题号.措施号”", 15, edit('id: "1.2"', 'id: "１.２"')
    ),
    "full-width digits in a deadline": Case(
        "无法识别的整改时限", 14, edit("deadline: 9月底", "deadline: ９月底")
    ),
    "unknown timezone": Case("未知时区", 4, edit("Asia/Shanghai", "Beijing")),
    "review cadence on a dated measure": Case(
        "复查周期", 10, edit("deadline: 9月底", "deadline: 9月底\n        review_every: 月")
    ),
    "unknown review cadence": Case(
        "“每周”无效",
        19,
        edit("deadline: 长期坚持", "deadline: 长期坚持\n        review_every: 每周"),
    ),
    "duplicate key": Case(
        "字段“title”重复", 8, edit("title: 问题一", "title: 问题一\n    title: 问题一改")
    ),
    # ---- the plan: encodings, sizes, hostile YAML
    "GBK encoding": Case("不是 UTF-8", 2, PLAN.encode("gbk")),
    "UTF-16 encoding": Case("UTF-16", 1, PLAN.encode("utf-16")),
    "empty file": Case("文件为空", 1, b""),
    "only comments": Case("文件为空", 1, b"# nothing here\n# at all\n"),
    "large file, error at the end": Case(
        "YAML 语法错误", 20028, ("# 注释行\n" * 20000 + PLAN + "bad: [\n").encode()
    ),
    "python object tag": Case(
        "YAML 语法错误", 1, b"!!python/object/apply:os.system ['touch pwned']\n"
    ),
    "billion laughs": Case(
        "锚点和别名",
        1,
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode()
            for i in range(8)
        ),
    ),
    "a list instead of a plan": Case("应为“键: 值”的映射", 1, b"- 1\n- 2\n"),
    # ---- the ledger
    "ledger: malformed line": Case(
        "无法解析的记录", 2, ledger=ledger(GOOD_EVENT, "{不是记录", GOOD_EVENT), where="ledger.yaml"
    ),
    "ledger: unknown measure": Case(
        "方案中没有措施“9.9”",
        1,
        ledger=ledger(GOOD_EVENT.replace('"1.1"', '"9.9"')),
        where="ledger.yaml",
    ),
    "ledger: unknown action": Case(
        "未知操作“sign”",
        1,
        ledger=ledger(GOOD_EVENT.replace("progress", "sign")),
        where="ledger.yaml",
    ),
    "ledger: missing author": Case(
        "缺少字段“by”",
        1,
        ledger=ledger(GOOD_EVENT.replace(', "by": "张三"', "")),
        where="ledger.yaml",
    ),
    "ledger: time without zone": Case(
        "必须带时区", 1, ledger=ledger(GOOD_EVENT.replace("+08:00", "")), where="ledger.yaml"
    ),
    "ledger: impossible date": Case(
        "日期应写成 YYYY-MM-DD",
        1,
        ledger=ledger(GOOD_EVENT.replace('"date": "2023-10-05"', '"date": "2023-02-30"')),
        where="ledger.yaml",
    ),
    "ledger: GBK line": Case(
        "不是 UTF-8",
        2,
        ledger=ledger(GOOD_EVENT) + GOOD_EVENT.encode("gbk") + b"\n",
        where="ledger.yaml",
    ),
    "ledger: UTF-16": Case(
        "UTF-16", 1, ledger=(GOOD_EVENT + "\n").encode("utf-16"), where="ledger.yaml"
    ),
    "ledger: a list, not an event": Case(
        "应为“键: 值”的映射", 1, ledger=ledger("[1, 2]"), where="ledger.yaml"
    ),
    "ledger: reopen without reason": Case(
        "必须有原因",
        1,
        ledger=ledger(
            GOOD_EVENT.replace('"progress"', '"reopen"').replace('"note": "进展"', '"note": ""')
        ),
        where="ledger.yaml",
    ),
    "ledger: unknown field": Case(
        "未知字段“signature”",
        1,
        ledger=ledger(GOOD_EVENT.replace("}", ', "signature": "x"}')),
        where="ledger.yaml",
    ),
    "ledger: torn last line": Case(
        "最后一行不完整",
        2,
        ledger=ledger(GOOD_EVENT) + GOOD_EVENT[:30].encode(),
        where="ledger.yaml",
    ),
    "ledger: python tag": Case(
        "无法解析的记录",
        1,
        ledger=ledger("!!python/object/apply:os.system ['touch pwned']"),
        where="ledger.yaml",
    ),
    # ---- commands
    "future date": Case(
        "晚于今天", args=("close", "1.1", "--evidence", "佐证材料", "--date", "2999-01-01")
    ),
    "date before the plan": Case(
        "早于方案日期", args=("close", "1.1", "--evidence", "佐证材料", "--date", "2023-01-01")
    ),
    "backdated before the last event": Case(
        "早于措施 1.1 最近一条记录",
        ledger=ledger(CHAINED_EVENT),
        args=("close", "1.1", "--evidence", "佐证材料", "--date", "2023-10-01"),
    ),
    "slashes in a date": Case(
        "应写成 YYYY-MM-DD", args=("close", "1.1", "--evidence", "佐证材料", "--date", "2023/10/05")
    ),
    "impossible --as-of": Case(
        "--as-of 的日期“2023-02-30”无效", args=("status", "--as-of", "2023-02-30")
    ),
    "Cyrillic lookalike id": Case(
        "没有编号为“З.1”的措施", args=("close", "З.1", "--evidence", "佐证材料")
    ),
    "unknown problem": Case("方案中没有问题“十一”", args=("list", "--problem", "十一")),
    "unknown department": Case("方案中没有科室“财务科”", args=("list", "--dept", "财务科")),
    "evidence file missing": Case("不存在", args=("close", "1.1", "--file", "无此 文件.pdf")),
    "missing ledger folder": Case(
        "不存在",
        args=("close", "1.1", "--evidence", "佐证材料", "--ledger", "无此文件夹/ledger.yaml"),
    ),
    "ledger is a folder": Case("是一个文件夹", args=("status", "--ledger", ".")),
    "plan is a folder": Case("是一个文件夹", args=("status", "--plan", ".")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(
    name: str, tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    folder = tmp_path / "台账 文件"
    folder.mkdir()
    monkeypatch.chdir(folder)
    plan, book = folder / "plan.yaml", folder / "ledger.yaml"
    plan.write_bytes(case.plan)
    book.write_bytes(HEADER.encode() if case.ledger is None else case.ledger)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    args = list(case.args)
    if "--plan" not in args:
        args += ["--plan", str(plan)]
    if "--ledger" not in args and args[0] != "init":
        args += ["--ledger", str(book)]
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert case.words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    if case.line is not None:
        assert f"{folder / case.where}:{case.line}:" in result.stderr, result.stderr
    after = {
        p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".lock")
    }
    assert after == before
    assert not (folder / "pwned").exists()


def test_windows_files_are_fine(tmp_path: Path, run: Callable[..., Result]) -> None:
    plan = tmp_path / "计划 文件.yaml"
    plan.write_bytes(b"\xef\xbb\xbf" + PLAN.replace("\n", "\r\n").encode())
    book = tmp_path / "账本 文件.yaml"
    book.write_bytes(b"\xef\xbb\xbf" + (GOOD_EVENT + "\r\n").encode())
    result = run(
        "list", "--json", "--plan", str(plan), "--ledger", str(book), "--as-of", "2023-10-06"
    )
    assert result.exit_code == 0
    assert [i["state"] for i in result.json()] == ["in_progress", "not_started", "not_started"]


# ---------------------------------------------------------------------------- near misses
# Real plan and ledger text, edited a few characters or lines at a time with characters
# that matter to YAML and JSON: mostly still parseable, so validation is what answers.

SIGNIFICANT = ":-[]{},#&*!|>'\"%@`?\\ \t\n0123456789.Tz+ab甲一号月底"
TOKENS = ["[]", "{}", "~", "null", "true", "123", "1.10", "-1", "101", "2023-02-30", "9月底",
          '"1.2"', '"9.9"', '""', '"  "', '"sign"', '"2023-10-05"', "[1, {a: b}]", "- x", "x: y",
          "'", '"', "\\u2028", "\u2028", "\u0085", "\ufeff", "&a", "*a", "!!str", "#"]  # fmt: skip
TYPES = ["[]", "{}", "[a, b]", "{a: b}", "~", "true", "0", "-1", "101", "1.10", '""', "2023-09-19"]
PLAIN = "0123456789.-ab甲一号月底 "  # characters that seldom break the syntax
VALUE = re.compile(r'(?<=: )("(?:[^"\\\n]|\\.)*"|\[[^]\n]*\]|[^,}\n]*)')  # after "key: "


def _edit_values(text: str, edits: list[tuple[int, int, int, str]]) -> str:
    for which, where, cut, new in edits:
        spots = list(VALUE.finditer(text))
        spot = spots[which % len(spots)]
        start = spot.start() + where % (spot.end() - spot.start() + 1)
        end = spot.end() if cut < 0 else min(start + cut, spot.end())
        text = text[:start] + new + text[end:]
    return text


def _edit_text(text: str, edits: list[tuple[int, int, str]]) -> str:
    for where, cut, new in edits:
        at = min(where, len(text))
        text = text[:at] + new + text[at + cut :]
    return text


def _edit_lines(text: str, edits: list[tuple[str, int]]) -> str:
    lines = text.split("\n")
    for kind, where in edits:
        i = where % len(lines)
        j = (i + 1) % len(lines)
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "repeat":
            lines.insert(j, lines[i])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def near(text: str) -> st.SearchStrategy[str]:
    """Return TEXT edited a little: values replaced or changed, characters changed anywhere,
    or lines removed, repeated or swapped."""
    new = st.sampled_from(TOKENS) | st.text(PLAIN, max_size=4) | st.text(SIGNIFICANT, max_size=4)
    values = st.lists(  # the whole value from WHERE on replaced (cut -1), or CUT characters
        st.tuples(
            st.sampled_from(range(len(VALUE.findall(text)))),
            st.just(0) | st.integers(0, 99),
            st.integers(-1, 3),
            st.sampled_from(TYPES) | new,
        ),
        min_size=1,
        max_size=3,
    )
    characters = st.lists(
        st.tuples(st.integers(0, len(text)), st.integers(0, 2), st.text(PLAIN, max_size=2) | new),
        min_size=1,
        max_size=3,
    )
    lines = st.lists(  # a line and the next: one removed, repeated, or the two swapped
        st.tuples(st.sampled_from(["delete", "repeat", "swap"]), st.integers(0, 999)),
        min_size=1,
        max_size=2,
    )
    return st.one_of(
        values.map(lambda edits: _edit_values(text, edits)),
        characters.map(lambda edits: _edit_text(text, edits)),
        lines.map(lambda edits: _edit_lines(text, edits)),
    )


def _in_chinese(exc: RectifyError, text: str) -> None:
    """Check that every problem EXC reports is in Chinese and names a line of TEXT.

    Lines are counted as YAML counts them (U+2028 and U+0085 break lines too), and the end
    of a YAML stream is the line after a last line that has no newline.
    """
    found = exc.diagnostics if isinstance(exc, DataInvalid) else []
    assert all(re.search("[\u4e00-\u9fff]", m) for m in [exc.message, *(d.message for d in found)])
    lines = len(re.findall("\r\n|[\n\r\x85\u2028\u2029]", text)) + 2
    assert all(1 <= d.line <= lines and d.col >= 1 for d in found), exc.lines()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that outlives hypothesis's examples, for the file each one writes."""
    return tmp_path_factory.mktemp("near")


@settings(max_examples=300, deadline=None)
@given(text=near(PLAN), bom=st.booleans(), crlf=st.booleans())
def test_a_near_plan_loads_or_is_refused_in_chinese(
    scratch: Path, text: str, bom: bool, crlf: bool
) -> None:
    path = scratch / "plan.yaml"
    path.write_bytes(b"\xef\xbb\xbf" * bom + text.replace("\n", "\r\n" if crlf else "\n").encode())
    try:
        located = load_located(path)
    except RectifyError as exc:
        event("refused before validation (YAML)")
        _in_chinese(exc, text)
        return
    event(f"reached validation with a {type(located.data).__name__}")
    try:
        plan = parse_plan(located)
    except RectifyError as exc:
        event("refused by validation")
        _in_chinese(exc, text)
    else:
        event("a valid plan")
        assert [m.id for m in plan.measures]


yaml_ish = st.lists(
    st.sampled_from(["plan:", "  title: 甲", "  date: 2023-09-19", "problems:", "  - number: 1", "    title: 乙",
                     "    measures:", '      - id: "1.1"', "        text: 丙", "        responsible: [丁]",
                     "        deadline: 9月底", "        lead: [", "  - &a x", "  - *a", "\t", "：", "- [1, {a: b}]"]),
    max_size=14,
).map("\n".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(yaml_ish)
def test_plan_like_text_loads_or_fails_cleanly(text: str) -> None:
    try:
        plan = parse_plan(parse_located(Path("plan.yaml"), text))
    except RectifyError as exc:
        _in_chinese(exc, text)
    else:
        assert plan.problems


BASE = json.loads(GOOD_EVENT) | {"note": ""}


def _ledger_text() -> str:
    """Return a chained ledger with one event of each action, and a hand-written line."""
    made = [
        adapter(Event).validate_json(GOOD_EVENT),
        adapter(Event).validate_python({**BASE, "action": "assign", "owner": "李四"}),
        adapter(Event).validate_python({**BASE, "action": "extend", "to": "2023-12-01", "note": "延后", "approved_by": "局长"}),
        adapter(Event).validate_python({**BASE, "action": "close", "evidence": [{"text": "纪要"}, {"path": "a.pdf", "size": 3, "sha256": "ab"}]}),
        adapter(Event).validate_python({**BASE, "action": "reopen", "note": "反弹"}),
        adapter(Event).validate_python({**BASE, "action": "review", "note": "抽查"}),
    ]  # fmt: skip
    lines: list[str] = [HEADER]
    prev: tuple[str, ...] = ()
    for one in made:
        line, hashed = encode(one, prev)
        lines.append(line)
        prev = (hashed,)
    hand = "{recorded: 2023-10-06T09:30:00+08:00, date: 2023-10-06, id: '1.2', action: close, by: 李四}\n"
    return "".join(lines) + hand


LEDGER = _ledger_text()


@settings(max_examples=300, deadline=None)
@given(text=near(LEDGER))
def test_a_near_ledger_reads_or_is_refused_in_chinese(scratch: Path, text: str) -> None:
    path = scratch / "ledger.yaml"
    path.write_bytes(text.encode())
    try:
        ledger = parse_ledger(path, path.read_bytes())
    except LedgerTorn as exc:
        event("refused before parsing: torn last line")
        _in_chinese(exc, text)
        return
    except RectifyError as exc:
        messages = [d.message for d in exc.diagnostics] if isinstance(exc, DataInvalid) else []
        unparsed = any(m.startswith(("无法解析", "记录应为")) for m in messages)
        event(
            "refused; the lines that parsed were validated" if unparsed else "refused by validation"
        )
        _in_chinese(exc, text)
        return
    event("a valid ledger")
    assert len(ledger) == len(read_ledger(path).entries())
    assert all(re.search("[\u4e00-\u9fff]", d.message) for d in verify(path).problems)


def test_the_real_plan_still_loads(tmp_path: Path) -> None:

    assert len(list(load_plan(embedded_plan()).measures)) == 21


NO_INTERNAL_ERRORS = {
    "trend far in the future": (("trend", "--as-of", "9999-12-31"), "超过 1000 个"),
    "report far in the future": (("report", "--as-of", "9999-12-31"), "超过 1000 个"),
    "export far in the future": (
        ("export", "--format", "csv", "--as-of", "9999-12-31"),
        "超过 1000 个",
    ),
    "plan dated near year 9999": (("status",), "不合常理"),
    "a 5,000-digit number": (("check",), "数字位数过多"),
    "an argument that is not UTF-8": (("close", "3.2", "--evidence", "纪要\udcff\udcfe"), "U+DCFF"),
}


@pytest.mark.parametrize("name", list(NO_INTERNAL_ERRORS))
def test_no_internal_errors(
    name: str, run: Callable[..., Result], tmp_path: Path, isolated: Path
) -> None:
    args, words = NO_INTERNAL_ERRORS[name]
    plan = embedded_plan().read_text(encoding="utf-8")
    if "9999" in name:
        plan = plan.replace("date: 2023-09-19", "date: 9999-12-20")
    if "digit" in name:
        plan = plan.replace("  - number: 1\n", "  - number: 1" + "1" * 5000 + "\n")
    path = tmp_path / "plan.yaml"
    path.write_text(plan, encoding="utf-8")
    result = run(*args, "--plan", str(path))
    assert result.exit_code == 2, result.stdout
    assert words in result.stderr and "内部错误" not in result.stderr, result.stderr
    assert not isolated.exists()


def test_a_timezone_the_machine_cannot_state_falls_back(tmp_path: Path) -> None:
    """TZ=UTC+99 cannot be a real offset; today is the plan's today anyway."""
    env = {
        **os.environ,
        "TZ": "UTC+99",
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "rectify_cli", "status", "--json"],
        capture_output=True, text=True, encoding="utf-8", env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 21


def test_a_lone_surrogate_in_a_ledger_line_is_named(
    run: Callable[..., Result], isolated: Path
) -> None:
    isolated.write_text(GOOD_EVENT.replace('"进展"', '"a\\ud800b"') + "\n", encoding="utf-8")
    for command in ("status", "check", "verify", "log"):
        result = run(command)
        assert result.exit_code == 2, result.stderr
        assert f"{isolated}:1:" in result.stderr and "孤立的代理字符" in result.stderr
        assert "内部错误" not in result.stderr


@pytest.mark.parametrize("first_line", [b'"x"', b"5", b"[1, 2]", b"null"])
def test_a_cache_file_of_another_shape_is_no_cache(
    run: Callable[..., Result], isolated: Path, first_line: bytes
) -> None:
    from rectify_cli.workspace import cache_folder

    assert run("close", "1.5", "--evidence", "纪要", "--date", "2023-09-28").exit_code == 0
    caches = list(cache_folder().glob("*.cache"))
    assert caches
    for cache in caches:
        cache.write_bytes(first_line + b"\n")
    result = run("status", "--json")
    assert result.exit_code == 0 and result.json()["closed"] == 1


def test_a_fifo_in_place_of_a_cache_is_no_cache(run: Callable[..., Result], isolated: Path) -> None:
    from rectify_cli.workspace import cache_folder

    assert run("close", "1.5", "--evidence", "纪要", "--date", "2023-09-28").exit_code == 0
    for cache in cache_folder().glob("*.cache"):
        cache.unlink()
        os.mkfifo(cache)
    result = run("status", "--json")
    assert result.exit_code == 0 and result.json()["closed"] == 1


def test_nesting_too_deep_is_a_located_error_or_no_cache(
    run: Callable[..., Result], isolated: Path
) -> None:
    from rectify_cli.workspace import cache_folder

    assert run("close", "1.5", "--evidence", "纪要", "--date", "2023-09-28").exit_code == 0
    for cache in cache_folder().glob("*.cache"):
        cache.write_bytes(b"[" * 200_000 + b"\n")
    result = run("status", "--json")
    assert result.exit_code == 0 and result.json()["closed"] == 1
    isolated.write_text('{"note": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    for command in ("status", "check", "verify"):
        result = run(command)
        assert (
            result.exit_code == 2 and f"{isolated}:1:1: 记录中的列表或映射嵌套过深" in result.stderr
        )


def test_line_and_paragraph_separators_are_shown_escaped() -> None:
    from rectify_cli.text import on_screen

    assert on_screen("甲\u2028乙\u2029丙") == "甲\\u2028乙\\u2029丙"
