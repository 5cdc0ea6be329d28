"""data/measures.yaml holds the plan word for word: checked against the plan's own text."""

from __future__ import annotations

import re
from datetime import date

import pytest

from rectify_cli.plan import Plan, chinese_numeral, load_plan
from rectify_cli.workspace import embedded_plan

from .conftest import PLAN_TEXT


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(embedded_plan())


def measures_in_text() -> dict[str, dict[str, object]]:
    """Read every measure out of the plan's text, independently of the YAML file."""
    text = PLAN_TEXT.read_text(encoding="utf-8")
    section = text.split("四、存在问题及整改措施\n")[1].split("五、工作要求")[0]
    found: dict[str, dict[str, object]] = {}
    blocks = re.split(r"(?m)^(?=\([一二三四五六七八]\))", section)
    for block in filter(None, blocks):
        number = "一二三四五六七八".index(block[1]) + 1
        meta = re.findall(r"(?m)^(牵头(?:科室|单位)|责任(?:科室|单位)|整改时限):(.*)$", block)
        body = re.sub(r"(?m)^(牵头|责任|整改时限).*\n?", "", block)
        lines = [ln for ln in body.split("\n")[1:] if ln and ln != "整改措施:"]
        if number == 2:  # (二): the text after its title is the one measure
            lines = [block.split("\n")[0].split("。", 1)[1]]
        # each measure's metadata ends with its deadline; the lead line may be absent
        fields: list[dict[str, str]] = []
        current: dict[str, str] = {}
        for key, value in meta:
            current[key[:2]] = value
            if key == "整改时限":
                fields.append(current)
                current = {}
        assert len(lines) == len(fields), (number, lines)
        for n, (line, f) in enumerate(zip(lines, fields, strict=True), start=1):
            measure_text = re.sub(r"^\d+\.", "", line)
            found[f"{number}.{n}"] = {
                "text": measure_text,
                "lead": tuple(f["牵头"].split("、")) if "牵头" in f else (),
                "responsible": tuple(f["责任"].split("、")),
                "deadline": f["整改"],
            }
    return found


def test_plan_has_8_problems_and_21_measures(plan: Plan) -> None:
    assert [p.number for p in plan.problems] == list(range(1, 9))
    assert len(list(plan.measures)) == 21
    assert [len(p.measures) for p in plan.problems] == [5, 1, 4, 2, 4, 2, 2, 1]


def test_metadata(plan: Plan) -> None:
    assert plan.plan.date == date(2023, 9, 19)
    assert plan.plan.timezone == "Asia/Shanghai"
    assert plan.plan.basis == "《河南省司法厅关于对荥阳市的行政执法监督意见》"
    assert plan.plan.basis in PLAN_TEXT.read_text(encoding="utf-8")


def test_every_measure_word_for_word(plan: Plan) -> None:
    expected = measures_in_text()
    assert list(expected) == [m.id for m in plan.measures]
    for m in plan.measures:
        want = expected[m.id]
        assert m.text == want["text"], m.id
        assert m.lead == want["lead"], m.id
        assert m.responsible == want["responsible"], m.id
        assert m.deadline == want["deadline"], m.id


def test_problem_titles_and_findings_are_in_the_text(plan: Plan) -> None:
    text = PLAN_TEXT.read_text(encoding="utf-8")
    for p in plan.problems:
        heading = f"({chinese_numeral(p.number)}){p.title}。"
        assert heading in text
        if p.finding is not None:
            assert heading + p.finding in text
    assert plan.problem(2).finding is None


def test_deadline_counts(plan: Plan) -> None:
    words = [m.deadline for m in plan.measures]
    assert {w: words.count(w) for w in set(words)} == {
        "9月底": 2,
        "10月底": 2,
        "12月底": 8,
        "长期坚持": 8,
        "持续推进": 1,
    }
