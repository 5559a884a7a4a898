"""Benchmark of the team-lead digests on a large generated enterprise.

    python bench/generate.py bench/data --people 100000 --month 2025-03
    python bench/digest.py bench/data --month 2025-03 --runs 3

Imports the enterprise once into a fresh store, then times `enrich digest` into the outbox
(every unit lead of the org chart gets one) `--runs` times, beside `enrich rollup` of the same
month in the same runs, as the reference on a shared machine. Figures are medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from measure import Measured, timed, write_config


def digests(config: Path, work: Path, month: str) -> tuple[Measured, int]:
    """`enrich digest` of `month` into the outbox of the store in `work`: what it took, and
    how many messages it wrote."""
    measured = timed(["-c", config, "digest", "--month", month], work)
    return measured, len(list((work / "out" / "outbox").glob("*.eml")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--month", required=True, help="the month of the digests (YYYY-MM)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="enrich-bench-"))
    try:
        config = write_config(work, args.data)
        timed(["-c", config, "import", args.data / "inbox"], work)
        timed(["-c", config, "import", args.data / "seats.json"], work)
        rollups, times, rss = [], [], []
        for run in range(args.runs):
            rollups.append(timed(["-c", config, "rollup", "--month", args.month], work).seconds)
            measured, messages = digests(config, work, args.month)
            times.append(measured.seconds)
            rss.append(measured.rss_mb)
            print(f"run {run + 1}: rollup {rollups[-1]:.2f} s, digest {measured.seconds:.2f} s for "
                  f"{messages} messages", file=sys.stderr)
    finally:
        shutil.rmtree(work)

    digest = statistics.median(times)
    figures = {
        "runs": args.runs,
        "messages": messages,
        "digest_s": round(digest, 2),
        "messages_per_s": round(messages / digest),
        "digest_peak_rss_mb": round(max(rss)),
        "rollup_s": round(statistics.median(rollups), 2),
        "digest_vs_rollup": round(digest / statistics.median(rollups), 2),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
