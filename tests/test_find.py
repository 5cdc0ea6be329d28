"""Finding measures: list --grep (plan and records), list --sample (回头看 spot checks)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Result


def ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    items: Any = result.json()
    return [i["id"] for i in items]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


# ---------------------------------------------------------------------------- --grep


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("执法证件", ["7.1", "7.2"]),  # the measures' own text
        ("运动式", ["3.1", "3.2", "3.3", "3.4"]),  # the problem's title
        ("疏于日常监管", ["3.1", "3.2", "3.3", "3.4"]),  # the problem's finding
    ],
)
def test_grep_finds_words_of_the_plan(
    run: Callable[..., Result], word: str, expected: list[str]
) -> None:
    assert ids(run("list", "--json", "--grep", word)) == expected


def test_grep_finds_notes_and_evidence_of_records_in_effect(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    scan = tmp_path / "Scan-2023.PDF"
    scan.write_bytes(b"%PDF")
    ok(run("progress", "4.1", "--note", "已建档十二件投诉", "--date", "2023-10-09"))
    ok(run("close", "1.5", "--evidence", "追责决定书", "--file", str(scan), "--date", "2023-10-10"))
    assert ids(run("list", "--json", "--grep", "建档十二件")) == ["4.1"]
    assert ids(run("list", "--json", "--grep", "追责决定")) == ["1.5"]
    assert ids(run("list", "--json", "--grep", "ｓｃａｎ-2023.pdf")) == ["1.5"]  # width, case
    assert ids(run("list", "--json", "--grep", "追责决定", "--as-of", "2023-10-09")) == []
    assert ids(run("list", "--json", "--grep", "建档", "--dept", "政策法规科")) == []
    ok(run("void", "3", "--reason", "误登"))  # the progress of 4.1 is line 3
    assert ids(run("list", "--json", "--grep", "建档十二件")) == []


def test_grep_text_output_and_refusals(run: Callable[..., Result]) -> None:
    out = ok(run("list", "--grep", "执法证件")).stdout
    assert out.splitlines()[-1] == "共 2 项" and "7.1" in out
    assert "没有符合条件的措施。" in ok(run("list", "--grep", "不存在的词")).stdout
    empty = run("list", "--grep", "  ")
    assert empty.exit_code == 2 and "--grep 的值不能为空" in empty.stderr


# ---------------------------------------------------------------------------- --sample


def expected_sample(candidates: list[str], size: int, seed: str) -> set[str]:
    """Redo the draw by hand, as the README says anyone can."""

    def draw(mid: str) -> str:
        return hashlib.sha256(f"{seed}:{mid}".encode()).hexdigest()

    return set(sorted(candidates, key=draw)[:size])


def test_sample_is_the_documented_draw_reproducible_by_seed(run: Callable[..., Result]) -> None:
    everything = ids(run("list", "--json"))
    first = ids(run("list", "--json", "--sample", "5", "--seed", "2023年第4季度"))
    assert first == ids(run("list", "--json", "--sample", "5", "--seed", "2023年第4季度"))
    assert set(first) == expected_sample(everything, 5, "2023年第4季度")
    assert first == [i for i in everything if i in first]  # in plan order
    other = ids(run("list", "--json", "--sample", "5", "--seed", "另一个种子"))
    assert set(other) == expected_sample(everything, 5, "另一个种子") != set(first)


def test_sample_draws_from_what_the_filters_chose(run: Callable[..., Result]) -> None:
    for mid in ("1.5", "5.1", "3.2", "7.1"):
        ok(run("close", mid, "--evidence", "材料", "--date", "2023-10-20"))
    picked = ids(run("list", "--json", "--closed", "--sample", "2", "--seed", "7"))
    assert set(picked) == expected_sample(["1.5", "3.2", "5.1", "7.1"], 2, "7")
    assert ids(run("list", "--json", "--closed", "--sample", "9", "--seed", "7")) == [
        "1.5",
        "3.2",
        "5.1",
        "7.1",
    ]
    # one more sign-off leaves the others' chances alone: the new draw is of the old or it
    ok(run("close", "4.1", "--evidence", "材料", "--date", "2023-10-21"))
    again = ids(run("list", "--json", "--closed", "--sample", "2", "--seed", "7"))
    assert set(again) <= set(picked) | {"4.1"}


def test_sample_says_its_seed_and_defaults_to_the_ledger_head(run: Callable[..., Result]) -> None:
    ok(run("close", "1.5", "--evidence", "材料", "--date", "2023-10-20"))
    head: Any = ok(run("verify", "--json")).json()["head"]
    text = ok(run("list", "--sample", "3", "--as-of", "2023-12-31")).stdout
    assert f"从符合条件的 21 项中抽取 3 项,种子 {head[:8]}。" in text
    assert f"--seed {head[:8]} --as-of 2023-12-31" in text
    listed = run("list", "--json", "--sample", "3", "--as-of", "2023-12-31")
    assert set(ids(listed)) == expected_sample(ids(run("list", "--json")), 3, head[:8])
    assert f"种子 {head[:8]}" in listed.stderr  # stdout stays the array


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sample", "0"), "--sample 的值应为正整数,而不是 0"),
        (("--sample", "-2"), "--sample 的值应为正整数,而不是 -2"),
        (("--seed", "1"), "--seed 只与 --sample 一起使用"),
        (("--sample", "三"), "选项 --sample 的值无效:应为整数"),
    ],
)
def test_sample_refusals(run: Callable[..., Result], args: tuple[str, ...], message: str) -> None:
    result = run("list", *args)
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("", "--seed 应为 1 到 32 个字符"),
        ("x" * 33, "--seed 应为 1 到 32 个字符"),
        ("a\nb", "--seed 中含有不能如实显示的字符 U+000A"),
        ("a\u200bb", "--seed 中含有不能如实显示的字符 U+200B"),
        ("a\x1b[31m", "--seed 中含有不能如实显示的字符 U+001B"),
    ],
)
def test_a_seed_that_cannot_be_shown_and_retyped_is_refused(
    run: Callable[..., Result], seed: str, message: str
) -> None:
    result = run("list", "--sample", "2", "--seed", seed)
    assert result.exit_code == 2 and message in result.stderr


def test_the_reproduction_line_quotes_the_seed_for_the_shell(run: Callable[..., Result]) -> None:
    import shlex

    out = ok(run("list", "--sample", "2", "--seed", "a;rm -rf x", "--as-of", "2023-11-15")).stdout
    assert "加 --seed 'a;rm -rf x' --as-of 2023-11-15" in " ".join(out.split())
    assert shlex.split("--seed 'a;rm -rf x'")[1] == "a;rm -rf x"
