"""Every check `rectify check` runs: a list of functions, each returning the problems it finds.

A new check is one function of `Loaded` added to `CHECKS`. The files are read here
themselves, never through a cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataInvalid, Diagnostic
from .index import PART

if TYPE_CHECKING:
    from .ledger import Entry, Ledger, Verification
    from .plan import Plan
    from .yamlsource import Located


@dataclass(frozen=True)
class Loaded:
    """What could be read: the plan (None if it has errors) and the ledger's records."""

    plan: Plan | None
    ledger: Ledger
    entries: list[Entry]
    chain: Verification
    source: Located | None = None  # the plan's YAML, to point at a measure in it
    now: datetime | None = None  # when the check runs


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

    def named(row: int) -> str:  # a hash stays what it is when a merge moves the line
        e = loaded.entries[row].event
        return f"{e.date} {e.by},哈希 {(e.hash or '')[:8]}"

    return [
        Diagnostic(
            path,
            index.line[later],
            1,
            f"措施 {index.names[index.id[later]]} 已在第 {index.line[earlier]} 行销号({named(earlier)}),"
            f"其间没有重新打开,此行又销号({named(later)};两份账本合并可能造成);请核实后撤销其中"
            "一条,如 rectify void 哈希前 8 位(同步后行号会变,哈希不变)",
        )
        for earlier, later in pairs(index)
    ]


def answers_out_of_rule(loaded: Loaded) -> list[Diagnostic]:
    """Find acceptances and sendings back the rules of accept and reject would have refused."""
    from .core import answers_out_of_rule as found

    if loaded.plan is None:
        return []
    index, path = loaded.ledger.index, loaded.ledger.path
    return [Diagnostic(path, index.line[row], 1, said) for row, said in found(loaded.plan, index)]


def parts_out_of_place(loaded: Loaded) -> list[Diagnostic]:
    """Find records of a part the measure did not have, and part-less records of a measure
    signed off by parts."""
    from .core import parts_out_of_place as found

    if loaded.plan is None:
        return []
    index, path = loaded.ledger.index, loaded.ledger.path
    return [Diagnostic(path, index.line[row], 1, said) for row, said in found(loaded.plan, index)]


def records_out_of_order(loaded: Loaded) -> list[Diagnostic]:
    """Find records that take effect before a record of their measure made before them (of
    their own part, or of the whole measure): what the date rule of every command refuses.
    Records a merge brought in beside the main line are left to `verify`, which lists them."""
    index, path = loaded.ledger.index, loaded.ledger.path
    beside = {e.line for e in loaded.chain.side}
    whole: dict[int, int] = {}  # measure -> the latest date of its whole-measure records
    every: dict[int, int] = {}  # measure -> the latest date of any of its records
    own: dict[int, int] = {}  # part -> the latest date of its records
    found = []
    for row in range(len(index)):  # in file order: on the main line, the order made
        if not index.counts(row) or index.line[row] in beside:
            continue
        code, subject, day = index.id[row], index.subject[row], index.date[row]
        part = subject != code
        before = max(whole.get(code, 0), own.get(subject, 0)) if part else every.get(code, 0)
        if day < before:
            whose = f"措施 {index.names[code]}" + (
                f" {index.names[subject].rpartition(PART)[2]}的部分" if part else ""
            )
            found.append(
                Diagnostic(
                    path,
                    index.line[row],
                    1,
                    f"此行的生效日期 {date.fromordinal(day)} 早于{whose} 此前登记的记录的日期 "
                    f"{date.fromordinal(before)},登记时会被拒绝(手写的行可能造成)",
                )
            )
        table = own if part else whole
        table[subject] = max(table.get(subject, 0), day)
        every[code] = max(every.get(code, 0), day)
    return found


CLOCK_SKEW = timedelta(minutes=10)  # how far ahead another clerk's PC may run


def impossible_dates(loaded: Loaded) -> list[Diagnostic]:
    """Find records in effect before the plan existed, or after the day they were recorded,
    and records said to be recorded later than now."""
    from zoneinfo import ZoneInfo

    if loaded.plan is None:
        return []
    zone, start = ZoneInfo(loaded.plan.plan.timezone), loaded.plan.plan.date
    found = []
    for entry in loaded.entries:
        e, day = entry.event, entry.event.recorded.date()  # on the clock it was recorded by
        if loaded.now is not None and e.recorded > loaded.now + CLOCK_SKEW:
            said = (
                f"登记时刻 {e.recorded.astimezone(zone):%Y-%m-%d %H:%M} 晚于现在 "
                f"{loaded.now.astimezone(zone):%Y-%m-%d %H:%M}:登记时电脑时钟有误,或是手工写入的;"
                "在此之前,本机的登记都会因时钟被拒"
            )
        elif e.date > day:
            said = f"生效日期 {e.date} 晚于登记日 {day}:不能登记未来的事"
        elif e.date < start:
            said = f"生效日期 {e.date} 早于方案日期 {start}"
        else:
            continue
        found.append(Diagnostic(loaded.ledger.path, entry.line, 1, said))
    return found


