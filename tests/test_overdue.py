"""rectify overdue: what is past due and not signed off, grouped by deadline type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import Result


def test_overdue_groups_oldest_first_with_exit_1(run: Callable[..., Result]) -> None:
    run("close", "5.1", "--evidence", "佐证材料", "--date", "2023-10-09")
    result = run("overdue", "--json", "--as-of", "2024-01-10")
    assert result.exit_code == 1
    items: Any = result.json()
    assert [(i["group"], i["id"]) for i in items] == [
        ("9月底", "1.5"),
        ("10月底", "4.1"),
        ("10月底", "7.1"),
        *[("12月底", mid) for mid in ("1.1", "1.4", "3.1", "4.2", "6.1", "6.2", "7.2", "8.1")],
        *[
            ("待复查", mid)
            for mid in ("1.2", "1.3", "2.1", "3.2", "3.3", "3.4", "5.2", "5.3", "5.4")
        ],
    ]  # long-term measures never reviewed: due one quarter after the plan's date
    first = items[0]
    assert (
        first["due"] == "2023-09-30" and first["days_overdue"] == 102 and first["overdue"] is True
    )
    assert first["lead"] == ["政策法规科"] and first["responsible"] == ["各执法科室"]
    assert first["deadline"] == "9月底" and first["state"] == "not_started"


def test_nothing_overdue_exits_0_and_quiet_prints_nothing(run: Callable[..., Result]) -> None:
    result = run("overdue", "--as-of", "2023-09-30")
    assert result.exit_code == 0 and "没有已超期" in result.stdout
    quiet = run("overdue", "--quiet", "--as-of", "2023-09-30")
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_quiet_still_prints_when_something_is_overdue(run: Callable[..., Result]) -> None:
    result = run("overdue", "--quiet", "--as-of", "2023-10-01")
    assert result.exit_code == 1 and "1.5" in result.stdout


def test_cron_at_half_past_midnight_beijing_sees_9_month_end_overdue(
    run: Callable[..., Result], at: Callable[[str], None]
) -> None:
    at("2023-09-30T16:30:00+00:00")  # a UTC server, 00:30 on 1 October in Beijing
    result = run("overdue", "--json")
    assert result.exit_code == 1
    items: Any = result.json()
    assert [i["id"] for i in items] == ["1.5", "5.1"]
    at("2023-09-30T15:59:00+00:00")
    assert run("overdue").exit_code == 0
