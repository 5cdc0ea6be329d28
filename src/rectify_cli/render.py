"""Turn core results into output: a rich table, plain text for pipes and cron, or JSON.

Data first: `*_data` functions build the documented JSON structures; the text renderers
only lay them out. Nothing here computes a figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from rich.cells import cell_len, get_character_cell_size

from .core import STATE_LABELS, Item, Status, Tally
from .plan import Plan

if TYPE_CHECKING:
    from rich.console import Console

    from .events import Evidence
    from .ledger import Entry

Mode = Literal["table", "plain", "json"]

ACTION_LABELS = {"close": "销号", "reopen": "重新打开(反弹)"}
BAR_WIDTH = 20


# ---------------------------------------------------------------------------- JSON data


def _rate(value: float) -> float:
    return round(value, 4)


def item_data(item: Item) -> dict[str, Any]:
    """Return the JSON object of one item (list, overdue, show)."""
    m = item.measure
    return {
        "id": m.id,
        "problem": m.problem,
        "text": m.text,
        "lead": list(m.lead),
        "responsible": list(m.responsible),
        "deadline": m.deadline,
        "due": item.due.isoformat() if item.due else None,
        "state": item.state,
        "state_label": STATE_LABELS[item.state],
        "overdue": item.overdue,
        "days_overdue": item.days_overdue,
        "closed_on": item.closed_on.isoformat() if item.closed_on else None,
        "closed_by": item.closed_by,
    }


def _evidence_data(evidence: Evidence) -> dict[str, Any]:
    return evidence.model_dump(mode="json", exclude_none=True)


def entry_data(entry: Entry) -> dict[str, Any]:
    """Return the JSON object of one ledger entry."""
    e = entry.event
    return {
        "line": entry.line,
        "recorded": e.recorded.isoformat(),
        "date": e.date.isoformat(),
        "id": e.id,
        "action": e.action,
        "by": e.by,
        "note": e.note,
        "evidence": [_evidence_data(x) for x in e.evidence],
        "hash": e.hash,
    }


def _tally_data(tally: Tally, key: str, value: Any) -> dict[str, Any]:
    return {
        key: value,
        "total": tally.total,
        "closed": tally.closed,
        "rate": _rate(tally.rate),
        "overdue": tally.overdue,
    }


def status_data(plan: Plan, status: Status) -> dict[str, Any]:
    """Return the JSON object of `status`."""
    titles = {str(p.number): p.title for p in plan.problems}
    return {
        "as_of": status.as_of.isoformat(),
        "total": status.overall.total,
        "closed": status.overall.closed,
        "rate": _rate(status.overall.rate),
        "overdue": status.overall.overdue,
        "by_problem": [
            _tally_data(t, "problem", int(t.key)) | {"title": titles[t.key]}
            for t in status.by_problem
        ],
        "by_deadline": [_tally_data(t, "deadline", t.key) for t in status.by_deadline],
        "by_department": [_tally_data(t, "department", t.key) for t in status.by_department],
    }


def to_json(value: Any) -> str:
    """Return VALUE as indented JSON, Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------- text helpers


def pad(text: str, width: int) -> str:
    """Pad TEXT with spaces to WIDTH terminal cells (a Chinese character takes two)."""
    return text + " " * max(0, width - cell_len(text))


def clip(text: str, width: int) -> str:
    """Cut TEXT to at most WIDTH cells, ending with … when cut."""
    used = cut = 0
    for n, char in enumerate(text):
        used += get_character_cell_size(char)
        if used <= width - 1:
            cut = n + 1
        elif used > width:
            return text[:cut] + "…"
    return text


def bar(rate: float, width: int = BAR_WIDTH, full: str = "#", empty: str = "-") -> str:
    """Return a bar of WIDTH characters filled to RATE."""
    filled = round(rate * width)
    return full * filled + empty * (width - filled)


def percent(rate: float) -> str:
    """Return RATE as a percentage with one decimal, e.g. 23.8%."""
    return f"{rate * 100:.1f}%"


def departments(item: Item) -> str:
    """Return the departments of an item as one short line."""
    m = item.measure
    lead = "、".join(m.lead) or "—"
    return f"牵头:{lead};责任:{'、'.join(m.responsible)}"


def _due(item: Item) -> str:
    return item.due.isoformat() if item.due else "无固定期限"


# ---------------------------------------------------------------------------- status


def _sections(status: Status) -> list[tuple[str, list[Tally]]]:
    return [
        ("按问题", status.by_problem),
        ("按整改时限", status.by_deadline),
        ("按科室(一项措施计入其所列每个科室)", status.by_department),
    ]


def status_plain(plan: Plan, status: Status) -> str:
    """Lay out `status` as plain text: aligned columns, ASCII bars."""
    o = status.overall
    lines = [
        f"整改完成率(截至 {status.as_of},已销号 ÷ 全部措施)",
        f"总体:已销号 {o.closed}/{o.total},完成率 {percent(o.rate)} [{bar(o.rate)}],"
        f"已超期 {o.overdue} 项",
    ]
    for title, tallies in _sections(status):
        width = max(cell_len(clip(t.label, 40)) for t in tallies) + 2
        lines += ["", title]
        for t in tallies:
            lines.append(
                f"  {pad(clip(t.label, 40), width)}{t.closed:>4}/{t.total:<4}{percent(t.rate):>7}"
                f"  [{bar(t.rate)}]  已超期 {t.overdue}"
            )
    return "\n".join(lines)


