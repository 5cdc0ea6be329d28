"""What an office hands in, as data: the progress report, the 台账 rows, the trend.

`build` gathers everything from the plan and the ledger at a date; `blocks` lays the
progress report out as headings, paragraphs and tables that `writers` turn into
Markdown or Word; each text from the plan or the ledger goes through the writer's `Quote`
(Markdown escapes it), rectify's own wording does not. Nothing here writes a file or reads
the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from . import core
from .actions import ACTIONS
from .core import REVIEW_GROUP, STATE_LABELS, Item, Status
from .errors import Refused
from .index import AMEND, Index
from .plan import Plan, add_months, chinese_numeral, deadline_group
from .text import bar, describe, evidence_text, names, part_text, percent, state_text

if TYPE_CHECKING:
    from .ledger import Entry

Step = Literal["week", "month"]


def parse_step(text: str) -> Step:
    """Return the step --step names (week/周, month/月), or raise Refused."""
    if text in ("week", "周"):
        return "week"
    if text in ("month", "月"):
        return "month"
    raise Refused(f"--step 的值“{text}”无效,应为 week 或 周(按周),month 或 月(按月)")


@dataclass(frozen=True)
class Detail:
    """A measure at the report's date, with what the ledger says of it."""

    item: Item
    closing: Entry | None  # the sign-off in force
    progress: Entry | None  # the latest progress entry
    reopened: Entry | None  # the latest reopening
    rejected: Entry | None = None  # the latest sending back (退回), if the item is not done


@dataclass(frozen=True)
class Point:
    """The completion rate on one day of the trend."""

    day: date
    closed: int
    total: int

    @property
    def rate(self) -> float:
        """Return signed off ÷ all."""
        return core.rate(self.closed, self.total)


@dataclass(frozen=True)
class DeadlineCheck:
    """How the measures due at one month end were signed off: by that day (按期), by a
    deadline extended in time (延期后按期), late or not at all (逾期), or still within a
    deadline extended in time (延期未到期)."""

    group: str
    due: date
    total: int
    on_time: int
    extended_on_time: int
    late: int
    pending: int
    closed_now: int

    @property
    def met(self) -> bool:
        """Tell whether every measure of the group was signed off by its own due date."""
        return self.on_time == self.total

    def verdict(self) -> str:
        """Say how the deadline was kept, as a 通报 would."""
        if self.met:
            return "按期完成"
        said = (
            f"按期 {self.on_time}/{self.total},延期后按期 {self.extended_on_time},逾期 {self.late}"
        )
        return said + (f",延期未到期 {self.pending}" if self.pending else "")


@dataclass(frozen=True)
class Report:
    """Everything a progress report says, at one date."""

    plan: Plan
    as_of: date
    status: Status
    details: list[Detail]
    trend: list[Point]
    step: Step
    deadlines: list[DeadlineCheck]
    head: str | None  # the ledger's head hash, when it has events
    voids: list[tuple[Entry, Entry]]  # (a record in effect by the date, the void that took it back)
    amendments: list[Entry]  # amendments of the plan in effect by the date
    unamended: list[str]  # measures the plan file states otherwise than the ledger holds


def build(
    plan: Plan,
    index: Index,
    entries: list[Entry],
    as_of: date,
    head: str | None,
    step: Step = "week",
) -> Report:
    """Gather the report at AS_OF: the rates, every measure's details, the trend, the deadlines.

    ENTRIES are the ledger's events, read once; entry i is row i of INDEX.
    """
    items = core.replay(plan, index, as_of)
    applied: dict[int, list[int]] = {}  # measure code -> its events in effect, in order
    for row in filter(index.counts, core.history(index, None, as_of)):
        applied.setdefault(index.id[row], []).append(row)

    def latest(item: Item, action: str) -> Entry | None:
        rows = applied.get(index.code_of(item.measure.id), [])
        chosen = [i for i in rows if ACTIONS[index.action[i]] == action]
        return entries[chosen[-1]] if chosen else None

    details = [
        Detail(
            item,
            latest(item, "close") if item.closed else None,
            latest(item, "progress"),
            latest(item, "reopen"),
            latest(item, "reject") if not item.closed else None,
        )
        for item in items
    ]
    return Report(
        plan,
        as_of,
        core.status(plan, items),
        details,
        trend(plan, index, as_of, step),
        step,
        deadline_checks(plan, index, as_of),
        head,
        [
            (entries[target], entries[void])
            for target, void in sorted(index.voided.items())
            if index.date[target] <= as_of.toordinal()
        ],
        [
            entries[row]
            for row in filter(index.counts, core.audit_log(index))
            if index.action[row] == AMEND and index.date[row] <= as_of.toordinal()
        ],
        [d.mid for d in core.drift(plan, index)],
    )


