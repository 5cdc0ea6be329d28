"""rectify status: completion rates counted strictly, by problem, deadline and department."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

from rich.console import Console

from rectify_cli import core, render
from rectify_cli.cli import embedded_plan
from rectify_cli.ledger import read_ledger
from rectify_cli.plan import load_plan

from .conftest import Result, assert_golden


def close_some(run: Callable[..., Result]) -> None:
    for mid, day in (
        ("1.5", "2023-09-28"),
        ("5.1", "2023-10-09"),
        ("3.2", "2023-10-05"),
        ("4.1", "2023-10-20"),
    ):
        assert run("close", mid, "--date", day).exit_code == 0


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
    keys = "as_of total closed rate overdue review_due by_problem by_deadline by_department"
    assert set(data) == set(keys.split())


def test_as_of_counts_only_events_in_effect(run: Callable[..., Result]) -> None:
    close_some(run)
    early: Any = run("status", "--json", "--as-of", "2023-09-30").json()
    assert (early["closed"], early["overdue"]) == (1, 0)
    late: Any = run("status", "--json", "--as-of", "2023-10-01").json()
    assert (late["closed"], late["overdue"]) == (1, 1)  # 5.1 is due 9-30, signed off only 10-09
    end: Any = run("status", "--json", "--as-of", "2024-01-01").json()
    assert (end["closed"], end["overdue"]) == (4, 9)


def test_status_plain_golden(run: Callable[..., Result]) -> None:
    close_some(run)
    result = run("status", "--as-of", "2023-11-01")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "│" not in result.stdout
    assert_golden("status.txt", result.stdout)


def test_status_table_golden(run: Callable[..., Result], isolated: Path) -> None:
    close_some(run)
    plan = load_plan(embedded_plan())
    items = core.replay(plan, read_ledger(isolated), __import__("datetime").date(2023, 11, 1))
    out = StringIO()
    console = Console(file=out, width=100, color_system=None, force_terminal=False)
    render.status_table(console, plan, core.status(plan, items))
    assert_golden("status-table.txt", out.getvalue())


def test_bad_as_of(run: Callable[..., Result]) -> None:
    result = run("status", "--as-of", "2023-13-01")
    assert result.exit_code == 2 and "--as-of 的日期“2023-13-01”无效" in result.stderr
