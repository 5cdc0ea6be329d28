"""Share one ledger between desks through git: the clerk's own git, configuration and
credentials carry it. rectify adds no protocol of its own: the ledger is one line per
record; sync joins two copies record by record (git's own merges join them line by line,
`merge=union`), and the hash chain joins the tips at the next record."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import RectifyError

PUSH_ATTEMPTS = 3  # a push that fails (someone pushed first): fetch, join, push again
UNION = "merge=union"


class GitProblem(RectifyError):
    """git could not do what sharing needs; the message says what to do."""


@dataclass(frozen=True)
class Synced:
    """What a sync did: records sent and received, and where to."""

    sent: int
    received: int
    remote: str


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
    server = [line for line in lines if line.startswith("remote:") and line[7:].strip()]
    first = next(
        (line for line in [*server, *lines] if line.startswith(("remote:", "fatal:", "error:"))),
        None,
    )
    said = first or (lines[0] if lines else "")
    return f"git 说:{said}" if said else f"git 退出码 {done.returncode}"


def work_tree(folder: Path) -> Path | None:
    """Return the top of the git work tree FOLDER is in, or None."""
    done = git(folder, "rev-parse", "--show-toplevel", check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def _keep_line(path: Path, line: str) -> None:
    """Make sure PATH has LINE."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if line not in text.splitlines():
        ending = "" if not text or text.endswith("\n") else "\n"
        path.write_text(text + ending + line + "\n", "utf-8")


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
    _keep_line(attributes, f"{ledger.name} {UNION} -text")  # never a line ending changed
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