MAX_POINTS = 1000  # about twenty years week by week: more is a typing error, not a plan


def trend(plan: Plan, index: Index, as_of: date, step: Step = "week") -> list[Point]:
    """Return the completion rate from the plan's date to AS_OF, week by week or month by month."""
    start = plan.plan.date
    span = (as_of - start).days // (7 if step == "week" else 30)
    if span > MAX_POINTS:
        raise Refused(
            f"从方案日期 {start} 到 {as_of} {'按周' if step == 'week' else '按月'}要画 {span} 个点,"
            f"超过 {MAX_POINTS} 个;请检查 --as-of,或用 --step month"
        )
    days: list[date] = []
    day = start
    n = 0
    while day < as_of:
        days.append(day)
        n += 1
        day = start + timedelta(weeks=n) if step == "week" else add_months(start, n)
    days.append(as_of)
    total = len(plan.by_id)
    return [
        Point(day, n, total)
        for day, n in zip(days, core.closed_counts(plan, index, days), strict=True)
    ]


def deadline_checks(plan: Plan, index: Index, as_of: date) -> list[DeadlineCheck]:
    """Return, for each month-end deadline already past, how many were signed off in time.

    A measure is held to the deadline it was first recorded under: one moved later by an
    amendment of the plan counts like an extended one.
    """
    now = {i.measure.id: i for i in core.replay(plan, index, as_of)}
    groups: dict[tuple[date, str], list[str]] = {}
    for item in now.values():
        due, word = item.original_due, item.original_deadline
        if due is None or deadline_group(word) != word or due >= as_of:
            continue
        groups.setdefault((due, word), []).append(item.measure.id)
    checks = []
    for (due, group), ids in sorted(groups.items()):
        then = {i.measure.id: i for i in core.replay(plan, index, due)}
        kept = [_kept(then[i], now[i], due, as_of) for i in ids]
        checks.append(
            DeadlineCheck(
                group,
                due,
                len(ids),
                kept.count("on_time"),
                kept.count("extended_on_time"),
                kept.count("late"),
                kept.count("pending"),
                sum(now[i].closed for i in ids),
            )
        )
    return checks


def _kept(then: Item, now: Item, original: date, as_of: date) -> str:
    """Say how a measure kept its deadline: THEN is it on its ORIGINAL due date, NOW at AS_OF.

    A sign-off counts by a date only if it was also recorded by then: a late one entered
    later with an earlier --date is not on time. An extension counts only if it was
    recorded before the deadline it moved had passed.
    """
    if then.closed and then.closed_recorded is not None and then.closed_recorded <= original:
        return "on_time"
    due = now.due if now.extensions and not now.late_extension else None
    done, recorded = now.closed_on, now.closed_recorded
    if due is not None and done is not None and recorded is not None and max(done, recorded) <= due:
        return "extended_on_time"
    if due is not None and not now.closed and due >= as_of:
        return "pending"
    return "late"


# ---------------------------------------------------------------------------- the 台账


COLUMNS = (
    ("序号", "id"),
    ("问题", "problem"),
    ("整改措施", "text"),
    ("牵头科室", "lead"),
    ("责任科室", "responsible"),
    ("责任人", "owner"),
    ("整改时限", "deadline"),
    ("到期日", "due"),
    ("状态", "state"),
    ("进展", "progress"),
    ("佐证材料", "evidence"),
    ("销号时间", "closed_on"),
    ("备注", "remarks"),
)


def evidence(entry: Entry | None) -> list[str]:
    """Return the evidence an entry carries, one text each."""
    return [] if entry is None else [evidence_text(x) for x in entry.event.evidence]


def progress_text(detail: Detail) -> str:
    """Describe the latest progress: when, how far, what it achieved, when it should be done."""
    p = detail.progress
    if p is None:
        return ""
    parts = [f"{p.event.date}:{p.event.note}"]
    if p.event.percent is not None:
        parts.append(f"完成 {p.event.percent}%")
    if p.event.eta:
        parts.append(f"预计 {p.event.eta} 完成")
    return ";".join(parts)


