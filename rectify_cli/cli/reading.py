"""Commands that read: status, overdue, list, show, log, trend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .. import core
from ..errors import EXIT_OVERDUE, Refused
from ..workspace import parse_date
from .app import app
from .options import READING, Given, IdArgument, flag, option, takes

if TYPE_CHECKING:
    from ..workspace import Workspace

Department = Annotated[
    str | None,
    option("--dept", "科室", "只列涉及该科室的措施(牵头或责任;可只写开头)"),
]
Owner = Annotated[str | None, option("--owner", "姓名", "只列该责任人的措施")]


def _department(ws: Workspace, dept: str | None) -> str | None:
    """Return the department --dept names, None if not given; refuse an empty one (an
    unset variable in a cron line must not mean every department)."""
    if dept is None:
        return None
    if not dept.strip():
        raise Refused("--dept 的值不能为空")
    return ws.plan.department(dept)


def _owner(owner: str | None) -> str | None:
    """Return the person --owner names, None if not given; refuse an empty one."""
    if owner is None:
        return None
    if not owner.strip():
        raise Refused("--owner 的值不能为空")
    char = core.untruthful(owner, name=True)
    if char is not None:
        raise Refused(f"--owner 中含有不能如实显示的字符 U+{ord(char):04X},请删去")
    return core.same_name(owner)


def _warn_unknown_owner(ws: Workspace, items: list[core.Item], owner: str | None) -> None:
    """Warn on stderr (which cron mails too) if no measure has OWNER as its owner: a typo
    would otherwise read as nothing to do."""
    if owner is not None and all(i.owner != owner for i in items):
        known = sorted({i.owner for i in items if i.owner})
        hint = f";现有责任人:{'、'.join(known)}" if known else ";目前没有措施指定了责任人"
        ws.warn(f"没有哪项措施的责任人是“{owner}”{hint}")


@app.command()
@takes(*READING)
def status(
    by_department: Annotated[
        bool, flag("--by-department", "只看各科室:措施数、已销号、已超期、待复查,超期多的在前")
    ] = False,
    *,
    given: Given,
) -> None:
    """打印整改完成率(已销号 ÷ 全部措施):总体、按问题、按整改时限、按科室。

    示例:rectify status --as-of 2023-10-31
    """
    ws = given.workspace
    given.out().status(ws.plan, core.status(ws.plan, ws.state(given.day())), by_department)


@app.command()
@takes(*READING)
def overdue(
    within: Annotated[
        int | None,
        option("--within", "天数", "另列 N 天内到期的措施(即将到期);默认取方案的 warn_days"),
    ] = None,
    dept: Department = None,
    owner: Owner = None,
    quiet: Annotated[bool, flag("--quiet", "没有要列的事项时什么也不输出", "-q")] = False,
    *,
    given: Given,
) -> None:
    """列出已超期且未销号的措施(按整改时限分组,最早到期的在前)、预计超期的措施、即将到期的措施和待复查的长期措施。

    退出码:0 没有要列的事项;1 有;2 出错。适合 cron 每天运行并发邮件;
    各科室可用 --dept 只收本科室的清单。

    示例:rectify overdue --within 7 --dept 政策法规科 --quiet
    """
    ws, day = given.workspace, given.day()
    if within is not None and not 0 <= within <= 366:
        raise Refused(f"--within 的值应为 0 到 366 之间的整数,而不是 {within}")
    days = within if within is not None else ws.plan.plan.warn_days
    where = core.Filter(department=_department(ws, dept), owner=_owner(owner))
    items = ws.state(day)
    _warn_unknown_owner(ws, items, where.owner)
    groups = core.overdue(core.select(items, where), days)
    if groups or not quiet:
        scope = "、".join(x for x in (where.department, where.owner) if x)
        given.out().overdue(groups, day, days, scope)
    if groups:
        raise typer.Exit(EXIT_OVERDUE)


@app.command("list")
@takes(*READING)
def list_(
    problem: Annotated[
        str | None, option("--problem", "问题", "只列问题 N 的措施(3 或 三)")
    ] = None,
    dept: Department = None,
    deadline: Annotated[
        str | None,
        option("--deadline", "时限", "只列该整改时限的措施,如 9月底、长期坚持、其他日期"),
    ] = None,
    owner: Owner = None,
    state: Annotated[
        str | None, option("--state", "状态", "只列该状态的措施:" + "、".join(core.STATE_FILTERS))
    ] = None,
    open_: Annotated[bool, flag("--open", "只列未销号的")] = False,
    closed: Annotated[bool, flag("--closed", "只列已销号的")] = False,
    overdue_: Annotated[bool, flag("--overdue", "只列已超期的(同 --state 已超期)")] = False,
    grep: Annotated[
        str | None,
        option(
            "--grep",
            "文字",
            "只列含此文字的措施:措施内容、问题及其具体表现、各条记录的说明和佐证材料(不分大小写、全半角)",
        ),
    ] = None,
    sample: Annotated[
        int | None,
        option("--sample", "N", "从符合条件的措施中按种子抽取 N 项(回头看抽查,抽法见 README)"),
    ] = None,
    seed: Annotated[
        str | None,
        option(
            "--seed",
            "种子",
            "抽样种子(默认取账本最新记录哈希的前 8 位):同一种子、同样的筛选条件和 --as-of 抽出同样的措施",
        ),
    ] = None,
    *,
    given: Given,
) -> None:
    """列出措施及其状态,可按问题、科室、整改时限、责任人、状态、文字筛选,或从中随机抽查。

    示例:rectify list --dept 政策法规科 --state 推进中
    示例:rectify list --grep 执法证件
    示例:rectify list --closed --sample 3 --as-of 2023-12-31
    """
    if open_ and closed:
        raise Refused("--open 和 --closed 只能选一个")
    if overdue_ and state not in (None, "已超期"):
        raise Refused("--overdue 与 --state 只能选一个")
    if seed is not None and sample is None:
        raise Refused("--seed 只与 --sample 一起使用")
    ws, day = given.workspace, given.day()
    plan = ws.plan
    where = core.Filter(
        problem=plan.problem_number(problem) if problem else None,
        department=_department(ws, dept),
        deadline=plan.deadline(deadline) if deadline else None,
        owner=_owner(owner),
        state="已超期" if overdue_ else core.state_filter(state) if state else None,
        open=True if open_ else False if closed else None,
    )
    items = ws.state(day)
    _warn_unknown_owner(ws, items, where.owner)
    chosen = core.select(items, where)
    if grep is not None:
        chosen = core.grep(plan, chosen, grep, ws.record_texts(day))
    if sample is None:
        given.out().items(chosen)
        return
    seed = core.sample_seed(seed) if seed is not None else ws.ledger_seed()
    picked = core.sample(chosen, sample, seed)
    import shlex

    note = (
        f"从符合条件的 {len(chosen)} 项中抽取 {len(picked)} 项,种子 {seed}。"
        f"同一账本、同样的筛选条件加 --seed {shlex.quote(seed)} --as-of {day},抽出的结果相同"
    )
    given.out().items(picked, note)


@app.command()
@takes("plan", "ledger", "as_of", "json")
def show(measure_id: IdArgument, *, given: Given) -> None:
    """显示一条措施的全文、科室、时限、状态和全部历史记录。

    示例:rectify show 3.2
    """
    ws, day = given.workspace, given.day()
    mid = ws.plan.measure(measure_id).id
    item = next(i for i in ws.state(day) if i.measure.id == mid)
    given.out(plain=True).item(ws.plan, item, ws.history(mid, day))


@app.command()
@takes("plan", "ledger", "json", "plain")
def log(
    measure_id: Annotated[
        str | None, typer.Argument(metavar="编号", help="只看这条措施", show_default=False)
    ] = None,
    since: Annotated[str | None, option("--since", "日期", "只看生效日期不早于此日的记录")] = None,
    by: Annotated[str | None, option("--by", "姓名", "只看此人登记的记录")] = None,
    *,
    given: Given,
) -> None:
    """审计日志:账本里的每条记录,按登记时间先后,含全部字段。补登的记录会标出。

    示例:rectify log 3.2 --since 2023-10-01
    """
    ws = given.workspace
    mid = ws.plan.measure(measure_id).id if measure_id else None
    start = parse_date(since, "--since") if since else None
    given.out().log(ws.log(mid, start, by))


@app.command()
@takes("step", *READING)
def trend(*, given: Given) -> None:
    """画出整改完成率随时间的走势,并标出 9月底、10月底、12月底 等时限是否按期完成。

    示例:rectify trend --step month
    """
    from ..reports import deadline_checks, parse_step
    from ..reports import trend as points_of

    ws, day, step = given.workspace, given.day(), parse_step(given.step)
    points = points_of(ws.plan, ws.ledger.index, day, step)
    given.out().trend(points, deadline_checks(ws.plan, ws.ledger.index, day), step)
