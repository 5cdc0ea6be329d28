"""The plan: problems and measures as immutable models, loaded and validated from YAML."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import DataInvalid, Diagnostic, FileProblem, Refused, UnknownMeasure
from .rules import CONFIG, STRICT, After, Before, adapter, limits

if TYPE_CHECKING:
    from .yamlsource import Located

ONGOING = ("长期坚持", "持续推进")
OTHER_DATES = "其他日期"
DEADLINE_FORMS = "“N月底”(N 为 1–12)、YYYY-MM-DD、“长期坚持”或“持续推进”"

_MONTH_END = re.compile(r"([0-9]{1,2})月底")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = MEASURE_ID = re.compile(r"^[1-9][0-9]*\.[1-9][0-9]*$")


Text = Annotated[str, limits(strict=True, pattern=r"\S")]  # not empty, not only blanks


def _plain_name(text: str) -> str:
    """Refuse a name of a person or department that could pass for another: blanks around
    it, a decomposed spelling, characters that show nothing or reorder the text."""
    from .core import untruthful

    if text != text.strip():
        raise ValueError(f"“{text.strip()}”前后有空白,请删去")
    if unicodedata.normalize("NFC", text) != text:
        raise ValueError(f"“{text}”含有组合字符的写法,请重新输入这个名称")
    char = untruthful(text, name=True)
    if char is not None:
        raise ValueError(f"名称中含有不能如实显示的字符 U+{ord(char):04X},请删去")
    return text


Name = Annotated[Text, After(_plain_name)]  # a person or a department: what rules compare


def _known_deadline(word: str) -> str:
    if deadline_kind(word) is None:
        raise ValueError(f"无法识别的整改时限“{word}”,可用的写法:{DEADLINE_FORMS}")
    return word


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"未知时区“{name}”,例如 Asia/Shanghai") from exc
    return name


def _plausible_date(day: date) -> date:
    """Refuse a plan date that no plan has, whose deadlines would run past the calendar."""
    if not 1949 <= day.year <= 2999:
        raise ValueError(f"方案日期 {day} 不合常理,应在 1949 年至 2999 年之间")
    return day


def _date_as_written(value: object) -> object:
    """Take an unquoted YAML date (2023-11-15) as the deadline word it was written as."""
    return value.isoformat() if isinstance(value, date) else value


# Every model read from a file is a frozen dataclass that accepts no field it does not know
# (`__pydantic_config__`, see rules.py). The plan's are not slotted: a slotted instance is
# unpickled field by field in Python, three times slower at 10,000 measures.

ReviewEvery = Literal["月", "季度", "半年", "年"]
REVIEW_MONTHS: dict[str, int] = {"月": 1, "季度": 3, "半年": 6, "年": 12}
DEFAULT_REVIEW: ReviewEvery = "季度"


@dataclass(frozen=True, kw_only=True)
class Measure:
    """One rectification measure (整改措施) with its departments and deadline."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    id: Annotated[str, limits(strict=True, pattern=_ID.pattern)]
    text: Text
    lead: tuple[Text, ...] = ()
    responsible: Annotated[tuple[Text, ...], limits(min_length=1)]
    deadline: Annotated[str, STRICT, Before(_date_as_written), After(_known_deadline)]
    review_every: ReviewEvery | None = None
    acceptance: Name | None = None  # the department that accepts its sign-off, if not the plan's

    def __post_init__(self) -> None:
        if self.review_every is not None and not self.ongoing:
            raise ValueError("复查周期(review_every)只适用于“长期坚持”“持续推进”的措施")

    @property
    def cadence(self) -> ReviewEvery | None:
        """Return how often an ongoing measure is reviewed (the plan's word, or 季度), else None."""
        return (self.review_every or DEFAULT_REVIEW) if self.ongoing else None

    @property
    def review_months(self) -> int | None:
        """Return how many months may pass between reviews of an ongoing measure, else None."""
        return None if self.cadence is None else REVIEW_MONTHS[self.cadence]

    @property
    def problem(self) -> int:
        """Return the number of the problem this measure belongs to."""
        return int(self.id.split(".")[0])

    @property
    def departments(self) -> tuple[str, ...]:
        """Return every department named, lead first, each once."""
        return tuple(dict.fromkeys(self.lead + self.responsible))

    @property
    def ongoing(self) -> bool:
        """Tell whether the measure is kept up indefinitely and has no due date."""
        return self.deadline in ONGOING


