"""Experiment: how fast each columnar reader parses the month's seed-format files, beside the
orjson floor, wall and CPU seconds, in one process per reader (run alternately).

    python bench/spike/parsers.py /tmp/i13/data --month 2025-03 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def month_files(data: Path, month: str) -> list[Path]:
    return sorted((data / "inbox").glob(f"*{month}-*.json*"))


def read_orjson(files):
    import orjson
    n = 0
    for path in files:
        with open(path, "rb") as fh:
            for line in fh:
                orjson.loads(line)
                n += 1
    return n


def read_duckdb_auto(files):
    import duckdb
    con = duckdb.connect()
    return sum(con.execute("SELECT count(user_id) FROM read_ndjson(?)", [str(p)]).fetchone()[0]
               for p in files)


def _json_columns(path: Path) -> dict:
    import orjson
    with open(path, "rb") as fh:
        return {key: "JSON" for key in orjson.loads(fh.readline())}


def read_duckdb_json_typed(files):
    """Every column as JSON text: exact checks are then text comparisons."""
    import duckdb
    con = duckdb.connect()
    n = 0
    for p in files:
        cols = _json_columns(p)
        checks = " AND ".join(f'"{c}" IN (\'0\', \'1\')' for c in cols if c.endswith("_engagement"))
        n += con.execute(
            f"SELECT count(*) FILTER ({checks} AND regexp_full_match(user_id, '[1-9][0-9]{{0,18}}')"
            f" AND regexp_full_match(login, '\"[A-Za-z0-9][A-Za-z0-9_-]{{0,99}}\"')) "
            f"FROM read_ndjson(?, columns = {cols!r})", [str(p)]).fetchone()[0]
    return n


def read_pyarrow(files):
    import pyarrow as pa
    from pyarrow import json as pj
    n = 0
    for p in files:
        cols = _json_columns(p)
        schema = pa.schema([(c, pa.string() if c in ("day", "login") else pa.int64())
                            for c in cols])
        table = pj.read_json(p, parse_options=pj.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="error"))
        n += table.num_rows
    return n


def read_polars(files):
    import polars as pl
    n = 0
    for p in files:
        n += pl.read_ndjson(p).height
    return n


READERS = {name[5:]: fn for name, fn in globals().items() if name.startswith("read_")}


def child(reader: str, data: Path, month: str) -> None:
    files = month_files(data, month)
    start, cpu = time.perf_counter(), time.process_time()
    rows = READERS[reader](files)
    print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                      "rows": rows}))


def run(reader: str, data: Path, month: str) -> dict:
    """Wall and CPU seconds of one reader, in a process of its own."""
    out = subprocess.run([sys.executable, __file__, "--child", reader, str(data),
                          "--month", month], stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--month", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--readers", default=",".join(READERS))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.month)
        return
    names = args.readers.split(",")
    results = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            results[name].append(run(name, args.data, args.month))
            print(name, results[name][-1], file=sys.stderr)
    floor = statistics.median(r["wall"] for r in results["orjson"]) if "orjson" in results else None
    for name, runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        ratio = f", {wall / floor:.2f}x the floor" if floor else ""
        print(f"{name:20s} wall {wall:6.2f} s, cpu {cpu:6.2f} s, rows {runs[0]['rows']}{ratio}")


if __name__ == "__main__":
    main()
