"""Many desks, one ledger: sharing through git (real git, a bare repository, clones)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Result, ok, refused

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="需要 git")


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result]) -> Path:
    """A bare repository holding a ledger started with `init --git`, as a bureau sets it up."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = 测试\n\temail = test@example.gov.cn\n[init]\n\tdefaultBranch = master\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    hub = tmp_path / "hub.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(hub))
    seed = tmp_path / "seed"
    said = ok(run("init", str(seed), "--git")).stdout
    assert "git 仓库" in said and "已提交" in said
    assert (seed / ".gitattributes").read_text(
        encoding="utf-8"
    ) == "ledger.yaml merge=union -text\n"
    assert git(seed, "status", "--porcelain") == ""  # everything committed
    git(seed, "remote", "add", "origin", str(hub))
    git(seed, "push", "--quiet", "-u", "origin", "main")
    return hub


@pytest.fixture
def desk(
    hub: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Callable[..., Result]]:
    """Clone the hub for one desk; return a runner of rectify on that clone's files."""

    def clone(name: str) -> Callable[..., Result]:
        folder = hub.parent / name
        git(hub.parent, "clone", "--quiet", str(hub), str(folder))

        def on_desk(*args: str) -> Result:
            monkeypatch.setenv("RECTIFY_PLAN", str(folder / "measures.yaml"))
            monkeypatch.setenv("RECTIFY_LEDGER", str(folder / "ledger.yaml"))
            return run(*args)

        on_desk.folder = folder  # type: ignore[attr-defined]
        return on_desk

    return clone


def test_two_desks_append_and_sync_in_turn(desk: Callable[[str], Any]) -> None:
    a, b = desk("a"), desk("b")
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    ok(b("progress", "1.1", "--by", "李明", "--note", "起草", "--date", "2023-09-26"))
    assert ok(a("sync")).stdout == "已同步(origin/main):发出 1 条记录,收到 0 条记录。\n"
    assert ok(b("sync")).stdout == "已同步(origin/main):发出 1 条记录,收到 1 条记录。\n"
    assert ok(a("sync")).stdout == "已同步(origin/main):发出 0 条记录,收到 1 条记录。\n"
    for side in (a, b):
        assert ok(side("verify")).exit_code == 0
        status: Any = ok(side("status", "--json", "--as-of", "2023-09-30")).json()
        assert status["closed"] == 1
        assert ok(side("show", "1.1", "--json")).json()["state"] == "in_progress"
    ok(a("close", "1.2", "--by", "王芳", "--evidence", "制度", "--date", "2023-09-27"))
    ok(a("sync"))  # the next record joins the two tips
    verified = ok(a("verify")).stdout
    assert "分支末端" not in verified
    message = git(a.folder, "log", "-1", "--format=%B")
    assert (
        message.startswith("rectify:1 条新记录") and "2023-09-27 措施 1.2 销号 由 王芳" in message
    )
    ok(b("sync"))  # nothing of its own: it takes the hub's as it is, no merge commit
    assert (b.folder / "ledger.yaml").read_bytes() == (a.folder / "ledger.yaml").read_bytes()
    assert len(git(b.folder, "rev-list", "--parents", "-n", "1", "HEAD").split()) == 2


def test_a_double_sign_off_made_offline_is_named_after_sync_and_voided(
    desk: Callable[[str], Any],
) -> None:
    a, b = desk("a"), desk("b")
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    ok(b("close", "3.2", "--by", "李明", "--evidence", "通知", "--date", "2023-09-26"))
    ok(a("sync"))
    said = ok(b("sync"))
    assert "合并后有 1 处重复销号" in said.stderr
    check = b("check")
    assert check.exit_code == 2 and "其间没有重新打开,此行又销号" in check.stderr
    mine = next(e for e in ok(b("log", "--json")).json() if e["by"] == "李明")["hash"][:8]
    assert f"2023-09-26 李明,哈希 {mine}" in check.stderr  # named by what a merge leaves
    ok(b("void", mine, "--by", "李明", "--reason", "王芳已销号"))
    assert ok(b("check")).exit_code == 0
    ok(b("sync"))
    ok(a("sync"))
    assert ok(a("check")).exit_code == 0


