"""rectify status: completion rates counted strictly, by problem, deadline and department."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import Result


def close_some(run: Callable[..., Result]) -> None:
    for mid, day in (
        ("1.5", "2023-09-28"),
        ("5.1", "2023-10-09"),
        ("3.2", "2023-10-05"),
        ("4.1", "2023-10-20"),
    ):
        assert run("close", mid, "--evidence", "纪要", "--date", day).exit_code == 0


def test_status_json_counts_strictly(run: Callable[..., Result]) -> None:
    close_some(run)
    data: Any = run("status", "--json", "--as-of", "2023-10-10").json()
    assert data["as_of"] == "2023-10-10"
    assert (data["total"], data["closed"], data["rate"]) == (21, 3, round(3 / 21, 4))
    assert data["overdue"] == 0  # 1.5 and 5.1 were signed off in time or late, 4.1 is not due
    by_problem = {p["problem"]: p for p in data["by_problem"]}
    assert (by_problem[1]["closed"], by_problem[1]["total"]) == (1, 5)
    assert by_problem[3]["title"] == "“运动式”执法依然存在"
    assert [d["deadline"] for d in data["by_deadline"]] == [
        "9月底",
        "10月底",
        "12月底",
        "长期坚持",
        "持续推进",
    ]
    long_term = {d["deadline"]: d for d in data["by_deadline"]}["长期坚持"]
    assert (long_term["total"], long_term["closed"]) == (8, 1)
    depts = {d["department"]: d for d in data["by_department"]}
    assert depts["政策法规科"]["total"] == 16  # lead or responsible, each measure once
    assert depts["各执法科室"]["closed"] == 3
    keys = "as_of total closed rate overdue review_due pending by_problem by_deadline by_department"
    assert set(data) == set(keys.split())


def test_as_of_counts_only_events_in_effect(run: Callable[..., Result]) -> None:
    close_some(run)
    early: Any = run("status", "--json", "--as-of", "2023-09-30").json()
    assert (early["closed"], early["overdue"]) == (1, 0)
    late: Any = run("status", "--json", "--as-of", "2023-10-01").json()
    assert (late["closed"], late["overdue"]) == (1, 1)  # 5.1 is due 9-30, signed off only 10-09
    end: Any = run("status", "--json", "--as-of", "2024-01-01").json()
    assert (end["closed"], end["overdue"]) == (4, 9)


def test_bad_as_of(run: Callable[..., Result]) -> None:
    result = run("status", "--as-of", "2023-13-01")
    assert result.exit_code == 2 and "--as-of 的日期“2023-13-01”无效" in result.stderr