def remarks(detail: Detail) -> str:
    """Return the notes a 台账 row carries: extensions, reopening, reviews."""
    item = detail.item
    notes = []
    if item.extensions:
        late = ",逾期后延期" if item.late_extension else ""
        notes.append(
            f"已延期 {item.extensions} 次,原定 {item.original_due or item.original_deadline}{late}"
        )
    if item.state == "reopened" and detail.reopened:
        notes.append(f"{detail.reopened.event.date} 反弹:{detail.reopened.event.note}")
    if item.state == "pending":
        notes.append(f"{item.submitted_on} {item.submitted_by} 提交销号,待{item.acceptance}验收")
    elif item.accepted_on:
        notes.append(f"{item.accepted_on} {item.accepted_by} 验收通过")
    elif detail.rejected is not None:
        r = detail.rejected.event
        notes.append(f"{r.date} 验收退回:{r.note}")
    if item.parts:
        notes.append("分科室:" + ";".join(part_text(p) for p in item.parts))
    if item.next_review:
        last = f"上次复查或销号 {item.last_review}," if item.last_review else "尚未复查,"
        late = "(已逾期)" if item.review_due else ""
        notes.append(f"{last}应在 {item.next_review} 前复查{late}")
    return ";".join(notes)


@dataclass(frozen=True)
class Row:
    """One 台账 row; dates stay dates so that Excel gets real dates."""

    id: str
    problem: str
    text: str
    lead: str
    responsible: str
    owner: str
    deadline: str
    due: date | None
    state: str
    progress: str
    evidence: str
    closed_on: date | None
    remarks: str
    overdue: bool


def rows(report: Report) -> list[Row]:
    """Return the 台账: one row per measure, in plan order."""
    out = []
    for d in report.details:
        m, item = d.item.measure, d.item
        problem = report.plan.problem(m.problem)
        out.append(
            Row(
                m.id,
                f"{problem.label}{problem.title}",
                m.text,
                "、".join(m.lead),
                "、".join(m.responsible),
                item.owner or "",
                item.deadline,
                item.due,
                state_text(item),
                progress_text(d),
                ";".join(evidence(d.closing) or evidence(d.progress)),
                item.closed_on,
                remarks(d),
                item.overdue,
            )
        )
    return out


# ---------------------------------------------------------------------------- the progress report as blocks


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative column widths


@dataclass(frozen=True)
class Chart:
    """A bar chart drawn with characters: one line per point."""

    lines: list[str]


Block = Heading | Paragraph | Bullets | Table | Chart
Quote = Callable[[str], str]  # how a writer sets down text from the plan or the ledger


def chart_lines(
    points: list[Point],
    deadlines: list[DeadlineCheck],
    width: int = 30,
    full: str = "█",
    empty: str = "░",
    arrow: str = "↑",
) -> list[str]:
    """Draw the trend as bars, one per point; under the point nearest each month-end
    deadline, a line says how many of its measures were signed off by then."""
    marks: dict[date, list[str]] = {}
    for check in deadlines:
        verdict = check.verdict()
        nearest = min(points, key=lambda p: (p.day < check.due, abs((p.day - check.due).days)))
        marks.setdefault(nearest.day, []).append(
            f"{arrow} {check.group}({check.due})到期:{verdict}"
        )
    lines = []
    for p in points:
        drawn = bar(p.rate, width, full, empty)
        lines.append(f"{p.day}  {drawn} {percent(p.rate):>6}  {p.closed}/{p.total}")
        lines += [" " * 12 + mark for mark in marks.get(p.day, [])]
    return lines


def _owner(item: Item, q: Quote) -> str:
    """Return the measure's owner as Q sets it down, or 未指定."""
    return q(item.owner) if item.owner else "未指定"


