"""Replay: the fast paths (column index, cached index) agree with a plain replay of the events."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rectify_cli import core
from rectify_cli.actions import Action
from rectify_cli.events import Event
from rectify_cli.index import sealed, unsealed
from rectify_cli.ledger import HEADER, encode, read_ledger
from rectify_cli.plan import load_plan

from .conftest import SMALL_PLAN, write

CST = timezone(timedelta(hours=8))
START = date(2023, 9, 20)

events = st.lists(
    st.tuples(
        st.sampled_from(["1.1", "1.2", "2.1"]),
        st.integers(0, 60),  # effective day
        st.integers(0, 5),  # recorded, hours after the start
        st.sampled_from(["close", "reopen"]),
    ),
    max_size=25,
)


def oracle(rows: list[tuple[int, Event]], mid: str, as_of: date) -> tuple[str, date | None]:
    """Replay the obvious way: sort the measure's events in effect, take the last."""
    mine = sorted(
        ((e.date, e.recorded, line, e) for line, e in rows if e.id == mid and e.date <= as_of),
        key=lambda r: r[:3],
    )
    if not mine:
        return "not_started", None
    last = mine[-1][3]
    if last.action == "reopen":  # a reopening of something signed off; else of nothing
        signed_off = any(r[3].action == "close" for r in mine)
        return ("reopened" if signed_off else "not_started"), None
    return "closed", last.date


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=events, probe=st.integers(-1, 62))
def test_replay_matches_the_obvious_replay(
    tmp_path: Path, rows: list[tuple[str, int, int, Action]], probe: int
) -> None:
    plan = load_plan(write(tmp_path / "plan.yaml", SMALL_PLAN))
    path = tmp_path / f"ledger-{abs(hash((tuple(rows), probe)))}.yaml"
    written: list[tuple[int, Event]] = []
    prev: tuple[str, ...] = ()
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER)
        for n, (mid, day, hour, action) in enumerate(rows):
            event = Event(
                recorded=datetime(2023, 9, 20, tzinfo=CST) + timedelta(hours=hour),
                date=START + timedelta(days=day),
                id=mid,
                action=action,
                by=f"人{n % 3}",
                note="原因",
            )
            line, hashed = encode(event, prev)
            prev = (hashed,)
            out.write(line)
            written.append((n + 3, event))
    as_of = START + timedelta(days=probe)
    cache = tmp_path / "cache"
    for ledger in (read_ledger(path), read_ledger(path, cache), read_ledger(path, cache)):
        items = {i.measure.id: i for i in core.replay(plan, ledger.index, as_of)}
        for mid in ("1.1", "1.2", "2.1"):
            state, closed_on = oracle(written, mid, as_of)
            assert (items[mid].state, items[mid].closed_on) == (state, closed_on)
        days = [START + timedelta(days=d) for d in range(-1, 63, 6)]  # a trend's points
        replayed = [sum(i.closed for i in core.replay(plan, ledger.index, d)) for d in days]
        assert core.closed_counts(plan, ledger.index, days) == replayed


def one_sign_off() -> str:
    """Return the ledger line of one sign-off of 1.1 on 2023-10-01."""
    event = Event(
        recorded=datetime(2023, 10, 1, 9, tzinfo=CST),
        date=date(2023, 10, 1),
        id="1.1",
        action="close",
        by="甲",
    )
    return encode(event, ())[0]


def test_a_hand_edit_is_seen_despite_the_cache(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path / "plan.yaml", SMALL_PLAN))
    path = tmp_path / "ledger.yaml"
    line = one_sign_off()
    path.write_text(HEADER + line, encoding="utf-8")
    cache = tmp_path / "cache"
    assert core.replay(plan, read_ledger(path, cache).index, date(2023, 10, 2))[0].state == "closed"
    path.write_text(HEADER + line.replace('"1.1"', '"1.2"'), encoding="utf-8")
    items = core.replay(plan, read_ledger(path, cache).index, date(2023, 10, 2))
    assert [i.state for i in items] == ["not_started", "closed", "not_started"]


