"""Commands that append a record: close, accept, reject, reopen, assign, progress, extend,
review, void, amend.

Each declares what its action carries and hands one `Change` to `_record`, which appends
it under the ledger's lock and says what was recorded, as a sentence or as the entry in
JSON (the format of `log --json`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from .. import schema
from ..core import Change
from ..errors import Refused
from ..text import changes, describe, on_screen
from ..workspace import parse_date
from .app import app
from .options import CHANGING, Given, IdArgument, option, takes

if TYPE_CHECKING:
    from ..ledger import Entry

WITH_EVIDENCE = (*CHANGING, "evidence", "evidence_files")
Reason = Annotated[str, option("--reason", "原因", "原因,如 复查发现问题反弹、系统升级延后")]
VoidReason = Annotated[str, option("--reason", "原因", "撤销的原因,如 误将 3.2 销号,应为 3.3")]
AmendReason = Annotated[str, option("--reason", "原因", "修订的原因和依据,如 局党组会议决定")]
Owner = Annotated[str, option("--owner", "姓名", "责任人姓名")]
CloseNote = Annotated[str, option("--note", "说明", "销号说明:做了什么、验收情况")]
ProgressNote = Annotated[str, option("--note", "说明", "进度和现阶段成效")]
ReviewNote = Annotated[str, option("--note", "说明", "复查情况")]
Percent = Annotated[int | None, option("--percent", "百分比", "完成百分比 0–100")]
Eta = Annotated[str | None, option("--eta", "日期", "预计完成时间 YYYY-MM-DD")]
NewDue = Annotated[str, option("--to", "日期", "新的完成时限 YYYY-MM-DD")]
ApprovedBy = Annotated[str, option("--approved-by", "姓名", "批准延期的领导")]
Section = Annotated[
    str | None,
    option(
        "--dept",
        "科室",
        "分科室办理的措施:登记哪个科室的部分(可只写开头;默认取配置文件中本人的科室)",
    ),
]


def _record(given: Given, measure_id: str, change: Change, voided: Entry | None = None) -> None:
    """Append CHANGE and say what was recorded (a void: what it VOIDED)."""
    if change.dept is not None:
        if not change.dept.strip():
            raise Refused("--dept 的值不能为空")
        ws = given.workspace
        held = ws.sections_of(measure_id)  # parts the plan file may no longer name
        change = replace(change, dept=ws.plan.department(change.dept, held))
    done = given.record(measure_id, change)
    e, m = done.entry.event, done.measure
    who = f"(生效日期 {e.date},登记人 {e.by})。"
    whose = f"措施 {m.id}" + (f" {e.dept}的部分" if e.dept else "")
    if voided is not None:
        v = voided.event
        said = (
            f"已撤销第 {voided.line} 行的记录:措施 {m.id} 的“{on_screen(describe(v))}”"
            f"({v.date} 生效,{v.by} 登记);撤销由 {e.by} 登记,生效日期 {e.date}。"
        )
    else:
        acceptance = done.entry.awaits
        closed = f"已销号{'(长效机制已建立)' if m.ongoing else ''}:{whose}{who}"
        said = {
            "close": f"已提交销号,待{acceptance}验收:{whose}{who}" if acceptance else closed,
            "accept": f"验收通过,已销号:{whose}{who}",
            "reject": f"已退回,{whose} 回到推进中{who}",
            "reopen": f"已重新打开:{whose}{who}",
            "assign": f"已指定:{whose} 的责任人为 {e.owner}(生效日期 {e.date})。",
            "progress": f"已登记进展:{whose}{who}",
            "extend": f"已延期:措施 {m.id} 的完成时限延至 {e.to}(生效日期 {e.date})。",
            "review": f"已登记复查:{whose}{who}",
        }[e.action]
    typer.echo(schema.to_json(schema.entry(done.entry)) if given.json else said)


@app.command()
@takes(*WITH_EVIDENCE)
def close(
    measure_id: IdArgument, note: CloseNote = "", dept: Section = None, *, given: Given
) -> None:
    """销号:登记措施已完成整改,须附佐证材料(--evidence 或 --file);计划指定了验收科室时为提交销号,待验收通过才算销号。长期措施则为“长效机制已建立”。

    示例:rectify close 3.2 --note "已建立常态化监督机制" --evidence "局发〔2023〕12号" --file 纪要.pdf

    示例(分科室办理的措施,销号本科室的部分):rectify close 5.1 --dept 治安科 --evidence "权责清单"
    """
    _record(given, measure_id, Change("close", note=note, dept=dept))


@app.command()
@takes(*CHANGING)
def accept(
    measure_id: IdArgument,
    note: Annotated[str, option("--note", "说明", "验收意见,如 现场核查无误")] = "",
    dept: Section = None,
    *,
    given: Given,
) -> None:
    """验收通过:待验收的销号由验收科室的人(不能是提交销号的人)确认后,才算已销号。

    示例:rectify accept 3.2 --note "现场核查,佐证齐全"
    """
    _record(given, measure_id, Change("accept", note=note, dept=dept))


@app.command()
@takes(*CHANGING)
def reject(
    measure_id: IdArgument,
    reason: Annotated[str, option("--reason", "原因", "验收未通过的原因,如 佐证材料不全")],
    dept: Section = None,
    *,
    given: Given,
) -> None:
    """退回:待验收的销号验收未通过,措施回到推进中,原因记入历史;整改后再 close。

    示例:rectify reject 3.2 --reason "佐证材料不全,缺培训签到表"
    """
    _record(given, measure_id, Change("reject", note=reason, dept=dept))


@app.command()
@takes(*CHANGING)
def reopen(measure_id: IdArgument, reason: Reason, dept: Section = None, *, given: Given) -> None:
    """重新打开已销号的措施(问题反弹),历史记录全部保留。

    示例:rectify reopen 3.2 --reason "复查发现仍有运动式执法"
    """
    _record(given, measure_id, Change("reopen", note=reason, dept=dept))


@app.command()
@takes(*CHANGING)
def assign(measure_id: IdArgument, owner: Owner, dept: Section = None, *, given: Given) -> None:
    """指定措施的责任人;重新指定时保留之前的记录。

    示例:rectify assign 3.2 --owner 王芳
    """
    _record(given, measure_id, Change("assign", owner=owner, dept=dept))


@app.command()
@takes(*WITH_EVIDENCE)
def progress(
    measure_id: IdArgument,
    note: ProgressNote,
    percent: Percent = None,
    eta: Eta = None,
    dept: Section = None,
    *,
    given: Given,
) -> None:
    """登记进展:进度、现阶段成效、预计完成时间。有进展而未销号的措施为“推进中”。

    示例:rectify progress 4.1 --note "已公布投诉电话,建档 12 件" --percent 60 --eta 2023-11-30
    """
    expected = parse_date(eta, "--eta") if eta else None
    change = Change("progress", note=note, percent=percent, eta=expected, dept=dept)
    _record(given, measure_id, change)


@app.command()
@takes(*CHANGING)
def extend(
    measure_id: IdArgument,
    to: NewDue,
    reason: Reason,
    approved_by: ApprovedBy,
    *,
    given: Given,
) -> None:
    """延期:把措施的完成时限推后,写明原因和批准人;此后按新时限判断是否超期。

    示例:rectify extend 7.1 --to 2023-12-31 --reason "证件系统升级" --approved-by 李局长
    """
    new_due = parse_date(to, "--to")
    _record(given, measure_id, Change("extend", note=reason, to=new_due, approved_by=approved_by))


@app.command()
@takes(*WITH_EVIDENCE)
def review(measure_id: IdArgument, note: ReviewNote, dept: Section = None, *, given: Given) -> None:
    """复查:登记对长期措施的定期检查,证明整改效果在保持。

    长期坚持、持续推进的措施每季度(或计划文件设定的周期)至少复查一次,否则列入 overdue 的“待复查”。

    示例:rectify review 1.2 --note "三季度已听取法治工作汇报" --file 会议纪要.pdf
    """
    _record(given, measure_id, Change("review", note=note, dept=dept))


@app.command()
@takes(*CHANGING)
def void(
    ref: Annotated[
        str,
        typer.Argument(metavar="记录", help="要撤销的记录:log 显示的行号,或至少 8 位的哈希前缀"),
    ],
    reason: VoidReason,
    *,
    given: Given,
) -> None:
    """撤销一条登记错了的记录(如销错了号、写错了说明):记录仍留在账本和 log 里,标为“已撤销”,
    但不再计入任何状态、完成率、报告和走势。撤销不是反弹。

    示例:rectify void 12 --reason "误将 3.2 销号,应为 3.3"
    """
    target = given.workspace.record_of(ref)
    change = Change("void", note=reason, ref=target.event.hash)
    _record(given, target.event.id, change, voided=target)


@app.command()
@takes(*CHANGING)
def amend(
    reason: AmendReason,
    approved_by: Annotated[
        str | None, option("--approved-by", "姓名", "批准修订方案的领导或会议")
    ] = None,
    *,
    given: Given,
) -> None:
    """记录方案的修订:把计划文件中已有记录的措施的改动(原内容和新内容)记入账本。

    措施改了内容、科室、时限、验收科室或人员、分科室办理,或删去了,先用 rectify check 核对,再用本命令记下;在此之前,一切仍按账本记下的计算。

    改动时限的修订和延期一样计算按期:原时限过后才作的修订,不能把逾期说成按期。
    尚无记录的措施改动无需修订。

    示例:rectify amend --reason "局党组会议决定 7.1 延至 12月底" --approved-by 张局长
    """
    change = Change("amend", note=reason, approved_by=approved_by)
    entries = given.workspace.amend(change, by=given.by, on=given.on)
    if given.json:
        typer.echo(schema.to_json([schema.entry(e) for e in entries]))
    elif not entries:
        typer.echo("计划文件与账本记录的方案一致,无需修订。")
    else:
        first = entries[0].event
        typer.echo(f"已记录方案修订(生效日期 {first.date},登记人 {first.by}):")
        for e in entries:
            said = ";".join(changes(e.event.before, e.event.measure))
            typer.echo(f"  措施 {e.event.id}:{on_screen(said)}")
