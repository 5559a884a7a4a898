"""Memory stays flat as the history grows: the monthly rollup's peak memory in a store holding
only the month, beside stores holding the month before it too and a year of history.

    python bench/generate.py /tmp/history --people 6000 --month 2025-03 --months 12 \
        --format usage-metrics
    python bench/history.py /tmp/history --month 2025-03 --runs 3

Each store is filled from the same generated files (the day files and usage reports of its
months, and the seat list), then `enrich rollup --month` runs in each store in turn, `--runs`
times. The figure is the peak resident memory of the rollup process (the largest of it and
its children), as medians of the runs. It exits with status 1 if the rollup in the store with
a year of history peaks more than 20% above the one in the store with the month alone.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from measure import Measured, engagement_files, timed, write_config

#: how much more the rollup may take with a year of history than with the month alone
MAX_GROWTH = 0.20

_MONTH_IN_NAME = re.compile(r"(\d{4}-\d{2})(?:-\d{2})?\D*$")


def file_month(path: Path) -> str:
    """The month (YYYY-MM) of a generated day file or usage report, from its name."""
    found = _MONTH_IN_NAME.search(path.name)
    if not found:
        raise SystemExit(f"{path}: no day or month in its name")
    return found.group(1)


def months_before(month: str, count: int) -> list[str]:
    """The `count` months ending with `month`, oldest first."""
    year, number = map(int, month.split("-"))
    index = year * 12 + number - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def fill_store(work: Path, data: Path, months: list[str]) -> tuple[Path, int]:
    """A store in `work` with the day files and usage reports of `months` and the seat list;
    its configuration, and the number of day files imported."""
    config = write_config(work, data)
    days = [p for p in engagement_files(data) if file_month(p) in months]
    reports = [p for p in sorted((data / "billing").glob("*.csv")) if file_month(p) in months]
    for paths in (days, reports, [data / "seats.json"]):
        if paths:
            timed(["-c", config, "import", *paths], work)
    return config, len(days)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py --months 12")
    parser.add_argument("--month", required=True, help="the month rolled up, the last generated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    present = {file_month(p) for p in engagement_files(args.data)}
    history = [m for m in months_before(args.month, 12) if m in present]
    stores = {"month": [args.month], "two_months": history[-2:], "year": history}
    work = Path(tempfile.mkdtemp(prefix="enrich-history-"))
    try:
        configs, measured = {}, {name: [] for name in stores}
        for name, months in stores.items():
            (work / name).mkdir()
            configs[name], files = fill_store(work / name, args.data, months)
            print(f"{name}: {len(months)} months, {files} day files imported", file=sys.stderr)
        for run in range(args.runs):  # the stores in turn, so that they share each run's load
            for name, config in configs.items():
                measured[name].append(timed(["-c", config, "rollup", "--month", args.month],
                                            work / name))
            print(f"run {run + 1}: " + ", ".join(
                f"{name} {m[-1].rss_mb:.0f} MB, {m[-1].cpu:.2f} s CPU"
                for name, m in measured.items()), file=sys.stderr)
        sizes = {name: (work / name / "enrich.db").stat().st_size for name in stores}
    finally:
        shutil.rmtree(work)

    figures = {"runs": args.runs, "months": {n: len(m) for n, m in stores.items()}}
    for name, runs in measured.items():
        figures[name] = summary(runs, sizes[name])
    peak = {name: figures[name]["rollup_peak_rss_mb"] for name in stores}
    growth = peak["year"] / peak["month"] - 1
    figures["year_vs_month_peak_growth"] = round(growth, 3)
    # the month before is the rollup's previous period: what the history adds beyond it
    figures["year_vs_two_months_peak_growth"] = round(peak["year"] / peak["two_months"] - 1, 3)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if growth > MAX_GROWTH:
        print(f"the rollup's peak memory grew {growth:.0%} with a year of history "
              f"(at most {MAX_GROWTH:.0%})", file=sys.stderr)
        return 1
    return 0


def summary(runs: list[Measured], store_bytes: int) -> dict:
    """The medians of one store's rollups."""
    return {"store_mb": round(store_bytes / 2**20, 1),
            "rollup_peak_rss_mb": round(statistics.median(m.rss_mb for m in runs), 1),
            "rollup_cpu_s": round(statistics.median(m.cpu for m in runs), 2),
            "rollup_s": round(statistics.median(m.seconds for m in runs), 2)}


if __name__ == "__main__":
    sys.exit(main())
