"""Commands that append a record: close, reopen, assign, progress, extend, review.

Each declares its options and hands one `Change` to `Workspace.record`; `_say` reports
what was recorded, as a sentence or as the entry in JSON (the format of `log --json`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from .. import schema
from ..core import Change
from ..workspace import Recorded, Workspace, parse_date
from .app import app
from .options import (
    ByOption,
    DateOption,
    EvidenceOption,
    FileOption,
    IdArgument,
    JsonOption,
    LedgerOption,
    PlanOption,
)


def _say(done: Recorded, json_: bool) -> None:
    """Say what was recorded."""
    e, m = done.entry.event, done.measure
    who = f"(生效日期 {e.date},登记人 {e.by})。"
    said = {
        "close": f"已销号{'(长效机制已建立)' if m.ongoing else ''}:措施 {m.id}{who}",
        "reopen": f"已重新打开:措施 {m.id}{who}",
        "assign": f"已指定:措施 {m.id} 的责任人为 {e.owner}(生效日期 {e.date})。",
        "progress": f"已登记进展:措施 {m.id}{who}",
        "extend": f"已延期:措施 {m.id} 的完成时限延至 {e.to}(生效日期 {e.date})。",
        "review": f"已登记复查:措施 {m.id}{who}",
    }[e.action]
    typer.echo(schema.to_json(schema.entry(done.entry)) if json_ else said)


@app.command()
def close(
    measure_id: IdArgument,
    note: Annotated[
        str, typer.Option("--note", metavar="说明", help="销号说明:做了什么、验收情况")
    ] = "",
    evidence: EvidenceOption = None,
    files: FileOption = None,
    by: ByOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """销号:登记措施已完成整改并通过验收;长期措施则为“长效机制已建立”。

    示例:rectify close 3.2 --note "已建立常态化监督机制" --evidence "局发〔2023〕12号" --file 纪要.pdf
    """
    ws = Workspace.open(plan, ledger)
    change = Change("close", note=note)
    _say(ws.record(measure_id, change, by=by, on=on, evidence=evidence, files=files), json_)


@app.command()
def reopen(
    measure_id: IdArgument,
    reason: Annotated[
        str,
        typer.Option("--reason", metavar="原因", help="重新打开的原因(必填),如 复查发现问题反弹"),
    ],
    by: ByOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """重新打开已销号的措施(问题反弹),历史记录全部保留。

    示例:rectify reopen 3.2 --reason "复查发现仍有运动式执法"
    """
    ws = Workspace.open(plan, ledger)
    _say(ws.record(measure_id, Change("reopen", note=reason), by=by, on=on), json_)


@app.command()
def assign(
    measure_id: IdArgument,
    owner: Annotated[str, typer.Option("--owner", metavar="姓名", help="责任人姓名(必填)")],
    by: ByOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """指定措施的责任人;重新指定时保留之前的记录。

    示例:rectify assign 3.2 --owner 王芳
    """
    ws = Workspace.open(plan, ledger)
    _say(ws.record(measure_id, Change("assign", owner=owner), by=by, on=on), json_)


@app.command()
def progress(
    measure_id: IdArgument,
    note: Annotated[str, typer.Option("--note", metavar="说明", help="进度和现阶段成效(必填)")],
    percent: Annotated[
        int | None,
        typer.Option("--percent", metavar="百分比", help="完成百分比 0–100", show_default=False),
    ] = None,
    eta: Annotated[
        str | None,
        typer.Option("--eta", metavar="日期", help="预计完成时间 YYYY-MM-DD", show_default=False),
    ] = None,
    evidence: EvidenceOption = None,
    files: FileOption = None,
    by: ByOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """登记进展:进度、现阶段成效、预计完成时间。有进展而未销号的措施为“推进中”。

    示例:rectify progress 4.1 --note "已公布投诉电话,建档 12 件" --percent 60 --eta 2023-11-30
    """
    ws = Workspace.open(plan, ledger)
    expected = parse_date(eta, "--eta") if eta else None
    change = Change("progress", note=note, percent=percent, eta=expected)
    _say(ws.record(measure_id, change, by=by, on=on, evidence=evidence, files=files), json_)


@app.command()
def extend(
    measure_id: IdArgument,
    to: Annotated[str, typer.Option("--to", metavar="日期", help="新的完成时限 YYYY-MM-DD(必填)")],
    reason: Annotated[str, typer.Option("--reason", metavar="原因", help="延期原因(必填)")],
    approved_by: Annotated[
        str | None,
        typer.Option("--approved-by", metavar="姓名", help="批准人", show_default=False),
    ] = None,
    by: ByOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """延期:把措施的完成时限推后,写明原因和批准人;此后按新时限判断是否超期。

    示例:rectify extend 7.1 --to 2023-12-31 --reason "证件系统升级" --approved-by 李局长
    """
    ws = Workspace.open(plan, ledger)
    change = Change("extend", note=reason, to=parse_date(to, "--to"), approved_by=approved_by)
    _say(ws.record(measure_id, change, by=by, on=on), json_)


@app.command()
def review(
    measure_id: IdArgument,
    note: Annotated[str, typer.Option("--note", metavar="说明", help="复查情况(必填)")],
    evidence: EvidenceOption = None,
    files: FileOption = None,
    by: ByOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """复查:登记对长期措施的定期检查,证明整改效果在保持。

    长期坚持、持续推进的措施每季度(或计划文件设定的周期)至少复查一次,否则列入 overdue 的“待复查”。

    示例:rectify review 1.2 --note "三季度已听取法治工作汇报" --file 会议纪要.pdf
    """
    ws = Workspace.open(plan, ledger)
    change = Change("review", note=note)
    _say(ws.record(measure_id, change, by=by, on=on, evidence=evidence, files=files), json_)