@dataclass(frozen=True, kw_only=True)
class Definition:
    """A measure as the plan states it, as the ledger records it: what an amendment changes.

    `due` is the deadline resolved against the plan's date, so that moving the plan's
    date, which moves every 月底, is a change too.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    text: Text
    lead: tuple[Text, ...] = ()
    responsible: Annotated[tuple[Text, ...], limits(min_length=1)]
    deadline: Annotated[str, STRICT]
    due: date | None = None
    review_every: ReviewEvery | None = None
    timezone: Annotated[str, STRICT] | None = (
        None  # the plan's: it decides the day a record was entered
    )
    acceptance: Text | None = None  # the department that accepts its sign-offs, if any
    parts: tuple[Text, ...] | None = None  # the sections that each sign off their part, if any
    # who may act for whom: the people the plan lists in the accepting department and in each
    # section of a part, by department (if it lists people)
    people: dict[Text, tuple[Text, ...]] | None = None

    @property
    def digest(self) -> int:
        """Return the first 60 bits of the SHA-256 of this definition in canonical JSON
        (never 0 or 1, which the index keeps for "none" and "removed")."""
        import hashlib
        import json

        # a field added later (acceptance) is in the digest only when set, so the digests
        # of every measure recorded before it existed stay as they were
        fields = [
            getattr(self, name)
            for name in DEFINITION_LABELS
            if name not in _LATER or getattr(self, name) is not None
        ]
        canonical = json.dumps(
            [f.isoformat() if isinstance(f, date) else f for f in fields],
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,  # only `people` is a mapping
        )
        return max(2, int(hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:15], 16))


DEFINITION_LABELS = {
    "text": "措施内容",
    "lead": "牵头科室",
    "responsible": "责任科室",
    "deadline": "整改时限",
    "due": "到期日",
    "review_every": "复查周期",
    "timezone": "方案时区",
    "acceptance": "验收科室",
    "parts": "分科室办理",
    "people": "人员",
}
_LATER = ("acceptance", "parts", "people")


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One problem (问题) found by the supervision, with its measures."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    number: Annotated[int, limits(strict=True, ge=1)]
    title: Text
    finding: Text | None = None
    measures: Annotated[tuple[Measure, ...], limits(min_length=1)]

    @property
    def label(self) -> str:
        """Return the number as the plan writes it, e.g. (三)."""
        return f"({chinese_numeral(self.number)})"


@dataclass(frozen=True, kw_only=True)
class PlanInfo:
    """The plan's own metadata."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    title: Text
    basis: Text | None = None
    date: Annotated[dt.date, After(_plausible_date)]  # dt.: `date` here is this field
    timezone: Annotated[str, STRICT, After(_known_timezone)] = "Asia/Shanghai"
    # how many days ahead `overdue` warns of what falls due (即将到期); None: only if asked
    warn_days: Annotated[int, limits(strict=True, ge=0, le=366)] | None = None
    # the department that accepts (验收) sign-offs before they count; None: a sign-off counts
    acceptance: Name | None = None


