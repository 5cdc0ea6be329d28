"""The ledger file: reading, appending, the line format, the hash chain, verify, repair, upgrade.

What happens under concurrent writers, killed writers and failing disks is in test_robustness.
"""

from __future__ import annotations

import json
import os
import random
import stat
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rectify_cli.actions import Action
from rectify_cli.errors import DataInvalid, LedgerTorn, Refused
from rectify_cli.events import Event, Evidence
from rectify_cli.ledger import HEADER, Repair, append, encode, read_ledger, repair, verify

from .conftest import Result

CST = timezone(timedelta(hours=8))


def event(mid: str = "3.2", action: Action = "close", note: str = "", day: int = 5) -> Event:
    return Event(
        recorded=datetime(2023, 10, day, 9, 30, tzinfo=CST),
        date=date(2023, 10, day),
        id=mid,
        action=action,
        by="张三",
        note=note,
    )


def add(path: Path, e: Event) -> Event:
    return append(path, lambda _: [e])[0].event


# ---------------------------------------------------------------------------- reading


def test_missing_file_is_an_empty_ledger(tmp_path: Path) -> None:
    ledger = read_ledger(tmp_path / "none.yaml")
    assert len(ledger) == 0 and not ledger.exists


def test_bad_lines_are_all_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    path.write_text(
        "# comment\n"
        '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "3.2", "action": "close", "by": "张三"}\n'
        "not an event\n"
        '{"recorded": "2023-10-05T09:30:00", "date": "2023-10-05", "id": "3.2", "action": "close", "by": "张三"}\n'
        '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-13-05", "id": "3.2", "action": "sign", "by": "张三"}\n'
        "{recorded: 2023-10-05T09:30:00+08:00, date: 2023-10-05, id: '3.3', action: reopen, by: 李四}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataInvalid) as caught:
        read_ledger(path)
    found = [(d.line, d.message) for d in caught.value.diagnostics]
    assert [line for line, _ in found] == [3, 4, 5, 5, 6]
    assert "无法解析" in found[0][1]
    assert "时区" in found[1][1]
    assert "日期" in found[2][1] and "sign" in found[3][1]
    assert "原因" in found[4][1]


def test_hand_written_yaml_line_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    path.write_text(
        "{recorded: 2023-10-05T09:30:00+08:00, date: 2023-10-05, id: '3.3', action: close, by: 李四}\n",
        encoding="utf-8",
    )
    (entry,) = read_ledger(path).entries()
    assert entry.event.id == "3.3" and entry.event.hash is None
    assert "未加链" in verify(path).problems[0].message
    with pytest.raises(Refused, match="未加哈希链"):
        add(path, event("3.2"))


def test_unknown_measure_in_ledger_is_reported(run: Callable[..., Result], isolated: Path) -> None:
    add(isolated, event("9.9"))
    result = run("status")
    assert result.exit_code == 2
    assert f"{isolated}:3:1: 方案中没有措施“9.9”" in result.stderr


# ---------------------------------------------------------------------------- appending and the format


def test_lines_are_json_and_yaml_and_chained(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    first = add(path, event("3.2"))
    add(path, event("1.5", day=6))
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert len(lines) == 2
    one, two = (json.loads(ln) for ln in lines)
    assert [yaml.safe_load(ln)["id"] for ln in lines] == ["3.2", "1.5"]
    assert one["prev"] == [] and two["prev"] == [one["hash"]]
    assert read_ledger(path).entries()[0].event == replace(first, prev=(), hash=one["hash"])
    assert verify(path).problems == ()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    note=st.text(max_size=80),
    by=st.text(min_size=1, max_size=12).filter(str.strip),
    evidence=st.lists(st.text(min_size=1, max_size=20).filter(str.strip), max_size=3),
)
def test_what_is_written_reads_back_the_same(
    tmp_path: Path, note: str, by: str, evidence: list[str]
) -> None:
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "ledger.yaml"  # hypothesis may replay an example
    written = Event(
        recorded=datetime(2023, 10, 5, 9, 30, tzinfo=CST),
        date=date(2023, 10, 5),
        id="3.2",
        action="close",
        by=by,
        note=note,
        evidence=tuple(Evidence(text=e) for e in evidence),
    )
    add(path, written)
    (entry,) = read_ledger(path).entries()
    assert replace(entry.event, hash=None) == replace(written, prev=())
    assert path.read_bytes().count(b"\n") == 3  # two header lines, one event line
    assert verify(path).problems == ()


def test_ledger_file_lines_are_one_event_each_even_with_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    add(path, event("1.1", "progress", "甲\u2028乙\n丙\u0085丁"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(HEADER) and text.count("\n") == 3
    assert (
        "\u2028" not in text
        and json.loads(text.splitlines()[2])["note"] == "甲\u2028乙\n丙\u0085丁"
    )


def test_refusing_to_append_after_a_refusal_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"

    def refuse(_: object) -> list[Event]:
        raise Refused("不行")

    with pytest.raises(Refused):
        append(path, refuse)
    assert not path.exists()


def test_a_new_ledger_is_not_writable_by_others(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        add(tmp_path / "ledger.yaml", event("1.1"))
    finally:
        os.umask(old)
    assert (tmp_path / "ledger.yaml").stat().st_mode & 0o022 == 0


# ---------------------------------------------------------------------------- the chain and verify


def chain_of(path: Path, n: int) -> list[bytes]:
    for day in range(1, n + 1):
        add(path, event(f"{day % 8 + 1}.1", day=day))
    return path.read_bytes().splitlines(keepends=True)


def test_verify_detects_edit_deletion_reordering(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    lines = chain_of(path, 5)  # 2 header lines, events on lines 3..7
    head = verify(path).head
    assert len(head) == 64

    path.write_bytes(b"".join(lines).replace(b'"by": "\xe5\xbc\xa0\xe4\xb8\x89"', b'"by": "X"', 1))
    assert verify(path).problems[0].line == 3  # edited content no longer matches its hash

    path.write_bytes(b"".join(lines[:4] + lines[5:]))
    assert verify(path).problems[0].line == 5  # a deleted event: the next one's prev is missing

    path.write_bytes(b"".join([*lines[:3], lines[4], lines[3], *lines[5:]]))
    assert verify(path).problems[0].line == 4  # reordered: its prev comes after it

    path.write_bytes(b"".join(lines))
    assert verify(path).problems == () and verify(path).head == head


def test_an_inserted_event_changes_the_head(tmp_path: Path) -> None:
    path = tmp_path / "ledger.yaml"
    lines = chain_of(path, 3)
    head = verify(path).head
    forged = tmp_path / "forged.yaml"
    forged.write_bytes(b"".join(lines[:3]))
    add(forged, event("8.1", day=9))  # a valid event forked from line 3
    path.write_bytes(
        b"".join(lines[:4])
        + forged.read_bytes().splitlines(keepends=True)[-1]
        + b"".join(lines[4:])
    )
    result = verify(path)
    assert result.problems == ()
    assert result.head != head and result.tips == 2
    assert [(e.line, e.event.id) for e in result.side] == [(5, "8.1")]  # shown, not just counted


def test_union_merge_of_two_copies_verifies_and_rejoins(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    common = chain_of(base, 2)
    ours, theirs = tmp_path / "ours.yaml", tmp_path / "theirs.yaml"
    ours.write_bytes(b"".join(common))
    theirs.write_bytes(b"".join(common))
    add(ours, event("5.1", day=10))
    add(theirs, event("6.1", day=11))
    add(theirs, event("7.1", day=12))
    merged = tmp_path / "merged.yaml"
    merged.write_bytes(
        b"".join(common)
        + b"".join(ours.read_bytes().splitlines(keepends=True)[len(common) :])
        + b"".join(theirs.read_bytes().splitlines(keepends=True)[len(common) :])
    )
    result = verify(merged)
    assert result.problems == () and result.tips == 2
    assert [e.event.id for e in result.side] == ["5.1"]  # off the line of the last record
    add(merged, event("8.1", day=13))
    result = verify(merged)
    assert result.problems == () and result.tips == 1
    assert [e.event.id for e in result.side] == ["5.1"]  # the shorter branch, still shown
    assert len(json.loads(merged.read_bytes().splitlines()[-1])["prev"]) == 2


# ---------------------------------------------------------------------------- torn lines and repair


@pytest.mark.parametrize(
    "cut", ["first byte", "all but the newline", *(f"seed {s}" for s in range(6))]
)
def test_a_write_cut_at_any_byte_is_refused_then_repaired(tmp_path: Path, cut: str) -> None:
    path = tmp_path / "ledger.yaml"
    for day in (5, 6, 7):
        add(path, event(f"{day - 4}.1", day=day))
    whole = path.read_bytes()
    last = whole.rstrip(b"\n").rfind(b"\n") + 1  # where the third event's line starts
    if cut == "first byte":
        end = last + 1
    elif cut == "all but the newline":
        end = len(whole) - 1
    else:
        end = random.Random(int(cut.split()[1])).randrange(last + 1, len(whole) - 1)
    path.write_bytes(whole[:end])
    with pytest.raises(LedgerTorn) as caught:
        read_ledger(path)
    assert caught.value.diagnostics[0].line == 5
    with pytest.raises(LedgerTorn):
        add(path, event("4.1", day=8))
    assert path.read_bytes() == whole[:end]  # nothing appended after a torn line
    done = repair(path, datetime(2023, 10, 8, tzinfo=CST))
    if cut == "all but the newline":  # a whole, hash-valid event: it gets its newline back
        assert done.newline_added and done.backup is None
        assert path.read_bytes() == whole
        assert [e.event.id for e in read_ledger(path).entries()] == ["1.1", "2.1", "3.1"]
    else:
        assert done.backup is not None and done.backup.read_bytes() == whole[last:end]
        assert path.read_bytes() == whole[:last]
        assert [e.event.id for e in read_ledger(path).entries()] == ["1.1", "2.1"]
    assert verify(path).problems == ()
    assert repair(path, datetime(2023, 10, 8, tzinfo=CST)) == Repair(None, 0)


def test_a_whole_last_line_whose_hash_does_not_match_is_moved_aside(tmp_path: Path) -> None:
    """Only a hash-valid event is completed: an edited one missing its newline is torn."""
    path = tmp_path / "ledger.yaml"
    for day in (5, 6):
        add(path, event(f"{day - 4}.1", day=day))
    whole = path.read_bytes()
    last = whole.rstrip(b"\n").rfind(b"\n") + 1
    edited = whole[:last] + whole[last:-1].replace("张三".encode(), "局长".encode())
    assert edited != whole[:-1]
    path.write_bytes(edited)
    done = repair(path, datetime(2023, 10, 8, tzinfo=CST))
    assert not done.newline_added and done.backup is not None
    assert path.read_bytes() == whole[:last]


def test_cli_repair_and_check_name_the_torn_line(
    run: Callable[..., Result], isolated: Path
) -> None:
    assert run("close", "3.2", "--evidence", "佐证材料", "--date", "2023-10-05").exit_code == 0
    isolated.write_bytes(isolated.read_bytes() + b'{"recorded": "20')
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:4:1: 最后一行不完整" in checked.stderr
    assert run("status").exit_code == 2
    assert run("close", "1.5", "--evidence", "佐证材料", "--date", "2023-10-05").exit_code == 2
    repaired = run("repair")
    assert repaired.exit_code == 0 and "移入" in repaired.stdout
    backups = list(isolated.parent.glob("ledger.yaml.torn-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == b'{"recorded": "20'
    assert run("check").exit_code == 0


# ---------------------------------------------------------------------------- upgrade

LEGACY = (
    "# 旧账本\n"
    '{"recorded": "2023-10-05T09:30:00+08:00", "date": "2023-10-05", "id": "3.2", "action": "close", "by": "张三"}\n'
    "{recorded: 2023-10-06T09:30:00+08:00, date: 2023-10-06, id: '1.5', action: close, by: 李四}\n"
)


def test_a_legacy_ledger_is_upgraded_only_when_asked(
    run: Callable[..., Result], isolated: Path, at: Callable[[str], None]
) -> None:
    isolated.write_text(LEGACY, encoding="utf-8")
    assert run("status", "--json", "--as-of", "2023-10-10").json()["closed"] == 2  # readable as is
    refused = run("close", "4.1", "--evidence", "佐证材料", "--date", "2023-10-07")
    assert refused.exit_code == 2 and "rectify upgrade" in refused.stderr
    unchained = run("verify")
    assert unchained.exit_code == 2 and f"{isolated}:2:1: 记录没有哈希" in unchained.stderr
    assert isolated.read_text(encoding="utf-8") == LEGACY
    at("2023-10-08T09:00:00+08:00")
    done = run("upgrade")
    assert done.exit_code == 0 and "已为 2 条记录加链" in done.stdout
    (backup,) = isolated.parent.glob("ledger.yaml.pre-chain-*")
    assert backup.read_text(encoding="utf-8") == LEGACY
    assert run("verify").exit_code == 0
    assert run("status", "--json", "--as-of", "2023-10-10").json()["closed"] == 2
    assert run("close", "4.1", "--evidence", "佐证材料", "--date", "2023-10-07").exit_code == 0
    assert run("upgrade").stdout.startswith("账本")  # nothing left to do


def signed_off_twice(path: Path) -> tuple[str, str]:
    """Write a ledger in which 3.2 is signed off on lines 3 and 4; return line 3 and its hash."""
    first, prev = encode(event("3.2", "close", day=5), ())
    second, _ = encode(event("3.2", "close", day=6), (prev,))
    path.write_text(HEADER + first + second, encoding="utf-8")
    return first, prev


def test_two_sign_offs_with_no_reopening_between_are_named(
    run: Callable[..., Result], isolated: Path
) -> None:
    """What a union merge of two copies, each signing 3.2 off, produces."""
    first, prev = signed_off_twice(isolated)
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:4:1: 措施 3.2 已在第 3 行销号" in checked.stderr
    status = run("status", "--json")
    assert status.exit_code == 0 and "警告:措施 3.2 在第 3 行和第 4 行两次销号" in status.stderr
    reopened, _ = encode(event("3.2", "reopen", note="反弹", day=6), (prev,))
    isolated.write_text(HEADER + first + reopened, encoding="utf-8")
    assert run("check").exit_code == 0


def test_upgrade_never_launders_an_edited_record(
    run: Callable[..., Result], isolated: Path, at: Callable[[str], None]
) -> None:
    """A hashed record that was edited keeps failing: upgrade refuses rather than rehash it."""
    first, _ = encode(event("1.1", "close", day=5), ())
    edited = first.replace("张三", "局长")
    isolated.write_text(HEADER + edited + LEGACY.splitlines(keepends=True)[1], encoding="utf-8")
    before = isolated.read_bytes()
    at("2023-10-08T09:00:00+08:00")
    refused = run("upgrade")
    assert refused.exit_code == 2
    assert (
        f"{isolated}:3:1: 内容与其哈希不符" in refused.stderr
        and "不会给改动过的记录" in refused.stderr
    )
    assert isolated.read_bytes() == before
    assert list(isolated.parent.glob("ledger.yaml.pre-chain-*")) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_upgrade_keeps_comments_hashed_records_and_the_file_mode(
    run: Callable[..., Result], isolated: Path, at: Callable[[str], None]
) -> None:
    hashed, _ = encode(event("1.1", "close", day=5), ())
    legacy_line = LEGACY.splitlines(keepends=True)[1]
    isolated.write_text("# 本单位的说明\n" + hashed + legacy_line, encoding="utf-8")
    isolated.chmod(0o640)
    at("2023-10-08T09:00:00+08:00")
    assert run("upgrade").exit_code == 0
    lines = isolated.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[:2] == ["# 本单位的说明\n", hashed]  # kept byte for byte
    assert json.loads(lines[2])["prev"] == [json.loads(hashed)["hash"]]
    assert stat.S_IMODE(isolated.stat().st_mode) == 0o640
    assert run("verify").exit_code == 0


def test_verify_head_proves_the_ledger_only_grew(
    run: Callable[..., Result], isolated: Path
) -> None:
    """A head quoted in a report: appends keep it; truncation or a rewrite does not."""
    for mid in ("1.5", "5.1"):
        assert run("close", mid, "--evidence", "纪要", "--date", "2023-10-05").exit_code == 0
    quoted = run("verify", "--json").json()["head"]
    assert run("reopen", "5.1", "--reason", "反弹", "--date", "2023-10-09").exit_code == 0
    whole = isolated.read_bytes()
    kept = run("verify", "--head", quoted)
    assert kept.exit_code == 0 and "此后只追加了 1 条记录" in kept.stdout
    after = run("verify", "--json").json()["head"]  # a report quoted the 反弹 too
    isolated.write_bytes(whole[: whole.rstrip(b"\n").rfind(b"\n") + 1])  # the 反弹 deleted
    assert run("verify").exit_code == 0  # the chain alone cannot tell
    deleted = run("verify", "--head", after)
    assert deleted.exit_code == 2 and "从未有过这个头哈希" in deleted.stderr
    lines = whole.splitlines(keepends=True)
    isolated.write_bytes(b"".join(lines[:-2]))  # cut back before the quoted state
    cut = run("verify", "--head", quoted)
    assert cut.exit_code == 2 and "从未有过这个头哈希" in cut.stderr
    assert run("verify", "--head", "0" * 64).exit_code == 2
    isolated.write_bytes(whole.replace("纪要".encode(), "会议".encode(), 1))
    rewritten = run("verify", "--head", quoted)
    assert rewritten.exit_code == 2 and "改写过" in rewritten.stderr


def test_every_report_says_how_to_check_its_head(
    run: Callable[..., Result], isolated: Path
) -> None:
    assert run("close", "1.5", "--evidence", "纪要", "--date", "2023-10-05").exit_code == 0
    head = run("verify", "--json").json()["head"]
    assert f"rectify verify --head {head}" in run("report").stdout


def test_verify_shows_the_records_beside_the_main_line(
    run: Callable[..., Result], isolated: Path
) -> None:
    first, head = encode(event("1.1", "close", day=5), ())
    ours, _ = encode(event("2.1", "progress", note="已部署", day=6), (head,))
    theirs, _ = encode(event("3.2", "close", day=6), (head,))
    isolated.write_text(HEADER + first + ours + theirs, encoding="utf-8")
    shown = run("verify")
    assert shown.exit_code == 0
    assert "以下 1 条记录不在主线上" in shown.stdout
    assert "第 5 行  措施 3.2  销号  由 张三" in shown.stdout  # of two equal branches, the later
    side = run("verify", "--json").json()["side_branch"]
    assert side == [{"line": 5, "id": "3.2", "action": "close", "by": "张三"}]
    genuine = first
    head_now = head
    for day in (6, 7, 8):  # a longer genuine chain, then a forgery tied to its first record
        line, head_now = encode(event(f"{day - 4}.1", "close", day=day), (head_now,))
        genuine += line
    forged, _ = encode(event("3.2", "close", day=9), (head,))
    isolated.write_text(HEADER + genuine + forged, encoding="utf-8")
    side = run("verify", "--json").json()["side_branch"]
    assert side == [{"line": 7, "id": "3.2", "action": "close", "by": "张三"}]  # the forgery


def test_check_and_verify_flag_impossible_times(run: Callable[..., Result], isolated: Path) -> None:
    """Hand-made or forged records: a time before its predecessor's, a future or pre-plan date."""
    first, head = encode(event("1.1", "close", day=5), ())
    earlier = replace(
        event("2.1", "close", day=5), recorded=event("2.1").recorded - timedelta(days=1)
    )
    second, head2 = encode(earlier, (head,))
    future = replace(event("3.2", "close", day=5), date=date(2023, 11, 30))
    third, head3 = encode(future, (head2,))
    before_plan = replace(event("3.3", "close", day=5), date=date(2023, 9, 1))
    fourth, _ = encode(before_plan, (head3,))
    isolated.write_text(HEADER + first + second + third + fourth, encoding="utf-8")
    verified = run("verify")
    assert verified.exit_code == 2
    assert (
        f"{isolated}:4:1: 登记时刻" in verified.stderr
        and "早于它的前序记录(第 3 行)" in verified.stderr
    )
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:5:1: 生效日期 2023-11-30 晚于登记日 2023-10-05" in checked.stderr
    assert f"{isolated}:6:1: 生效日期 2023-09-01 早于方案日期 2023-09-19" in checked.stderr


def test_no_append_onto_a_chain_that_does_not_verify(
    run: Callable[..., Result], isolated: Path
) -> None:
    """An edited record: reading commands warn, every write is refused, the file stays."""
    assert run("close", "1.5", "--evidence", "纪要", "--date", "2023-09-28").exit_code == 0
    assert run("status").exit_code == 0  # the index is cached now
    isolated.write_bytes(isolated.read_bytes().replace("纪要".encode(), "伪造".encode()))
    before = isolated.read_bytes()
    for args in (("status",), ("list",), ("overdue",)):
        result = run(*args)
        assert f"警告:{isolated}:3:1: 内容与其哈希不符" in result.stderr, args
        assert "以下结果不可信" in result.stderr and "警告" not in result.stdout
    refused = run("close", "5.1", "--evidence", "纪要", "--date", "2023-10-09")
    assert refused.exit_code == 2
    assert f"{isolated}:3:1: 内容与其哈希不符" in refused.stderr and "不能再追加" in refused.stderr
    assert isolated.read_bytes() == before
    assert run("report").exit_code == 2  # documents refuse it outright


def test_a_field_written_twice_is_refused(run: Callable[..., Result], isolated: Path) -> None:
    """The last of two keys wins for a parser, the first for a reader: never accepted."""
    line, _ = encode(event("3.2", "close", day=5), ())
    doubled = line.replace('{"recorded"', '{"id": "9.9", "action": "reopen", "recorded"', 1)
    isolated.write_text(HEADER + doubled, encoding="utf-8")
    checked = run("check")
    assert checked.exit_code == 2 and f"{isolated}:3:" in checked.stderr
    assert "字段“id”写了两次" in checked.stderr


def test_a_field_written_twice_by_hand_in_yaml_is_refused(
    run: Callable[..., Result], isolated: Path
) -> None:
    """A line typed as YAML is held to the same rule: by 王芳 hashed, by 李明 shown."""
    content = json.loads(encode(event("3.2", "close", day=5), ())[0])
    typed = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in content.items())
    isolated.write_text(HEADER + "{" + typed + ", by: 李明}\n", encoding="utf-8")
    for command in ("check", "status", "verify"):
        refused = run(command)
        assert refused.exit_code == 2 and f"{isolated}:3:" in refused.stderr, command
        assert "字段“by”写了两次" in refused.stderr


def test_implausible_times_in_a_ledger_are_refused(
    run: Callable[..., Result], isolated: Path
) -> None:
    line, _ = encode(event("3.2", "close", day=5), ())
    far = line.replace('"recorded": "2023-10-05', '"recorded": "9999-12-31', 1)
    isolated.write_text(HEADER + far, encoding="utf-8")
    for args in (("check",), ("status",), ("close", "1.5", "--evidence", "纪要")):
        result = run(*args)
        assert (
            result.exit_code == 2
            and "不合常理" in result.stderr
            and "内部错误" not in result.stderr
        )


def test_verify_head_takes_only_a_hash(run: Callable[..., Result], isolated: Path) -> None:
    assert run("close", "1.5", "--evidence", "纪要", "--date", "2023-09-28").exit_code == 0
    for head in ("", "   ", "abc", "x" * 64):
        result = run("verify", "--head", head)
        assert result.exit_code == 2 and "不是头哈希" in result.stderr, head


def test_verify_head_answers_in_json(run: Callable[..., Result], isolated: Path) -> None:
    assert run("close", "1.5", "--evidence", "纪要", "--date", "2023-10-05").exit_code == 0
    quoted = run("verify", "--json").json()["head"]
    kept = run("verify", "--json", "--head", quoted)
    assert kept.exit_code == 0 and kept.json()["kept"] and kept.json()["head"] == quoted
    lost = run("verify", "--json", "--head", "0" * 64)
    assert lost.exit_code == 2 and not lost.json()["kept"] and "从未有过" in lost.json()["said"]


def test_check_names_a_record_from_the_future(run: Callable[..., Result], isolated: Path) -> None:
    """A hand-made line recorded in 2099 would block every append: check says why."""
    future = replace(
        event("1.1", "close", day=5), recorded=datetime(2099, 1, 1, tzinfo=timezone.utc)
    )
    isolated.write_text(HEADER + encode(future, ())[0], encoding="utf-8")
    checked = run("check")
    assert checked.exit_code == 2
    assert f"{isolated}:3:1: 登记时刻 2099-01-01 08:00 晚于现在" in checked.stderr


def test_check_names_voids_that_void_nothing(run: Callable[..., Result], isolated: Path) -> None:
    lines: list[str] = []
    tips: tuple[str, ...] = ()
    made = [event("1.1", "close", day=5)]
    first_hash = encode(made[0], ())[1]

    def void(mid: str, ref: str) -> Event:
        at = datetime(2023, 10, 6, 9, 30, tzinfo=CST)
        return Event(
            recorded=at, date=at.date(), id=mid, action="void", by="张三", note="错了", ref=ref
        )

    made += [void("9.9", "f" * 64), void("2.1", first_hash), void("1.1", first_hash)]
    for e in made:
        line, hashed = encode(e, tips)
        lines.append(line)
        tips = (hashed,)
    isolated.write_text(HEADER + "".join(lines), encoding="utf-8")
    said = run("check").stderr
    assert f"{isolated}:4:1: 撤销记录所指的记录(ref)不在账本中" in said
    assert f"{isolated}:5:1: 撤销记录写的是措施 2.1,所撤销的第 3 行却是措施 1.1 的记录" in said
    assert f"{isolated}:6:1: 第 3 行的记录已由第 5 行撤销,这条重复的撤销不起作用" in said


def test_verify_head_after_a_union_merge_in_either_order(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    """A head quoted from one copy is kept once the merge is joined, whichever lines come first."""
    base = tmp_path / "base.yaml"
    assert run("init", str(tmp_path / "w")).exit_code == 0
    base.write_bytes((tmp_path / "w" / "ledger.yaml").read_bytes())
    assert (
        run(
            "close", "1.5", "--evidence", "纪要", "--date", "2023-09-28", "--ledger", str(base)
        ).exit_code
        == 0
    )
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    for copy in (a, b):
        copy.write_bytes(base.read_bytes())
    assert run("close", "5.1", "--evidence", "清单", "--ledger", str(a)).exit_code == 0
    assert run("progress", "4.1", "--note", "建档", "--ledger", str(b)).exit_code == 0
    quoted = run("verify", "--json", "--ledger", str(a)).json()["head"]
    common = len(base.read_bytes())
    merged = tmp_path / "merged.yaml"
    merged.write_bytes(base.read_bytes() + b.read_bytes()[common:] + a.read_bytes()[common:])
    apart = run("verify", "--head", quoted, "--ledger", str(merged))
    assert apart.exit_code == 2 and "另有不以它为前序的分支末端" in apart.stderr
    assert run("review", "1.2", "--note", "复查", "--ledger", str(merged)).exit_code == 0
    joined = run("verify", "--head", quoted, "--ledger", str(merged))
    assert joined.exit_code == 0 and "此后只追加了 2 条记录" in joined.stdout
