"""Experiment: the candidate fact stores measured side by side on the benchmark enterprise.

    python bench/generate.py /tmp/i13/data --people 100000 --month 2025-03
    python bench/spike/measure.py /tmp/i13/data --month 2025-03 --work /tmp/i13/spike --rounds 3

Each round measures, each step in a process of its own (wall seconds, CPU seconds of all its
threads and processes, peak resident memory): the parse floor (orjson over the same files),
`enrich import` as it is, the import of each candidate (`candidates.IMPORTS`), the analyst's
DuckDB script (bench/analyst.py), then the per-person aggregation of the month and the month
before it on each store (`candidates.AGGREGATES`). Medians over the rounds; ratios against
the floor and the analyst's script of the same rounds. `--verify` checks once that every
aggregation gives the same per-person figures as the current code; `--history N` adds N
copies of the two months' facts before them in every store (a longer history, made without
parsing) and measures the aggregations again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from run import engagement_files  # noqa: E402

# -- steps, each run in a child process -----------------------------------------------------------

def step_floor(data: Path, work: Path, month: str) -> None:
    from run import parse_floor

    parse_floor(engagement_files(data))


def step_current(data: Path, work: Path, month: str) -> None:
    from run import write_config

    config = write_config(work, data)
    subprocess.run([sys.executable, "-m", "enrich", "--quiet", "-c", str(config), "import",
                    str(data / "inbox")], check=True, cwd=work,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})


def step_analyst(data: Path, work: Path, month: str) -> None:
    from analyst import analyst_month

    analyst_month(data, month, engagement_files(data))


def step_import(name: str):
    def run(data: Path, work: Path, month: str) -> None:
        from candidates import IMPORTS

        IMPORTS[name](work, engagement_files(data))
    return run


def step_aggregate(name: str):
    def run(data: Path, work: Path, month: str) -> None:
        from candidates import AGGREGATES, summary

        print(json.dumps(summary(AGGREGATES[name](work, month))), file=sys.stderr)
    return run


def steps() -> dict:
    from candidates import AGGREGATES, IMPORTS

    found = {"floor": step_floor, "import-current": step_current, "analyst": step_analyst,
             "person-of": lambda data, work, month: write_person_of(
                 data, work / "current", work / "person_of.parquet"),
             "verify": lambda data, work, month: verify(work, month),
             "history": lambda data, work, month: add_history(
                 work, int(os.environ["HISTORY_COPIES"]), month)}
    found.update({f"import-{name}": step_import(name) for name in IMPORTS})
    found.update({f"aggregate-{name}": step_aggregate(name) for name in AGGREGATES})
    return found


#: the store each aggregation reads, by the import that wrote it
AGGREGATE_STORE = {"python": "current", "sqlite-sql": "current", "sqlite-duckdb": "current",
                   "duckdb": "duckdb",
                   "parquet-duckdb": "parquet", "parquet-polars": "parquet"}


def measured(step: str, data: Path, work: Path, month: str) -> dict:
    """Wall and CPU seconds and peak memory of one step in a process of its own."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, str(data), "--month", month,
                             "--child", step, "--work", str(work)])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{step} failed")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / 1024}


# -- preparing and checking -----------------------------------------------------------------------

