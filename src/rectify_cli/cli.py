"""The command line: the only module that reads the clock, the environment and the terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from typer.core import TyperGroup

from . import __version__, core, render
from .errors import EXIT_ERROR, EXIT_OVERDUE, DataInvalid, RectifyError, Refused

if TYPE_CHECKING:
    from .events import Event, Evidence
    from .ledger import Entry, Ledger
    from .plan import Measure, Plan


class RectifyGroup(TyperGroup):
    """Turn every RectifyError into its message on stderr and its exit code: the one place."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except RectifyError as exc:
            for line in exc.lines():
                typer.echo(line if isinstance(exc, DataInvalid) else f"错误:{line}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=RectifyGroup,
    name="rectify",
    help=(
        "整改台账:销号、进展、延期、复查,完成率、超期清单和进展报告。\n\n"
        "退出码:0 成功;1 有超期或待复查的事项(仅 overdue);2 出错(用法、数据、编号有误或操作被拒绝)。"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PLAN_ENV = "RECTIFY_PLAN"
LEDGER_ENV = "RECTIFY_LEDGER"
USER_ENV = "RECTIFY_USER"
DEFAULT = "默认位置"

PlanOption = Annotated[
    Path | None,
    typer.Option(
        "--plan", help=f"计划文件(默认:环境变量 {PLAN_ENV},否则内置方案)", show_default=False
    ),
]
LedgerOption = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        help=f"账本文件(默认:环境变量 {LEDGER_ENV},否则用户数据目录)",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="按此日期(YYYY-MM-DD)计算,默认今天(方案时区)", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON(格式见 README)")]
PlainOption = Annotated[bool, typer.Option("--plain", help="输出纯文本(无颜色、无表格线)")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help=f"登记人(默认:环境变量 {USER_ENV},否则登录名)", show_default=False),
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date", help="生效日期 YYYY-MM-DD,默认今天;补登时填写实际日期", show_default=False
    ),
]


# ---------------------------------------------------------------------------- the outside world


@dataclass(frozen=True)
class Files:
    """Which plan and ledger a command uses, and where each choice came from."""

    plan: Path
    plan_source: str
    ledger: Path
    ledger_source: str


def embedded_plan() -> Path:
    """Return the path of the plan shipped inside the package.

    A wheel carries it as rectify_cli/data/measures.yaml; an editable install of a
    checkout reads data/measures.yaml at the repository root, where it is maintained.
    """
    from importlib.resources import files

    shipped = Path(str(files("rectify_cli") / "data" / "measures.yaml"))
    checkout = Path(__file__).resolve().parents[2] / "data" / "measures.yaml"
    return shipped if shipped.is_file() or not checkout.is_file() else checkout


def default_ledger() -> Path:
    """Return the ledger a clerk and a cron job of the same user both find: the user data folder."""
    from platformdirs import user_data_path

    return user_data_path("rectify", appauthor=False) / "ledger.yaml"


def cache_folder() -> Path:
    """Return the folder of the disposable caches of validated plans and ledger indexes."""
    from platformdirs import user_cache_path

    return user_cache_path("rectify", appauthor=False)


def resolve_files(plan: Path | None, ledger: Path | None) -> Files:
    """Pick the files: an option beats an environment variable, which beats the default."""

    def pick(option: Path | None, env: str, default: Callable[[], Path]) -> tuple[Path, str]:
        if option is not None:
            return option, "命令行选项"
        if os.environ.get(env):
            return Path(os.environ[env]), f"环境变量 {env}"
        return default(), DEFAULT

    plan_path, plan_source = pick(plan, PLAN_ENV, embedded_plan)
    ledger_path, ledger_source = pick(ledger, LEDGER_ENV, default_ledger)
    return Files(plan_path, plan_source, ledger_path, ledger_source)


