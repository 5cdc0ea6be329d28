"""Every check `rectify check` runs: a list of functions, each returning the problems it finds.

A new check is one function of `Loaded` added to `CHECKS`. The files are read here
themselves, never through a cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataInvalid, Diagnostic

if TYPE_CHECKING:
    from .ledger import Entry, Ledger, Verification
    from .plan import Plan


@dataclass(frozen=True)
class Loaded:
    """What could be read: the plan (None if it has errors) and the ledger's records."""

    plan: Plan | None
    ledger: Ledger
    entries: list[Entry]
    chain: Verification


def unknown_ids(loaded: Loaded) -> list[Diagnostic]:
    """Find records of measures the plan does not have."""
    from .workspace import unknown_measures

    return [] if loaded.plan is None else unknown_measures(loaded.plan, loaded.ledger)


def broken_chain(loaded: Loaded) -> list[Diagnostic]:
    """Find records changed, removed, inserted or reordered since they were written."""
    return list(loaded.chain.problems)


def changed_evidence(loaded: Loaded) -> list[Diagnostic]:
    """Find evidence files that are gone or changed since they were recorded."""
    from .evidence import check_files

    return check_files(loaded.entries, loaded.ledger.path)


def double_sign_offs(loaded: Loaded) -> list[Diagnostic]:
    """Find a measure signed off twice with no reopening between (two copies merged)."""
    from .core import double_sign_offs as pairs

    index, path = loaded.ledger.index, loaded.ledger.path
    return [
        Diagnostic(
            path,
            index.line[later],
            1,
            f"措施 {index.names[index.id[later]]} 已在第 {index.line[earlier]} 行销号,其间没有"
            "重新打开,此行又销号(两份账本合并可能造成);请核实后撤销其中一条",
        )
        for earlier, later in pairs(index)
    ]


def impossible_dates(loaded: Loaded) -> list[Diagnostic]:
    """Find records in effect before the plan existed, or after the day they were recorded."""
    from zoneinfo import ZoneInfo

    if loaded.plan is None:
        return []
    zone, start = ZoneInfo(loaded.plan.plan.timezone), loaded.plan.plan.date
    found = []
    for entry in loaded.entries:
        e, day = entry.event, entry.event.recorded.astimezone(zone).date()
        if e.date > day:
            said = f"生效日期 {e.date} 晚于登记日 {day}:不能登记未来的事"
        elif e.date < start:
            said = f"生效日期 {e.date} 早于方案日期 {start}"
        else:
            continue
        found.append(Diagnostic(loaded.ledger.path, entry.line, 1, said))
    return found


Check = Callable[[Loaded], list[Diagnostic]]
CHECKS: tuple[Check, ...] = (
    unknown_ids,
    broken_chain,
    changed_evidence,
    double_sign_offs,
    impossible_dates,
)


def run_checks(plan_path: Path, ledger_path: Path) -> list[Diagnostic]:
    """Read the plan and the ledger, run every check, and return all problems found."""
    from .ledger import read_whole
    from .plan import load_plan

    problems: list[Diagnostic] = []
    plan = None
    try:
        plan = load_plan(plan_path)
    except DataInvalid as exc:
        problems += exc.diagnostics
    try:
        loaded = Loaded(plan, *read_whole(ledger_path))
    except DataInvalid as exc:
        return problems + exc.diagnostics
    for check in CHECKS:
        problems += check(loaded)
    return problems