@dataclass(frozen=True, kw_only=True)  # it keeps what it works out (by_id, …)
class Plan:
    """A whole rectification plan."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CONFIG

    plan: PlanInfo
    problems: Annotated[tuple[Problem, ...], limits(min_length=1)]
    people: dict[Name, Name] | None = None  # who works in which department: who may accept
    # the sections a group of departments stands for (各执法科室: [治安科, …]): each signs off
    # its own part of a measure that names the group
    departments: dict[Name, Annotated[tuple[Name, ...], limits(min_length=1)]] | None = None

    def sections(self, measure: Measure) -> tuple[str, ...]:
        """Return the sections that each sign off a part of MEASURE, in the plan's order
        (none: the measure is signed off as a whole)."""
        groups = self.departments or {}
        return tuple(dict.fromkeys(s for d in measure.departments for s in groups.get(d, ())))

    def acceptor(self, measure: Measure) -> str | None:
        """Return the department that accepts MEASURE's sign-off, or None if it counts at once."""
        return measure.acceptance or self.plan.acceptance

    def people_of(self, measure: Measure) -> dict[str, tuple[str, ...]] | None:
        """Return who may act for whom on MEASURE: the people the plan lists in its accepting
        department and in each section of a part, by department, names in order; None if the
        plan lists nobody of them."""
        if self.people is None:
            return None
        depts = dict.fromkeys([self.acceptor(measure), *self.sections(measure)])
        found = {
            dept: tuple(sorted(n for n, d in self.people.items() if d == dept))
            for dept in depts
            if dept is not None
        }
        return {dept: names for dept, names in found.items() if names} or None

    @property
    def measures(self) -> Iterator[Measure]:
        """Yield every measure in plan order."""
        for problem in self.problems:
            yield from problem.measures

    @cached_property
    def by_id(self) -> dict[str, Measure]:
        """Map each id to its measure."""
        return {m.id: m for m in self.measures}

    def problem(self, number: int) -> Problem:
        """Return problem NUMBER."""
        return self.by_number[number]

    @cached_property
    def by_number(self) -> dict[int, Problem]:
        """Map each problem's number to it."""
        return {p.number: p for p in self.problems}

    def due(self, measure: Measure) -> date | None:
        """Return the date MEASURE is due, or None for an ongoing measure."""
        return resolve_deadline(measure.deadline, self.plan.date)

    def definition(self, measure: Measure) -> Definition:
        """Return MEASURE as the ledger records the plan it was kept against."""
        return Definition(
            text=measure.text,
            lead=measure.lead,
            responsible=measure.responsible,
            deadline=measure.deadline,
            due=self.due(measure),
            review_every=measure.review_every,
            timezone=self.plan.timezone,
            acceptance=self.acceptor(measure),
            parts=self.sections(measure) or None,
            people=self.people_of(measure),
        )

    def digest(self, measure: Measure) -> int:
        """Return the digest of MEASURE's definition."""
        return self.digests[measure.id]

    @cached_property
    def digests(self) -> dict[str, int]:
        """Return the digest of every measure's definition, by id (kept in the plan's cache)."""
        return {m.id: self.definition(m).digest for m in self.measures}

    def measure(self, raw_id: str) -> Measure:
        """Return the measure RAW_ID names, however it was typed, or raise UnknownMeasure."""
        mid = normalize_id(raw_id)
        try:
            return self.by_id[mid]
        except KeyError:
            raise UnknownMeasure(unknown_id_message(self, raw_id, mid)) from None

    def problem_number(self, text: str) -> int:
        """Return the number of the problem TEXT names (3, 三 or (三)), or raise Refused."""
        cleaned = unicodedata.normalize("NFKC", text).strip().removeprefix("(").removesuffix(")")
        for problem in self.problems:
            if cleaned in (str(problem.number), chinese_numeral(problem.number)):
                return problem.number
        numbers = "、".join(str(p.number) for p in self.problems)
        raise Refused(f"方案中没有问题“{text}”;--problem 应为问题序号:{numbers}")

    def deadline(self, text: str) -> str:
        """Return the deadline word or group TEXT names if the plan uses it, or raise Refused."""
        used = {w for m in self.measures for w in (m.deadline, deadline_group(m.deadline))}

        def order(word: str) -> tuple[int, date, str]:
            if deadline_kind(word) in ("month_end", "date"):
                return (0, resolve_deadline(word, self.plan.date) or date.max, word)
            return (1 if word == OTHER_DATES else 2 + ONGOING.index(word), date.max, word)

        words = sorted(used, key=order)
        word = unicodedata.normalize("NFKC", text).strip()
        if word not in words:
            raise Refused(f"方案中没有整改时限“{text}”;可用:{'、'.join(words)}")
        return word

    @cached_property
    def department_names(self) -> tuple[str, ...]:
        """Return every department the plan names, in order of first mention, then the
        sections of its groups."""
        named = (d for m in self.measures for d in m.departments)
        sections = (s for members in (self.departments or {}).values() for s in members)
        return tuple(dict.fromkeys([*named, *sections]))

    def department(self, name: str, also: tuple[str, ...] = ()) -> str:
        """Return the department NAME names: as the plan (or ALSO, names the ledger holds)
        writes it, give or take blanks and full-width letters, or by the start of one name
        alone; else raise Refused with the nearest."""
        import difflib

        def bare(text: str) -> str:
            return "".join(unicodedata.normalize("NFKC", text).split())

        wanted = bare(name)
        names = tuple(dict.fromkeys([*self.department_names, *also]))
        exact = [d for d in names if bare(d) == wanted]
        starting = [d for d in names if wanted and bare(d).startswith(wanted)]
        if len(exact) == 1 or (not exact and len(starting) == 1):
            return (exact or starting)[0]
        if len(starting) > 1:
            raise Refused(f"科室“{name}”可指:{'、'.join(starting)};请写全")
        guess = difflib.get_close_matches(name, names, n=3, cutoff=0.3)
        known = guess or names
        hint = "是否要找" if guess else "方案中的科室"
        raise Refused(f"方案中没有科室“{name}”;{hint}:{'、'.join(known)}")