def clock() -> datetime:
    """Return the current moment, timezone-aware. The one place rectify reads the clock."""
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Session:
    """The loaded plan and ledger a command works on."""

    files: Files
    plan: Plan

    @cached_property
    def ledger(self) -> Ledger:
        """Read the ledger (through the cache) and check it names only the plan's measures."""
        from .ledger import read_ledger

        book = read_ledger(self.files.ledger, cache_folder())
        core.check_ids(self.plan, book)
        return book

    def today(self) -> date:
        """Return today's date in the plan's timezone, not the machine's."""
        return self.now().date()

    def now(self) -> datetime:
        """Return the current time in the plan's timezone, to the second."""
        from zoneinfo import ZoneInfo

        return clock().astimezone(ZoneInfo(self.plan.plan.timezone)).replace(microsecond=0)

    def as_of(self, text: str | None) -> date:
        """Return the date given with --as-of, or today."""
        return parse_date(text, "--as-of") if text else self.today()

    def items(self, as_of: str | None) -> list[core.Item]:
        """Return every measure as it stands at the --as-of date."""
        return core.replay(self.plan, self.ledger, self.as_of(as_of))


def open_session(plan: Path | None, ledger: Path | None) -> Session:
    """Load the plan; the ledger is read when first used."""
    from .plan import load_plan

    files = resolve_files(plan, ledger)
    return Session(files, load_plan(files.plan, cache_folder()))


def parse_date(text: str, option: str) -> date:
    """Parse a YYYY-MM-DD date typed by a user."""
    import unicodedata

    try:
        return date.fromisoformat(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        raise Refused(f"{option} 的日期“{text}”无效,应写成 YYYY-MM-DD,如 2023-10-31") from None


def current_user(by: str | None) -> str:
    """Return who records an event: --by, else RECTIFY_USER, else the login name."""
    import getpass

    name = by or os.environ.get(USER_ENV)
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError, ImportError):
            name = ""
    if not name or not name.strip():
        raise Refused(f"无法确定登记人,请用 --by 姓名 或设置环境变量 {USER_ENV}")
    return name.strip()


def output_mode(json_: bool, plain: bool) -> render.Mode:
    """Return json, plain (when asked, or when stdout is not a terminal) or table."""
    if json_:
        return "json"
    if plain or not sys.stdout.isatty():
        return "plain"
    return "table"


def emit(
    mode: render.Mode,
    data: Callable[[], Any],
    plain: Callable[[], str],
    table: Callable[[Any], None],
) -> None:
    """Print a result in the chosen mode."""
    if mode == "json":
        typer.echo(render.to_json(data()))
    elif mode == "plain":
        typer.echo(plain())
    else:
        from rich.console import Console

        table(Console())


# ---------------------------------------------------------------------------- commands


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rectify {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="显示版本号并退出", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """整改台账:销号、进展、延期、复查,完成率、超期清单和进展报告。"""


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
    session = open_session(plan, ledger)
    result = core.status(session.plan, session.items(as_of))
    sections = render.department_sections(result) if by_department else None
    emit(
        output_mode(json_, plain),
        lambda: render.status_data(session.plan, result),
        lambda: render.status_plain(session.plan, result, sections),
        lambda console: render.status_table(console, session.plan, result, sections),
    )


@app.command()
def overdue(
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="没有超期事项时什么也不输出")
    ] = False,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """列出已超期且未销号的措施(按整改时限分组,最早到期的在前)和待复查的长期措施。

    退出码:0 没有超期或待复查;1 有;2 出错。适合 cron 每天运行并发邮件。

    示例:rectify overdue --quiet
    """
    session = open_session(plan, ledger)
    day = session.as_of(as_of)
    groups = core.overdue(core.replay(session.plan, session.ledger, day))
    if groups or not quiet:
        emit(
            output_mode(json_, plain),
            lambda: [render.item_data(i) | {"group": g} for g, items in groups for i in items],
            lambda: render.overdue_plain(groups, day.isoformat()),
            lambda console: render.overdue_table(console, groups, day.isoformat()),
        )
    if groups:
        raise typer.Exit(EXIT_OVERDUE)


def _problem_number(plan: Plan, text: str) -> int:
    import unicodedata

    from .plan import chinese_numeral

    cleaned = unicodedata.normalize("NFKC", text).strip().removeprefix("(").removesuffix(")")
    for problem in plan.problems:
        if cleaned in (str(problem.number), chinese_numeral(problem.number)):
            return problem.number
    numbers = "、".join(str(p.number) for p in plan.problems)
    raise Refused(f"方案中没有问题“{text}”;--problem 应为问题序号:{numbers}")