def test_a_push_race_is_merged_and_pushed_again(
    desk: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rectify_cli import sharing

    a, b = desk("a"), desk("b")
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    ok(b("progress", "1.1", "--by", "李明", "--note", "起草", "--date", "2023-09-26"))
    real, raced = sharing.git, list[bool]()

    def racing(top: Path, *args: str, check: bool = True) -> Any:
        if args[0] == "push" and not raced:  # b pushes between a's fetch and a's push
            raced.append(True)
            monkeypatch.setattr(sharing, "git", real)
            ok(b("sync"))
            monkeypatch.setattr(sharing, "git", racing)
        return real(top, *args, check=check)

    monkeypatch.setattr(sharing, "git", racing)
    said = ok(a("sync")).stdout
    assert raced and said == "已同步(origin/main):发出 1 条记录,收到 1 条记录。\n"
    ok(b("sync"))
    assert (b.folder / "ledger.yaml").read_bytes() == (a.folder / "ledger.yaml").read_bytes()


def test_without_the_remote_the_ledger_stays_and_works(
    desk: Callable[[str], Any], hub: Path
) -> None:
    a = desk("a")
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    hub.rename(hub.with_name("gone.git"))
    before = (a.folder / "ledger.yaml").read_bytes()
    refused(a("sync"), "无法连接远程仓库 origin")
    assert (a.folder / "ledger.yaml").read_bytes() == before
    assert git(a.folder, "status", "--porcelain") == ""  # the record is committed locally
    ok(a("progress", "1.1", "--by", "王芳", "--note", "起草", "--date", "2023-09-26"))
    refused(a("sync"), "本地有 2 条记录尚未发出(已在本地提交)")  # and still waiting
    hub.with_name("gone.git").rename(hub)
    # both went out: the one committed when the remote was gone, and the new one
    assert ok(a("sync")).stdout == "已同步(origin/main):发出 2 条记录,收到 0 条记录。\n"


def test_a_conflict_in_the_plan_stops_the_sync(desk: Callable[[str], Any]) -> None:
    a, b = desk("a"), desk("b")
    for side, word in ((a, "9月底"), (b, "11月底")):
        plan = side.folder / "measures.yaml"
        plan.write_text(plan.read_text(encoding="utf-8").replace("10月底", word, 1), "utf-8")
        ok(side("amend", "--by", "王芳", "--reason", "调整"))
    ok(a("sync"))
    before = (b.folder / "ledger.yaml").read_bytes()
    refused(b("sync"), "方案文件 measures.yaml 在本机和远程都被改过")
    assert (b.folder / "ledger.yaml").read_bytes() == before
    assert git(b.folder, "status", "--porcelain") == ""  # the merge was given up


def test_a_merged_ledger_that_does_not_verify_is_not_pushed(
    desk: Callable[[str], Any], hub: Path
) -> None:
    a, b = desk("a"), desk("b")
    ok(b("close", "3.2", "--by", "李明", "--evidence", "指引", "--date", "2023-09-25"))
    ledger = b.folder / "ledger.yaml"
    ledger.write_bytes(ledger.read_bytes().replace("李明".encode(), "局长".encode()))  # forged
    git(b.folder, "commit", "--quiet", "-am", "改")
    git(b.folder, "push", "--quiet", "origin", "main")
    ok(a("progress", "1.1", "--by", "王芳", "--note", "起草", "--date", "2023-09-26"))
    before = (a.folder / "ledger.yaml").read_bytes()
    said = a("sync")
    assert said.exit_code == 2 and "与 origin/main 合并后的账本未通过校验" in said.stderr
    assert "ledger.yaml:" in said.stderr  # the lines are named
    assert (a.folder / "ledger.yaml").read_bytes() == before
    pushed = git(hub, "show", "main:ledger.yaml")
    assert "起草" not in pushed  # nothing went out


def test_a_ledger_outside_git_is_told_how_to_share(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    ok(run("init", str(tmp_path / "solo")))
    files = ("--ledger", str(tmp_path / "solo" / "ledger.yaml"))
    refused(run("sync", *files), "不在 git 仓库中")
    assert "共享:否(账本不在 git 仓库中,只在本机)" in ok(run("where", *files)).stdout


def test_where_says_the_ledger_is_shared(desk: Callable[[str], Any]) -> None:
    a = desk("a")
    said = ok(a("where")).stdout
    assert f"共享:git 仓库 {a.folder}(远程 origin);用 rectify sync 同步" in said
    (a.folder / "measures.yaml").unlink()
    assert "(环境变量 RECTIFY_PLAN,不存在)" in ok(a("where")).stdout


def test_a_ledger_not_merged_line_by_line_or_rewritten_is_not_synced(
    desk: Callable[[str], Any],
) -> None:
    a = desk("a")
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    ok(a("progress", "1.1", "--by", "王芳", "--note", "起草", "--date", "2023-09-26"))
    ok(a("sync"))
    ledger = a.folder / "ledger.yaml"
    ledger.write_bytes(b"".join(ledger.read_bytes().splitlines(keepends=True)[:-1]))  # a chain
    refused(a("sync"), "账本与上次提交时相比不只是追加了记录")  # but a record taken away
    git(a.folder, "checkout", "--", "ledger.yaml")
    (a.folder / ".gitattributes").unlink()
    git(a.folder, "commit", "--quiet", "-am", "删")
    refused(a("sync"), ".gitattributes 没有让账本逐行合并")


def test_an_evidence_file_travels_with_its_record(
    desk: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rectify_cli import evidence

    a, b = desk("a"), desk("b")
    scan = tmp_path / "整改通知.pdf"  # on the clerk's own PC, outside the shared folder
    scan.write_bytes(b"%PDF-1.4 scanned notice")
    ok(a("close", "3.2", "--by", "王芳", "--file", str(scan), "--date", "2023-09-25"))
    recorded = ok(a("log", "--json")).json()[-1]["evidence"][0]
    digest = recorded["sha256"]
    assert recorded["path"] == f"evidence/{digest}/整改通知.pdf"
    scan.unlink()  # the original may go: the copy is the evidence
    ok(a("sync"))
    ok(b("sync"))
    assert ok(b("check")).exit_code == 0  # verified on the other desk, from its own copy
    said = f"佐证:整改通知.pdf(存于账本旁的 evidence/{digest[:16]}…/,23 字节)"
    assert said in ok(b("show", "3.2")).stdout
    (b.folder / "evidence" / digest / "整改通知.pdf").write_bytes(b"altered")
    assert "内容在登记后被改动过" in b("check").stderr
    big = tmp_path / "录像.mp4"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(evidence, "STORE_LIMIT", 1024)
    before = (a.folder / "ledger.yaml").read_bytes()
    refused(
        a("progress", "1.1", "--by", "王芳", "--note", "x", "--file", str(big)),
        "超过共享账本收存的上限",
    )
    assert (a.folder / "ledger.yaml").read_bytes() == before


@pytest.mark.parametrize("damage", ["a record deleted", "the ledger removed"])
def test_what_comes_in_may_only_add_records(desk: Callable[[str], Any], damage: str) -> None:
    a, b = desk("a"), desk("b")
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    ok(a("progress", "1.1", "--by", "王芳", "--note", "起草", "--date", "2023-09-26"))
    ok(a("sync"))
    ok(b("sync"))
    ledger = b.folder / "ledger.yaml"
    if damage == "a record deleted":  # the chain still verifies: a record is simply gone
        ledger.write_bytes(b"".join(ledger.read_bytes().splitlines(keepends=True)[:-1]))
        git(b.folder, "commit", "--quiet", "-am", "整理")
    else:
        git(b.folder, "rm", "--quiet", "ledger.yaml")
        git(b.folder, "commit", "--quiet", "-m", "删")
    git(b.folder, "push", "--quiet", "origin", "main")
    before = (a.folder / "ledger.yaml").read_bytes()
    said = (
        "远程 origin/main 的账本删除或改动了双方共有的 1 条记录(2023-09-26 措施 1.1 进展 由 王芳)"
    )
    refused(a("sync"), said if damage == "a record deleted" else "删除或改动了双方共有的 2 条记录")
    assert (a.folder / "ledger.yaml").read_bytes() == before
    ok(a("progress", "1.1", "--by", "王芳", "--note", "继续", "--date", "2023-09-27"))
    refused(a("sync"), "账本只能追加")  # and again, with a record of its own to join


def test_three_desks_never_duplicate_a_record(
    desk: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rectify_cli import sharing

    a, b, c = desk("a"), desk("b"), desk("c")
    ok(b("progress", "1.1", "--by", "李明", "--note", "b1", "--date", "2023-09-26"))
    ok(b("sync"))
    ok(a("progress", "1.1", "--by", "王芳", "--note", "a1", "--date", "2023-09-26"))
    ok(c("progress", "1.1", "--by", "赵敏", "--note", "c1", "--date", "2023-09-26"))
    real = sharing.git

    def no_push(top: Path, *args: str, check: bool = True) -> Any:
        if args[0] == "push":
            return subprocess.CompletedProcess(args, 1, "", "fatal: unable to access")
        return real(top, *args, check=check)

    monkeypatch.setattr(sharing, "git", no_push)
    refused(a("sync"), "推送到 origin 失败")  # merged b1, could not push
    monkeypatch.setattr(sharing, "git", real)
    ok(c("sync"))
    ok(b("progress", "1.1", "--by", "李明", "--note", "b2", "--date", "2023-09-27"))
    ok(b("sync"))
    ok(a("progress", "1.1", "--by", "王芳", "--note", "a2", "--date", "2023-09-27"))
    ok(a("sync"))
    for side in (b, c, a):
        ok(side("sync"))
    notes = sorted(e["note"] for e in ok(c("log", "--json")).json())
    assert notes == ["a1", "a2", "b1", "b2", "c1"]
    assert ok(c("check")).exit_code == 0


def test_sync_runs_only_on_the_shared_branch(desk: Callable[[str], Any]) -> None:
    a = desk("a")
    git(a.folder, "checkout", "--quiet", "-b", "草稿")
    refused(a("sync"), "当前在分支 草稿 上")
    git(a.folder, "checkout", "--quiet", "--detach")
    refused(a("sync"), "不在任何分支上")
    git(a.folder, "checkout", "--quiet", "main")
    (a.folder / ".gitattributes").write_text("ledger.yaml merge=unionize\n", encoding="utf-8")
    git(a.folder, "commit", "--quiet", "-am", "改")
    refused(a("sync"), ".gitattributes 没有让账本逐行合并")


def test_a_sign_off_undone_by_what_came_in_is_pointed_out(desk: Callable[[str], Any]) -> None:
    a, b = desk("a"), desk("b")
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    ok(b("close", "3.2", "--by", "李明", "--evidence", "通知", "--date", "2023-09-26"))
    ok(a("sync"))
    ok(b("sync"))
    ok(a("sync"))
    for side, who in ((a, "王芳"), (b, "李明")):  # each resolves the double sign-off alone
        line = next(e for e in ok(side("log", "--json")).json() if e["by"] == who)["line"]
        ok(side("void", str(line), "--by", who, "--reason", "对方已销号"))
    ok(a("sync"))
    said = ok(b("sync"))
    assert "注意:同步后措施 3.2 不再是已销号" in said.stderr


def test_a_plan_change_goes_out_only_amended_and_comes_in_said(
    desk: Callable[[str], Any],
) -> None:
    a, b = desk("a"), desk("b")
    ok(a("close", "4.1", "--by", "王芳", "--evidence", "清单", "--date", "2023-09-25"))
    ok(a("sync"))
    plan = a.folder / "measures.yaml"  # the first 10月底 is 4.1's
    plan.write_text(plan.read_text(encoding="utf-8").replace("10月底", "11月底", 1), "utf-8")
    head = git(a.folder, "rev-parse", "HEAD")
    refused(a("sync"), "未用 rectify amend 记录,未同步")
    assert git(a.folder, "rev-parse", "HEAD") == head  # nothing committed
    ok(a("amend", "--by", "王芳", "--reason", "党组会决定"))
    ok(a("sync"))
    said = ok(b("sync")).stdout
    assert said.endswith("收到 2 条记录;收到了方案文件的修改。\n"), said  # close, amend


def test_a_push_the_server_refuses_says_the_servers_reason(
    desk: Callable[[str], Any], hub: Path
) -> None:
    a = desk("a")
    hook = hub / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho '服务器维护中,请稍后' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    ok(a("close", "3.2", "--by", "王芳", "--evidence", "指引", "--date", "2023-09-25"))
    refused(a("sync"), "推送到 origin 失败(git 说:remote: 服务器维护中,请稍后)")
