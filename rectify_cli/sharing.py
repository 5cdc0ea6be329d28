"""Share one ledger between desks through git: the clerk's own git, configuration and
credentials. rectify adds no protocol of its own: the ledger is one line per record, merged
line by line (`merge=union`); the hash chain joins the tips at the next record."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import RectifyError

PUSH_ATTEMPTS = 3  # a push refused because someone pushed first: fetch, merge, push again
UNION = "merge=union"


class GitProblem(RectifyError):
    """git could not do what sharing needs; the message says what to do."""


@dataclass(frozen=True)
class Synced:
    """What a sync did: records sent and received, where to, and what a merge brought."""

    sent: int
    received: int
    remote: str
    double_sign_offs: int = 0


def git(top: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in TOP with the user's own configuration; raise GitProblem if it fails (with
    CHECK) or is not installed. Its messages are read in English (LC_ALL=C), shown in
    Chinese."""
    env = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C"}
    try:
        done = subprocess.run(
            ["git", "-C", str(top), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise GitProblem("找不到 git 程序:请先安装 git(https://git-scm.com/),再运行") from None
    if check and done.returncode != 0:
        raise GitProblem(f"git {args[0]} 失败:{_said(done)}")
    return done


def _said(done: subprocess.CompletedProcess[str]) -> str:
    """Return what git said on failing, its first fatal or error line (its own words,
    quoted as text)."""
    lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    first = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
    said = first or (lines[0] if lines else "")
    return f"git 说:{said}" if said else f"git 退出码 {done.returncode}"


def work_tree(folder: Path) -> Path | None:
    """Return the top of the git work tree FOLDER is in, or None."""
    done = git(folder, "rev-parse", "--show-toplevel", check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def _keep_line(path: Path, line: str) -> bool:
    """Make sure PATH has LINE; return whether it was added."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if line in text.splitlines():
        return False
    path.write_text(text + ("" if not text or text.endswith("\n") else "\n") + line + "\n", "utf-8")
    return True


def _identity_advice(done: subprocess.CompletedProcess[str]) -> str:
    if "tell me who you are" in done.stderr or "user.email" in done.stderr:
        return (
            'git 还不知道您是谁:请先运行 git config --global user.name "姓名" 和 '
            'git config --global user.email "邮箱",再重试'
        )
    return f"git commit 失败:{_said(done)}"


def start(folder: Path, plan: Path, ledger: Path) -> Path:
    """Make FOLDER's plan and ledger a shared git ledger: a repository (or the one FOLDER is
    in), the ledger merged line by line, its lock file ignored, all committed. Return the
    top of the work tree."""
    top = work_tree(folder)
    if top is None:
        git(folder, "init", "--quiet")
        git(folder, "symbolic-ref", "HEAD", "refs/heads/main")  # whatever git's own default
        top = work_tree(folder) or folder
    attributes, ignore = folder / ".gitattributes", folder / ".gitignore"
    _keep_line(attributes, f"{ledger.name} {UNION}")
    _keep_line(ignore, f"{ledger.name}.lock")
    names = [p.name for p in (plan, ledger, attributes, ignore)]
    git(folder, "add", "--", *names)
    done = git(
        folder, "commit", "--quiet", "-m", "rectify init:方案与空账本", "--", *names, check=False
    )
    if done.returncode != 0:
        raise GitProblem(_identity_advice(done))
    return top


def _inside(top: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(top.resolve())


def _lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True)


def _committed(top: Path, path: Path, commit: str = "HEAD") -> bytes:
    """Return PATH as COMMIT holds it (empty if it has none)."""
    rel = path.resolve().relative_to(top.resolve()).as_posix()
    done = subprocess.run(
        ["git", "-C", str(top), "show", f"{commit}:{rel}"], capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else b""


def _upstream(top: Path) -> tuple[str, str]:
    """Return the remote and branch this branch syncs with: its upstream, else the one
    remote and a branch of the same name. Raise GitProblem if there is no remote."""
    done = git(top, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
    if done.returncode == 0 and "/" in done.stdout.strip():
        remote, _, branch = done.stdout.strip().partition("/")
        return remote, branch
    remotes = git(top, "remote").stdout.split()
    if not remotes:
        raise GitProblem(
            "新记录已在本地提交;这个仓库没有远程仓库,无从同步。请设置:git remote add origin 地址"
        )
    branch = git(top, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
    return ("origin" if "origin" in remotes else remotes[0]), branch


def _commit_message(new: list[bytes], plan_changed: bool) -> str:
    """Say what a sync commits: each new record, a line each."""
    import json

    from .actions import ACTION_LABELS

    head = f"rectify:{len(new)} 条新记录" + (",方案文件有改动" if plan_changed else "")
    said = [head, ""]
    for raw in new:
        try:
            event = json.loads(raw)
            dept = f" {event['dept']}" if event.get("dept") else ""
            said.append(
                f"{event['date']} 措施 {event['id']}{dept} "
                f"{ACTION_LABELS.get(event['action'], event['action'])} 由 {event['by']}"
            )
        except (ValueError, KeyError, TypeError):
            continue
    return "\n".join(said)


def _evidence_of(records: list[bytes], folder: Path) -> list[str]:
    """Return the stored evidence files RECORDS name (evidence/…), to be committed with them;
    raise GitProblem if one is missing."""
    import json

    from .evidence import STORE

    found = []
    for raw in records:
        try:
            evidence = json.loads(raw).get("evidence") or []
        except ValueError:
            continue
        for item in evidence:
            path = item.get("path") if isinstance(item, dict) else None
            if isinstance(path, str) and path.startswith(f"{STORE}/"):
                if not (folder / path).is_file():
                    raise GitProblem(
                        f"新记录的佐证材料 {folder / path} 不见了,未同步;请运行 rectify check 查看"
                    )
                found.append(str(folder / path))
    return found


def _records(raw: bytes) -> list[bytes]:
    return [line for line in _lines(raw) if line.strip() and not line.startswith(b"#")]


def sync(top: Path, plan: Path, ledger: Path) -> Synced:
    """Commit the ledger's new records (and the plan, if changed), fetch and merge what
    others pushed, verify the merged ledger, push. Leave the local ledger as it was, its
    new records committed, on any failure."""
    from .core import double_sign_offs
    from .ledger import locked_ledger, read_bytes, read_whole, verify

    if UNION not in git(top, "check-attr", "merge", "--", str(ledger)).stdout.replace(": ", "="):
        raise GitProblem(
            f"{ledger}: .gitattributes 没有让账本逐行合并;请在其中写一行“{ledger.name} {UNION}”"
            "并提交,再同步(rectify init 文件夹 --git 会写好)"
        )
    if git(top, "rev-parse", "--quiet", "--verify", "MERGE_HEAD", check=False).returncode == 0:
        raise GitProblem("仓库中有一次未完成的合并;请先用 git merge --abort 放弃或完成它")
    with locked_ledger(ledger):
        raw = read_bytes(ledger) or b""
        problems = verify(ledger, raw).problems
        if problems:
            raise GitProblem(f"{problems[0]};本地账本的哈希链不完整,未同步。请运行 rectify verify")
        before = _committed(top, ledger)
        if not raw.startswith(before):
            raise GitProblem(
                f"{ledger}: 账本与上次提交时相比不只是追加了记录(有行被改动或删除),未同步;"
                "请用 git diff 查看"
            )
        sent = _records(raw[len(before) :])
        kept = _evidence_of(sent, ledger.parent)  # the copies the new records name
        shared = [str(p) for p in (ledger, plan) if _inside(top, p)] + kept  # not the embedded plan
        plan_changed = _inside(top, plan) and _committed(top, plan) != (read_bytes(plan) or b"")
        git(top, "add", "--", *shared)
        if git(top, "diff", "--cached", "--quiet", "--", *shared, check=False).returncode:
            message = _commit_message(sent, plan_changed)
            done = git(top, "commit", "--quiet", "-m", message, "--", *shared, check=False)
            if done.returncode != 0:
                raise GitProblem(_identity_advice(done))
        remote, branch = _upstream(top)
        mine, theirs_before = set(_records(raw)), set[bytes]()
        for attempt in range(PUSH_ATTEMPTS):
            fetched = git(top, "fetch", "--quiet", remote, check=False)
            if fetched.returncode != 0:
                raise GitProblem(
                    f"无法连接远程仓库 {remote}({_said(fetched)});新记录已在本地提交,本地账本照常"
                    "可用,稍后再运行 rectify sync"
                )
            theirs = f"{remote}/{branch}"
            if git(top, "rev-parse", "--verify", "--quiet", theirs, check=False).returncode == 0:
                theirs_before = set(_records(_committed(top, ledger, theirs)))
                _merge(top, theirs, plan, ledger)
            pushed = git(top, "push", "--quiet", remote, f"HEAD:{branch}", check=False)
            if pushed.returncode == 0:
                break
            if attempt == PUSH_ATTEMPTS - 1 or not _refused_as_behind(pushed):
                raise GitProblem(
                    f"推送到 {remote} 失败({_said(pushed)});本地已提交并合并,账本照常可用,"
                    "稍后再运行 rectify sync"
                )
        merged, _, _ = read_whole(ledger)
        received = [line for line in _records(read_bytes(ledger) or b"") if line not in mine]
        went = [line for line in _records(read_bytes(ledger) or b"") if line not in theirs_before]
        doubles = len(double_sign_offs(merged.index))
    return Synced(len(went), len(received), f"{remote}/{branch}", doubles)


def _refused_as_behind(done: subprocess.CompletedProcess[str]) -> bool:
    text = done.stderr
    return "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text


def _merge(top: Path, theirs: str, plan: Path, ledger: Path) -> None:
    """Merge THEIRS into HEAD; if the plan conflicts or the merged ledger does not verify,
    undo the merge (the local ledger as it was) and raise GitProblem naming why."""
    from .ledger import verify

    before = git(top, "rev-parse", "HEAD").stdout.strip()
    done = git(top, "merge", "--quiet", "-m", f"rectify sync:合并 {theirs}", theirs, check=False)
    if done.returncode != 0:
        unmerged = git(top, "diff", "--name-only", "--diff-filter=U", check=False).stdout.split()
        git(top, "merge", "--abort", check=False)
        if any(Path(top, name).resolve() == plan.resolve() for name in unmerged):
            raise GitProblem(
                f"方案文件 {plan.name} 在本机和远程都被改过,无法合并,未同步;方案应由一人修改,"
                "改动用 rectify amend 记入账本。请与修改方案的人核对后用 git 解决"
            )
        named = "、".join(unmerged) or _said(done)
        raise GitProblem(f"合并 {theirs} 失败({named}),已放弃这次合并,未同步")
    problems = verify(ledger).problems
    if problems:
        git(top, "reset", "--quiet", "--merge", before, check=False)
        lines = "\n".join(str(p) for p in problems)
        raise GitProblem(
            f"合并 {theirs} 后的账本未通过校验,已撤回这次合并(本地账本保持原样),未推送:\n{lines}"
        )