@app.command("list")
def list_(
    problem: Annotated[
        str | None, typer.Option("--problem", help="只列问题 N 的措施(3 或 三)", show_default=False)
    ] = None,
    dept: Annotated[
        str | None,
        typer.Option("--dept", help="只列涉及该科室的措施(牵头或责任)", show_default=False),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option(
            "--deadline",
            help="只列该整改时限的措施,如 9月底、长期坚持、其他日期",
            show_default=False,
        ),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="只列该责任人的措施", show_default=False)
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state", help="只列该状态的措施:" + "、".join(core.STATE_FILTERS), show_default=False
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
    session = open_session(plan, ledger)
    where = core.Filter(
        problem=_problem_number(session.plan, problem) if problem else None,
        department=_known_department(session.plan, dept) if dept else None,
        deadline=deadline,
        owner=owner,
        state="已超期" if overdue_ else _state(state) if state else None,
        open=True if open_ else False if closed else None,
    )
    items = core.select(session.items(as_of), where)
    emit(
        output_mode(json_, plain),
        lambda: [render.item_data(i) for i in items],
        lambda: render.items_plain(items),
        lambda console: render.items_table(console, items),
    )


def _state(text: str) -> core.StateFilter:
    for known in core.STATE_FILTERS:
        if text.strip() == known:
            return known
    raise Refused(f"--state 的值“{text}”无效,可用:{'、'.join(core.STATE_FILTERS)}")


def _known_department(plan: Plan, name: str) -> str:
    import difflib

    known = list(dict.fromkeys(d for m in plan.measures for d in m.departments))
    if name in known:
        return name
    guess = difflib.get_close_matches(name, known, n=3, cutoff=0.3)
    hint = f";是否要找:{'、'.join(guess)}" if guess else f";方案中的科室:{'、'.join(known)}"
    raise Refused(f"方案中没有科室“{name}”{hint}")


@app.command()
def show(
    measure_id: Annotated[str, typer.Argument(metavar="ID", help="措施编号,如 3.2")],
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
) -> None:
    """显示一条措施的全文、科室、时限、状态和全部历史记录。

    示例:rectify show 3.2
    """
    session = open_session(plan, ledger)
    mid = session.plan.measure(measure_id).id
    day = session.as_of(as_of)
    item = next(i for i in core.replay(session.plan, session.ledger, day) if i.measure.id == mid)
    history = [session.ledger.entry(i) for i in core.history(session.ledger, mid, day)]
    emit(
        "json" if json_ else "plain",
        lambda: (
            render.item_data(item)
            | {
                "problem_title": session.plan.problem(item.measure.problem).title,
                "history": [render.entry_data(e) for e in history],
            }
        ),
        lambda: render.item_plain(session.plan, item, history),
        lambda console: None,
    )


EvidenceOption = Annotated[
    list[str] | None,
    typer.Option("--evidence", help="佐证材料说明(可多次使用),如 会议纪要、制度文件名"),
]
FileOption = Annotated[
    list[Path] | None,
    typer.Option("--file", help="佐证材料文件(可多次使用):记下其大小和 SHA-256,日后 check 可核对"),
]
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="措施编号,如 3.2")]