def plan_drift(loaded: Loaded) -> list[Diagnostic]:
    """Find recorded measures the plan file states otherwise than the ledger holds them."""
    from .core import drift
    from .text import changes

    plan, index = loaded.plan, loaded.ledger.index
    if plan is None:
        return []
    places = {
        m.id: ("problems", i, "measures", j)
        for i, p in enumerate(plan.problems)
        for j, m in enumerate(p.measures)
    }
    found = []
    for d in drift(plan, index):
        line = index.line[d.row]
        before = loaded.entries[d.row].event.measure
        after = plan.definition(d.measure) if d.measure is not None else None
        said = (
            f"措施 {d.mid} 与账本第 {line} 行记录的方案不同:{';'.join(changes(before, after))}。"
            "改动未经记录,到期日、验收、分科室办理和按期统计仍按账本记录的方案;核实后用 rectify amend --reason 原因 记录此项修订"
        )
        if loaded.source is not None and d.mid in places:
            found.append(Diagnostic(loaded.source.path, *loaded.source.locate(places[d.mid]), said))
        else:
            found.append(Diagnostic(loaded.ledger.path, line, 1, said))
    return found


def void_mismatches(loaded: Loaded) -> list[Diagnostic]:
    """Find voids that void nothing: of no record, of a void, of a record voided already, or
    named for another measure than the record they void (hand-made or merged lines)."""
    from .index import VOID

    index, path, found = loaded.ledger.index, loaded.ledger.path, []
    for row in (r for r in range(len(index)) if index.action[r] == VOID):
        target = index.row_of(index.ref[row])
        mid = index.names[index.id[row]]
        if target is None:
            said = "撤销记录所指的记录(ref)不在账本中,这条撤销不起作用"
        elif index.action[target] == VOID:
            said = f"撤销记录所指的第 {index.line[target]} 行本身是撤销记录,这条撤销不起作用"
        elif index.voided.get(target) != row:
            by = index.line[index.voided[target]]
            said = f"第 {index.line[target]} 行的记录已由第 {by} 行撤销,这条重复的撤销不起作用"
        elif index.id[target] != index.id[row]:
            other = index.names[index.id[target]]
            said = f"撤销记录写的是措施 {mid},所撤销的第 {index.line[target]} 行却是措施 {other} 的记录"
        else:
            continue
        found.append(Diagnostic(path, index.line[row], 1, said))
    return found


def definitions_out_of_line(loaded: Loaded) -> list[Diagnostic]:
    """Find a measure's plan recorded twice, differently, other than by an amendment, and
    amendments whose "before" is not what the ledger held (merged copies, hand-made lines)."""
    from .core import conflicting_pins
    from .index import AMEND, REMOVED

    index, path = loaded.ledger.index, loaded.ledger.path
    found = [
        Diagnostic(
            path,
            index.line[other],
            1,
            f"措施 {index.names[index.id[other]]} 的方案已在第 {index.line[first]} 行记下,此行记下的"
            "不同;只有 rectify amend 能改动记下的方案(两份账本合并或手写的行可能造成)",
        )
        for first, other in conflicting_pins(index)
    ]
    held: dict[int, int] = {}
    for row in (r for r in range(len(index)) if index.defined[r]):  # in file order
        code = index.id[row]
        if index.action[row] != AMEND:
            held.setdefault(code, index.defined[row])
            continue
        if row in index.voided:
            continue
        before = loaded.entries[row].event.before
        was = held.get(code)
        fits = before.digest == was if before is not None else was in (None, REMOVED)
        if not fits:
            found.append(
                Diagnostic(
                    path,
                    index.line[row],
                    1,
                    f"这条修订写的修订前内容,与账本此前记下的措施 {index.names[code]} 不符",
                )
            )
        held[code] = index.defined[row]
    start = index.defined_from()
    seen = set(index.id[:start])
    for row in range(start, len(index)):  # rows of a rectify that records plans
        code = index.id[row]
        if code not in seen and not index.defined[row]:
            found.append(
                Diagnostic(
                    path,
                    index.line[row],
                    1,
                    f"此行是措施 {index.names[code]} 的第一条记录,却没有记下当时的方案(rectify 登记"
                    "的第一条记录都会记下;手写或合并的行可能造成);按此后记下的方案判断",
                )
            )
        seen.add(code)
    return sorted(found, key=lambda d: d.line)


Check = Callable[[Loaded], list[Diagnostic]]
CHECKS: tuple[Check, ...] = (
    unknown_ids,
    broken_chain,
    changed_evidence,
    double_sign_offs,
    answers_out_of_rule,
    parts_out_of_place,
    records_out_of_order,
    impossible_dates,
    plan_drift,
    void_mismatches,
    definitions_out_of_line,
)


def run_checks(plan_path: Path, ledger_path: Path, now: datetime | None = None) -> list[Diagnostic]:
    """Read the plan and the ledger, run every check as of NOW, and return all problems found."""
    from .ledger import read_whole
    from .plan import parse_plan
    from .yamlsource import load_located

    problems: list[Diagnostic] = []
    plan = source = None
    try:
        source = load_located(plan_path)
        plan = parse_plan(source)
    except DataInvalid as exc:
        problems += exc.diagnostics
    try:
        loaded = Loaded(plan, *read_whole(ledger_path), source=source, now=now)
    except DataInvalid as exc:
        return problems + exc.diagnostics
    for check in CHECKS:
        problems += check(loaded)
    return problems
