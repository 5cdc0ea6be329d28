"""Time whole-process runs of rectify and print peak memory.

Usage: python bench/run.py [--runs N] [--huge] [--no-newest-typer]

Side by side in one run, as ratios: `python -c pass`; a bare two-command Typer app under
the pinned and the newest typer; rectify's commands on the embedded plan with a 50-event
ledger; then generated plans and hash-chained ledgers (1,000/10,000 and 10,000/100,000;
--huge adds 100,000/1,000,000): a first run, warm runs, a run after the ledger grew
outside rectify, report and export; and Taskwarrior on 10,000 tasks when `task` is
installed. Prints the median of several runs with min and max, and peak memory.
Results on the project's machine class are in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from rectify_cli.events import Event, Evidence
from rectify_cli.ledger import HEADER, encode
from rectify_cli.plan import load_plan

CST = timezone(timedelta(hours=8))
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def make_plan(path: Path, measures: int) -> list[str]:
    """Write a plan of MEASURES measures, ten per problem; return their ids."""
    words = ["9月底", "10月底", "12月底", "长期坚持", "持续推进", "2024-03-31"]
    lines = ["plan:", "  title: 基准测试方案", "  date: 2023-09-19", "problems:"]
    ids = []
    for p in range(1, measures // 10 + 1):
        lines += [
            f"  - number: {p}",
            f"    title: 问题{p}",
            f"    finding: 问题{p}的具体表现。",
            "    measures:",
        ]
        for m in range(1, 11):
            ids.append(f"{p}.{m}")
            lines += [
                f'      - id: "{p}.{m}"',
                f"        text: 第{p}个问题的第{m}条整改措施,内容与真实方案的措施长度相当,"
                "包括建立制度、开展培训、加强监督、定期检查等多项要求,确保整改落实到位。",
                "        lead: [政策法规科]",
                f"        responsible: [科室{m}, 各执法科室]",
                f"        deadline: {words[(p + m) % len(words)]}",
            ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def make_ledger(path: Path, plan_path: Path, ids: list[str], events: int) -> None:
    """Write EVENTS chained events, as rectify writes them: each measure closed (with
    evidence) and reopened in turn, ending open; each first record holds the measure."""
    plan = load_plan(plan_path)
    proof = (Evidence(text="验收材料"),)
    per = max(2, events // len(ids))
    per -= per % 2
    prev: tuple[str, ...] = ()
    start = date(2023, 9, 20)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER)
        for n in range(per):
            for mid in ids:
                day = start + timedelta(days=n)
                event = Event(
                    recorded=datetime.combine(day, datetime.min.time(), CST) + timedelta(hours=9),
                    date=day,
                    id=mid,
                    action="close" if n % 2 == 0 else "reopen",
                    by="基准测试",
                    note="已完成整改并通过验收" if n % 2 == 0 else "复查发现问题反弹",
                    evidence=proof if n % 2 == 0 else (),
                    measure=plan.definition(plan.by_id[mid]) if n == 0 else None,
                )
                line, hashed = encode(event, prev)
                prev = (hashed,)
                out.write(line)


BARE_APP = """
import typer
app = typer.Typer()
@app.command()
def a(x: int = 1) -> None:
    print(x)
@app.command()
def b(y: str = "") -> None:
    print(y)
app()
"""


def timed(
    command: list[str], runs: int, env: dict[str, str], codes: tuple[int, ...] = (0,)
) -> tuple[float, float, float]:
    """Return the median, min and max wall time of RUNS runs of COMMAND, in seconds; stop
    if it exits otherwise than CODES say (a refusal is quick, and no measurement)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode not in codes:
            sys.exit(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr.decode()}")
    return statistics.median(times), min(times), max(times)


def peak_mib(command: list[str], env: dict[str, str]) -> float | None:
    """Return the peak resident memory of one run of COMMAND in MiB (POSIX only)."""
    if os.name != "posix":
        return None
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *command], capture_output=True, text=True, env=env
    )
    return int(out.stdout.strip()) / 1024


def report(name: str, seconds: tuple[float, float, float], base: float, what: str) -> None:
    """Print one line: the median (min–max) and its ratio to BASE."""
    median, low, high = seconds
    print(
        f"{name:<44} {median * 1000:8.1f} ms ({low * 1000:.0f}–{high * 1000:.0f})"
        f"  {median / base:6.2f}x {what}"
    )


