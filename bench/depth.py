"""What depth of use costs the import and the rollup: `enrich import` of the same day files
into a fresh store, then `enrich rollup` of a month, with this checkout and with another
(the code before depth), alternating in the same run.

    git worktree add /tmp/enrich-before b836fc1      # the last commit without depth
    python bench/depth.py bench/data --before /tmp/enrich-before --month 2025-03 --runs 5

Each side's import runs `--runs` times, each in a fresh store; after each import the rollup
runs three times in that store, the median kept (the first rollup after an import shares the
machine with the import's writes still being flushed). With `--outputs`, the seat list (and,
on the side that reads them, the usage reports of `billing/`) are imported too, and
`enrich report` and `enrich licenses --export-reclaim` of the month run once each: the
report and the license review, which this checkout makes a spend review. Figures are
medians, with their CPU seconds (user + system, children included: the parse workers and
forked processes), and the ratio of the two sides is the median of the runs' ratios. The
rollups of the two sides must write the same rollup.json but its `depth` objects (which the
code before depth lacks).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab import config, timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def without_depth(rollup: Path) -> list[dict]:
    """The units of a rollup.json without their `depth` objects (nor their previous
    period's)."""
    units = json.loads(rollup.read_text())["units"]
    for unit in units:
        unit.pop("depth", None)
        (unit.get("previous") or {}).pop("depth", None)
    return units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--month", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--outputs", action="store_true",
                        help="also time the report and the license review")
    parser.add_argument("--billing-side", default="after",
                        help="the side that imports the usage reports (default: after)")
    args = parser.parse_args()
    data = args.data.resolve()
    sides = {"before": args.before.resolve(), "after": ROOT}
    figures: dict[str, dict[str, list[float]]] = {
        side: {"import": [], "import_cpu": [], "rollup": [], "rollup_cpu": [],
               **({"report": [], "report_cpu": [], "licenses": [], "licenses_cpu": []}
                  if args.outputs else {})} for side in sides}
    for run in range(args.runs):
        order = list(sides.items()) if run % 2 == 0 else list(sides.items())[::-1]
        units = {}
        for side, code in order:
            work = Path(tempfile.mkdtemp(prefix="enrich-depth-"))
            try:
                cfg = config(work, data)
                wall, cpu = timed(code, ["-c", cfg, "import", data / "inbox"], work)
                figures[side]["import"].append(wall)
                figures[side]["import_cpu"].append(cpu)
                rollups = [timed(code, ["-c", cfg, "rollup", "--month", args.month], work)
                           for _ in range(3)]
                figures[side]["rollup"].append(statistics.median(w for w, _ in rollups))
                figures[side]["rollup_cpu"].append(statistics.median(c for _, c in rollups))
                units[side] = without_depth(work / "out" / "rollup.json")
                if args.outputs:
                    billing = sorted((data / "billing").glob("*.csv"))
                    timed(code, ["-c", cfg, "import", data / "seats.json",
                                 *(billing if side == args.billing_side else ())], work)
                    for what, argv in (("report", ["report", "--month", args.month]),
                                       ("licenses", ["licenses", "--month", args.month,
                                                     "--export-reclaim"])):
                        wall, cpu = timed(code, ["-c", cfg, *argv], work)
                        figures[side][what].append(wall)
                        figures[side][f"{what}_cpu"].append(cpu)
            finally:
                shutil.rmtree(work)
            print(run, side, {k: round(v[-1], 2) for k, v in figures[side].items()},
                  file=sys.stderr, flush=True)
        if units["before"] != units["after"]:
            raise SystemExit("the two sides rolled up different figures")
    result = {
        "median": {side: {k: round(statistics.median(v), 2) for k, v in f.items()}
                   for side, f in figures.items()},
        "after_over_before": {
            k: round(statistics.median(a / b for a, b in zip(
                figures["after"][k], figures["before"][k], strict=True)), 2)
            for k in figures["after"]},
        "after_over_before_range": {
            k: [round(min(r), 2), round(max(r), 2)] for k in figures["after"]
            for r in [[a / b for a, b in zip(figures["after"][k], figures["before"][k],
                                             strict=True)]]},
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
