"""The application layer: the files a run uses, the clock, the user, and what commands ask of them.

A `Workspace` is opened once per command. It resolves which plan and ledger to use
(option > environment > default), reads the plan when first asked and the ledger (through
its cache) when first asked, and offers what the commands need: the state at a date,
recording a change under the ledger's lock, the data of a report, and every check. This
and the command line are the only places that read the clock and the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import core
from .errors import DataInvalid, Diagnostic, FileProblem, Refused, reason

if TYPE_CHECKING:
    from .config import Settings
    from .events import Event
    from .index import Index
    from .ledger import Entry, Ledger, Verification
    from .plan import Measure, Plan
    from .reports import Report, Step

PLAN_ENV = "RECTIFY_PLAN"
LEDGER_ENV = "RECTIFY_LEDGER"
USER_ENV = "RECTIFY_USER"
DEFAULT = "默认位置"


def _shared(folder: Path) -> bool:
    """Tell whether FOLDER is in a git work tree (where the ledger is shared through git)."""
    from .sharing import GitProblem, work_tree

    try:
        return folder.is_dir() and work_tree(folder) is not None
    except GitProblem:  # no git installed: nothing is shared through it
        return False


def clock() -> datetime:
    """Return the current moment, timezone-aware. The one place rectify reads the clock.

    The machine's own timezone is only a way to say the moment; one it cannot state
    (TZ=UTC+99) falls back to UTC, and the moment is then told in the plan's timezone.
    """
    try:
        return datetime.now().astimezone()
    except (ValueError, OverflowError, OSError):
        from datetime import timezone

        return datetime.now(timezone.utc)


def embedded_plan() -> Path:
    """Return the path of the plan shipped inside the package.

    A wheel carries it as rectify_cli/data/measures.yaml; an editable install of a
    checkout reads data/measures.yaml at the repository root, where it is maintained.
    """
    shipped = Path(__file__).resolve().parent / "data" / "measures.yaml"  # a wheel is a folder
    checkout = Path(__file__).resolve().parents[1] / "data" / "measures.yaml"
    return shipped if shipped.is_file() or not checkout.is_file() else checkout


def default_ledger() -> Path:
    """Return the ledger a clerk and a cron job of the same user both find: the user data folder."""
    from platformdirs import user_data_path

    return user_data_path("rectify", appauthor=False) / "ledger.yaml"


def cache_folder() -> Path:
    """Return the folder of the disposable caches of validated plans and ledger indexes."""
    from platformdirs import user_cache_path

    return user_cache_path("rectify", appauthor=False)


@dataclass(frozen=True)
class Files:
    """Which plan and ledger a command uses, and where each choice came from."""

    plan: Path
    plan_source: str
    ledger: Path
    ledger_source: str

    @classmethod
    def resolve(
        cls, plan: Path | None, ledger: Path | None, settings: Settings | None = None
    ) -> Files:
        """Pick the files: an option beats an environment variable, which beats the config
        file, which beats the default."""

        def pick(
            option: Path | None, env: str, key: str, default: Callable[[], Path]
        ) -> tuple[Path, str]:
            if option is not None:
                return option, "命令行选项"
            if os.environ.get(env):
                return Path(os.environ[env]), f"环境变量 {env}"
            if settings is not None and (configured := settings.file(key)) is not None:
                return configured, f"配置文件 {settings.path}"
            return default(), DEFAULT

        return cls(
            *pick(plan, PLAN_ENV, "plan", embedded_plan),
            *pick(ledger, LEDGER_ENV, "ledger", default_ledger),
        )

    def existing_ledger(self) -> Path:
        """Return the ledger's path; one named by option, environment or config file must exist.

        Only the default ledger may be absent, meaning nothing is recorded yet: a typo in
        a cron job's RECTIFY_LEDGER must not read as an empty ledger.
        """
        missing = self.missing_ledger()
        if missing:
            raise FileProblem(f"{self.ledger}: {missing}")
        return self.ledger

    def missing_ledger(self) -> str:
        """Say why a ledger named by option or environment is missing, or return ""."""
        try:
            if self.ledger_source == DEFAULT or self.ledger.exists():
                return ""
        except OSError as exc:  # a name too long, a path through a file
            return f"无法访问账本({reason(exc)})"
        return f"账本不存在(路径来自{self.ledger_source});请检查路径,新建账本请运行 rectify init 文件夹"


def parse_date(text: str, option: str) -> date:
    """Parse a YYYY-MM-DD date typed by a user for OPTION."""
    try:
        return date.fromisoformat(typed(text))
    except ValueError:
        raise Refused(f"{option} 的日期“{text}”无效,应写成 YYYY-MM-DD,如 2023-10-31") from None


def typed(text: str) -> str:
    """Return what a clerk typed with full-width digits and letters made plain, trimmed."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).strip()