def newest_typer(folder: Path) -> str | None:
    """Return a Python with the newest typer installed beside this one, or None (offline)."""
    venv = folder / "newest-typer"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    if made.returncode != 0:
        return None
    got = subprocess.run([str(python), "-m", "pip", "install", "-q", "typer"], capture_output=True)
    return str(python) if got.returncode == 0 else None


def taskwarrior(folder: Path, tasks: int, runs: int) -> dict[str, tuple[float, float, float]]:
    """Time `task summary`, `task overdue` and `task N done` on TASKS generated tasks, two
    in three overdue, or return {} when Taskwarrior is not installed."""
    import json
    import shutil
    import uuid

    if shutil.which("task") is None:
        return {}
    data = folder / "task"
    data.mkdir()
    (folder / "taskrc").write_text(
        f"data.location={data}\nconfirmation=off\nverbose=nothing\nnews.version=9.9.9\n"
    )
    env = {**os.environ, "TASKRC": str(folder / "taskrc")}
    lines = []
    for n in range(tasks):
        due = "20230930T000000Z" if n % 3 else "20990101T000000Z"
        lines.append(
            json.dumps(
                {
                    "uuid": str(uuid.uuid4()),
                    "description": f"第{n // 10 + 1}个问题的第{n % 10 + 1}条整改措施,"
                    "内容与真实方案的措施长度相当,包括建立制度、开展培训",
                    "status": "pending",
                    "entry": "20230919T000000Z",
                    "due": due,
                    "project": f"p{n // 10}",
                },
                ensure_ascii=False,
            )
        )
    (folder / "tasks.json").write_text("\n".join(lines), encoding="utf-8")
    subprocess.run(["task", "import", str(folder / "tasks.json")], capture_output=True, env=env)
    found = {name: timed(["task", name], runs, env, (0, 1)) for name in ("summary", "overdue")}
    times = []
    for n in range(1, runs + 1):
        started = time.perf_counter()
        subprocess.run(["task", str(n), "done"], capture_output=True, env=env)
        times.append(time.perf_counter() - started)
    found["done"] = (statistics.median(times), min(times), max(times))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--huge", action="store_true", help="also 100,000 measures, 1,000,000 events"
    )
    parser.add_argument(
        "--no-newest-typer", action="store_true", help="do not install typer to compare"
    )
    args = parser.parse_args()
    rectify = [sys.executable, "-m", "rectify_cli"]
    runs = args.runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "RECTIFY_LEDGER": str(folder / "embedded-ledger.yaml"),
            "RECTIFY_USER": "基准",
            "XDG_CACHE_HOME": str(folder / "cache"),
            "XDG_CONFIG_HOME": str(folder / "config"),  # no clerk's own config file
        }
        env.pop("RECTIFY_PLAN", None)
        env.pop("RECTIFY_CONFIG", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # time compiled code, as an install has it
        (folder / "bare.py").write_text(BARE_APP)
        bare = timed([sys.executable, "-c", "pass"], runs, env)
        base = bare[0]
        print(f"== start-up (ratios to python -c pass; {date.today()}, {runs} runs each)")
        report("python -c pass", bare, base, "")
        import typer

        report(f"bare two-command Typer app, typer {typer.__version__} (pinned)",
               timed([sys.executable, str(folder / "bare.py"), "a"], runs, env), base, "")  # fmt: skip
        newest = None if args.no_newest_typer else newest_typer(folder)
        if newest is None:
            print("bare Typer app, newest typer: skipped (no network, or --no-newest-typer)")
        else:
            version = subprocess.run(
                [newest, "-c", "import typer; print(typer.__version__)"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            report(f"bare two-command Typer app, typer {version} (newest)",
                   timed([newest, str(folder / "bare.py"), "a"], runs, env), base, "")  # fmt: skip
        subprocess.run([*rectify, "init", str(folder / "embedded")], capture_output=True, env=env)
        small = {**env, "RECTIFY_LEDGER": str(folder / "embedded" / "ledger.yaml")}
        small.pop("RECTIFY_PLAN", None)
        for n in range(1, 51):  # a 50-event ledger on the embedded plan
            mid = ["1.1", "1.2", "3.1", "4.1", "5.2"][n % 5]
            action = ["progress", mid, "--note", f"第{n}次进展", "--date", "2023-10-20"]
            subprocess.run([*rectify, *action], capture_output=True, env=small)
        subprocess.run([*rectify, "status"], capture_output=True, env=small)  # warm the caches
        for command in (["status"], ["overdue"], ["list"], ["show", "3.2"], ["--version"]):
            report("rectify " + " ".join(command) + " (embedded, 50 events)",
                   timed([*rectify, *command], runs, small, (0, 1)), base, "python -c pass")  # fmt: skip
        completing = {
            **small,
            "_RECTIFY_COMPLETE": "complete_bash",
            "COMP_WORDS": "rectify st",
            "COMP_CWORD": "1",
        }
        report(
            "tab completion of a command name",
            timed(rectify, runs, completing),
            base,
            "python -c pass",
        )
        closes = []
        for mid in ["2.1", "4.2", "6.1", "6.2", "7.1", "7.2", "8.1"][:runs]:
            started = time.perf_counter()
            subprocess.run([*rectify, "close", mid, "--evidence", "基准", "--date", "2023-10-30"],
                           capture_output=True, env=small)  # fmt: skip
            closes.append(time.perf_counter() - started)
        report("rectify close (embedded)", (statistics.median(closes), min(closes), max(closes)),
               base, "python -c pass")  # fmt: skip

        sizes = [(1_000, 10_000), (10_000, 100_000)] + ([(100_000, 1_000_000)] if args.huge else [])
        tw = taskwarrior(folder, 10_000, runs)
        for measures, events in sizes:
            plan, ledger = folder / f"plan-{measures}.yaml", folder / f"ledger-{measures}.yaml"
            ids = make_plan(plan, measures)
            make_ledger(ledger, plan, ids, events)
            size = ledger.stat().st_size / 2**20
            big = {**env, "RECTIFY_PLAN": str(plan), "RECTIFY_LEDGER": str(ledger),
                   "XDG_CACHE_HOME": str(folder / f"cache-{measures}")}  # fmt: skip
            print(f"== {measures:,} measures, {events:,} events ({size:.0f} MiB ledger)")
            as_of = ["--as-of", "2024-06-30"]
            started = time.perf_counter()
            first_memory = peak_mib([*rectify, "status", *as_of], big)
            first = time.perf_counter() - started
            warm = timed([*rectify, "status", *as_of], runs, big)
            report("rectify status, first run (no cache)", (first, first, first), warm[0],
                   f"warm status, peak {first_memory or 0:.0f} MiB")  # fmt: skip
            report("rectify status, warm", warm, base,
                   f"python -c pass, peak {peak_mib([*rectify, 'status', *as_of], big) or 0:.0f} MiB")  # fmt: skip
            overdue = timed([*rectify, "overdue", *as_of], runs, big, (1,))
            report("rectify overdue, warm", overdue, base, "python -c pass")
            times = []
            for mid in ids[:runs]:
                started = time.perf_counter()
                subprocess.run([*rectify, "close", mid, "--evidence", "基准"],
                               capture_output=True, env=big, check=True)  # fmt: skip
                times.append(time.perf_counter() - started)
            closing = (statistics.median(times), min(times), max(times))
            report("rectify close", closing, base, "python -c pass")
            elsewhere = {**big, "XDG_CACHE_HOME": str(folder / f"elsewhere-{measures}")}
            subprocess.run(  # another clerk's append, with a cache of its own, as a pull brings it
                [*rectify, "progress", ids[-1], "--note", "另一台电脑登记"],
                capture_output=True,
                env=elsewhere,
            )
            started = time.perf_counter()
            subprocess.run([*rectify, "status", *as_of], capture_output=True, env=big)
            grown = time.perf_counter() - started
            report(
                "rectify status after the ledger grew outside",
                (grown, grown, grown),
                warm[0],
                "warm status",
            )
            if measures == 10_000 and tw:
                for name, ours, theirs in (("status", warm, "summary"), ("overdue", overdue, "overdue"),
                                           ("close", closing, "done")):  # fmt: skip
                    report(f"task {theirs} (10,000 tasks)", tw[theirs], base, "python -c pass")
                    print(f"{'':44} rectify {name} / task {theirs}: {ours[0] / tw[theirs][0]:.2f}x")
            elif measures == 10_000:
                print("Taskwarrior: skipped (not installed; apt-get install taskwarrior)")
            if measures <= 10_000:
                for command in (
                    ["report", "-o", str(folder / "r.md")],
                    ["export", "-o", str(folder / "r.xlsx")],
                ):
                    one = timed([*rectify, *command, *as_of], 1, big)
                    report(f"rectify {command[0]}", one, warm[0], "warm status")


if __name__ == "__main__":
    main()