def status_table(console: Console, plan: Plan, status: Status) -> None:
    """Print `status` as rich tables with bars."""
    from rich.table import Table

    o = status.overall
    console.print(
        f"[bold]整改完成率[/bold](截至 {status.as_of})  "
        f"已销号 [bold]{o.closed}[/bold]/{o.total}  "
        f"[bold]{percent(o.rate)}[/bold] {bar(o.rate, full='█', empty='░')}  "
        f"已超期 [bold red]{o.overdue}[/bold red] 项"
    )
    for title, tallies in _sections(status):
        table = Table(title=title, title_justify="left", expand=False)
        table.add_column("项目", overflow="fold", max_width=40)
        table.add_column("已销号/总数", justify="right")
        table.add_column("完成率", justify="right")
        table.add_column("进度")
        table.add_column("已超期", justify="right")
        for t in tallies:
            late = f"[red]{t.overdue}[/red]" if t.overdue else "0"
            table.add_row(
                t.label,
                f"{t.closed}/{t.total}",
                percent(t.rate),
                bar(t.rate, full="█", empty="░"),
                late,
            )
        console.print(table)


# ---------------------------------------------------------------------------- list


def items_plain(items: list[Item]) -> str:
    """Lay out items one per line: id, state, due, departments, the start of the text."""
    if not items:
        return "没有符合条件的措施。"
    lines = [f"{pad('编号', 6)}{pad('状态', 16)}{pad('整改时限', 10)}{pad('到期日', 12)}整改措施"]
    for i in items:
        flag = f"已超期 {i.days_overdue} 天" if i.overdue else STATE_LABELS[i.state]
        lines.append(
            f"{pad(i.measure.id, 6)}{pad(flag, 16)}{pad(i.measure.deadline, 10)}{pad(_due(i), 12)}"
            f"{clip(i.measure.text, 40)}"
        )
    lines.append(f"共 {len(items)} 项")
    return "\n".join(lines)


def items_table(console: Console, items: list[Item]) -> None:
    """Print items as a rich table."""
    from rich.table import Table

    table = Table(caption=f"共 {len(items)} 项")
    for name in ("编号", "状态", "整改时限", "到期日", "牵头科室", "责任科室", "整改措施"):
        table.add_column(name, overflow="fold")
    for i in items:
        state = f"[red]已超期 {i.days_overdue} 天[/red]" if i.overdue else STATE_LABELS[i.state]
        table.add_row(
            i.measure.id,
            state,
            i.measure.deadline,
            _due(i),
            "、".join(i.measure.lead) or "—",
            "、".join(i.measure.responsible),
            clip(i.measure.text, 60),
        )
    console.print(table)


# ---------------------------------------------------------------------------- show


def _entry_line(entry: Entry) -> str:
    e = entry.event
    text = f"{e.date} {ACTION_LABELS[e.action]} 由 {e.by}(登记于 {e.recorded:%Y-%m-%d %H:%M:%S%z},第 {entry.line} 行)"
    if e.note:
        text += f"\n      说明:{e.note}"
    for x in e.evidence:
        text += f"\n      佐证:{x.text or x.path}"
    return text


def item_plain(plan: Plan, item: Item, history: list[Entry]) -> str:
    """Lay out one item in full: text, departments, deadline, state and whole history."""
    m = item.measure
    problem = plan.problem(m.problem)
    state = STATE_LABELS[item.state] + (f",已超期 {item.days_overdue} 天" if item.overdue else "")
    lines = [
        f"措施 {m.id}  {state}(截至 {item.as_of})",
        f"问题:{problem.label}{problem.title}",
        f"整改措施:{m.text}",
        f"牵头科室:{'、'.join(m.lead) or '—'}",
        f"责任科室:{'、'.join(m.responsible)}",
        f"整改时限:{m.deadline}(到期日:{_due(item)})",
        "历史记录:" if history else "历史记录:暂无",
    ]
    lines += [f"  {_entry_line(e)}" for e in history]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- overdue


def overdue_plain(groups: list[tuple[str, list[Item]]], as_of: str) -> str:
    """Lay out the overdue list for a terminal, a pipe or a cron mail."""
    count = sum(len(items) for _, items in groups)
    if not count:
        return f"截至 {as_of} 没有已超期的措施。"
    lines = [f"已超期措施(截至 {as_of}):共 {count} 项"]
    for group, items in groups:
        lines += ["", f"{group}({len(items)} 项)"]
        for i in items:
            lines.append(
                f"  {pad(i.measure.id, 6)}到期 {_due(i)},超期 {i.days_overdue} 天;{departments(i)}"
            )
            lines.append(f"        {clip(i.measure.text, 70)}")
    return "\n".join(lines)


def overdue_table(console: Console, groups: list[tuple[str, list[Item]]], as_of: str) -> None:
    """Print the overdue list as a rich table, one section per deadline type."""
    from rich.table import Table

    count = sum(len(items) for _, items in groups)
    if not count:
        console.print(f"截至 {as_of} 没有已超期的措施。")
        return
    table = Table(title=f"已超期措施(截至 {as_of}):共 {count} 项", title_justify="left")
    for name in ("整改时限", "编号", "到期日", "超期天数", "牵头科室", "责任科室", "整改措施"):
        table.add_column(name, overflow="fold")
    for group, items in groups:
        for n, i in enumerate(items):
            table.add_row(
                group if n == 0 else "",
                i.measure.id,
                _due(i),
                f"[red]{i.days_overdue}[/red]",
                "、".join(i.measure.lead) or "—",
                "、".join(i.measure.responsible),
                clip(i.measure.text, 40),
            )
        table.add_section()
    console.print(table)


def lines_of(values: Iterable[str]) -> str:
    """Join VALUES one per line."""
    return "\n".join(values)