def _committed(top: Path, path: Path, commit: str = "HEAD") -> bytes:
    """Return PATH as COMMIT holds it (empty if it has none)."""
    rel = path.resolve().relative_to(top.resolve()).as_posix()
    done = subprocess.run(
        ["git", "-C", str(top), "show", f"{commit}:{rel}"], capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else b""


def _branch(top: Path) -> str:
    """Return the branch checked out; raise GitProblem on a detached HEAD."""
    done = git(top, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if done.returncode != 0:
        raise GitProblem(
            "仓库当前不在任何分支上(detached HEAD),未同步;请先 git checkout main(共享账本所在的"
            "分支),再运行 rectify sync"
        )
    return done.stdout.strip()


def _upstream(top: Path, branch: str) -> tuple[str, str]:
    """Return the remote and the branch this branch syncs with: its upstream, else the one
    remote (origin first) and a branch of the same name. Raise GitProblem if there is no
    remote, or if the shared ledger is on another branch than the one checked out."""
    remote = git(top, "config", f"branch.{branch}.remote", check=False).stdout.strip()
    merge = git(top, "config", f"branch.{branch}.merge", check=False).stdout.strip()
    if not remote:
        remotes = git(top, "remote").stdout.split()
        if not remotes:
            raise GitProblem(
                "这个仓库没有远程仓库,无从同步(本地账本照常可用)。请设置:git remote add origin 地址"
            )
        remote = "origin" if "origin" in remotes else remotes[0]
    target = merge.removeprefix("refs/heads/") or branch
    shared = git(top, "symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD", check=False)
    main = shared.stdout.strip().removeprefix(f"refs/remotes/{remote}/")
    if target != branch or (shared.returncode == 0 and main and main != branch):
        raise GitProblem(
            f"当前在分支 {branch} 上,而共享账本在 {remote} 的 {main or target} 分支;未同步。"
            f"请先 git checkout {main or target}"
        )
    return remote, branch


def _commit_message(new: list[bytes], plan_changed: bool) -> str:
    """Say what a sync commits: each new record, a line each."""
    head = f"rectify:{len(new)} 条新记录" + (",方案文件有改动" if plan_changed else "")
    return "\n".join([head, "", *map(_described, new)])


def _described(raw: bytes) -> str:
    """Say a record line as a clerk knows it: date, measure (and part), action, who."""
    import json

    from .actions import ACTION_LABELS

    try:
        e = json.loads(raw)
        dept = f" {e['dept']}" if e.get("dept") else ""
        label = ACTION_LABELS.get(e["action"], e["action"])
        return f"{e['date']} 措施 {e['id']}{dept} {label} 由 {e['by']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "(一行无法读出的记录)"


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


def _named(records: list[bytes], most: int = 3) -> str:
    """Name the first few RECORDS as a clerk knows them."""
    return ";".join(map(_described, records[:most])) + (" 等" if len(records) > most else "")


def _records(raw: bytes) -> list[bytes]:
    """Return the record lines of a ledger's bytes, each ending in one newline."""
    return [
        line.rstrip(b"\r\n") + b"\n"
        for line in raw.splitlines()
        if line.strip() and not line.startswith(b"#")
    ]


def sync(top: Path, plan: Path, ledger: Path) -> Synced:
    """Commit the ledger's new records (and the plan, if changed), fetch and merge what
    others pushed, verify the merged ledger, push. Leave the local ledger as it was, its
    new records committed, on any failure."""
    from .ledger import locked_ledger, read_bytes, verify

    said = git(top, "check-attr", "merge", "--", str(ledger)).stdout.strip()
    if said.rpartition(": ")[2] != UNION.partition("=")[2]:
        raise GitProblem(
            f"{ledger}: .gitattributes 没有让账本逐行合并;请在其中写一行“{ledger.name} {UNION}”"
            "并提交,再同步(rectify init 文件夹 --git 会写好)"
        )
    if git(top, "rev-parse", "--quiet", "--verify", "MERGE_HEAD", check=False).returncode == 0:
        raise GitProblem("仓库中有一次未完成的合并;请先用 git merge --abort 放弃或完成它")
    branch = _branch(top)
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
        remote, branch = _upstream(top, branch)
        mine, theirs_before = set(_records(raw)), set[bytes]()
        for attempt in range(PUSH_ATTEMPTS):
            fetched = git(top, "fetch", "--quiet", remote, check=False)
            if fetched.returncode != 0:
                seen = set(_records(_committed(top, ledger, f"refs/remotes/{remote}/{branch}")))
                waiting = len(mine - seen)  # as far as the last sync saw the remote
                queued = f"本地有 {waiting} 条记录尚未发出(已在本地提交)," if waiting else ""
                raise GitProblem(
                    f"无法连接远程仓库 {remote}({_said(fetched)});{queued}本地账本照常可用,"
                    "稍后再运行 rectify sync"
                )
            theirs = f"refs/remotes/{remote}/{branch}"
            if git(top, "rev-parse", "--verify", "--quiet", theirs, check=False).returncode == 0:
                theirs_before = set(_records(_committed(top, ledger, theirs)))
                _merge(top, theirs, f"{remote}/{branch}", plan, ledger)
            pushed = git(top, "push", "--quiet", remote, f"HEAD:refs/heads/{branch}", check=False)
            if pushed.returncode == 0:
                break
            if attempt == PUSH_ATTEMPTS - 1:  # someone pushed first, or the remote is busy
                raise GitProblem(
                    f"推送到 {remote} 失败({_said(pushed)});本地已提交并合并,账本照常可用,"
                    "稍后再运行 rectify sync"
                )
        now = _records(read_bytes(ledger) or b"")
    received = [line for line in now if line not in mine]
    went = [line for line in now if line not in theirs_before]
    return Synced(len(went), len(received), f"{remote}/{branch}")


def _joined(top: Path, theirs: str, name: str, ledger: Path, forward: bool) -> bytes | None:
    """Return the ledger merged with THEIRS's (None if theirs brings nothing): when HEAD is
    behind THEIRS (FORWARD), theirs as it is; otherwise every record of ours, then each of
    theirs we lack, in their order. Raise GitProblem, before anything is changed, if either
    side lost or rewrote a record the two had in common (the ledger only grows), or if the
    result does not verify."""
    from .ledger import read_bytes, verify

    base = git(top, "merge-base", "HEAD", theirs, check=False).stdout.strip()
    common = _records(_committed(top, ledger, base)) if base else []
    ours_raw, theirs_raw = read_bytes(ledger) or b"", _committed(top, ledger, theirs)
    ours, their_lines = _records(ours_raw), _records(theirs_raw)
    for side, where, lines in (
        (f"远程 {name} 的账本", name, their_lines),
        ("本地账本", "HEAD", ours),
    ):
        kept = set(lines)
        lost = [line for line in common if line not in kept]
        if lost:
            raise GitProblem(
                f"{side}删除或改动了双方共有的 {len(lost)} 条记录({_named(lost)}),未同步;账本只能"
                f"追加。请查明是谁提交的(git log {where} -- {ledger.name}),恢复被删改的记录后再同步"
            )
    have = set(ours)
    new = [line for line in their_lines if line not in have]
    if not new:
        return None
    if forward:
        merged = theirs_raw
    else:
        ending = b"" if not ours_raw or ours_raw.endswith(b"\n") else b"\n"
        merged = ours_raw + ending + b"".join(dict.fromkeys(new))
    problems = verify(ledger, merged).problems
    if problems:
        listed = "\n".join(str(p) for p in problems)
        raise GitProblem(
            f"与 {name} 合并后的账本未通过校验,未合并、未推送(本地账本保持原样):\n{listed}"
        )
    return merged


def _merge(top: Path, theirs: str, name: str, plan: Path, ledger: Path) -> None:
    """Merge THEIRS into HEAD, the ledger as `_joined` makes it (checked before anything
    changes); stop if another file, such as the plan, conflicts."""
    import tempfile

    if git(top, "merge-base", "--is-ancestor", theirs, "HEAD", check=False).returncode == 0:
        return  # nothing new there
    forward = git(top, "merge-base", "--is-ancestor", "HEAD", theirs, check=False).returncode == 0
    merged = _joined(top, theirs, name, ledger, forward)
    if forward:  # nothing of ours to join: take theirs, checked, as it is
        done = git(top, "merge", "--ff-only", "--quiet", theirs, check=False)
        if done.returncode != 0:
            raise GitProblem(f"合并 {name} 失败({_said(done)}),未同步")
        return
    message = f"rectify sync:合并 {name}"
    done = git(
        top, "merge", "--no-ff", "--no-commit", "--quiet", "-m", message, theirs, check=False
    )
    unmerged = git(top, "diff", "--name-only", "--diff-filter=U", check=False).stdout.split()
    others = [n for n in unmerged if Path(top, n).resolve() != ledger.resolve()]
    if done.returncode != 0 and (others or not unmerged):
        git(top, "merge", "--abort", check=False)
        if any(Path(top, n).resolve() == plan.resolve() for n in others):
            raise GitProblem(
                f"方案文件 {plan.name} 在本机和远程都被改过,无法合并,未同步;方案应由一人修改,"
                "改动用 rectify amend 记入账本。请与修改方案的人核对后用 git 解决"
            )
        named = "、".join(others) or _said(done)
        raise GitProblem(f"合并 {name} 失败({named}),已放弃这次合并,未同步")
    if merged is not None:  # the ledger as rectify joins it, not as git's union may
        handle, temporary = tempfile.mkstemp(dir=ledger.parent, prefix=".merged-")
        with os.fdopen(handle, "wb") as f:
            f.write(merged)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, ledger)
        git(top, "add", "--", str(ledger))
    git(top, "commit", "--quiet", "--no-edit", check=True)