def _describe(detail: Detail, q: Quote) -> str:
    """Say in sentences what was done for a measure, or where it stands."""
    item, m = detail.item, detail.item.measure
    owner = f"责任人:{_owner(item, q)}。"
    if item.closed and detail.closing is not None:
        e = detail.closing.event
        kind = "长效机制已建立,已销号" if m.ongoing else "已完成整改并销号"
        late = item.closed_recorded is not None and item.closed_recorded > e.date
        text = f"{kind}({e.date},{q(e.by)}{f';{item.closed_recorded} 补登' if late else ''})。"
        if item.accepted_on:
            text += f"经{q(item.acceptance or '')} {q(item.accepted_by or '')} 于 {item.accepted_on} 验收通过。"
        if e.note:
            text += f"整改情况:{q(e.note)}。"
        proof = evidence(detail.closing)
        if proof:
            text += f"佐证材料:{'、'.join(map(q, proof))}。"
        if item.next_review:
            text += f"上次复查 {item.last_review},下次应在 {item.next_review} 前复查"
            text += "(已逾期)。" if item.review_due else "。"
        return text + owner
    if detail.progress is None and item.state == "not_started":
        return f"尚无任何进展登记(未启动)。{owner}"
    text = f"{STATE_LABELS[item.state]}。"
    if item.state == "pending":
        text += f"{item.submitted_on} 由 {q(item.submitted_by or '')} 提交销号,待{q(item.acceptance or '')}验收。"
    elif detail.rejected is not None:
        r = detail.rejected.event
        text += f"{r.date} 验收未通过,由 {q(r.by)} 退回:“{q(r.note)}”。"
    if item.parts:
        text += f"分科室办理:{';'.join(q(part_text(p)) for p in item.parts)}。"
    if item.state == "reopened" and detail.reopened is not None:
        text += f"{detail.reopened.event.date} 因“{q(detail.reopened.event.note)}”重新打开。"
    if detail.progress is not None:
        p = detail.progress.event
        done = f"完成 {p.percent}%" if p.percent is not None else "未填报百分比"
        text += f"进度:{done}({p.date} 登记)。现阶段成效:{q(p.note)}。"
        text += f"预计完成时间:{p.eta or '未填报'}。"
    else:
        text += "进度:尚无进展登记。现阶段成效:无。预计完成时间:未填报。"
    return text + owner


def _due_text(item: Item, q: Quote) -> str:
    if item.due is None:
        return q(item.deadline)
    was = item.original_due or q(item.original_deadline)
    extended = f",原定 {was},已延期 {item.extensions} 次" if item.extensions else ""
    extended += "(逾期后延期)" if item.late_extension else ""
    return f"{q(item.deadline)},{item.due} 到期{extended}"


