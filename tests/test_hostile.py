"""A catalogue of bad input. Each: a Chinese message naming the file and line where there is
one, exit 2, no traceback, and no file changed."""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rectify_cli.errors import RectifyError
from rectify_cli.events import Event
from rectify_cli.ledger import encode, parse_ledger
from rectify_cli.plan import load_plan, parse_plan
from rectify_cli.yamlsource import parse_located

from .conftest import SMALL_PLAN, Result

PLAN = textwrap.dedent(SMALL_PLAN).lstrip("\n")
GOOD_EVENT = '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "1.1", "action": "progress", "by": "张三", "note": "进展"}'

CHAINED_EVENT = encode(Event.model_validate_json(GOOD_EVENT), ())[0].strip()


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
    "future date": Case("晚于今天", args=("close", "1.1", "--date", "2999-01-01")),
    "date before the plan": Case("早于方案日期", args=("close", "1.1", "--date", "2023-01-01")),
    "backdated before the last event": Case(
        "早于措施 1.1 最近一条记录",
        ledger=ledger(CHAINED_EVENT),
        args=("close", "1.1", "--date", "2023-10-01"),
    ),
    "slashes in a date": Case("应写成 YYYY-MM-DD", args=("close", "1.1", "--date", "2023/10/05")),
    "impossible --as-of": Case(
        "--as-of 的日期“2023-02-30”无效", args=("status", "--as-of", "2023-02-30")
    ),
    "Cyrillic lookalike id": Case("没有编号为“З.1”的措施", args=("close", "З.1")),
    "unknown problem": Case("方案中没有问题“十一”", args=("list", "--problem", "十一")),
    "unknown department": Case("方案中没有科室“财务科”", args=("list", "--dept", "财务科")),
    "evidence file missing": Case("不存在", args=("close", "1.1", "--file", "无此 文件.pdf")),
    "missing ledger folder": Case(
        "不存在", args=("close", "1.1", "--ledger", "无此文件夹/ledger.yaml")
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
    if case.ledger is not None:
        book.write_bytes(case.ledger)
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


def test_the_catalogue_is_large() -> None:
    assert len(CASES) >= 40


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


# ---------------------------------------------------------------------------- whatever the bytes


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8")))
def test_the_plan_loader_returns_a_plan_or_a_rectify_error(raw: bytes) -> None:
    path = Path("plan.yaml")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    with contextlib.suppress(RectifyError):
        parse_plan(parse_located(path, text))


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
        assert all(line.strip() for line in exc.lines())
    else:
        assert plan.problems


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.binary(max_size=120) | st.sampled_from([GOOD_EVENT.encode(), b"# c", b""]), max_size=6
    )
)
def test_the_ledger_reader_returns_a_ledger_or_a_rectify_error(lines: list[bytes]) -> None:
    raw = b"\n".join(lines)
    with contextlib.suppress(RectifyError):
        parse_ledger(Path("ledger.yaml"), raw)


def test_the_real_plan_still_loads(tmp_path: Path) -> None:
    from rectify_cli.workspace import embedded_plan

    assert len(list(load_plan(embedded_plan()).measures)) == 21