_CN_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Return N in Chinese numerals as plans number their problems (from 100 on, digits)."""
    if n >= 100:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def normalize_id(raw: str) -> str:
    """Return RAW as a canonical id: full-width digits, 。 and ． become 3.2."""
    text = unicodedata.normalize("NFKC", raw).strip().replace("。", ".").replace("、", ".")
    return text


def unknown_id_message(plan: Plan, raw: str, mid: str) -> str:
    """Return a Chinese message for an unknown id, with the nearest ids as suggestion."""
    import difflib

    message = f"方案中没有编号为“{raw}”的措施"
    close = difflib.get_close_matches(mid, list(plan.by_id), n=3, cutoff=0.5)
    if close:
        message += ";是否要找:" + "、".join(close)
    return message + "。用 rectify list 查看全部编号"


@lru_cache(maxsize=1024)
def deadline_kind(word: str) -> Literal["month_end", "date", "ongoing"] | None:
    """Classify a deadline word, or return None if it is not one of the accepted forms."""
    if word in ONGOING:
        return "ongoing"
    m = _MONTH_END.fullmatch(word)
    if m and 1 <= int(m.group(1)) <= 12:
        return "month_end"
    if _ISO_DATE.fullmatch(word):
        try:
            date.fromisoformat(word)
        except ValueError:
            return None
        return "date"
    return None


@lru_cache(maxsize=256)
def resolve_deadline(word: str, plan_date: date) -> date | None:
    """Return the due date of a deadline word for a plan dated PLAN_DATE.

    "N月底" is the first end of month N on or after the plan's date; an ISO date is
    itself; 长期坚持 and 持续推进 have no due date.
    """
    kind = deadline_kind(word)
    if kind == "ongoing":
        return None
    if kind == "date":
        return date.fromisoformat(word)
    if kind == "month_end":
        month = int(word[:-2])
        year = plan_date.year
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end < plan_date:
            end = date(year + 1, month, calendar.monthrange(year + 1, month)[1])
        return end
    raise ValueError(f"无法识别的整改时限“{word}”")


def add_months(day: date, months: int) -> date:
    """Return DAY plus MONTHS calendar months, the day clamped to the end of a shorter month."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline_group(word: str) -> str:
    """Return the bucket a deadline word is reported under: the word, or 其他日期."""
    return OTHER_DATES if deadline_kind(word) == "date" else word


# ---------------------------------------------------------------------------- loading

