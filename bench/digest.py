"""Benchmark of the team-lead digests, and of the monthly job's outputs, on a large generated
enterprise.

    python bench/generate.py bench/data --people 100000 --month 2025-03
    python bench/digest.py bench/data --month 2025-03 --runs 3 [--job] [--before CHECKOUT]

Imports the enterprise once into a fresh store, then times `enrich digest` into the outbox
(every unit lead of the org chart gets one) `--runs` times, beside `enrich rollup` of the same
month in the same runs, as the reference on a shared machine. With `--job`, also
`enrich run` of the month with the stages rollup, report, digest and licenses (the billed
usage imported too). With `--before`, a checkout of enrich before a change, its commands are
timed in the same runs, alternating with this one's. Figures are medians, with the CPU
seconds of each command (its own and its children's), steadier than wall time on a shared
machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from run import ROOT, timed, write_config

#: the stages of the monthly job measured with --job
JOB_STAGES = "[rollup, report, digest, licenses]"


def cpu_seconds() -> float:
    """CPU seconds of every child waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(argv: list[str], cwd: Path, root: Path) -> dict:
    """Wall and CPU seconds and peak memory (MB) of one `enrich` command."""
    before = cpu_seconds()
    seconds, peak = timed(argv, cwd, root)
    return {"s": seconds, "cpu_s": cpu_seconds() - before, "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--month", required=True, help="the month of the digests (YYYY-MM)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--job", action="store_true",
                        help=f"also time `enrich run` with the stages {JOB_STAGES}")
    parser.add_argument("--before", type=Path,
                        help="a checkout of enrich to time beside this one")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    roots = {"after": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    work = Path(tempfile.mkdtemp(prefix="enrich-bench-"))
    times: dict[str, list[dict]] = {}
    try:
        config = write_config(work, args.data)
        job = work / "job.yaml"
        job.write_text(config.read_text() + f"run:\n  stages: {JOB_STAGES}\n")
        timed(["-c", config, "import", args.data / "inbox"], work)
        timed(["-c", config, "import", args.data / "seats.json"], work)
        if args.job:
            timed(["-c", config, "import", *sorted((args.data / "billing").glob("*.csv"))],
                  work)
        for run in range(args.runs):
            times.setdefault("rollup", []).append(
                measured(["-c", config, "rollup", "--month", args.month], work, ROOT))
            # alternating: the first run starts with this checkout, the next with the other
            for name, root in (list(roots.items()) if run % 2 == 0
                               else list(roots.items())[::-1]):
                times.setdefault(f"digest_{name}", []).append(
                    measured(["-c", config, "digest", "--month", args.month], work, root))
                if args.job:
                    times.setdefault(f"job_{name}", []).append(measured(
                        ["-c", job, "run", "--month", args.month, "--output", work / name],
                        work, root))
            messages = len(list((work / "out" / "outbox").glob("*.eml")))
            print(f"run {run + 1}: " + ", ".join(
                f"{name} {runs[-1]['s']:.2f} s ({runs[-1]['cpu_s']:.1f} s CPU)"
                for name, runs in times.items()) + f"; {messages} messages", file=sys.stderr)
    finally:
        shutil.rmtree(work)

    print(json.dumps(figures(times, messages, args.runs), indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures(times, messages, args.runs), indent=2) + "\n")


def figures(times: dict[str, list[dict]], messages: int, runs: int) -> dict:
    """Medians of each command, each as a ratio against the rollup; the digests also as
    messages a second."""
    rollup = statistics.median(t["s"] for t in times["rollup"])
    result = {"runs": runs, "messages": messages, "rollup_s": round(rollup, 2)}
    for name, measures in times.items():
        seconds = statistics.median(t["s"] for t in measures)
        result[f"{name}_s"] = round(seconds, 2)
        result[f"{name}_cpu_s"] = round(statistics.median(t["cpu_s"] for t in measures), 1)
        result[f"{name}_peak_mb"] = round(max(t["peak_mb"] for t in measures))
        result[f"{name}_vs_rollup"] = round(seconds / rollup, 2)
        if name.startswith("digest"):
            result[f"{name}_messages_per_s"] = round(messages / seconds)
    return result


if __name__ == "__main__":
    main()
