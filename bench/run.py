"""Time whole-process runs of rectify and print peak memory.

Usage: python bench/run.py [--runs N] [--measures N] [--events N]

Compares `rectify status` on the embedded plan with a bare `python -c pass`, then runs
`status`, `overdue` and `close` on a generated plan (10,000 measures by default) with a
generated, hash-chained ledger (100,000 events). Prints the median of several runs.
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


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    """Return the median wall time of RUNS runs of COMMAND."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_mib(command: list[str], env: dict[str, str]) -> float | None:
    """Return the peak resident memory of one run of COMMAND in MiB (POSIX only)."""
    if os.name != "posix":
        return None
    out = subprocess.run(
        [sys.executable, "-c", PEAK, *command], capture_output=True, text=True, env=env
    )
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    rectify = [sys.executable, "-m", "rectify_cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "RECTIFY_LEDGER": str(folder / "empty.yaml"), "RECTIFY_USER": "基准"}
        env.pop("RECTIFY_PLAN", None)
        bare = median_seconds([sys.executable, "-c", "pass"], args.runs, env)
        real = median_seconds([*rectify, "status"], args.runs, env)
        print(f"python -c pass                     {bare * 1000:7.1f} ms")
        print(
            f"rectify status (embedded plan)     {real * 1000:7.1f} ms  = {real / bare:.1f}x python -c pass"
        )

        plan, ledger = folder / "big-plan.yaml", folder / "big-ledger.yaml"
        ids = make_plan(plan, args.measures)
        make_ledger(ledger, plan, ids, args.events)
        big = {**env, "RECTIFY_PLAN": str(plan), "RECTIFY_LEDGER": str(ledger)}
        size = ledger.stat().st_size / 2**20
        print(f"generated: {len(ids)} measures, {args.events} events ({size:.1f} MiB ledger)")
        subprocess.run([*rectify, "status"], stdout=subprocess.DEVNULL, env=big)  # warm caches
        for name in ("status", "overdue"):
            seconds = median_seconds([*rectify, name, "--as-of", "2024-06-30"], args.runs, big)
            memory = peak_mib([*rectify, name, "--as-of", "2024-06-30"], big)
            print(
                f"rectify {name:<8} (large)           {seconds * 1000:7.1f} ms  peak {memory or 0:.0f} MiB"
            )
        times = []
        for mid in ids[: args.runs]:
            started = time.perf_counter()
            subprocess.run(
                [*rectify, "close", mid, "--evidence", "基准"],
                stdout=subprocess.DEVNULL,
                env=big,
                check=True,
            )
            times.append(time.perf_counter() - started)
        memory = peak_mib([*rectify, "close", ids[args.runs], "--evidence", "基准"], big)
        print(
            f"rectify close    (large)           {statistics.median(times) * 1000:7.1f} ms  peak {memory or 0:.0f} MiB"
        )


if __name__ == "__main__":
    main()
