"""Commands that read: status, overdue, list, show, log, trend."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import core
from ..errors import EXIT_OVERDUE, Refused
from ..workspace import Workspace, parse_date
from .app import app
from .options import (
    AsOfOption,
    IdArgument,
    JsonOption,
    LedgerOption,
    PlainOption,
    PlanOption,
    StepOption,
    output,
)


@app.command()
def status(
    by_department: Annotated[
        bool,
        typer.Option(
            "--by-department", help="只看各科室:措施数、已销号、已超期、待复查,落后的在前"
        ),
    ] = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """打印整改完成率(已销号 ÷ 全部措施):总体、按问题、按整改时限、按科室。

    示例:rectify status --as-of 2023-10-31
    """
    ws = Workspace.open(plan, ledger)
    result = core.status(ws.plan, ws.state(ws.as_of(as_of)))
    output(json_, plain).status(ws.plan, result, by_department)


@app.command()
def overdue(
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="没有超期事项时什么也不输出")
    ] = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """列出已超期且未销号的措施(按整改时限分组,最早到期的在前)和待复查的长期措施。

    退出码:0 没有超期或待复查;1 有;2 出错。适合 cron 每天运行并发邮件。

    示例:rectify overdue --quiet
    """
    ws = Workspace.open(plan, ledger)
    day = ws.as_of(as_of)
    groups = core.overdue(ws.state(day))
    if groups or not quiet:
        output(json_, plain).overdue(groups, day)
    if groups:
        raise typer.Exit(EXIT_OVERDUE)


@app.command("list")
def list_(
    problem: Annotated[
        str | None,
        typer.Option(
            "--problem", metavar="问题", help="只列问题 N 的措施(3 或 三)", show_default=False
        ),
    ] = None,
    dept: Annotated[
        str | None,
        typer.Option(
            "--dept", metavar="科室", help="只列涉及该科室的措施(牵头或责任)", show_default=False
        ),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option(
            "--deadline",
            metavar="时限",
            help="只列该整改时限的措施,如 9月底、长期坚持、其他日期",
            show_default=False,
        ),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="姓名", help="只列该责任人的措施", show_default=False),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            metavar="状态",
            help="只列该状态的措施:" + "、".join(core.STATE_FILTERS),
            show_default=False,
        ),
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="只列未销号的")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="只列已销号的")] = False,
    overdue_: Annotated[
        bool, typer.Option("--overdue", help="只列已超期的(同 --state 已超期)")
    ] = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """列出措施及其状态,可按问题、科室、整改时限、责任人、状态筛选。

    示例:rectify list --dept 政策法规科 --state 推进中
    """
    if open_ and closed:
        raise Refused("--open 和 --closed 只能选一个")
    if overdue_ and state not in (None, "已超期"):
        raise Refused("--overdue 与 --state 只能选一个")
    ws = Workspace.open(plan, ledger)
    where = core.Filter(
        problem=ws.plan.problem_number(problem) if problem else None,
        department=ws.plan.department(dept) if dept else None,
        deadline=deadline,
        owner=owner,
        state="已超期" if overdue_ else core.state_filter(state) if state else None,
        open=True if open_ else False if closed else None,
    )
    output(json_, plain).items(core.select(ws.state(ws.as_of(as_of)), where))


@app.command()
def show(
    measure_id: IdArgument,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
) -> None:
    """显示一条措施的全文、科室、时限、状态和全部历史记录。

    示例:rectify show 3.2
    """
    ws = Workspace.open(plan, ledger)
    mid, day = ws.plan.measure(measure_id).id, ws.as_of(as_of)
    item = next(i for i in ws.state(day) if i.measure.id == mid)
    output(json_, plain=True).item(ws.plan, item, ws.history(mid, day))


@app.command()
def log(
    measure_id: Annotated[
        str | None,
        typer.Argument(metavar="编号", help="只看这条措施", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="日期", help="只看生效日期不早于此日的记录", show_default=False
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="姓名", help="只看此人登记的记录", show_default=False),
    ] = None,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """审计日志:账本里的每条记录,按登记时间先后,含全部字段。补登的记录会标出。

    示例:rectify log 3.2 --since 2023-10-01
    """
    ws = Workspace.open(plan, ledger)
    mid = ws.plan.measure(measure_id).id if measure_id else None
    start = parse_date(since, "--since") if since else None
    output(json_, plain).log(ws.log(mid, start, by))


@app.command()
def trend(
    step: StepOption = "week",
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """画出整改完成率随时间的走势,并标出 9月底、10月底、12月底 等时限是否按期完成。

    示例:rectify trend --step month
    """
    from ..reports import deadline_checks, parse_step
    from ..reports import trend as points_of

    ws = Workspace.open(plan, ledger)
    day, every = ws.as_of(as_of), parse_step(step)
    points = points_of(ws.plan, ws.ledger.index, day, every)
    checks = deadline_checks(ws.plan, ws.ledger.index, day)
    output(json_, plain).trend(points, checks, every)
