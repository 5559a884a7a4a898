"""Writes the benchmark enterprise: a large org chart, its seats and engagement files.

    python bench/generate.py OUTDIR --people 100000 --days 31 --month 2025-03
    python bench/generate.py OUTDIR --people 100000 --month 2025-03 --format usage-metrics

It is the sample enterprise of `enrich demo` (enrich/sample.py) at benchmark size: a five-level
team tree, one JSON-lines file per day, about 60% of people engaged on a weekday, and the
usage report CSV of each month (`billing/`) with the premium requests they were billed. The
days are seed-format files, or with `--format usage-metrics` usage-metrics reports with every
depth field (IDEs, features and modes, languages, models, lines of code, AI credits).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# Run from a checkout: make the package importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enrich.sample import SampleSpec, write_sample  # noqa: E402

#: --format -> the sample's profile
FORMATS = {"seed": "bench", "usage-metrics": "bench-usage"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, help="folder to write into")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=31,
                        help="days generated per month, from its first day")
    parser.add_argument("--month", default="2025-03", help="the last month, YYYY-MM")
    parser.add_argument("--months", type=int, default=2,
                        help="months ending with --month; 2 gives the rollup a previous period")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=tuple(FORMATS), default="seed",
                        help="the format of the day files")
    args = parser.parse_args(argv)
    try:
        spec = SampleSpec(last_month=args.month, people=args.people, months=args.months,
                          days=args.days, seed=args.seed, profile=FORMATS[args.format])
    except ValueError as exc:
        parser.error(str(exc))
    started = time.perf_counter()
    files = write_sample(args.outdir, spec)
    elapsed = time.perf_counter() - started
    print(f"{spec.people} people, {files.rows} engagement rows in {len(files.engagement)} files, "
          f"written to {args.outdir} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
