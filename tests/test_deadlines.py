"""Deadline words: N月底, ISO dates, 长期坚持 and 持续推进."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from rectify_cli.plan import ONGOING, deadline_group, deadline_kind, resolve_deadline

PLAN_DATE = date(2023, 9, 19)


@pytest.mark.parametrize(
    ("word", "due"),
    [
        ("9月底", date(2023, 9, 30)),
        ("10月底", date(2023, 10, 31)),
        ("12月底", date(2023, 12, 31)),
        ("8月底", date(2024, 8, 31)),  # already past on the plan's date: next year's
        ("2月底", date(2024, 2, 29)),  # a leap year
        ("2024-03-15", date(2024, 3, 15)),
        ("长期坚持", None),
        ("持续推进", None),
    ],
)
def test_resolution(word: str, due: date | None) -> None:
    assert resolve_deadline(word, PLAN_DATE) == due


@pytest.mark.parametrize(
    "word", ["13月底", "0月底", "月底", "9月", "年底", "2023-02-30", "2023/10/31", ""]
)
def test_unknown_words(word: str) -> None:
    assert deadline_kind(word) is None
    with pytest.raises(ValueError, match="无法识别"):
        resolve_deadline(word, PLAN_DATE)


def test_groups() -> None:
    assert deadline_group("9月底") == "9月底"
    assert deadline_group("2024-03-15") == "其他日期"
    assert deadline_group("长期坚持") == "长期坚持"


@given(month=st.integers(1, 12), plan_date=st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_month_end_is_the_first_end_of_that_month_on_or_after_the_plan(
    month: int, plan_date: date
) -> None:
    due = resolve_deadline(f"{month}月底", plan_date)
    assert due is not None
    assert due.month == month
    assert due.day == calendar.monthrange(due.year, month)[1]
    assert plan_date <= due < plan_date + timedelta(days=366)


@given(
    st.text(max_size=12)
    | st.from_regex(r"[0-9]{1,2}月底|[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True)
    | st.sampled_from(ONGOING)
)
def test_any_text_is_a_known_form_or_refused(word: str) -> None:
    kind = deadline_kind(word)
    event(f"kind: {kind}")
    if kind is None:
        with pytest.raises(ValueError, match="无法识别"):
            resolve_deadline(word, PLAN_DATE)
        return
    due = resolve_deadline(word, PLAN_DATE)
    if kind == "ongoing":
        assert due is None
    elif kind == "date":
        assert due is not None and due.isoformat() == word
    else:
        assert due is not None and due.month == int(word.removesuffix("月底"))
        assert due.day == calendar.monthrange(due.year, due.month)[1]
        assert PLAN_DATE <= due < PLAN_DATE + timedelta(days=366)
