"""Benchmark of the monthly job and each of its steps on a large generated enterprise.

    python bench/generate.py bench/data --people 100000 --month 2025-03 --format usage-metrics
    python bench/run.py bench/data --month 2025-03 --runs 3

Each figure is the median of `--runs` runs. In the same runs it measures two references,
so the figures stay comparable on a shared, noisy machine: the time to merely parse the same
files with orjson, the floor any import has to pay (imports are given as ratios against it),
and the DuckDB script an analyst would write over the same files (bench/analyst.py: adoption
per team and cost center of the month), the peer of the import, the rollup and the commands
built on it (given as ratios against it).

Each run, in a fresh store: the monthly job from files, one command after the other as a
company runs it (`enrich import` of the day files and of the usage reports, of the seat
list, then `enrich run` with the rollup, report, digest and licenses stages), each command
measured; then, in the same store, `enrich rollup`, `enrich report`, `enrich licenses` and
`enrich digest` alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from analyst import analyst_month
from digest import digests
from measure import (
    Measured,
    engagement_files,
    in_child,
    in_sequence,
    parse_floor,
    timed,
    write_config,
)

#: the stages of `enrich run` in the monthly job (the import is done before it, file by file)
RUN_STAGES = ["rollup", "report", "digest", "licenses"]

#: the steps measured each run besides the floor, in order, and the reference each is held
#: against: the floor for what parses files, the analyst's script for the rest
REFERENCES = {"analyst": "floor", "import": "floor", "billing_import": "floor",
              "seats_import": "floor", "run": "analyst", "job": "analyst",
              "rollup": "analyst", "report": "analyst", "licenses": "analyst",
              "digest": "analyst"}


def billing_rows(data: Path) -> int:
    """The rows of the usage reports the generator wrote (none before it wrote any)."""
    return sum(sum(1 for _ in path.open()) - 1 for path in (data / "billing").glob("*.csv"))


def one_run(data: Path, month: str, files: list[Path],
            parent: Path | None) -> tuple[dict[str, Measured], dict]:
    """Every step once, in a fresh store in a new folder in `parent` (else the system's
    temporary folder); and what the run counted (messages, store size)."""
    steps = {"analyst": in_child(lambda: analyst_month(data, month, files))}
    work = Path(tempfile.mkdtemp(prefix="enrich-bench-", dir=parent))
    try:
        config = write_config(work, data, RUN_STAGES)

        def enrich(*argv) -> Measured:
            return timed(["-c", config, *argv], work)

        steps["import"] = enrich("import", data / "inbox")
        billing = sorted((data / "billing").glob("*.csv"))
        steps["billing_import"] = enrich("import", *billing) if billing else Measured(0, 0, 0)
        steps["seats_import"] = enrich("import", data / "seats.json")
        steps["run"] = enrich("run", "--month", month)
        steps["job"] = in_sequence(steps[name] for name in
                                   ("import", "billing_import", "seats_import", "run"))
        steps["rollup"] = enrich("rollup", "--month", month)
        steps["report"] = enrich("report", "--month", month)
        steps["licenses"] = enrich("licenses", "--month", month, "--export-reclaim")
        steps["digest"], messages = digests(config, work, month)
        counted = {"messages": messages, "store_bytes": (work / "enrich.db").stat().st_size}
    finally:
        shutil.rmtree(work)
    return steps, counted


def figures(floors: list[float], runs: list[dict[str, Measured]], lines: int,
            counted: dict) -> dict:
    """The medians of the runs: each step's wall and CPU seconds, its largest peak memory, and
    its ratio to its reference, the median of each run's ratio (the two share the run's
    conditions)."""
    for run, floor in zip(runs, floors, strict=True):
        run["floor"] = Measured(floor, floor, 0)
        run["import_and_rollup"] = Measured(run["import"].seconds + run["rollup"].seconds,
                                            run["import"].cpu + run["rollup"].cpu, 0)
    out = {"runs": len(runs), "rows": lines,
           "parse_floor_s": round(statistics.median(floors), 2)}
    for name, reference in {**REFERENCES, "import_and_rollup": "analyst"}.items():
        out[f"{name}_s"] = round(statistics.median(run[name].seconds for run in runs), 2)
        out[f"{name}_cpu_s"] = round(statistics.median(run[name].cpu for run in runs), 2)
        out[f"{name}_vs_{reference}"] = round(statistics.median(
            run[name].seconds / run[reference].seconds for run in runs), 2)
        if name != "import_and_rollup":
            out[f"{name}_peak_rss_mb"] = round(max(run[name].rss_mb for run in runs))
    out["import_rows_per_s"] = round(lines / out["import_s"])
    out["messages"] = counted["messages"]
    out["digests_per_s"] = round(counted["messages"] / out["digest_s"])
    out["billing_rows"] = counted["billing_rows"]
    out["store_bytes_per_row"] = round(counted["store_bytes"] / lines, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--month", required=True, help="the month to roll up (YYYY-MM)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--work", type=Path,
                        help="folder for the runs' stores (default: the temporary folder)")
    args = parser.parse_args()

    files = engagement_files(args.data)
    floors, runs, lines, counted = [], [], 0, {}
    for number in range(args.runs):
        floor, lines = parse_floor(files)
        floors.append(floor)
        steps, counted = one_run(args.data, args.month, files, args.work)
        runs.append(steps)
        print(f"run {number + 1}: parse floor {floor:.2f} s, "
              + ", ".join(f"{name} {m.seconds:.2f} s ({m.cpu:.2f} s CPU, {m.rss_mb:.0f} MB)"
                          for name, m in steps.items()), file=sys.stderr, flush=True)
    counted["billing_rows"] = billing_rows(args.data)
    result = figures(floors, runs, lines, counted)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
