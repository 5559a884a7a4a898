"""Benchmark of `enrich export` (the facts and the rollup as Parquet) on a large enterprise.

    python bench/generate.py bench/data --people 100000 --month 2025-03 --format usage-metrics
    python bench/export.py bench/data --month 2025-03 --runs 3

Imports the enterprise once into a fresh store (or uses the store of `--config`, already
imported), then times `enrich export --month` `--runs` times, beside `enrich rollup` of the
same month in the same runs, as the reference on a shared machine: the export computes that
rollup too, and reads and writes every fact of the month besides. Figures are medians; CPU
seconds (user + system, children included) are steadier than wall time on a shared machine.
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

import pyarrow.parquet as pq
from run import timed, write_config


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident memory (MB) of one `enrich` command."""
    before = cpu_seconds()
    seconds, peak = timed(argv, cwd)
    return seconds, cpu_seconds() - before, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--month", required=True, help="the month to export (YYYY-MM)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--config", type=Path, help="an enrich.yaml whose store holds the "
                        "data already (default: import it into a fresh store)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="enrich-bench-"))
    try:
        config = args.config.resolve() if args.config else write_config(work, args.data)
        if not args.config:
            timed(["-c", config, "import", args.data / "inbox"], work)
            timed(["-c", config, "import", "--seats-date", f"{args.month}-28",
                   args.data / "seats.json", args.data / "billing"], work)
        rollups, exports = [], []
        for run in range(args.runs):
            rollups.append(measured(["-c", config, "rollup", "--month", args.month,
                                     "--output", work / "rollup"], work))
            exports.append(measured(["-c", config, "export", "--month", args.month,
                                     "--output", work / "export"], work))
            print(f"run {run + 1}: rollup {rollups[-1][0]:.2f} s, export {exports[-1][0]:.2f} s",
                  file=sys.stderr)
        files = sorted((work / "export").glob(f"*/month={args.month}/*.parquet"))
        rows = {path.parent.parent.name: pq.read_metadata(path).num_rows for path in files}
        megabytes = sum(path.stat().st_size for path in files) / 2**20
    finally:
        shutil.rmtree(work)

    def median(runs, i):
        return statistics.median(run[i] for run in runs)

    figures = {
        "runs": args.runs,
        "rows": rows,
        "parquet_mb": round(megabytes, 1),
        "export_s": round(median(exports, 0), 2),
        "export_cpu_s": round(median(exports, 1), 2),
        "export_peak_rss_mb": round(max(run[2] for run in exports)),
        "rollup_s": round(median(rollups, 0), 2),
        "rollup_cpu_s": round(median(rollups, 1), 2),
        "export_vs_rollup": round(median(exports, 0) / median(rollups, 0), 2),
        "export_vs_rollup_cpu": round(median(exports, 1) / median(rollups, 1), 2),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