def write_person_of(data: Path, store_work: Path, target: Path) -> None:
    """user_id -> a number per directory person, by enrich's own identity matching."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from enrich.directory.sources import load_directory
    from enrich.job.org import identify
    from enrich.store import Store

    class Config:
        def get(self, name):
            return False

    directory = load_directory([{"type": "yaml", "path": data / "org.json"}])
    with Store(store_work / "enrich.db", store_work / "archive") as store:
        _, matching, _ = identify(Config(), store, directory, None)
    number = {person: i for i, person in enumerate(directory.people)}
    pairs = sorted(matching.person_of.items())
    pq.write_table(pa.table({"user_id": pa.array([u for u, _ in pairs], pa.int64()),
                             "person": pa.array([number[p] for _, p in pairs], pa.int32())}),
                   target)


def canonical(result) -> dict:
    """who -> (active days, union, weeks, first, last, day mask, feature days...)."""
    from candidates import N_FEATURES

    if isinstance(result, dict):  # python: PersonMetrics
        out = {}
        for who, m in result.items():
            since = None
            features = [sum(1 for b in m.day_bits.values() if b >> k & 1)
                        for k in range(N_FEATURES)]
            out[who] = (m.active_days, m.union, m.active_weeks, m.first_active, m.last_active,
                        since, *features)
        return out
    if isinstance(result, list):  # sqlite rows: who, days, union, f..., weeks, first, last, mask
        return {r[0]: (r[1], r[2], r[3 + N_FEATURES], r[4 + N_FEATURES], r[5 + N_FEATURES],
                       r[6 + N_FEATURES], *r[3:3 + N_FEATURES]) for r in result}
    table = result if hasattr(result, "column_names") and hasattr(result, "num_rows") \
        else result.to_arrow()
    rows = table.to_pylist()
    return {r["who"]: (r["active_days"], r["union_bits"], r["active_weeks"], r["first_active"],
                       r["last_active"], r["day_mask"],
                       *(r[f"f{k}"] for k in range(N_FEATURES))) for r in rows}


def verify(work: Path, month: str) -> None:
    from candidates import AGGREGATES

    reference = None
    for name, store in AGGREGATE_STORE.items():
        results = [canonical(r) for r in AGGREGATES[name](work / store, month)]
        if reference is None:
            reference = results
            print(f"verify: {name}: {[len(r) for r in results]} people and users")
            continue
        for period, (mine, theirs) in enumerate(zip(results, reference, strict=True)):
            # the python figures have no day mask: compare it between the SQL engines only
            same = {w: v[:5] + v[6:] for w, v in mine.items()} == \
                {w: v[:5] + v[6:] for w, v in theirs.items()}
            if not same:
                raise SystemExit(f"verify: {name} differs from python in period {period}")
        if name != "sqlite-sql":
            masks = [{w: v[5] for w, v in r.items()} for r in results]
            base = [{w: v[5] for w, v in canonical(r).items()}
                    for r in AGGREGATES["sqlite-sql"](work / "current", month)]
            if masks != base:
                raise SystemExit(f"verify: {name}: day masks differ from sqlite-sql")
        print(f"verify: {name}: the same per-person figures")


def add_history(work: Path, copies: int, month: str) -> None:
    """`copies` more of the two months' facts before them, in every store, without parsing:
    the history a store has after that many more pairs of months."""
    import sqlite3

    import duckdb
    from candidates import fact_file

    from enrich.dates import Period

    first = Period.month(month).previous().since
    span = Period.month(month).until - first + 1
    db = sqlite3.connect(work / "current" / "enrich.db")
    with db:
        for k in range(1, copies + 1):
            db.execute("INSERT INTO engagement SELECT day - ?, user_id, bits FROM engagement "
                       "WHERE day >= ?", (k * span, first))
            db.execute("INSERT INTO days SELECT day - ?, reported, covered, measured, "
                       "teams_covered FROM days WHERE day >= ?", (k * span, first))
    db.close()
    con = duckdb.connect(str(work / "duckdb" / "facts.duckdb"))
    for k in range(1, copies + 1):
        con.execute("INSERT INTO engagement SELECT day - ?, user_id, bits FROM engagement "
                    "WHERE day >= ? ORDER BY day, user_id", [k * span, first])
    con.close()
    db = sqlite3.connect(work / "parquet" / "enrich.db")
    con = duckdb.connect()
    rows = db.execute("SELECT day, sha256 FROM file_days WHERE day >= ?", (first,)).fetchall()
    with db:
        for k in range(1, copies + 1):
            for day, sha in rows:
                new_sha = f"{k:04d}{sha[4:]}"
                target = fact_file(work / "parquet", day - k * span, new_sha)
                target.parent.mkdir(parents=True, exist_ok=True)
                con.execute(f"""COPY (SELECT day - {k * span} AS day, user_id, bits
                                      FROM read_parquet('{fact_file(work / 'parquet', day, sha)}'))
                                TO '{target}' (FORMAT parquet, COMPRESSION zstd)""")
                db.execute("INSERT INTO file_days VALUES (?, ?)", (new_sha, day - k * span))
    db.close()


# -- the rounds -----------------------------------------------------------------------------------

def median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--month", required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.child:
        steps()[args.child](args.data, args.work, args.month)
        return
    from candidates import AGGREGATES, IMPORTS  # light: the engines load in the steps

    imports = ["current", *IMPORTS]
    figures: dict[str, list[dict]] = {}
    for round_number in range(args.rounds):
        shutil.rmtree(args.work, ignore_errors=True)
        for name in imports:
            (args.work / name).mkdir(parents=True)
        plan = [("floor", args.work), ("analyst", args.work),
                *((f"import-{name}", args.work / name) for name in imports)]
        for step, work in plan:
            figures.setdefault(step, []).append(measured(step, args.data, work, args.month))
            print(f"round {round_number + 1}: {step}: {figures[step][-1]}", file=sys.stderr)
        # heavy work runs in a child too: the peak memory of a child counts its parent's
        measured("person-of", args.data, args.work, args.month)
        if args.verify and round_number == 0:
            measured("verify", args.data, args.work, args.month)
        for name in AGGREGATES:
            step = f"aggregate-{name}"
            figures.setdefault(step, []).append(
                measured(step, args.data, args.work / AGGREGATE_STORE[name], args.month))
            print(f"round {round_number + 1}: {step}: {figures[step][-1]}", file=sys.stderr)
    if args.history:  # on the stores of the last round, as many runs as rounds
        os.environ["HISTORY_COPIES"] = str(args.history)
        measured("history", args.data, args.work, args.month)
        for round_number in range(args.rounds):
            for name in AGGREGATES:
                step = f"aggregate-{name} (+history)"
                figures.setdefault(step, []).append(
                    measured(f"aggregate-{name}", args.data, args.work / AGGREGATE_STORE[name],
                             args.month))
                print(f"round {round_number + 1}: {step}: {figures[step][-1]}",
                      file=sys.stderr)
    medians = {step: median_of(runs) for step, runs in figures.items()}
    floor, analyst = medians["floor"]["wall"], medians["analyst"]["wall"]
    print("| step | wall s | CPU s | peak MB | / floor | / analyst |")
    print("|---|---|---|---|---|---|")
    for step, m in medians.items():
        print(f"| {step} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['rss_mb']:.0f} | "
              f"{m['wall'] / floor:.2f}x | {m['wall'] / analyst:.2f}x |")
    if args.json:
        args.json.write_text(json.dumps({"runs": figures, "medians": medians}, indent=2) + "\n")


if __name__ == "__main__":
    main()
