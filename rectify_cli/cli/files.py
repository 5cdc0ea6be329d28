"""Commands about the files themselves: check, verify, repair, upgrade, init, where."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import schema
from ..actions import ACTION_LABELS
from ..errors import EXIT_ERROR, DataInvalid, Refused, reason
from ..text import visible
from ..workspace import LEDGER_ENV, PLAN_ENV, Workspace, cache_folder, clock, embedded_plan
from .app import app
from .options import Given, flag, option, takes


@app.command()
@takes("plan", "ledger")
def check(*, given: Given) -> None:
    """校验计划文件和账本,一次列出全部错误(文件:行:列: 说明)。

    检查计划文件的格式、账本的每一行、账本中的编号、哈希链,以及佐证材料文件是否缺失或被改动。

    没有错误时打印一行摘要并以 0 退出;有错误时以 2 退出。

    示例:rectify check --plan 我的方案.yaml
    """
    ws = Workspace(given.files)  # no cache: the files themselves
    problems = ws.check()
    if problems:
        raise DataInvalid(problems)
    p, files = ws.plan, ws.files
    typer.echo(
        f"未发现错误:计划 {files.plan}({len(p.problems)} 个问题,{len(p.by_id)} 条措施),"
        f"账本 {files.ledger}({len(ws.ledger)} 条记录)。"
    )


@app.command()
@takes("ledger", "json")
def verify(
    head: Annotated[
        str | None, option("--head", "哈希", "核对账本是否仍包含此头哈希时的全部记录、且只追加过")
    ] = None,
    *,
    given: Given,
) -> None:
    """校验账本的哈希链:发现任何改动、删除、插入或调换顺序,并打印头哈希。

    把头哈希写进报告,日后任何人都能用 --head 证明账本此后只追加、未被改写。

    示例:rectify verify --head 4cf8e20d79cf33ed…(报告中引用的完整头哈希)
    """
    from ..ledger import extends
    from ..ledger import verify as check_chain

    path = given.files.existing_ledger()
    if head is not None:
        import re

        if not re.fullmatch(r"[0-9a-f]{64}", head.strip().lower()):
            raise Refused(f"--head 的值“{head}”不是头哈希:应为报告中引用的 64 位十六进制数")
        kept, said = extends(path, head.strip().lower())
        if given.json:
            shown = {"ledger": str(path), "head": head.strip().lower(), "kept": kept, "said": said}
            typer.echo(schema.to_json(shown))
            raise typer.Exit(0 if kept else EXIT_ERROR)
        if not kept:
            raise Refused(f"{path}: {said}")
        typer.echo(said + "。")
        return
    result = check_chain(path)
    if given.json:
        typer.echo(schema.to_json(schema.verification(path, result)))
        raise typer.Exit(EXIT_ERROR if result.problems else 0)
    if result.problems:
        raise DataInvalid(list(result.problems))
    if not result.events:
        typer.echo(f"账本 {path} 为空,没有可校验的记录。")
        return
    typer.echo(f"哈希链完整:{result.events} 条记录。头哈希 {result.head}")
    if result.tips > 1:
        typer.echo(
            f"注意:账本有 {result.tips} 个分支末端(通常来自 git 合并),下一条记录会把它们连起来。"
        )
    if result.side:
        typer.echo(
            f"以下 {len(result.side)} 条记录不在主线上:多是用 rectify sync 合并来的另一台电脑的记录;"
            "不是合并来的,就是被插入的,请核实:"
        )
        for e in result.side:
            label = ACTION_LABELS[e.event.action]
            typer.echo(
                f"  第 {e.line} 行  措施 {visible(e.event.id)}  {label}  由 {visible(e.event.by)}"
            )


@app.command()
@takes("ledger")
def repair(*, given: Given) -> None:
    """修复写入中断的账本:把残缺的最后一行移入备份文件,保留全部完整记录。

    示例:rectify repair
    """
    from ..ledger import repair as move_torn

    path = given.files.existing_ledger()
    done = move_torn(path, clock())
    if done.newline_added:
        typer.echo(
            f"账本 {path} 的最后一行是完整的记录(哈希相符),只缺换行符:已补上换行,未移走任何内容。"
        )
    elif done.backup is None:
        typer.echo(f"账本 {path} 完整,无需修复。")
    else:
        typer.echo(f"已将残缺的最后一行({done.size} 字节)移入 {done.backup};完整记录全部保留。")


@app.command()
@takes("ledger")
def upgrade(*, given: Given) -> None:
    """给没有哈希链的账本(旧版本或手工写的)加链;原文件原样保存为备份。

    这是 rectify 唯一会改写账本的命令,只在明确运行时才做。之后请用 rectify verify 记下新的头哈希。

    示例:rectify upgrade --ledger 旧账本.yaml
    """
    from ..ledger import upgrade as add_chain

    done = add_chain(given.files.existing_ledger(), clock())
    said = f"已为 {done.events} 条记录加链;原账本保存为 {done.backup}。"
    typer.echo(said if done.backup else f"账本 {given.files.ledger} 的记录都已加链,无需升级。")


@app.command()
def init(
    folder: Annotated[
        Path, typer.Argument(metavar="文件夹", help="存放计划和账本的文件夹", show_default=False)
    ],
    shared: Annotated[
        bool, flag("--git", "用 git 共享:建立(或使用所在的)git 仓库,账本逐行合并,提交")
    ] = False,
) -> None:
    """在文件夹中写入内置方案的副本和一个空账本,供本单位维护自己的方案。

    加 --git 时,文件夹成为 git 仓库(已在仓库中则用它),写好 .gitattributes(账本逐行合并)并提交;
    各科室用 git clone 取得,用 rectify sync 同步。

    示例:rectify init 我的台账 --git
    """
    from ..ledger import create_empty

    plan_path, ledger_path = folder / "measures.yaml", folder / "ledger.yaml"
    try:
        for path in (plan_path, ledger_path):
            if path.exists():
                raise Refused(f"{path} 已存在,未覆盖任何文件")
        folder.mkdir(parents=True, exist_ok=True)
        with plan_path.open("xb") as f:
            f.write(embedded_plan().read_bytes())
    except OSError as exc:
        raise Refused(f"无法写入 {plan_path}({reason(exc)})") from None
    create_empty(ledger_path)
    plan_abs, ledger_abs = plan_path.resolve(), ledger_path.resolve()
    shared_in = ""
    if shared:
        from ..sharing import start

        top = start(folder, plan_path, ledger_path)
        shared_in = (
            f"  git 仓库 {top.resolve()}(已提交;账本逐行合并)\n\n"
            "设置远程仓库(git remote add origin 地址)并推送后,各科室 git clone,在自己的配置文件"
            "(rectify where 显示位置)中写 plan、ledger 指向克隆的文件夹,用 rectify sync 同步。\n"
        )
    typer.echo(
        f"已创建:\n  计划 {plan_abs}\n  账本 {ledger_abs}\n{shared_in}\n"
        "编辑计划后运行 rectify check 校验。让 rectify 使用它们(任选一种):\n"
        f"  每条命令加 --plan {plan_abs} --ledger {ledger_abs}\n"
        f"  Linux/macOS: export {PLAN_ENV}={plan_abs} {LEDGER_ENV}={ledger_abs}\n"
        f'  Windows PowerShell: $env:{PLAN_ENV}="{plan_abs}"; $env:{LEDGER_ENV}="{ledger_abs}"'
    )


def _sharing(ledger: Path) -> str:
    """Say whether and through what the ledger is shared."""
    from ..sharing import GitProblem, git, work_tree

    try:
        top = work_tree(ledger.parent) if ledger.parent.is_dir() else None
        if top is None:
            return "否(账本不在 git 仓库中,只在本机)"
        remotes = git(top, "remote").stdout.split()  # names only: an address may hold a password
    except GitProblem:
        return "否(本机没有 git)"
    where = f"远程 {'、'.join(remotes)}" if remotes else "尚未设置远程仓库"
    return f"git 仓库 {top}({where});用 rectify sync 同步"


@app.command()
@takes("plan", "ledger")
def where(*, given: Given) -> None:
    """显示当前使用的计划文件、账本文件、配置文件、登记人和缓存文件夹,以及它们从何而来。

    示例:rectify where
    """
    from ..text import on_screen
    from ..workspace import user_and_source

    files, settings = given.files, given.settings
    missing = files.missing_ledger()  # only the default ledger may be absent
    ledger_state = missing or ("已存在" if files.ledger.exists() else "尚不存在,首次销号时创建")
    config_state = "已存在" if settings.exists else "不存在,未作设置"
    plan_state = "" if files.plan.is_file() else ",不存在"
    lines = [
        f"计划:{files.plan}({files.plan_source}{plan_state})",
        f"账本:{files.ledger}({files.ledger_source},{ledger_state})",
        f"共享:{_sharing(files.ledger)}",
        f"配置:{settings.path}({settings.source},{config_state})",
        *(f"  {label}:{value}" for label, value in settings.given()),
        "登记人:{}({})".format(*user_and_source(None, settings.config.name)),
        f"缓存:{cache_folder()}(可随时删除)",
    ]
    for line in lines:
        typer.echo(on_screen(line))
