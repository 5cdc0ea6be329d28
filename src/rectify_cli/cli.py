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
    from .ledger import Ledger
    from .plan import Plan


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
        "整改台账:签收销号、查看完成率、列出超期事项。\n\n"
        "退出码:0 成功;1 有超期事项(仅 overdue);2 出错(用法、数据或编号有误)。"
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
    """整改台账:签收销号、查看完成率、列出超期事项。"""


@app.command()
def status(
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
    emit(
        output_mode(json_, plain),
        lambda: render.status_data(session.plan, result),
        lambda: render.status_plain(session.plan, result),
        lambda console: render.status_table(console, session.plan, result),
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
    """列出已超期且未销号的措施,按整改时限分组,最早到期的在前。

    退出码:0 没有超期;1 有超期;2 出错。适合 cron 每天运行并发邮件。

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


def _problem_number(text: str) -> int:
    import unicodedata

    from .plan import chinese_numeral

    cleaned = unicodedata.normalize("NFKC", text).strip().removeprefix("(").removesuffix(")")
    for n in range(1, 100):
        if cleaned in (str(n), chinese_numeral(n)):
            return n
    raise Refused(f"--problem 的值“{text}”无效,应为问题序号,如 3 或 三")


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
    open_: Annotated[bool, typer.Option("--open", help="只列未销号的")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="只列已销号的")] = False,
    overdue_: Annotated[bool, typer.Option("--overdue", help="只列已超期的")] = False,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
    as_of: AsOfOption = None,
    json_: JsonOption = False,
    plain: PlainOption = False,
) -> None:
    """列出措施及其状态,可按问题、科室、整改时限、状态筛选。

    示例:rectify list --dept 政策法规科 --open
    """
    flags: tuple[tuple[Literal["open", "closed", "overdue"], bool], ...] = (
        ("open", open_),
        ("closed", closed),
        ("overdue", overdue_),
    )
    states = [s for s, on in flags if on]
    if len(states) > 1:
        raise Refused("--open、--closed、--overdue 只能选一个")
    session = open_session(plan, ledger)
    where = core.Filter(
        problem=_problem_number(problem) if problem else None,
        department=_known_department(session.plan, dept) if dept else None,
        deadline=deadline,
        state=states[0] if states else None,
    )
    items = core.select(session.items(as_of), where)
    emit(
        output_mode(json_, plain),
        lambda: [render.item_data(i) for i in items],
        lambda: render.items_plain(items),
        lambda console: render.items_table(console, items),
    )


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


@app.command()
def close(
    measure_id: Annotated[str, typer.Argument(metavar="ID", help="措施编号,如 3.2")],
    by: ByOption = None,
    note: Annotated[str, typer.Option("--note", help="销号说明:做了什么、验收情况")] = "",
    evidence: Annotated[
        list[str] | None,
        typer.Option("--evidence", help="佐证材料(可多次使用),如 会议纪要、制度文件名"),
    ] = None,
    on: DateOption = None,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """销号:登记措施已完成整改并通过验收。

    示例:rectify close 3.2 --note "已建立常态化监督机制" --evidence "局发〔2023〕12号"
    """
    session = open_session(plan, ledger)
    measure = session.plan.measure(measure_id)
    request = _request(session, by, on)
    from .events import Evidence

    proof = tuple(Evidence(text=e) for e in evidence or () if e.strip())
    event = _append(
        session, lambda book: core.close(session.plan, book, measure, request, note.strip(), proof)
    )
    typer.echo(f"已销号:措施 {measure.id}(生效日期 {event.date},登记人 {event.by})。")


@app.command()
def reopen(
    measure_id: Annotated[str, typer.Argument(metavar="ID", help="措施编号,如 3.2")],
    reason: Annotated[
        str, typer.Option("--reason", help="重新打开的原因(必填),如 复查发现问题反弹")
    ],
    by: ByOption = None,
    on: DateOption = None,
    plan: PlanOption = None,
    ledger: LedgerOption = None,
) -> None:
    """重新打开已销号的措施(问题反弹),历史记录全部保留。

    示例:rectify reopen 3.2 --reason "复查发现仍有运动式执法"
    """
    session = open_session(plan, ledger)
    measure = session.plan.measure(measure_id)
    request = _request(session, by, on)
    event = _append(
        session, lambda book: core.reopen(session.plan, book, measure, request, reason.strip())
    )
    typer.echo(f"已重新打开:措施 {measure.id}(生效日期 {event.date},登记人 {event.by})。")


def _request(session: Session, by: str | None, on: str | None) -> core.Request:
    now = session.now()
    day = parse_date(on, "--date") if on else now.date()
    return core.Request(by=current_user(by), now=now, on=day, today=now.date())


def _append(session: Session, build: Callable[[Ledger], Any]) -> Any:
    from .ledger import append

    files = session.files

    def checked(book: Ledger) -> Any:
        core.check_ids(session.plan, book)
        return build(book)

    return append(
        files.ledger, checked, create_folder=files.ledger_source == DEFAULT, cache=cache_folder()
    )


@app.command()
def check(plan: PlanOption = None, ledger: LedgerOption = None) -> None:
    """校验计划文件和账本,一次列出全部错误(文件:行:列: 说明)。

    没有错误时打印一行摘要并以 0 退出;有错误时以 2 退出。

    示例:rectify check --plan 我的方案.yaml
    """
    from .errors import Diagnostic
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
    """显示当前使用的计划文件和账本文件,以及它们从何而来。

    示例:rectify where
    """
    files = resolve_files(plan, ledger)
    ledger_state = "已存在" if files.ledger.exists() else "尚不存在,首次销号时创建"
    typer.echo(f"计划:{files.plan}({files.plan_source})")
    typer.echo(f"账本:{files.ledger}({files.ledger_source},{ledger_state})")


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
