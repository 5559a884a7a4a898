"""Benchmark of import, rollup, the leadership report and the license and spend review on a
large generated enterprise.

    python bench/generate.py bench/data --people 100000 --days 31 --month 2025-03
    python bench/run.py bench/data --month 2025-03 --runs 3

Each figure is the median of `--runs` runs. In the same runs it measures two references,
so the figures stay comparable on a shared, noisy machine: the time to merely parse the same
files with orjson, the floor any import has to pay (imports are given as ratios against it),
and the DuckDB script an analyst would write over the same files (bench/analyst.py: adoption
per team and cost center of the month), the peer of the import, the rollup and the commands
built on it (given as ratios against it). The peer needs DuckDB: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import orjson
from analyst import analyst_month

ROOT = Path(__file__).resolve().parent.parent


def engagement_files(data: Path) -> list[Path]:
    return sorted(p for p in (data / "inbox").iterdir() if ".json" in p.name)


def parse_floor(files: list[Path]) -> tuple[float, int]:
    """Seconds to read and orjson-parse every line of the files; and the number of lines."""
    start, lines = time.perf_counter(), 0
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            for line in fh:
                orjson.loads(line)
                lines += 1
    return time.perf_counter() - start, lines


def timed(argv: list[str], cwd: Path, root: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one `enrich` command; `root`, the
    checkout of enrich to run (this one by default)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "enrich", "--quiet", *argv], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(root)})
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"enrich {' '.join(argv)} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def billing_rows(data: Path) -> int:
    """The rows of the usage reports the generator wrote (none before it wrote any)."""
    return sum(sum(1 for _ in path.open()) - 1 for path in (data / "billing").glob("*.csv"))
def in_child(work: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of `work()`, called in a forked child.

    The child's peak counts what this process held when it forked, but the memory DuckDB
    takes stays in the child: a child's peak counts its parent's too, so DuckDB in this
    process would add to the peaks of every `enrich` command measured after it.
    """
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            work()
        except BaseException:  # noqa: BLE001 - shown, and the parent stops on the status
            traceback.print_exc()
            status = 1
        finally:
            os._exit(status)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("the analyst's script failed")
    return elapsed, usage.ru_maxrss / 1024


def write_config(work: Path, data: Path) -> Path:
    config = work / "enrich.yaml"
    config.write_text(
        f"store:\n  path: {work / 'enrich.db'}\noutput: {work / 'out'}\n"
        f"directory:\n  sources:\n    - type: yaml\n      path: {data / 'org.json'}\n")
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--month", required=True, help="the month to roll up (YYYY-MM)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    files = engagement_files(args.data)
    floors, imports, import_rss, rollups, rollup_rss, seats, bills = [], [], [], [], [], [], []
    reports, report_rss, reviews, review_rss, analysts, analyst_rss = [], [], [], [], [], []
    lines = 0
    for run in range(args.runs):
        floor, lines = parse_floor(files)
        floors.append(floor)
        seconds, rss = in_child(lambda: analyst_month(args.data, args.month, files))
        analysts.append(seconds)
        analyst_rss.append(rss)
        work = Path(tempfile.mkdtemp(prefix="enrich-bench-"))
        try:
            config = write_config(work, args.data)
            seconds, rss = timed(["-c", config, "import", args.data / "inbox"], work)
            imports.append(seconds)
            import_rss.append(rss)
            seats.append(timed(["-c", config, "import", args.data / "seats.json"], work)[0])
            billing = sorted((args.data / "billing").glob("*.csv"))
            if billing:
                bills.append(timed(["-c", config, "import", *billing], work)[0])
            seconds, rss = timed(["-c", config, "rollup", "--month", args.month], work)
            rollups.append(seconds)
            rollup_rss.append(rss)
            seconds, rss = timed(["-c", config, "report", "--month", args.month], work)
            reports.append(seconds)
            report_rss.append(rss)
            seconds, rss = timed(["-c", config, "licenses", "--month", args.month,
                                  "--export-reclaim"], work)
            reviews.append(seconds)
            review_rss.append(rss)
            size = (work / "enrich.db").stat().st_size
        finally:
            shutil.rmtree(work)
        print(f"run {run + 1}: parse floor {floor:.2f} s, analyst {analysts[-1]:.2f} s, "
              f"import {imports[-1]:.2f} s, rollup {rollups[-1]:.2f} s, "
              f"report {reports[-1]:.2f} s, licenses {reviews[-1]:.2f} s", file=sys.stderr)

    floor, imported, rolled, peer = (statistics.median(x)
                                     for x in (floors, imports, rollups, analysts))
    # import and rollup of the same run added up, then the median: they share its conditions
    both = statistics.median(i + r for i, r in zip(imports, rollups, strict=True))
    figures = {
        "files": len(files),
        "rows": lines,
        "runs": args.runs,
        "parse_floor_s": round(floor, 2),
        "analyst_s": round(peer, 2),
        "analyst_vs_floor": round(peer / floor, 2),
        "analyst_peak_rss_mb": round(max(analyst_rss)),
        "import_s": round(imported, 2),
        "import_rows_per_s": round(lines / imported),
        "import_vs_floor": round(imported / floor, 2),
        "import_peak_rss_mb": round(max(import_rss)),
        "seats_import_s": round(statistics.median(seats), 2),
        "seats_import_vs_floor": round(statistics.median(seats) / floor, 2),
        "billing_import_s": round(statistics.median(bills), 2) if bills else None,
        "billing_rows": billing_rows(args.data),
        "rollup_s": round(rolled, 2),
        "rollup_vs_analyst": round(rolled / peer, 2),
        "import_and_rollup_s": round(both, 2),
        "import_and_rollup_vs_analyst": round(both / peer, 2),
        "rollup_peak_rss_mb": round(max(rollup_rss)),
        "report_s": round(statistics.median(reports), 2),
        "report_vs_rollup": round(statistics.median(reports) / rolled, 2),
        "report_vs_analyst": round(statistics.median(reports) / peer, 2),
        "report_peak_rss_mb": round(max(report_rss)),
        "licenses_s": round(statistics.median(reviews), 2),
        "licenses_vs_rollup": round(statistics.median(reviews) / rolled, 2),
        "licenses_vs_analyst": round(statistics.median(reviews) / peer, 2),
        "licenses_peak_rss_mb": round(max(review_rss)),
        "store_bytes_per_row": round(size / lines, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
