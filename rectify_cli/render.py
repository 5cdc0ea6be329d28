"""Turn results into output: JSON, or text laid out for the width of the screen.

The mode is chosen once per run (`formatter`); every command that prints data hands its
result to the formatter's method for it. Text modes lay out tables to the screen's width:
with a rule and colour for a terminal, plain for pipes and cron mail. Everything read from
a file is added as plain text, never parsed as markup. Nothing here computes a figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, Protocol

from rich.cells import cell_len

from . import schema
from .core import (
    DUE_SOON_GROUP,
    ETA_LATE_GROUP,
    REVIEW_GROUP,
    STATE_LABELS,
    WARNING_GROUPS,
    Item,
    Status,
    Tally,
)
from .text import (
    bar,
    clip,
    describe,
    evidence_text,
    fit,
    names,
    on_screen,
    part_text,
    percent,
    state_text,
)

if TYPE_CHECKING:
    from rich.console import Console

    from .ledger import Entry
    from .plan import Plan
    from .reports import DeadlineCheck, Point

Mode = Literal["table", "plain", "json"]


@dataclass(frozen=True)
class Screen:
    """Where plain text and JSON go: standard output, its width and its encoding."""

    width: int
    encoding: str


class Formatter(Protocol):
    """What every output mode can show."""

    def status(self, plan: Plan, status: Status, by_department: bool) -> None:
        """Show completion rates."""

    def items(self, items: list[Item], note: str = "") -> None:
        """Show a list of measures, with a NOTE on how they were chosen, if any."""

    def overdue(
        self, groups: list[tuple[str, list[Item]]], as_of: date, within: int | None, scope: str
    ) -> None:
        """Show what needs attention, by group: overdue, expected late, due soon (if WITHIN was
        asked), due for review; SCOPE names the department or person it was chosen for."""

    def item(self, plan: Plan, item: Item, history: list[Entry]) -> None:
        """Show one measure in full with its history."""

    def log(self, entries: list[Entry]) -> None:
        """Show ledger records."""

    def trend(self, points: list[Point], checks: list[DeadlineCheck], step: str) -> None:
        """Show the completion rate over time."""


def formatter(mode: Mode, console: Console | Screen) -> Formatter:
    """Return the formatter of MODE, printing to CONSOLE (rich's, for a styled table)."""
    if mode == "json":
        return JsonFormatter(console)
    return TextFormatter(console, styled=mode == "table")


def write(text: str) -> None:
    """Print TEXT as a line to standard output, in its own encoding."""
    import sys

    sys.stdout.write(text + "\n")


def fits(characters: str, encoding: str) -> bool:
    """Tell whether text in ENCODING can show CHARACTERS."""
    try:
        characters.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def blocks_fit(encoding: str) -> bool:
    """Tell whether text in ENCODING can show the block characters of bars (█ ░)."""
    return fits("█░", encoding)


# ---------------------------------------------------------------------------- JSON


@dataclass
class JsonFormatter:
    """Print the structures of `schema`."""

    console: Console | Screen

    def _print(self, value: object) -> None:
        write(schema.to_json(value))

    def status(self, plan: Plan, status: Status, by_department: bool) -> None:
        self._print(schema.status(plan, status))

    def items(self, items: list[Item], note: str = "") -> None:
        if note:  # standard output stays the array a script reads
            import sys

            print(on_screen(note), file=sys.stderr)
        self._print([schema.item(i) for i in items])

    def overdue(
        self, groups: list[tuple[str, list[Item]]], as_of: date, within: int | None, scope: str
    ) -> None:
        self._print(schema.overdue(groups))

    def item(self, plan: Plan, item: Item, history: list[Entry]) -> None:
        self._print(schema.shown(plan, item, history))

    def log(self, entries: list[Entry]) -> None:
        self._print([schema.entry(e) for e in entries])

    def trend(self, points: list[Point], checks: list[DeadlineCheck], step: str) -> None:
        self._print(schema.trend(points, checks))


# ---------------------------------------------------------------------------- text


NO_LINE_START = "、,。;:?!)》」』】”’…%,.;:?!)"  # never begins a line (避头)
NO_LINE_END = "(《「『【“‘("  # never ends one (避尾)
# What is never split: a number with the characters either side of it (第 7 行, 已延期 1 次,
# 于 2023-10-05), runs of Latin letters, digits and signs (a date and time, a hash, a file
# name); anything else is one character.
_TOKEN = re.compile(r"(?:\S )?[0-9][!-~]*(?: [!-~]+)*(?: [^\s!-~])?|[!-~]+(?: [!-~]+)*|\s+|.")


def wrap(text: str, width: int, indent: str = "  ") -> list[str]:
    """Break TEXT into lines of at most WIDTH cells; continuation lines are indented
    INDENT deeper than the first.

    Chinese breaks between characters, except before closing and after opening
    punctuation (避头尾); numbers with their units, dates, times, hashes and file names
    are not split unless one alone is longer than a line.
    """
    lead = text[: len(text) - len(text.lstrip(" "))]
    rest = re.sub(r"\s*\n\s*", " ", text[len(lead) :].rstrip())
    if cell_len(lead + rest) <= width:
        return [lead + rest]
    lines: list[str] = []
    line: list[str] = []

    def room() -> int:
        return width - cell_len(lead + (indent if lines else ""))

    for token in _TOKEN.findall(rest):
        so_far = "".join(line)
        if cell_len(so_far + token) <= room() or not so_far.strip():
            line.append(token)
        elif len(line) > 1 and (token in NO_LINE_START or line[-1] in NO_LINE_END):
            carried = line.pop()  # take the last token along to the next line
            lines.append("".join(line).rstrip())
            line = [carried, token]
        else:
            lines.append(so_far.rstrip())
            line = [] if token.isspace() else [token]
        while cell_len("".join(line)) > room():  # longer than a whole line: cut it
            joined = "".join(line)
            cut = max(1, len(clip(joined, room())) - 1)
            lines.append(joined[:cut])
            line = [joined[cut:]]
    if "".join(line).strip():
        lines.append("".join(line).rstrip())
    return [lead + lines[0], *(lead + indent + x for x in lines[1:])]


Cell = tuple[str, str]  # a text and its style ("" for none)
Line = list[Cell]


@dataclass(frozen=True)
class Column:
    """A column of a text table: its header, its cells and how it may give way."""

    header: str
    cells: list[Cell]
    justify: Literal["left", "right"] = "left"
    flexible: bool = False  # takes the room left, cut with an ellipsis
    drop: int = 0  # columns with a higher number are dropped first on a narrow screen


FLEXIBLE_MIN = 24  # cells the measure text needs before optional columns give way


def _longest(column: Column, limit: int) -> int:
    """Return the width of the widest cell of COLUMN, or LIMIT if one is at least as wide."""
    texts = {column.header, *(text for text, _ in column.cells)}
    if any(len(text) >= limit for text in texts):
        return limit
    return max(map(cell_len, texts))


@dataclass
class TextFormatter:
    """Lay results out as tables as wide as the screen: one line per measure.

    Tables are laid out here, cell by cell, to exact widths; rich only colours them.
    """

    console: Console | Screen
    styled: bool

    # ------------------------------------------------------------ building blocks

    def _text(self, value: str, style: str = "") -> Cell:
        return (on_screen(value), style if self.styled else "")

    def _bar(self, rate: float, width: int) -> str:
        full, empty = ("█", "░") if blocks_fit(self.console.encoding) else ("#", "-")
        return bar(rate, width, full, empty)

    @property
    def _gap(self) -> str:
        return "   " if self.styled else "  "

    def _layout(self, columns: list[Column]) -> dict[str, int]:
        """Return the width of each column kept on this screen: optional columns are dropped
        until the flexible one has room; it takes what is left."""
        shown = list(columns)
        longest = {c.header: _longest(c, self.console.width) for c in shown}
        while True:
            fixed = sum(longest[c.header] for c in shown if not c.flexible)
            room = self.console.width - fixed - len(self._gap) * (len(shown) - 1)
            droppable = [c for c in shown if c.drop]
            if room >= FLEXIBLE_MIN or not droppable:
                break
            shown.remove(max(droppable, key=lambda c: c.drop))
        return {
            c.header: max(min(room, longest[c.header]), FLEXIBLE_MIN // 2)
            if c.flexible
            else longest[c.header]
            for c in shown
        }

    def _table(
        self,
        columns: list[Column],
        title: str = "",
        caption: str = "",
        widths: dict[str, int] | None = None,
    ) -> list[Line]:
        """Lay out the columns WIDTHS keeps (by default, those that fit the screen)."""
        widths = widths or self._layout(columns)
        shown = [c for c in columns if c.header in widths]
        lines: list[Line] = [[self._text(title, "bold")]] if title else []
        lines.append(self._row([self._text(c.header, "bold") for c in shown], shown, widths))
        if self.styled:
            rule = sum(widths.values()) + len(self._gap) * (len(shown) - 1)
            lines.append([("─" * rule, "")])
        lines += [
            self._row(list(cells), shown, widths)
            for cells in zip(*(c.cells for c in shown), strict=True)
        ]
        return [*lines, [(caption, "")]] if caption else lines

    def _row(self, cells: list[Cell], shown: list[Column], widths: dict[str, int]) -> Line:
        line: Line = []
        for n, ((text, style), column) in enumerate(zip(cells, shown, strict=True)):
            width = widths[column.header]
            text, used = (text, cell_len(text)) if len(text) * 2 <= width else fit(text, width)
            padding = (" " * (width - used), "")
            if n:
                line.append((self._gap, ""))
            line += (
                [padding, (text, style)] if column.justify == "right" else [(text, style), padding]
            )
        return line

    def _print(self, *blocks: list[Line] | str) -> None:
        """Print tables and lines of text (wrapped to the screen), trailing blanks trimmed."""
        lines: list[Line] = []
        for block in blocks:  # text from files may hold control characters: show them
            if isinstance(block, str):
                lines += [[(line, "")] for line in wrap(on_screen(block), self.console.width)]
            else:
                lines += block
        if not self.styled:
            write("\n".join("".join(t for t, _ in line).rstrip() for line in lines))
            return
        from rich.text import Text

        joined = Text()
        for n, line in enumerate(lines):
            if n:
                joined.append("\n")
            while line and not line[-1][0].strip():
                line = line[:-1]
            for text, style in line:
                joined.append(text, style or None)
        assert not isinstance(self.console, Screen)  # a styled table has rich's console
        self.console.print(joined, soft_wrap=True)

    # ------------------------------------------------------------ status

    def status(self, plan: Plan, status: Status, by_department: bool) -> None:
        o = status.overall
        bar_width = 20 if self.console.width >= 100 else 10
        head = [
            f"整改完成率(截至 {status.as_of},已销号 ÷ 全部措施)",
            f"总体:已销号 {o.closed}/{o.total},完成率 {percent(o.rate)},"
            + (f"待验收 {o.pending} 项," if status.accepting else "")
            + f"已超期 {o.overdue} 项,待复查 {o.review_due} 项",
            f"[{self._bar(o.rate, bar_width * 2)}]",
        ]
        sections = (
            [
                (
                    "按科室(一项措施计入其所列每个科室;超期多的在前)",
                    _behind_first(status.by_department),
                )
            ]
            if by_department
            else [
                ("按问题", status.by_problem),
                ("按整改时限", status.by_deadline),
                ("按科室(一项措施计入其所列每个科室)", status.by_department),
            ]
        )
        every = [t for _, tallies in sections for t in tallies]
        widths = self._layout(self._tally_columns(every, bar_width, status.accepting))
        tables: list[list[Line] | str] = []
        for title, tallies in sections:
            columns = self._tally_columns(tallies, bar_width, status.accepting)
            tables += ["", self._table(columns, title=title, widths=widths)]
        self._print(*head, *tables)

    def _tally_columns(
        self, tallies: list[Tally], bar_width: int, accepting: bool = False
    ) -> list[Column]:
        t = self._text

        def count(n: int, style: str) -> Cell:
            return t(str(n), style if n else "")

        pending = [Column("待验收", [count(x.pending, "yellow") for x in tallies], "right")]
        return [
            Column("项目", [t(x.label) for x in tallies], flexible=True),
            Column("已销号", [t(f"{x.closed}/{x.total}") for x in tallies], "right"),
            Column("完成率", [t(percent(x.rate)) for x in tallies], "right"),
            Column("进度", [t(self._bar(x.rate, bar_width)) for x in tallies], drop=1),
            *(pending if accepting else []),
            Column("已超期", [count(x.overdue, "red") for x in tallies], "right"),
            Column("待复查", [count(x.review_due, "yellow") for x in tallies], "right"),
        ]

    # ------------------------------------------------------------ lists

    def items(self, items: list[Item], note: str = "") -> None:
        if not items:
            self._print("没有符合条件的措施。", *([note] if note else []))
            return
        t = self._text
        self._print(
            self._table(
                [
                    Column("编号", [t(item_label(i)) for i in items]),
                    Column("状态", [t(state_text(i), _style(i)) for i in items]),
                    Column("到期日", [t(due_text(i)) for i in items]),
                    Column("责任人", [t(clip(i.owner or "—", 8)) for i in items], drop=1),
                    Column("整改措施", [t(i.measure.text) for i in items], flexible=True),
                ],
                caption=f"共 {len(items)} 项",
            ),
            *([note] if note else []),
        )

    def overdue(
        self, groups: list[tuple[str, list[Item]]], as_of: date, within: int | None, scope: str
    ) -> None:
        counted = {group: len(items) for group, items in groups}
        late = sum(n for group, n in counted.items() if group not in WARNING_GROUPS)
        parts = [("已超期", late)]
        if ETA_LATE_GROUP in counted:
            parts.append((ETA_LATE_GROUP, counted[ETA_LATE_GROUP]))
        if within is not None:
            parts.append(
                (f"{within} 天内到期" if within else "今天到期", counted.get(DUE_SOON_GROUP, 0))
            )
        parts.append((REVIEW_GROUP, counted.get(REVIEW_GROUP, 0)))
        when = f"截至 {as_of}" + (f"({scope})" if scope else "")
        if not groups:
            gap = "" if scope else " "  # 截至 2023-10-19 没有…, 截至 2023-10-19(治安科)没有…
            self._print(
                f"{when}{gap}没有{'、'.join(name for name, _ in parts[:-1])}或待复查的措施。"
            )
            return
        tables = [(group, self._overdue_columns(items, group)) for group, items in groups]
        merged = [  # one layout for every table: a column as wide as its widest cell in any
            Column(
                first.header,
                [cell for _, table in tables for cell in [(table[n].header, ""), *table[n].cells]],
                first.justify,
                first.flexible,
                first.drop,
            )
            for n, first in enumerate(tables[0][1])
        ]
        widths = self._layout(merged)
        out: list[list[Line] | str] = [f"{when}:" + ",".join(f"{k} {n} 项" for k, n in parts)]
        for (group, columns), (_, items) in zip(tables, groups, strict=True):
            own = {
                c.header: widths[m.header]
                for c, m in zip(columns, merged, strict=True)
                if m.header in widths
            }
            out += ["", self._table(columns, title=f"{group}({len(items)} 项)", widths=own)]
        self._print(*out)

    def _overdue_columns(self, items: list[Item], group: str) -> list[Column]:
        t = self._text
        reviewing = group == REVIEW_GROUP
        if group == ETA_LATE_GROUP:
            days = Column("预计完成", [t(str(i.eta), "yellow") for i in items])
        elif group == DUE_SOON_GROUP:
            days = Column("剩余", [t(_days_left(i), "yellow") for i in items])
        else:
            days = Column("逾期", [t(f"{_days_late(i)} 天", "red") for i in items], "right")
        return [
            Column("编号", [t(item_label(i)) for i in items]),
            Column(
                "到期或应复查", [t(str(i.next_review) if reviewing else due_text(i)) for i in items]
            ),
            days,
            Column("责任人", [t(clip(i.owner or "—", 8)) for i in items], drop=2),
            Column("牵头/责任科室", [t(_lead_or_responsible(i)) for i in items], drop=1),
            Column("整改措施", [t(i.measure.text) for i in items], flexible=True),
        ]

    # ------------------------------------------------------------ one item, the log

    def item(self, plan: Plan, item: Item, history: list[Entry]) -> None:
        m, state = item.measure, STATE_LABELS[item.state]
        problem = plan.problem(m.problem)
        due = f"到期日:{item.due or '无固定期限'}"
        if item.extensions:
            due += (
                f";原定 {item.original_due or item.original_deadline},已延期 {item.extensions} 次"
            )
            due += ",逾期后才延期" if item.late_extension else ""
        headline = state_text(item)
        if state not in headline:  # 已超期 N 天 of a measure under way or not started
            headline += f"(状态:{state})"
        lines = [
            f"措施 {m.id}  {headline}(截至 {item.as_of})",
            f"问题:{problem.label}{problem.title}",
            f"整改措施:{m.text}",
            f"牵头科室:{names(m.lead)}",
            f"责任科室:{names(m.responsible)}",
            f"责任人:{item.owner or '未指定'}",
            f"整改时限:{item.deadline}({due})",
        ]
        if item.acceptance:
            lines.append(f"验收科室:{item.acceptance}")
        if item.submitted_on:
            lines.append(f"待验收:{item.submitted_on} 由 {item.submitted_by} 提交销号")
        if item.accepted_on:
            lines.append(f"验收:{item.accepted_on} 由 {item.accepted_by} 验收通过")
        if item.parts:
            lines.append(
                f"分科室办理:{len([p for p in item.parts if p.closed])}/{len(item.parts)} 个科室已销号"
            )
            lines += [f"  {part_text(p)}" for p in item.parts]
        if item.progress_on:
            done = f",完成 {item.percent}%" if item.percent is not None else ""
            eta = f",预计 {item.eta} 完成" if item.eta else ""
            if item.eta_late and item.eta and item.due:
                eta += f",比到期日晚 {(item.eta - item.due).days} 天(预计超期)"
            lines.append(f"最近进展:{item.progress_on}{done}{eta}")
        if item.next_review:
            last = item.last_review or "尚未复查"
            lines.append(f"复查:每{m.cadence}一次;上次 {last},下次应在 {item.next_review} 前")
        lines.append("历史记录:" if history else "历史记录:暂无")
        for entry in history:
            lines += ["  " + line for line in entry_lines(entry)]
        self._print(*lines)

    def log(self, entries: list[Entry]) -> None:
        if not entries:
            self._print("没有符合条件的记录。")
            return
        lines = []
        for entry in entries:
            first, *rest = entry_lines(entry)
            lines += [f"{entry.event.id}  {first}", *rest]
        lines.append(f"共 {len(entries)} 条记录")
        self._print(*lines)

    def trend(self, points: list[Point], checks: list[DeadlineCheck], step: str) -> None:
        from .reports import chart_lines

        as_of = points[-1].day if points else ""
        full, empty = ("█", "░") if blocks_fit(self.console.encoding) else ("#", "-")
        arrow = "↑" if fits("↑", self.console.encoding) else "^"
        width = 30 if self.console.width >= 80 else 15
        chart = chart_lines(points, checks, width, full, empty, arrow)
        self._print(f"整改完成率走势(截至 {as_of},{'按周' if step == 'week' else '按月'})", *chart)


# ---------------------------------------------------------------------------- words


def due_text(item: Item) -> str:
    """Return when an item is due: a date (marked if extended), or its ongoing deadline."""
    if item.due is None:
        return item.deadline
    if item.late_extension:
        return f"{item.due}(逾期后延)"
    return f"{item.due}(延)" if item.extensions else item.due.isoformat()


def item_label(item: Item) -> str:
    """Return how a list names an item: its id, and the section for one section's part."""
    return f"{item.measure.id} {item.part}" if item.part else item.measure.id


def _days_left(item: Item) -> str:
    return "今天到期" if item.days_left == 0 else f"剩 {item.days_left} 天"


def _days_late(item: Item) -> int:
    return item.days_overdue if item.overdue else item.days_review_overdue


def _lead_or_responsible(item: Item) -> str:
    return names(item.measure.lead or item.measure.responsible)


def _style(item: Item) -> str:
    return "red" if item.overdue else "yellow" if item.review_due or item.eta_late else ""


def _behind_first(tallies: list[Tally]) -> list[Tally]:
    return sorted(tallies, key=lambda t: (-t.overdue, -t.review_due, t.rate))


def entry_lines(entry: Entry) -> list[str]:
    """Describe one event: what, when it takes effect, who, when recorded, and all it says."""
    e = entry.event
    backdated = "(补登)" if e.date < e.recorded.date() else ""
    lines = [
        f"{e.date} {describe(e, entry.awaits)} 由 {e.by}"
        f"(登记于 {e.recorded:%Y-%m-%d %H:%M:%S%z}{backdated},第 {entry.line} 行)"
    ]
    first, *more = e.note.splitlines() or [""]
    label = "原因" if e.action in ("reopen", "extend", "void", "amend") else "说明"
    if e.note:  # every line of a note indented under it: none can pass for a record
        lines += [f"    {label}:{first}", *(f"          {line}" for line in more)]
    lines += [f"    佐证:{evidence_text(x)}" for x in e.evidence]
    if entry.voided_by is not None:
        v = entry.voided_by
        lines.append(
            f"    已撤销:由 {v.event.by} 于 {v.event.recorded:%Y-%m-%d %H:%M} 撤销"
            f"(第 {v.line} 行),原因:{v.event.note};不再计入任何状态和统计"
        )
    return lines