_MESSAGES = {
    "missing": "缺少字段“{field}”",
    "extra_forbidden": "未知字段“{field}”",
    "string_type": "字段“{field}”应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "tuple_type": "应为列表,如 [政策法规科, 办公室]",
    "list_type": "应为列表",
    "model_type": "应为“键: 值”的映射",
    "dataclass_type": "应为“键: 值”的映射",
    "unexpected_keyword_argument": "未知字段“{field}”",
    "missing_keyword_only_argument": "缺少字段“{field}”",
    "too_short": "不能为空列表",
    "less_than_equal": "应不大于 {le}",
    "date_from_datetime_parsing": "日期应写成 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期应写成 YYYY-MM-DD",
    "date_parsing": "日期应写成 YYYY-MM-DD",
    "date_type": "日期应写成 YYYY-MM-DD",
    "timezone_aware": "时间必须带时区,如 2023-10-08T09:30:00+08:00",
    "datetime_type": "时间格式应为 ISO 8601,如 2023-10-08T09:30:00+08:00",
    "datetime_parsing": "时间格式应为 ISO 8601,如 2023-10-08T09:30:00+08:00",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601,如 2023-10-08T09:30:00+08:00",
}


def validation_message(error: Any) -> str:
    """Say a pydantic validation error in Chinese, naming the field; never pydantic's English."""
    kind, ctx = error["type"], error.get("ctx") or {}
    field = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
    if kind == "value_error":
        return str(ctx["error"])
    if kind == "literal_error":
        allowed = "、".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"“{error['input']}”无效,可用的值:{allowed}"
    if kind == "greater_than_equal":
        return "应为正整数" if ctx.get("ge") == 1 else f"应不小于 {ctx.get('ge')}"
    if kind == "string_pattern_mismatch":
        return "不能为空"
    template = _MESSAGES.get(kind, "字段“{field}”的取值无效")
    return template.format(field=field, **{k: v for k, v in ctx.items() if k == "le"})


def _message(error: Any, source: Located) -> str:
    kind, loc = error["type"], error["loc"]
    field = str(loc[-1]) if loc else ""
    if kind == "string_pattern_mismatch" and field == "id":
        return f'编号“{error["input"]}”应写成“问题号.措施号”,如 "3.2"'
    if kind == "string_type" and field == "id" and isinstance(error["input"], (int, float)):
        written = source.written(tuple(loc)) or str(error["input"])
        return f'编号必须加引号写成文字,如 "{written}"(不加引号时 YAML 会把 3.10 读成数字 3.1)'
    if kind == "string_type":
        return "应为文字"
    return validation_message(error)