@app.command()
def close(
    measure_id: IdArgument,
    by: ByOption = None,
    note: Annotated[str, typer.Option("--note", help="销号说明:做了什么、验收情况")] = "",
    evidence: EvidenceOption = None,
    files: FileOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """销号:登记措施已完成整改并通过验收;长期措施则为“长效机制已建立”。

    示例:rectify close 3.2 --note "已建立常态化监督机制" --evidence "局发〔2023〕12号" --file 纪要.pdf
    """
    measure, entry = _record(
        measure_id, by, on, plan, ledger,
        lambda p, book, m, r, proof: core.close(p, book, m, r, note.strip(), proof),
        evidence, files,
    )  # fmt: skip
    kind = "销号(长效机制已建立)" if measure.ongoing else "销号"
    _done(
        entry,
        f"已{kind}:措施 {measure.id}(生效日期 {entry.event.date},登记人 {entry.event.by})。",
        json_,
    )


@app.command()
def reopen(
    measure_id: IdArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="重新打开的原因(必填),如 复查发现问题反弹")
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
    measure, entry = _record(
        measure_id,
        by,
        on,
        plan,
        ledger,
        lambda p, book, m, r, _: core.reopen(p, book, m, r, reason),
    )
    _done(
        entry,
        f"已重新打开:措施 {measure.id}(生效日期 {entry.event.date},登记人 {entry.event.by})。",
        json_,
    )


@app.command()
def assign(
    measure_id: IdArgument,
    owner: Annotated[str, typer.Option("--owner", help="责任人姓名(必填)")],
    by: ByOption = None,
    on: DateOption = None,
    json_: JsonOption = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """指定措施的责任人;重新指定时保留之前的记录。

    示例:rectify assign 3.2 --owner 王芳
    """
    measure, entry = _record(
        measure_id, by, on, plan, ledger, lambda p, book, m, r, _: core.assign(p, book, m, r, owner)
    )
    _done(
        entry,
        f"已指定:措施 {measure.id} 的责任人为 {entry.event.owner}(生效日期 {entry.event.date})。",
        json_,
    )


@app.command()
def progress(
    measure_id: IdArgument,
    note: Annotated[str, typer.Option("--note", help="进度和现阶段成效(必填)")],
    percent: Annotated[
        int | None, typer.Option("--percent", help="完成百分比 0–100", show_default=False)
    ] = None,
    eta: Annotated[
        str | None, typer.Option("--eta", help="预计完成时间 YYYY-MM-DD", show_default=False)
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
    expected = parse_date(eta, "--eta") if eta else None
    measure, entry = _record(
        measure_id, by, on, plan, ledger,
        lambda p, book, m, r, proof: core.progress(p, book, m, r, note, percent, expected, proof),
        evidence, files,
    )  # fmt: skip
    _done(
        entry,
        f"已登记进展:措施 {measure.id}(生效日期 {entry.event.date},登记人 {entry.event.by})。",
        json_,
    )


@app.command()
def extend(
    measure_id: IdArgument,
    to: Annotated[str, typer.Option("--to", help="新的完成时限 YYYY-MM-DD(必填)")],
    reason: Annotated[str, typer.Option("--reason", help="延期原因(必填)")],
    approved_by: Annotated[
        str | None, typer.Option("--approved-by", help="批准人", show_default=False)
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
    new_due = parse_date(to, "--to")
    measure, entry = _record(
        measure_id, by, on, plan, ledger,
        lambda p, book, m, r, _: core.extend(p, book, m, r, new_due, reason, approved_by),
    )  # fmt: skip
    _done(
        entry,
        f"已延期:措施 {measure.id} 的完成时限延至 {entry.event.to}(生效日期 {entry.event.date})。",
        json_,
    )


@app.command()
def review(
    measure_id: IdArgument,
    note: Annotated[str, typer.Option("--note", help="复查情况(必填)")],
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
    measure, entry = _record(
        measure_id, by, on, plan, ledger,
        lambda p, book, m, r, proof: core.review(p, book, m, r, note, proof),
        evidence, files,
    )  # fmt: skip
    _done(
        entry,
        f"已登记复查:措施 {measure.id}(生效日期 {entry.event.date},登记人 {entry.event.by})。",
        json_,
    )


@app.command()
def log(
    measure_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="只看这条措施", show_default=False)
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="只看生效日期不早于此日的记录", show_default=False)
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="只看此人登记的记录", show_default=False)
    ] = None,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """审计日志:账本里的每条记录,按登记时间先后,含全部字段。补登的记录会标出。

    示例:rectify log 3.2 --since 2023-10-01
    """
    session = open_session(plan, ledger)
    mid = session.plan.measure(measure_id).id if measure_id else None
    start = parse_date(since, "--since") if since else None
    chosen = core.audit_log(session.ledger, mid, start, by)
    entries = [session.ledger.entry(i) for i in chosen]
    emit(
        output_mode(json_, plain),
        lambda: [render.entry_data(e) for e in entries],
        lambda: render.log_plain(entries),
        lambda console: render.log_table(console, entries),
    )


def _proof(
    session: Session, evidence: list[str] | None, files: list[Path] | None
) -> tuple[Any, ...]:
    """Return the evidence given: descriptions, and files with their size and digest."""
    from .events import Evidence
    from .evidence import evidence_file

    texts = [Evidence(text=e.strip()) for e in evidence or () if e.strip()]
    return (*texts, *(evidence_file(f, session.files.ledger.parent) for f in files or ()))


def _request(session: Session, by: str | None, on: str | None) -> core.Request:
    now = session.now()
    day = parse_date(on, "--date") if on else now.date()
    return core.Request(by=current_user(by), now=now, on=day, today=now.date())


Change = Callable[["Plan", "Ledger", "Measure", core.Request, tuple["Evidence", ...]], "Event"]


def _done(entry: Entry, message: str, json_: bool) -> None:
    """Say what was recorded: a sentence, or the event as JSON (the format of `log --json`)."""
    typer.echo(render.to_json(render.entry_data(entry)) if json_ else message)


def _record(
    measure_id: str,
    by: str | None,
    on: str | None,
    plan: Path | None,
    ledger: Path | None,
    change: Change,
    evidence: list[str] | None = None,
    files: list[Path] | None = None,
) -> tuple[Measure, Entry]:
    """Append the event CHANGE makes for measure MEASURE_ID, judged on the ledger under its lock."""
    from .ledger import append

    session = open_session(plan, ledger)
    measure = session.plan.measure(measure_id)
    request, proof = _request(session, by, on), _proof(session, evidence, files)

    def build(book: Ledger) -> Event:
        core.check_ids(session.plan, book)
        return change(session.plan, book, measure, request, proof)

    files_ = session.files
    entry = append(
        files_.ledger, build, create_folder=files_.ledger_source == DEFAULT, cache=cache_folder()
    )
    return measure, entry


StepOption = Annotated[
    str, typer.Option("--step", help="走势按周(week)或按月(month)", show_default=True)
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="写入此文件(默认见说明)", show_default=False)
]


def _step(text: str) -> Literal["week", "month"]:
    if text in ("week", "周"):
        return "week"
    if text in ("month", "月"):
        return "month"
    raise Refused(f"--step 的值“{text}”无效,应为 week(按周)或 month(按月)")


def _report(session: Session, as_of: str | None, step: str) -> tuple[Any, Ledger]:
    """Build the report data from the ledger itself, never a cache, once its chain verifies.

    Return the report and the ledger it was built from.
    """
    from .ledger import read_ledger
    from .ledger import verify as check_chain
    from .reports import build

    chain = check_chain(session.files.ledger)
    if chain.problems:
        raise DataInvalid(list(chain.problems))
    book = read_ledger(session.files.ledger)
    core.check_ids(session.plan, book)
    day = session.as_of(as_of)
    return build(session.plan, book, day, chain.head or None, _step(step)), book


def _save(path: Path, data: bytes) -> None:
    from .writers import write_atomically

    write_atomically(path, data)
    typer.echo(f"已写入 {path}", err=True)


@app.command()
def report(
    form: Annotated[str, typer.Option("--format", help="md(Markdown)或 docx(Word)")] = "md",
    output: OutputOption = None,
    step: StepOption = "week",
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
) -> None:
    """生成整改工作进展情况报告:总体完成率、逐项整改情况、超期事项、下一步工作。

    Markdown 默认输出到屏幕;Word 默认写入“整改工作进展情况报告-日期.docx”。
    同一账本、同一日期,每次生成的内容都相同;报告引用账本的头哈希。

    示例:rectify report --format docx --as-of 2023-12-31
    """
    from .reports import blocks
    from .writers import docx, markdown

    if form not in ("md", "docx"):
        raise Refused(f"--format 的值“{form}”无效,应为 md 或 docx")
    session = open_session(plan, ledger)
    data, _ = _report(session, as_of, step)
    laid_out = blocks(data)
    if form == "md" and output is None:
        typer.echo(markdown(laid_out), nl=False)
        return
    content = markdown(laid_out).encode("utf-8") if form == "md" else docx(laid_out, data)
    _save(output or Path(f"整改工作进展情况报告-{data.as_of}.{form}"), content)


@app.command()
def export(
    form: Annotated[str, typer.Option("--format", help="xlsx(Excel)、csv 或 json")] = "xlsx",
    output: OutputOption = None,
    step: StepOption = "week",
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
) -> None:
    """导出整改台账:每项措施一行;Excel 另有历史记录、完成率图表和进度趋势三张表。

    Excel 默认写入“整改台账-日期.xlsx”;CSV(UTF-8 带 BOM,Windows 版 Excel 可直接打开)和 JSON
    默认输出到屏幕。

    示例:rectify export --format xlsx -o 台账.xlsx
    """
    from .reports import rows
    from .writers import csv_bytes, rows_data, xlsx

    if form not in ("xlsx", "csv", "json"):
        raise Refused(f"--format 的值“{form}”无效,应为 xlsx、csv 或 json")
    session = open_session(plan, ledger)
    data, book = _report(session, as_of, step)
    table = rows(data)
    if form == "xlsx":
        entries = [book.entry(i) for i in core.audit_log(book)]
        content = xlsx(data, table, entries, session.plan.plan.timezone)
        _save(output or Path(f"整改台账-{data.as_of}.xlsx"), content)
    elif form == "csv":
        if output is None:
            typer.echo(csv_bytes(table).decode("utf-8-sig"), nl=False)
        else:
            _save(output, csv_bytes(table))
    elif output is None:
        typer.echo(render.to_json(rows_data(table)))
    else:
        _save(output, (render.to_json(rows_data(table)) + "\n").encode("utf-8"))


@app.command()
def trend(
    step: StepOption = "week",
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
) -> None:
    """画出整改完成率随时间的走势,并标出 9月底、10月底、12月底 等时限是否按期完成。

    示例:rectify trend --step month
    """
    from .reports import chart_lines, deadline_checks
    from .reports import trend as points_of

    session = open_session(plan, ledger)
    day = session.as_of(as_of)
    points = points_of(session.plan, session.ledger, day, _step(step))
    checks = deadline_checks(session.plan, session.ledger, day)
    if json_:
        typer.echo(
            render.to_json(
                {
                    "points": [
                        {
                            "date": p.day.isoformat(),
                            "closed": p.closed,
                            "total": p.total,
                            "rate": round(p.rate, 4),
                        }
                        for p in points
                    ],
                    "deadlines": [
                        {
                            "deadline": c.group,
                            "due": c.due.isoformat(),
                            "total": c.total,
                            "closed_by_due": c.closed_by_due,
                            "closed_now": c.closed_now,
                            "met": c.met,
                        }
                        for c in checks
                    ],
                }
            )
        )
        return
    typer.echo(f"整改完成率走势(截至 {day},{'按周' if step in ('week', '周') else '按月'})")
    typer.echo("\n".join(chart_lines(points, checks)))


@app.command()
def check(plan: PlanOption = None, ledger: LedgerOption = None) -> None:
    """校验计划文件和账本,一次列出全部错误(文件:行:列: 说明)。

    检查计划文件的格式、账本的每一行、账本中的编号、哈希链,以及佐证材料文件是否缺失或被改动。

    没有错误时打印一行摘要并以 0 退出;有错误时以 2 退出。

    示例:rectify check --plan 我的方案.yaml
    """
    from .errors import Diagnostic
    from .evidence import check_files
    from .ledger import read_ledger, verify
    from .plan import load_plan

    files = resolve_files(plan, ledger)
    problems: list[Diagnostic] = []
    loaded: Plan | None = None
    book: Ledger | None = None
    try:
        loaded = load_plan(files.plan)
    except DataInvalid as exc:
        problems += exc.diagnostics
    try:
        book = read_ledger(files.ledger)
    except DataInvalid as exc:
        problems += exc.diagnostics
    if loaded is not None and book is not None:
        try:
            core.check_ids(loaded, book)
        except DataInvalid as exc:
            problems += exc.diagnostics
    if book is not None:
        problems += verify(files.ledger).problems
        problems += check_files(book.entries(), files.ledger)
    if problems:
        raise DataInvalid(problems)
    assert loaded is not None and book is not None
    measures = sum(len(p.measures) for p in loaded.problems)
    typer.echo(
        f"未发现错误:计划 {files.plan}({len(loaded.problems)} 个问题,{measures} 条措施),"
        f"账本 {files.ledger}({len(book)} 条记录)。"
    )


@app.command()
def verify(ledger: LedgerOption = None, json_: JsonOption = False) -> None:
    """校验账本的哈希链:发现任何改动、删除、插入或调换顺序,并打印头哈希。

    把头哈希写进报告,日后任何人都能证明账本此后未被改写。

    示例:rectify verify
    """
    from .ledger import verify as check_chain

    path = resolve_files(None, ledger).ledger
    result = check_chain(path)
    if json_:
        typer.echo(
            render.to_json(
                {
                    "ledger": str(path),
                    "events": result.events,
                    "head": result.head or None,
                    "branches": result.tips,
                    "problems": [str(p) for p in result.problems],
                }
            )
        )
    if result.problems:
        if not json_:
            raise DataInvalid(list(result.problems))
        raise typer.Exit(EXIT_ERROR)
    if json_:
        return
    if not result.events:
        typer.echo(f"账本 {path} 为空,没有可校验的记录。")
        return
    typer.echo(f"哈希链完整:{result.events} 条记录。头哈希 {result.head}")
    if result.tips > 1:
        typer.echo(
            f"注意:账本有 {result.tips} 个分支末端(通常来自 git 合并),下一条记录会把它们连起来。"
        )


@app.command()
def repair(ledger: LedgerOption = None) -> None:
    """修复写入中断的账本:把残缺的最后一行移入备份文件,保留全部完整记录。

    示例:rectify repair
    """
    from .ledger import repair as move_torn

    files = resolve_files(None, ledger)
    result = move_torn(files.ledger, clock())
    if result.backup is None:
        typer.echo(f"账本 {files.ledger} 完整,无需修复。")
    else:
        typer.echo(f"已将残缺的最后一行({result.size} 字节)移入 {result.backup};完整记录全部保留。")


@app.command()
def upgrade(ledger: LedgerOption = None) -> None:
    """给没有哈希链的账本(旧版本或手工写的)加链;原文件原样保存为备份。

    这是 rectify 唯一会改写账本的命令,只在明确运行时才做。之后请用 rectify verify 记下新的头哈希。

    示例:rectify upgrade --ledger 旧账本.yaml
    """
    from .ledger import upgrade as add_chain

    files = resolve_files(None, ledger)
    result = add_chain(files.ledger, clock())
    if result.backup is None:
        typer.echo(f"账本 {files.ledger} 的记录都已加链,无需升级。")
    else:
        typer.echo(f"已为 {result.events} 条记录加链;原账本保存为 {result.backup}。")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="存放计划和账本的文件夹")],
) -> None:
    """在 DIR 中写入内置方案的副本和一个空账本,供本单位维护自己的方案。

    示例:rectify init 我的台账
    """
    from .ledger import create_empty

    plan_path, ledger_path = folder / "measures.yaml", folder / "ledger.yaml"
    for path in (plan_path, ledger_path):
        if path.exists():
            raise Refused(f"{path} 已存在,未覆盖任何文件")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with plan_path.open("xb") as f:
            f.write(embedded_plan().read_bytes())
    except OSError as exc:
        raise Refused(f"无法写入 {plan_path}({exc.strerror})") from None
    create_empty(ledger_path)
    plan_abs, ledger_abs = plan_path.resolve(), ledger_path.resolve()
    typer.echo(
        f"已创建:\n  计划 {plan_abs}\n  账本 {ledger_abs}\n\n"
        "编辑计划后运行 rectify check 校验。让 rectify 使用它们(任选一种):\n"
        f"  每条命令加 --plan {plan_abs} --ledger {ledger_abs}\n"
        f"  Linux/macOS: export {PLAN_ENV}={plan_abs} {LEDGER_ENV}={ledger_abs}\n"
        f'  Windows PowerShell: $env:{PLAN_ENV}="{plan_abs}"; $env:{LEDGER_ENV}="{ledger_abs}"'
    )


@app.command()
def where(plan: PlanOption = None, ledger: LedgerOption = None) -> None:
    """显示当前使用的计划文件、账本文件和缓存文件夹,以及它们从何而来。

    示例:rectify where
    """
    files = resolve_files(plan, ledger)
    ledger_state = "已存在" if files.ledger.exists() else "尚不存在,首次销号时创建"
    typer.echo(f"计划:{files.plan}({files.plan_source})")
    typer.echo(f"账本:{files.ledger}({files.ledger_source},{ledger_state})")
    typer.echo(f"缓存:{cache_folder()}(可随时删除)")


def main() -> None:
    """Run the command line; never let a traceback reach the user."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    try:
        app(prog_name="rectify")
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug: say so briefly; RECTIFY_DEBUG=1 shows the traceback
        if os.environ.get("RECTIFY_DEBUG"):
            raise
        typer.echo(
            f"内部错误:{type(exc).__name__}: {exc}(设置 RECTIFY_DEBUG=1 可查看详情)", err=True
        )
        sys.exit(EXIT_ERROR)
