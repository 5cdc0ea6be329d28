"""The models are plain dataclasses that pydantic validates from files: one definition, two
ways in. What the program makes without pydantic must be what pydantic would make."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rectify_cli.events import Event, Evidence, jsonable
from rectify_cli.plan import Definition, Measure, load_plan
from rectify_cli.rules import adapter

zones = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(
    min_value=datetime(1950, 1, 1), max_value=datetime(2990, 1, 1), timezones=zones
)
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1).filter(
    str.strip
)
definitions = st.builds(
    Definition,
    text=texts,
    lead=st.tuples(texts),
    responsible=st.tuples(texts, texts),
    deadline=st.sampled_from(["9月底", "长期坚持", "2024-03-31"]),
    due=st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2990, 1, 1))),
    timezone=st.one_of(st.none(), st.just("Asia/Shanghai")),
)
evidence = st.one_of(
    st.builds(Evidence, text=texts),
    st.builds(Evidence, path=texts, size=st.integers(0, 2**40), sha256=st.just("ab" * 32)),
)


@given(
    recorded=moments,
    day=st.dates(date(1950, 1, 1), date(2990, 1, 1)),
    proof=st.lists(evidence, min_size=1, max_size=3),
    note=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])),
    measure=st.one_of(st.none(), definitions),
)
def test_events_are_written_as_pydantic_would_write_them(
    recorded: datetime, day: date, proof: list[Evidence], note: str, measure: Definition | None
) -> None:
    event = Event(
        recorded=recorded,
        date=day,
        id="3.2",
        action="close",
        by="张三",
        note=note,
        evidence=tuple(proof),
        measure=measure,
    )
    dumped = adapter(Event).dump_python(event, mode="json", exclude_none=True)
    assert jsonable(event) == dumped
    assert list(jsonable(event)) == list(dumped)  # the same order of fields in a line
    if measure is not None:
        assert jsonable(measure, none=True) == adapter(Definition).dump_python(measure, mode="json")
    assert adapter(Event).validate_python(dumped) == event  # and read back as it was


def test_a_models_own_rules_hold_with_or_without_pydantic() -> None:
    """A rule on a whole model is checked however the model is made."""
    fields: dict[str, Any] = {"id": "1.1", "text": "x", "responsible": ("a",), "deadline": "9月底"}
    with pytest.raises(ValueError, match="复查周期"):
        Measure(**fields, review_every="月")
    with pytest.raises(ValidationError, match="复查周期"):
        adapter(Measure).validate_python(fields | {"review_every": "月"})
    with pytest.raises(ValueError, match="text 或 path"):
        Evidence()
    with pytest.raises(ValueError, match="不应有"):
        Event(
            recorded=datetime(2023, 10, 1, tzinfo=timezone.utc),
            date=date(2023, 10, 1),
            id="1.1",
            action="close",
            by="张三",
            owner="李四",
        )


def test_a_cached_plan_is_the_validated_plan_and_needs_no_pydantic(tmp_path: Path) -> None:
    """A run that finds the plan in its cache does not import pydantic (40 ms of start-up)."""
    plan_path = Path(__file__).parents[1] / "data" / "measures.yaml"
    cache = tmp_path / "cache"
    fresh = load_plan(plan_path, cache)
    cached = load_plan(plan_path, cache)
    assert cached == fresh and cached.digests == fresh.digests
    probe = (
        "import sys; from pathlib import Path; from rectify_cli.plan import load_plan; "
        f"load_plan(Path({str(plan_path)!r}), Path({str(cache)!r})); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core', 'yaml')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr


# What each cache format holds, by the shapes of the classes pickled or indexed: a change of
# a field must come with a new index.FORMAT, or a cache written before the change would be
# read as if it were of the new shape. Add the new format's digest here when you bump it.
SHAPES_OF_FORMAT = {
    11: "5f6d5803d80fabed",
    12: "7a5af65f30ba2c92",
    13: "d6c417971a64860c",
    14: "57ef6a6937b27820",
    15: "148c6f5b78b17d25",
    16: "748490a7b7c894f3",
    17: "43fda5d678dfc968",
}


def test_a_change_of_what_caches_hold_comes_with_a_new_format() -> None:
    import hashlib
    import json
    from dataclasses import fields

    from rectify_cli.index import FORMAT, Index
    from rectify_cli.plan import Plan, PlanInfo, Problem

    shapes = {
        cls.__name__: [(f.name, str(f.type)) for f in fields(cls)]
        for cls in (Plan, PlanInfo, Problem, Measure, Definition, Index)
    }
    digest = hashlib.sha256(json.dumps(shapes, sort_keys=True).encode()).hexdigest()[:16]
    assert SHAPES_OF_FORMAT.get(FORMAT) == digest, (
        f"the cached classes changed (digest {digest}): bump index.FORMAT and record it here"
    )
    assert len(set(SHAPES_OF_FORMAT.values())) == len(SHAPES_OF_FORMAT)