def states(plan_items: list[core.Item]) -> dict[str, str]:
    """Return each measure's state by id."""
    return {i.measure.id: i.state for i in plan_items}


def misnamed(cache: Path, damage: Callable[[bytes], bytes], key: bytes | None = None) -> None:
    """Rename measure 1.1 to 1.2 in the cached index, then DAMAGE the cache file's bytes.

    The file is sealed again with KEY: by default this user's own, as rectify would seal a
    cache it made; another key is a hand-edited cache resealed by someone without it. The
    ledger's content key stays, so only the cache's own checks can tell.
    """
    (file,) = [f for f in cache.iterdir() if f.name != "key"]
    own = (cache / "key").read_bytes()
    opened = unsealed(file.read_bytes(), own)
    assert opened is not None
    header, body = opened
    header["names"] = ["1.2" if n == "1.1" else n for n in header["names"]]
    file.write_bytes(damage(sealed(header, body, key or own)))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-1],
        lambda data: data[:-3],
        lambda data: data + b"\0\0\0",
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),
    ],
    ids=["a column short", "cut mid-value", "trailing bytes", "one bit flipped"],
)
def test_a_corrupt_cache_is_ignored(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    plan = load_plan(write(tmp_path / "plan.yaml", SMALL_PLAN))
    path = tmp_path / "ledger.yaml"
    path.write_text(HEADER + one_sign_off(), encoding="utf-8")
    day = date(2023, 10, 2)
    truth = states(core.replay(plan, read_ledger(path).index, day))
    assert truth == {"1.1": "closed", "1.2": "not_started", "2.1": "not_started"}
    cache = tmp_path / "cache"
    read_ledger(path, cache)
    misnamed(cache, lambda data: data)  # control: a cache that passes its checks is believed,
    believed = states(core.replay(plan, read_ledger(path, cache).index, day))
    assert believed != truth  # so this renaming changes the answer whenever it is served
    misnamed(cache, damage)
    assert states(core.replay(plan, read_ledger(path, cache).index, day)) == truth
    assert states(core.replay(plan, read_ledger(path, cache).index, day)) == truth  # refreshed


def test_a_hand_edited_cache_is_ignored(tmp_path: Path) -> None:
    """Resealed by someone without this user's key: never believed."""
    plan = load_plan(write(tmp_path / "plan.yaml", SMALL_PLAN))
    path = tmp_path / "ledger.yaml"
    path.write_text(HEADER + one_sign_off(), encoding="utf-8")
    day, cache = date(2023, 10, 2), tmp_path / "cache"
    truth = states(core.replay(plan, read_ledger(path).index, day))
    read_ledger(path, cache)
    misnamed(cache, lambda data: data, key=b"not this user's key")
    assert states(core.replay(plan, read_ledger(path, cache).index, day)) == truth
    assert oct((cache / "key").stat().st_mode & 0o777) == "0o600"


def test_a_same_size_edit_with_the_time_put_back_is_seen(tmp_path: Path) -> None:
    """touch -r, cp -p, rsync -t: the caches are keyed on content, not on size and time."""
    plan_path = write(tmp_path / "plan.yaml", SMALL_PLAN)
    path = tmp_path / "ledger.yaml"
    line = one_sign_off()
    path.write_text(HEADER + line, encoding="utf-8")
    cache = tmp_path / "cache"
    plan = load_plan(plan_path, cache)
    assert core.replay(plan, read_ledger(path, cache).index, date(2023, 10, 2))[0].state == "closed"
    stat = path.stat()
    path.write_text(HEADER + line.replace('"1.1"', '"1.2"'), encoding="utf-8")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    items = core.replay(plan, read_ledger(path, cache).index, date(2023, 10, 2))
    assert [i.state for i in items] == ["not_started", "closed", "not_started"]
    plan_stat = plan_path.stat()
    plan_path.write_text(SMALL_PLAN.replace("措施一。", "措施壹。"), encoding="utf-8")
    os.utime(plan_path, ns=(plan_stat.st_atime_ns, plan_stat.st_mtime_ns))
    assert load_plan(plan_path, cache).measure("1.1").text == "措施壹。"
