"""Turn core results into output: a rich table, plain text for pipes and cron, or JSON.

Data first: `*_data` functions build the documented JSON structures; the text renderers
only lay them out. Nothing here computes a figure.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from rich.cells import cell_len, get_character_cell_size

from .core import REVIEW_GROUP, STATE_LABELS, Item, Status, Tally, describe
from .plan import Plan

if TYPE_CHECKING:
    from rich.console import Console

    from .events import Evidence
    from .ledger import Entry

Mode = Literal["table", "plain", "json"]

BAR_WIDTH = 20


# ---------------------------------------------------------------------------- JSON data


def _rate(value: float) -> float:
    return round(value, 4)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


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
        "due": _iso(item.due),
        "original_due": _iso(item.original_due),
        "extensions": item.extensions,
        "owner": item.owner,
        "state": item.state,
        "state_label": STATE_LABELS[item.state],
        "overdue": item.overdue,
        "days_overdue": item.days_overdue,
        "closed_on": _iso(item.closed_on),
        "closed_by": item.closed_by,
        "percent": item.percent,
        "eta": _iso(item.eta),
        "progress_on": _iso(item.progress_on),
        "review_every": m.review_every or ("季度" if m.ongoing else None),
        "last_review": _iso(item.last_review),
        "next_review": _iso(item.next_review),
        "review_due": item.review_due,
    }


def evidence_data(evidence: Evidence) -> dict[str, Any]:
    """Return the JSON object of one piece of evidence."""
    return evidence.model_dump(mode="json", exclude_none=True)


def entry_data(entry: Entry) -> dict[str, Any]:
    """Return the JSON object of one ledger entry: every field, and its line."""
    e = entry.event
    return {
        "line": entry.line,
        "recorded": e.recorded.isoformat(),
        "date": e.date.isoformat(),
        "id": e.id,
        "action": e.action,
        "by": e.by,
        "note": e.note,
        "evidence": [evidence_data(x) for x in e.evidence],
        "owner": e.owner,
        "percent": e.percent,
        "eta": _iso(e.eta),
        "to": _iso(e.to),
        "approved_by": e.approved_by,
        "prev": list(e.prev),
        "hash": e.hash,
    }


def _tally_data(tally: Tally, key: str, value: Any) -> dict[str, Any]:
    return {
        key: value,
        "total": tally.total,
        "closed": tally.closed,
        "rate": _rate(tally.rate),
        "overdue": tally.overdue,
        "review_due": tally.review_due,
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
        "review_due": status.overall.review_due,
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


def flag(item: Item) -> str:
    """Return the state of an item in a few words: overdue and review-due come first."""
    if item.overdue:
        return f"已超期 {item.days_overdue} 天"
    if item.review_due:
        return f"待复查 {item.days_review_overdue} 天"
    return STATE_LABELS[item.state]


def _due(item: Item) -> str:
    if item.due is None:
        return "无固定期限"
    if item.extensions:
        return f"{item.due}(已延期)"
    return item.due.isoformat()


# ---------------------------------------------------------------------------- status


def _sections(status: Status) -> list[tuple[str, list[Tally]]]:
    return [
        ("按问题", status.by_problem),
        ("按整改时限", status.by_deadline),
        ("按科室(一项措施计入其所列每个科室)", status.by_department),
    ]


def status_plain(
    plan: Plan, status: Status, sections: list[tuple[str, list[Tally]]] | None = None
) -> str:
    """Lay out `status` as plain text: aligned columns, ASCII bars."""
    o = status.overall
    lines = [
        f"整改完成率(截至 {status.as_of},已销号 ÷ 全部措施)",
        f"总体:已销号 {o.closed}/{o.total},完成率 {percent(o.rate)} [{bar(o.rate)}],"
        f"已超期 {o.overdue} 项,待复查 {o.review_due} 项",
    ]
    for title, tallies in sections or _sections(status):
        width = max(cell_len(clip(t.label, 40)) for t in tallies) + 2
        lines += ["", title]
        for t in tallies:
            lines.append(
                f"  {pad(clip(t.label, 40), width)}{t.closed:>4}/{t.total:<4}{percent(t.rate):>7}"
                f"  [{bar(t.rate)}]  已超期 {t.overdue}  待复查 {t.review_due}"
            )
    return "\n".join(lines)


def status_table(
    console: Console,
    plan: Plan,
    status: Status,
    sections: list[tuple[str, list[Tally]]] | None = None,
) -> None:
    """Print `status` as rich tables with bars."""
    from rich.table import Table

    o = status.overall
    console.print(
        f"[bold]整改完成率[/bold](截至 {status.as_of})  "
        f"已销号 [bold]{o.closed}[/bold]/{o.total}  "
        f"[bold]{percent(o.rate)}[/bold] {bar(o.rate, full='█', empty='░')}  "
        f"已超期 [bold red]{o.overdue}[/bold red] 项  待复查 [bold yellow]{o.review_due}[/bold yellow] 项"
    )
    for title, tallies in sections or _sections(status):
        table = Table(title=title, title_justify="left", expand=False)
        table.add_column("项目", overflow="fold", max_width=40)
        table.add_column("已销号/总数", justify="right")
        table.add_column("完成率", justify="right")
        table.add_column("进度")
        table.add_column("已超期", justify="right")
        table.add_column("待复查", justify="right")
        for t in tallies:
            table.add_row(
                t.label,
                f"{t.closed}/{t.total}",
                percent(t.rate),
                bar(t.rate, full="█", empty="░"),
                f"[red]{t.overdue}[/red]" if t.overdue else "0",
                f"[yellow]{t.review_due}[/yellow]" if t.review_due else "0",
            )
        console.print(table)


def department_sections(status: Status) -> list[tuple[str, list[Tally]]]:
    """Return only the department view, behind ones first: most overdue and review-due on top."""
    behind = sorted(status.by_department, key=lambda t: (-t.overdue, -t.review_due, t.rate))
    return [("按科室(一项措施计入其所列每个科室;落后的在前)", behind)]


# ---------------------------------------------------------------------------- list


def items_plain(items: list[Item]) -> str:
    """Lay out items one per line: id, state, deadline, due, owner, the start of the text."""
    if not items:
        return "没有符合条件的措施。"
    header = f"{pad('编号', 6)}{pad('状态', 16)}{pad('整改时限', 10)}{pad('到期日', 22)}{pad('责任人', 10)}整改措施"
    lines = [header]
    for i in items:
        lines.append(
            f"{pad(i.measure.id, 6)}{pad(flag(i), 16)}{pad(i.measure.deadline, 10)}{pad(_due(i), 22)}"
            f"{pad(clip(i.owner or '—', 8), 10)}{clip(i.measure.text, 36)}"
        )
    lines.append(f"共 {len(items)} 项")
    return "\n".join(lines)


def items_table(console: Console, items: list[Item]) -> None:
    """Print items as a rich table."""
    from rich.table import Table

    table = Table(caption=f"共 {len(items)} 项")
    for name in (
        "编号",
        "状态",
        "整改时限",
        "到期日",
        "责任人",
        "牵头科室",
        "责任科室",
        "整改措施",
    ):
        table.add_column(name, overflow="fold")
    for i in items:
        state = flag(i)
        if i.overdue:
            state = f"[red]{state}[/red]"
        elif i.review_due:
            state = f"[yellow]{state}[/yellow]"
        table.add_row(
            i.measure.id,
            state,
            i.measure.deadline,
            _due(i),
            i.owner or "—",
            "、".join(i.measure.lead) or "—",
            "、".join(i.measure.responsible),
            clip(i.measure.text, 60),
        )
    console.print(table)


# ---------------------------------------------------------------------------- show and log


def _evidence_line(x: Evidence) -> str:
    if x.path is not None:
        return f"{x.path}({x.size} 字节,SHA-256 {(x.sha256 or '')[:16]}…)"
    return x.text or ""


def entry_lines(entry: Entry) -> list[str]:
    """Describe one event: what, when it takes effect, who, when recorded, and all it says."""
    e = entry.event
    backdated = "(补登)" if e.date < e.recorded.date() else ""
    lines = [
        f"{e.date} {describe(e)} 由 {e.by}(登记于 {e.recorded:%Y-%m-%d %H:%M:%S%z}{backdated},第 {entry.line} 行)"
    ]
    if e.note:
        lines.append(f"    说明:{e.note}")
    lines += [f"    佐证:{_evidence_line(x)}" for x in e.evidence]
    return lines


def item_plain(plan: Plan, item: Item, history: list[Entry]) -> str:
    """Lay out one item in full: text, departments, deadline, state and whole history."""
    m = item.measure
    problem = plan.problem(m.problem)
    due = f"到期日:{item.due or '无固定期限'}"
    if item.extensions:
        due += f";原定 {item.original_due},已延期 {item.extensions} 次"
    state = STATE_LABELS[item.state]
    headline = state if flag(item) == state else f"{flag(item)}(状态:{state})"
    lines = [
        f"措施 {m.id}  {headline}(截至 {item.as_of})",
        f"问题:{problem.label}{problem.title}",
        f"整改措施:{m.text}",
        f"牵头科室:{'、'.join(m.lead) or '—'}",
        f"责任科室:{'、'.join(m.responsible)}",
        f"责任人:{item.owner or '未指定'}",
        f"整改时限:{m.deadline}({due})",
    ]
    if item.progress_on:
        done = f",完成 {item.percent}%" if item.percent is not None else ""
        eta = f",预计 {item.eta} 完成" if item.eta else ""
        lines.append(f"最近进展:{item.progress_on}{done}{eta}")
    if item.next_review:
        last = item.last_review or "尚未复查"
        lines.append(
            f"复查:每{m.review_every or '季度'}一次;上次 {last},下次应在 {item.next_review} 前"
        )
    lines.append("历史记录:" if history else "历史记录:暂无")
    for entry in history:
        lines += ["  " + line for line in entry_lines(entry)]
    return "\n".join(lines)


def log_plain(entries: list[Entry]) -> str:
    """Lay out the audit log, one event per paragraph, oldest first."""
    if not entries:
        return "没有符合条件的记录。"
    lines = []
    for entry in entries:
        first, *rest = entry_lines(entry)
        lines.append(f"{entry.event.id:<6}{first}")
        lines += ["      " + line.strip() for line in rest]
    lines.append(f"共 {len(entries)} 条记录")
    return "\n".join(lines)


def log_table(console: Console, entries: list[Entry]) -> None:
    """Print the audit log as a rich table."""
    from rich.table import Table

    table = Table(caption=f"共 {len(entries)} 条记录")
    for name in ("登记时间", "生效日期", "编号", "操作", "登记人", "说明", "佐证材料", "行"):
        table.add_column(name, overflow="fold")
    for entry in entries:
        e = entry.event
        recorded = f"{e.recorded:%Y-%m-%d %H:%M}"
        effective = (
            f"[yellow]{e.date}(补登)[/yellow]" if e.date < e.recorded.date() else str(e.date)
        )
        table.add_row(
            recorded,
            effective,
            e.id,
            describe(e),
            e.by,
            e.note,
            "\n".join(_evidence_line(x) for x in e.evidence),
            str(entry.line),
        )
    console.print(table)


# ---------------------------------------------------------------------------- overdue


def _overdue_line(item: Item) -> str:
    if item.overdue:
        extended = (
            f"(原定 {item.original_due},已延期 {item.extensions} 次)" if item.extensions else ""
        )
        return f"到期 {item.due}{extended},超期 {item.days_overdue} 天;{departments(item)}"
    last = item.last_review or "从未复查或销号"
    return f"上次复查/销号 {last},应于 {item.next_review} 前复查,已过 {item.days_review_overdue} 天;{departments(item)}"


def overdue_plain(groups: list[tuple[str, list[Item]]], as_of: str) -> str:
    """Lay out the overdue list for a terminal, a pipe or a cron mail."""
    late = sum(len(items) for group, items in groups if group != REVIEW_GROUP)
    review = sum(len(items) for group, items in groups if group == REVIEW_GROUP)
    if not groups:
        return f"截至 {as_of} 没有已超期或待复查的措施。"
    lines = [f"截至 {as_of}:已超期 {late} 项,待复查 {review} 项"]
    for group, items in groups:
        lines += ["", f"{group}({len(items)} 项)"]
        for i in items:
            owner = f";责任人 {i.owner}" if i.owner else ""
            lines.append(f"  {pad(i.measure.id, 6)}{_overdue_line(i)}{owner}")
            lines.append(f"        {clip(i.measure.text, 70)}")
    return "\n".join(lines)


def overdue_table(console: Console, groups: list[tuple[str, list[Item]]], as_of: str) -> None:
    """Print the overdue list as a rich table, one section per group."""
    from rich.table import Table

    if not groups:
        console.print(f"截至 {as_of} 没有已超期或待复查的措施。")
        return
    table = Table(title=f"截至 {as_of} 需要处理的措施", title_justify="left")
    for name in (
        "分组",
        "编号",
        "到期/应复查",
        "逾期天数",
        "责任人",
        "牵头科室",
        "责任科室",
        "整改措施",
    ):
        table.add_column(name, overflow="fold")
    for group, items in groups:
        for n, i in enumerate(items):
            days = i.days_overdue if i.overdue else i.days_review_overdue
            table.add_row(
                group if n == 0 else "",
                i.measure.id,
                _due(i) if i.overdue else str(i.next_review),
                f"[red]{days}[/red]",
                i.owner or "—",
                "、".join(i.measure.lead) or "—",
                "、".join(i.measure.responsible),
                clip(i.measure.text, 40),
            )
        table.add_section()
    console.print(table)