def blocks(report: Report, q: Quote) -> list[Block]:
    """Lay out the progress report the plan's 五(三) asks for; Q sets down each text from the files."""
    plan, s = report.plan, report.status
    o = s.overall
    dated = [d for d in report.details if d.item.due is not None]
    ongoing = [d for d in report.details if d.item.measure.ongoing]
    out: list[Block] = [
        Heading(1, "整改工作进展情况报告"),
        Paragraph(
            f"方案:{q(plan.plan.title)}({plan.plan.date})。"
            + (f"依据:{q(plan.plan.basis)}。" if plan.plan.basis else "")
            + f"统计截至 {report.as_of}。"
            + (
                f"账本头哈希:{q(report.head)}。日后核对账本此后只追加、未被改写,运行:"
                f"rectify verify --head {q(report.head)}"
                if report.head
                else "账本尚无记录。"
            )
        ),
        *(
            [
                Paragraph(
                    f"注意:计划文件中有 {len(report.unamended)} 项措施"
                    f"({'、'.join(map(q, report.unamended))})与账本记录的方案不同,尚未用 rectify amend "
                    "记录;本报告的整改时限和到期日按账本记录的方案计算。"
                )
            ]
            if report.unamended
            else []
        ),
        Heading(2, "一、总体情况"),
        Bullets(
            [
                f"整改措施共 {o.total} 项,已销号 {o.closed} 项,整改完成率 {percent(o.rate)}(已销号 ÷ 全部措施)。",
                f"有明确时限的措施 {len(dated)} 项:已销号 {sum(d.item.closed for d in dated)} 项,"
                f"已超期 {o.overdue} 项。",
                f"长期坚持、持续推进的措施 {len(ongoing)} 项(单列,计入分母):已建立长效机制并销号 "
                f"{sum(d.item.closed for d in ongoing)} 项,待复查 {o.review_due} 项。",
                (f"待验收 {o.pending} 项(已提交销号,未计入已销号);" if s.accepting else "")
                + f"推进中 {sum(d.item.state == 'in_progress' for d in report.details)} 项,"
                f"反弹 {sum(d.item.state == 'reopened' for d in report.details)} 项,"
                f"未启动 {sum(d.item.state == 'not_started' for d in report.details)} 项。",
            ]
        ),
        Table(
            [
                "整改时限",
                "措施数",
                "已销号",
                "完成率",
                *(["待验收"] if s.accepting else []),
                "已超期",
                "待复查",
            ],
            [
                [
                    q(t.key),
                    str(t.total),
                    str(t.closed),
                    percent(t.rate),
                    *([str(t.pending)] if s.accepting else []),
                    str(t.overdue),
                    str(t.review_due),
                ]
                for t in s.by_deadline
            ],
            [2, 1, 1, 1, *([1] if s.accepting else []), 1, 1],
        ),
        Paragraph(f"完成率走势({'按周' if report.step == 'week' else '按月'}):"),
        Chart(chart_lines(report.trend, report.deadlines)),
    ]
    for check in report.deadlines:
        out.append(
            Paragraph(
                f"{q(check.group)}({check.due})到期的 {check.total} 项措施:{check.verdict()}"
                f"(延期后才完成的不计为按期);截至 {report.as_of} 已销号 {check.closed_now} 项。"
            )
        )
    out.append(Heading(2, "二、各问题整改情况"))
    tallies = {t.key: t for t in s.by_problem}
    details_of: dict[int, list[Detail]] = {}  # one pass, not one per problem
    for d in report.details:
        details_of.setdefault(d.item.measure.problem, []).append(d)
    for problem in plan.problems:
        t = tallies[str(problem.number)]
        done = "该问题已完成整改。" if t.closed == t.total else ""
        out.append(Heading(3, f"({chinese_numeral(problem.number)}){q(problem.title)}"))
        out.append(
            Paragraph(f"{done}共 {t.total} 项措施,已销号 {t.closed} 项,已超期 {t.overdue} 项。")
        )
        for d in details_of.get(problem.number, []):
            m = d.item.measure
            out.append(
                Paragraph(
                    f"措施 {q(m.id)}({_due_text(d.item, q)};牵头:{names(tuple(map(q, m.lead)))};"
                    f"责任:{'、'.join(map(q, m.responsible))}):{_describe(d, q)}"
                )
            )
    late = [d for d in report.details if d.item.overdue]
    late.sort(key=lambda d: (d.item.due or date.max, d.item.measure.problem))
    out.append(Heading(2, "三、超期事项"))
    if late:
        out.append(
            Table(
                ["编号", "整改时限", "到期日", "超期天数", "牵头科室", "责任科室", "责任人"],
                [
                    [
                        q(d.item.measure.id),
                        q(d.item.deadline),
                        str(d.item.due),
                        str(d.item.days_overdue),
                        names(tuple(map(q, d.item.measure.lead))),
                        "、".join(map(q, d.item.measure.responsible)),
                        _owner(d.item, q),
                    ]
                    for d in late
                ],
                [1, 1.2, 1.6, 1, 1.8, 1.8, 1.2],
            )
        )
    else:
        out.append(Paragraph("无。"))
    review = [d for d in report.details if d.item.review_due]
    out.append(Heading(2, f"四、{REVIEW_GROUP}的长期措施"))
    out.append(
        Bullets(
            [
                f"措施 {q(d.item.measure.id)}:上次复查或销号 {d.item.last_review or '无'},"
                f"应在 {d.item.next_review} 前复查;责任人:{_owner(d.item, q)}。"
                for d in review
            ]
        )
        if review
        else Paragraph("无。")
    )
    pending = [d for d in report.details if not d.item.closed]
    pending.sort(key=lambda d: (d.item.due is None, d.item.due or date.max, d.item.measure.problem))
    out.append(Heading(2, "五、下一步工作"))
    out.append(
        Bullets(
            [
                f"措施 {q(d.item.measure.id)}({_due_text(d.item, q)},{STATE_LABELS[d.item.state]}):"
                f"{'预计 ' + str(d.progress.event.eta) + ' 完成;' if d.progress and d.progress.event.eta else ''}"
                f"责任人:{_owner(d.item, q)}。"
                for d in pending
            ]
        )
        if pending
        else Paragraph("全部措施均已销号;长期措施按周期复查,巩固整改成效。")
    )
    out += _appendix(
        "附:方案的修订",
        [
            f"措施 {q(a.event.id)}:{q(describe(a.event))}。原因:{q(a.event.note)};"
            f"{a.event.date} 由 {q(a.event.by)} 登记(第 {a.line} 行)。"
            for a in report.amendments
        ],
    )
    out += _appendix(
        "附:已撤销的记录",
        [
            f"第 {t.line} 行,措施 {q(t.event.id)} 的“{q(describe(t.event))}”({t.event.date},"
            f"{q(t.event.by)} 登记):{v.event.date} 由 {q(v.event.by)} 撤销(第 {v.line} 行),"
            f"原因:{q(v.event.note)}。不计入本报告的任何统计。"
            for t, v in report.voids
        ],
    )
    return out


def _appendix(title: str, items: list[str]) -> list[Block]:
    """Return an appendix: its heading, then its items, or 无。"""
    return [Heading(2, title), Bullets(items) if items else Paragraph("无。")]