def _cross_checks(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Find what per-field validation cannot: duplicate numbers and ids, ids of another problem."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    if not isinstance(data, dict) or not isinstance(data.get("problems"), list):
        return found
    found += _nobody_accepts(data) + _groups_out_of_place(data)
    numbers: set[object] = set()
    ids: set[object] = set()
    for i, problem in enumerate(data["problems"]):
        if not isinstance(problem, dict):
            continue
        number = problem.get("number")
        if isinstance(number, int):
            if number in numbers:
                found.append((("problems", i, "number"), f"问题编号 {number} 重复"))
            numbers.add(number)
        measures = problem.get("measures")
        if not isinstance(measures, list):
            continue
        for j, measure in enumerate(measures):
            if not isinstance(measure, dict) or not isinstance(measure.get("id"), str):
                continue
            mid = measure["id"]
            where = ("problems", i, "measures", j, "id")
            if mid in ids:
                found.append((where, f"措施编号“{mid}”重复"))
            ids.add(mid)
            if _ID.fullmatch(mid) and isinstance(number, int) and mid.split(".")[0] != str(number):
                found.append((where, f"措施“{mid}”不属于问题 {number},编号应以“{number}.”开头"))
    return found


def _raw_measures(data: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Yield where each measure of a plan not yet validated is, and its fields."""
    for i, problem in enumerate(data["problems"]):
        measures = problem.get("measures") if isinstance(problem, dict) else None
        for j, measure in enumerate(measures if isinstance(measures, list) else ()):
            if isinstance(measure, dict):
                yield ("problems", i, "measures", j), measure


def _nobody_accepts(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Find accepting departments nobody in the plan's `people` belongs to: no one could
    accept their sign-offs."""
    people = data.get("people")
    if not isinstance(people, dict):
        return []
    staffed = {d for d in people.values() if isinstance(d, str)}
    info = data.get("plan")
    named: list[tuple[tuple[str | int, ...], object]] = []
    if isinstance(info, dict):
        named.append((("plan", "acceptance"), info.get("acceptance")))
    for where, measure in _raw_measures(data):
        named.append(((*where, "acceptance"), measure.get("acceptance")))
    return [
        (
            where,
            f"验收科室“{dept}”在人员名单(people)中没有人,无人能验收;请在 people 中列出该科室的人",
        )
        for where, dept in named
        if isinstance(dept, str) and dept.strip() and dept not in staffed
    ]


def _groups_out_of_place(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Find groups of `departments` no measure names, sections that are groups themselves,
    and a section listed twice in a group."""
    groups = data.get("departments")
    if not isinstance(groups, dict):
        return []
    named = {
        d
        for _, m in _raw_measures(data)
        for key in ("lead", "responsible")
        if isinstance(m.get(key), list)
        for d in m[key]
    }
    found: list[tuple[tuple[str | int, ...], str]] = []
    for group, members in groups.items():
        if group not in named:
            found.append((("departments", group), f"没有哪项措施的牵头或责任科室是“{group}”"))
        for i, member in enumerate(members if isinstance(members, list) else ()):
            if member in groups:
                found.append((("departments", group, i), f"“{member}”本身是一组科室,不能再作组员"))
            elif member in members[:i]:
                found.append((("departments", group, i), f"“{member}”在“{group}”中重复"))
    return found


def parse_plan(source: Located) -> Plan:
    """Validate a located YAML document as a plan; raise DataInvalid with every problem."""
    from pydantic import ValidationError

    if source.data is None:
        empty = Diagnostic(
            source.path, 1, 1, "文件为空,应为整改方案(可用 rectify init 生成一份样例)"
        )
        raise DataInvalid(source.diagnostics or [empty])
    problems: list[tuple[tuple[str | int, ...], str]] = []
    plan: Plan | None = None
    try:
        plan = adapter(Plan).validate_python(source.data)
    except ValidationError as exc:
        errors = exc.errors()
        locs = [tuple(e["loc"]) for e in errors]
        for loc, error in zip(locs, errors, strict=True):
            # a list whose items all failed is also "too short": report the items only
            inner = any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)
            if not (error["type"] == "too_short" and inner):
                problems.append((loc, _message(error, source)))
    problems += _cross_checks(source.data)
    diagnostics = source.diagnostics + [
        Diagnostic(source.path, *source.locate(loc), message) for loc, message in problems
    ]
    if diagnostics or plan is None:
        raise DataInvalid(sorted(diagnostics, key=lambda d: (d.line, d.col)))
    return plan


def load_plan(path: Path, cache: Path | None = None) -> Plan:
    """Read and validate the plan file at PATH.

    With a CACHE folder, a plan validated from exactly this state of the file is read
    back from there, with the digests of its measures, instead of parsing the YAML and
    validating it again (which also imports pydantic).
    """
    from . import __version__
    from .index import content_key, load_object, save_object
    from .storage import read_regular

    raw = read_regular(path, "计划")
    if raw is None:
        raise FileProblem(f"{path}: 文件不存在")
    key = content_key(raw)
    if cache is not None:
        held = load_object(cache, "plan", path, key, __version__)
        if isinstance(held, Plan):
            return held
    from .yamlsource import decoded, parse_located

    plan = parse_plan(parse_located(path, decoded(path, raw)))
    if cache is not None:
        plan.digests  # worked out once, kept with it  # noqa: B018
        save_object(cache, "plan", path, key, __version__, plan)
    return plan
