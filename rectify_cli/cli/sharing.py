"""Sharing the ledger between desks through git: sync."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import core
from ..errors import Refused
from ..workspace import Workspace
from .app import app
from .options import Given, flag, takes


@app.command()
@takes("plan", "ledger")
def sync(
    quiet: Annotated[bool, flag("--quiet", "同步成功时什么也不输出(供 cron 使用)", "-q")] = False,
    *,
    given: Given,
) -> None:
    """与共享的 git 仓库同步账本:提交新记录,取回并合并别人的,校验后推送。

    账本须在 git 仓库中(rectify init 文件夹 --git,或 git clone 得到)。使用本机 git 的设置和凭据。
    失败时本地账本保持原样、照常可用,新记录已在本地提交,稍后再同步即可。

    示例:rectify sync
    """
    from ..sharing import sync as exchange
    from ..sharing import work_tree

    files = given.files
    ledger = files.existing_ledger()
    top = work_tree(ledger.parent)
    if top is None:
        raise Refused(
            f"账本 {ledger} 不在 git 仓库中,无从同步;用 rectify init 文件夹 --git 建立共享账本,"
            "或用 git clone 取得别人共享的"
        )
    before = Workspace(files)
    drifted = core.drift(before.plan, before.ledger.index)
    if drifted:  # the plan file changed under the ledger: it would go out unrecorded
        ids = "、".join(d.mid for d in drifted[:5]) + (" 等" if len(drifted) > 5 else "")
        raise Refused(
            f"计划文件 {files.plan} 中有 {len(drifted)} 项措施与账本记录的方案不同({ids}),未用 "
            "rectify amend 记录,未同步;请先运行 rectify check 核对,再用 rectify amend 记下修订"
        )
    plan_before = files.plan.read_bytes() if files.plan.is_file() else b""
    day = before.as_of(None)
    was = {i.measure.id for i in before.state(day) if i.closed}
    done = exchange(top, files.plan, ledger)
    after = Workspace(files)
    lost = [i.measure.id for i in after.state(day) if i.measure.id in was and not i.closed]
    if lost:
        typer.echo(
            f"注意:同步后措施 {'、'.join(lost)} 不再是已销号(收到的记录撤销或重新打开了它);"
            "请用 rectify show 核实",
            err=True,
        )
    doubles = len(core.double_sign_offs(after.ledger.index))
    if doubles:
        typer.echo(
            f"注意:合并后有 {doubles} 处重复销号(两处各自销了同一事项);"
            "请运行 rectify check 查看,用 rectify void 撤销其一",
            err=True,
        )
    plan_changed = (files.plan.read_bytes() if files.plan.is_file() else b"") != plan_before
    if not quiet:
        typer.echo(
            f"已同步({done.remote}):发出 {done.sent} 条记录,收到 {done.received} 条记录"
            + (";收到了方案文件的修改" if plan_changed else "")
            + "。"
        )