def current_user(by: str | None, configured: str | None = None) -> str:
    """Return who records an event: --by, else RECTIFY_USER, else the name CONFIGURED in
    the config file, else the login name."""
    return user_and_source(by, configured)[0]


def user_and_source(by: str | None, configured: str | None = None) -> tuple[str, str]:
    """Return who records an event, as `current_user` picks them, and where that came from."""
    import getpass

    name, source = by, "命令行选项"
    if not name and os.environ.get(USER_ENV):
        name, source = os.environ[USER_ENV], f"环境变量 {USER_ENV}"
    if not name and configured:
        name, source = configured, "配置文件"
    if not name:
        try:
            name, source = getpass.getuser(), "登录名"
        except (OSError, KeyError, ImportError):
            name = ""
    if not name or not name.strip():
        raise Refused(
            f'无法确定登记人,请用 --by 姓名、设置环境变量 {USER_ENV},或在配置文件中写 name = "姓名"'
        )
    return core.same_name(name), source


@dataclass(frozen=True)
class Recorded:
    """A change that was appended: the measure and the ledger entry."""

    measure: Measure
    entry: Entry


class Workspace:
    """A plan and a ledger, read when first needed, and the operations on them."""

    def __init__(
        self,
        files: Files,
        cache: Path | None = None,
        warn: Callable[[str], None] | None = None,
        name: str | None = None,
        department: str | None = None,
    ) -> None:
        self.files = files
        self.cache = cache
        self.warn = warn or (lambda _: None)
        self.name = name  # who records, as the config file says, unless --by or RECTIFY_USER
        self.department = department  # the clerk's section: the part they record, unless --dept

    @cached_property
    def plan(self) -> Plan:
        """Return the validated plan."""
        from .plan import load_plan

        return load_plan(self.files.plan, self.cache)

    @cached_property
    def ledger(self) -> Ledger:
        """Return the ledger's index (through the cache), checked to name only the plan's measures."""
        from .ledger import read_ledger

        book = read_ledger(self.files.existing_ledger(), self.cache)
        _raise(unknown_measures(self.plan, book))
        if book.broken:
            self.warn(
                f"{book.broken[0]}(共 {len(book.broken)} 处):账本的哈希链不完整,以下结果不可信;"
                "请运行 rectify verify 查看"
            )
        i = book.index
        self._warn_drift(book)
        for first, other in book.pins():
            self.warn(
                f"措施 {i.names[i.id[other]]} 的方案在第 {i.line[first]} 行和第 {i.line[other]} 行记得不同"
                "(两份账本合并或手写),以下到期日不可信;请运行 rectify check 查看"
            )
        for earlier, later in book.doubles():
            self.warn(
                f"措施 {i.names[i.id[later]]} 在第 {i.line[earlier]} 行和第 {i.line[later]} 行"
                "两次销号,其间没有重新打开;请运行 rectify check 查看,用 rectify void 撤销其一"
            )
        return book

    def _warn_drift(self, book: Ledger) -> None:
        """Warn, in one line, if the plan file states recorded measures otherwise than the
        ledger holds them."""
        drifted = core.drift(self.plan, book.index)
        if drifted:
            ids = "、".join(d.mid for d in drifted[:5]) + (" 等" if len(drifted) > 5 else "")
            self.warn(
                f"{self.files.plan}: 计划文件中有 {len(drifted)} 项措施与账本记录的方案不同({ids}),"
                "未用 rectify amend 记录;到期日、验收和分科室办理仍按账本记录的计算。"
                "请运行 rectify check 查看"
            )

    # ------------------------------------------------------------ time

    def now(self) -> datetime:
        """Return the current time in the plan's timezone, to the second."""
        from zoneinfo import ZoneInfo

        return clock().astimezone(ZoneInfo(self.plan.plan.timezone)).replace(microsecond=0)

    def as_of(self, text: str | None) -> date:
        """Return the date given with --as-of, or today in the plan's timezone."""
        return parse_date(text, "--as-of") if text else self.now().date()

    # ------------------------------------------------------------ reading

    def state(self, as_of: date) -> list[core.Item]:
        """Return every measure as it stands at AS_OF."""
        return core.replay(self.plan, self.ledger.index, as_of)

    def history(self, mid: str, as_of: date) -> list[Entry]:
        """Return the records of measure MID in effect at AS_OF, in the order they apply."""
        book = self.ledger
        return self._marked(book.index, core.history(book.index, mid, as_of), book.entry)

    def sections_of(self, measure_id: str) -> tuple[str, ...]:
        """Return the sections measure MEASURE_ID is signed off by now, as the ledger holds it."""
        measure = self.plan.measure(measure_id)
        return tuple(
            p.part or "" for p in core.current(self.plan, self.ledger.index, measure).parts
        )

    def record_texts(self, as_of: date) -> dict[str, list[str]]:
        """Return the notes and evidence of the records in effect at AS_OF (not voided), by
        measure: what a search looks in besides the plan."""
        index, texts = self.ledger.index, dict[str, list[str]]()
        for row in core.history(index, None, as_of):
            if row not in index.voided:
                event = self.ledger.entry(row).event
                found = [event.note, *(x.text or x.path or "" for x in event.evidence)]
                texts.setdefault(event.id, []).extend(t for t in found if t)
        return texts

    def ledger_seed(self) -> str:
        """Return the seed a sample takes unless given one: the start of the ledger's newest
        hash, which nobody can choose without recording something first."""
        return min(self.ledger.tips, default="0" * 8)[:8]

    def log(self, mid: str | None, since: date | None, by: str | None) -> list[Entry]:
        """Return the records chosen for the audit log, in the order they were recorded."""
        book = self.ledger
        return self._marked(book.index, core.audit_log(book.index, mid, since, by), book.entry)

    def _marked(self, index: Index, rows: list[int], entry: Callable[[int], Entry]) -> list[Entry]:
        """Return the records of ROWS, each with the void that took it back, if any, and for
        a sign-off the department it waited for, as it stood when recorded."""
        plan = self.plan

        def marked(row: int) -> Entry:
            found = entry(row)
            voided = entry(index.voided[row]) if row in index.voided else None
            measure = plan.by_id.get(found.event.id) if found.event.action == "close" else None
            awaits = core.acceptor(plan, index, measure, row) if measure is not None else None
            return replace(found, voided_by=voided, awaits=awaits)

        return [marked(row) for row in rows]

    # ------------------------------------------------------------ changing

    def record(
        self,
        measure_id: str,
        change: core.Change,
        *,
        by: str | None,
        on: str | None,
        evidence: list[str] | None = None,
        files: list[Path] | None = None,
    ) -> Recorded:
        """Append the event CHANGE makes of a measure, judged on the ledger under its lock."""
        from .events import Evidence
        from .evidence import evidence_file

        measure = self.plan.measure(measure_id)
        who, day = current_user(by, self.name), parse_date(on, "--date") if on else None
        texts = [Evidence(text=e.strip()) for e in evidence or () if e.strip()]
        folder = self.files.ledger.parent
        shared = bool(files) and _shared(folder)  # a ledger shared through git keeps copies
        stored = [evidence_file(f, folder, store=shared) for f in files or ()]
        change = replace(change, evidence=(*texts, *stored))

        acceptance: list[str | None] = []

        def build(book: Ledger) -> list[Event]:
            """Judge the change on the ledger as it is under the lock, at the time it is held."""
            _raise(unknown_measures(self.plan, book))
            self._warn_drift(book)
            now = self.now()
            request = core.Request(by=who, now=now, on=day or now.date())
            signing_off = change.action == "close"
            acceptance[:] = [core.acceptor(self.plan, book.index, measure) if signing_off else None]
            parts = core.sections(self.plan, book.index, measure)
            asked, own = change, self.department
            theirs = own is not None and (own in parts or own in self.plan.sections(measure))
            if change.dept is None and change.action in core.BY_PART and theirs:
                asked = replace(change, dept=own)  # their section's part (refused if not held)
            return [core.judge(self.plan, book.index, measure, request, asked)]

        (entry,) = self._append(build)
        return Recorded(measure, replace(entry, awaits=acceptance[0]))

    def amend(self, change: core.Change, *, by: str | None, on: str | None) -> list[Entry]:
        """Record the plan as it is now: each recorded measure it states otherwise than the
        ledger holds (old and new), and each recorded measure the ledger holds no plan for."""
        who, day = current_user(by, self.name), parse_date(on, "--date") if on else None

        def build(book: Ledger) -> list[Event]:
            _raise(unknown_measures(self.plan, book))
            now = self.now()
            request = core.Request(by=who, now=now, on=day or now.date())
            held = {
                d.row: book.entry(d.row).event.measure for d in core.drift(self.plan, book.index)
            }
            return core.amendments(self.plan, book.index, held, request, change)

        return self._append(build)

    def _append(self, build: Callable[[Ledger], list[Event]]) -> list[Entry]:
        from .ledger import append

        return append(
            self.files.existing_ledger(),
            build,
            create_folder=self.files.ledger_source == DEFAULT,
            cache=self.cache,
        )

    def record_of(self, ref: str) -> Entry:
        """Return the record REF names: its line number as `log` shows it, or a prefix of at
        least 8 hex digits of its hash."""
        import re

        text = typed(ref).lower()
        index = self.ledger.index
        if text.isdigit():  # a line number; eight digits or more may also begin a hash
            rows = [row for row, line in enumerate(index.line) if line == int(text)]
            if rows:
                return self.ledger.entry(rows[0])
            if len(text) < 8:
                raise Refused(f"账本第 {text} 行不是一条记录;用 rectify log 查看各条记录的行号")
        if not re.fullmatch(r"[0-9a-f]{8,64}", text):
            raise Refused(f"“{ref}”不是记录的行号,也不是至少 8 位的哈希前缀")
        found = [e for e in self.ledger.entries() if (e.event.hash or "").startswith(text)]
        if not found:
            raise Refused(f"账本中没有哈希以 {text} 开头的记录")
        if len(found) > 1:
            lines = "、".join(str(e.line) for e in found)
            raise Refused(f"哈希以 {text} 开头的记录不止一条(第 {lines} 行),请多写几位")
        return found[0]

    # ------------------------------------------------------------ documents

    def verified(self) -> tuple[Ledger, list[Entry], Verification]:
        """Read the ledger itself, once, never a cache; refuse it unless its chain verifies."""
        from .ledger import read_whole

        book, entries, chain = read_whole(self.files.existing_ledger())
        _raise(list(chain.problems))
        _raise(unknown_measures(self.plan, book))
        self._warn_drift(book)
        return book, entries, chain

    def report(self, as_of: date, step: Step) -> tuple[Report, list[Entry]]:
        """Return the data of a report at AS_OF, and every record in the order recorded."""
        from .reports import build

        book, entries, chain = self.verified()
        data = build(self.plan, book.index, entries, as_of, chain.head or None, step)
        return data, self._marked(book.index, core.audit_log(book.index), entries.__getitem__)

    # ------------------------------------------------------------ checking

    def check(self) -> list[Diagnostic]:
        """Run every check on the plan and the ledger files themselves; return all problems."""
        from .checks import run_checks

        missing = self.files.missing_ledger()
        if missing:
            return [Diagnostic(self.files.ledger, 1, 1, missing)]
        return run_checks(self.files.plan, self.files.ledger, clock())


def unknown_measures(plan: Plan, ledger: Ledger) -> list[Diagnostic]:
    """Return a problem for every record of the ledger that names a measure neither the plan
    nor the ledger knows: a measure the plan removed after it was recorded is `core.drift`."""
    from .plan import MEASURE_ID

    m = ledger.index
    unknown = {
        code
        for code in set(m.id)
        if m.names[code] not in plan.by_id
        and (code not in m.definition or not MEASURE_ID.fullmatch(m.names[code]))
    }
    return [
        Diagnostic(ledger.path, m.line[i], 1, f"方案中没有措施“{m.names[m.id[i]]}”")
        for i in range(len(m))
        if m.id[i] in unknown
    ]


def _raise(problems: list[Diagnostic]) -> None:
    if problems:
        raise DataInvalid(problems)
