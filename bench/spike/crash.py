"""Experiment: what a kill -9 during an import leaves in each candidate store, and what two
processes may do at once with a DuckDB database file and with Parquet files catalogued in
SQLite.

    python bench/spike/crash.py /tmp/i13/data --work /tmp/i13/crash

Kills: each candidate imports the first `--files` engagement files in a child process that is
killed (SIGKILL) after a delay, several delays in turn; then the store must hold exactly the
files it records, every row of each (a file is all or nothing), and nothing of the others;
importing again completes it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))


def files_of(data: Path, count: int) -> list[Path]:
    return sorted(p for p in (data / "inbox").iterdir() if ".json" in p.name)[:count]


def lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def child(candidate: str, work: Path, data: Path, count: int) -> None:
    from candidates import IMPORTS

    IMPORTS[candidate](work, files_of(data, count))


def start(candidate: str, work: Path, data: Path, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, str(data), "--work", str(work),
                             "--files", str(count), "--child", candidate])


def recorded(candidate: str, work: Path) -> dict[str, int]:
    """File name -> rows of it the store holds, for every file the store records."""
    if not (work / ("facts.duckdb" if candidate == "duckdb" else "enrich.db")).exists():
        return {}  # killed before the store was made
    if candidate == "duckdb":
        from candidates import open_duckdb_store

        con = open_duckdb_store(work, read_only=True)
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'files'"
                           ).fetchall()[0][0]:
            return {}  # killed before the schema committed: an empty store
        names = dict(con.execute("SELECT name, rows FROM files").fetchall())
        per_day = dict(con.execute("SELECT day, count(*) FROM engagement GROUP BY day"
                                   ).fetchall())
        con.close()
        return _by_file(names, per_day, work, candidate)
    db = sqlite3.connect(work / "enrich.db")
    if not db.execute("PRAGMA user_version").fetchone()[0]:
        return {}  # killed before the store's first migration committed: an empty store
    names = dict(db.execute("SELECT name, rows_read FROM files").fetchall())
    if candidate == "parquet":
        import duckdb
        from candidates import fact_file

        pairs = db.execute("SELECT day, sha256 FROM file_days").fetchall()
        con = duckdb.connect()
        per_day = {day: con.execute(f"SELECT count(*) FROM read_parquet("
                                    f"'{fact_file(work, day, sha)}')").fetchone()[0]
                   for day, sha in pairs}
        listed = {fact_file(work, day, sha) for day, sha in pairs}
        orphans = [p for p in (work / "facts").rglob("*") if p.is_file() and p not in listed]
        if orphans:
            print(f"    {len(orphans)} Parquet file(s) no catalogue lists (ignored, to clean up):"
                  f" {[p.name for p in orphans]}")
    else:
        per_day = dict(db.execute("SELECT day, count(*) FROM engagement GROUP BY day"))
    db.close()
    return _by_file(names, per_day, work, candidate)


def _by_file(names: dict[str, int], per_day: dict[int, int], work: Path, candidate: str):
    from enrich.dates import parse_day

    result = {}
    for name in names:
        day = parse_day(name.removeprefix("user-engagement-")[:10])
        result[name] = per_day.pop(day, 0)
    if per_day:
        print(f"    rows of days no recorded file brought: {per_day}")
        result["(unrecorded)"] = sum(per_day.values())
    return result


def check_kills(data: Path, root: Path, count: int, delays: list[float]) -> None:
    from candidates import IMPORTS

    expected = {p.name: lines(p) for p in files_of(data, count)}
    for candidate in IMPORTS:
        for delay in delays:
            work = root / f"{candidate}-{delay}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            proc = start(candidate, work, data, count)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            held = recorded(candidate, work)
            whole = all(held[name] == expected[name] for name in held if name in expected)
            print(f"{candidate}, killed after {delay} s: {len(held)} of {count} files recorded, "
                  f"{'each whole' if whole else 'NOT WHOLE'}"
                  f"{'' if '(unrecorded)' not in held else ', and rows of unrecorded files'}")
            start(candidate, work, data, count).wait()  # the same import again
            held = recorded(candidate, work)
            print(f"    imported again: {'complete' if held == expected else held}")


def check_two_processes(data: Path, root: Path) -> None:
    """A writer (a fetch) and a reader (a report) at once."""
    import duckdb
    from candidates import import_duckdb, open_duckdb_store

    work = root / "two-processes"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    import_duckdb(work, files_of(data, 1))
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
        "con.execute('BEGIN'); print('ready', flush=True); time.sleep(5)"),
        str(work / "facts.duckdb")], stdout=subprocess.PIPE, text=True)
    holder.stdout.readline()
    for mode in (True, False):
        try:
            open_duckdb_store(work, read_only=mode).close()
            print(f"duckdb: opened {'read-only' if mode else 'read-write'} while another "
                  "process writes")
        except duckdb.Error as exc:
            print(f"duckdb: {'read-only' if mode else 'read-write'} open while another process "
                  f"has it open for writing: {type(exc).__name__}: {str(exc)[:200]}")
    holder.kill()
    holder.wait()
    reader = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print('ready', flush=True); time.sleep(5)"), str(work / "facts.duckdb")],
        stdout=subprocess.PIPE, text=True)
    reader.stdout.readline()
    try:
        open_duckdb_store(work).close()
        print("duckdb: opened read-write while another process reads")
    except duckdb.Error as exc:
        print(f"duckdb: read-write open while another process reads: {type(exc).__name__}: "
              f"{str(exc)[:200]}")
    reader.kill()
    reader.wait()


def check_parquet_reader_beside_writer(data: Path, root: Path) -> None:
    """Parquet facts listed by the SQLite catalogue: a reader beside a writer's open
    transaction sees the files committed before it, and reads them."""
    from candidates import import_parquet, parquet_files

    from enrich.dates import Period

    work = root / "parquet-two"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = files_of(data, 3)
    import_parquet(work, files[:1])
    writer = sqlite3.connect(work / "enrich.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO file_days VALUES ('f' || hex(randomblob(8)), 0)")
    import duckdb

    period = Period.month(files[0].name.removeprefix("user-engagement-")[:7])
    listed = parquet_files(work, period)
    rows = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)",
                                    [listed]).fetchone()[0]
    print(f"parquet: with a write transaction open in another connection, a reader lists "
          f"{len(listed)} committed file(s) and reads {rows} rows")
    writer.execute("ROLLBACK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--delays", default="0.3,0.6,0.9,1.2")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.work, args.data, args.files)
        return
    check_two_processes(args.data, args.work)
    check_parquet_reader_beside_writer(args.data, args.work)
    check_kills(args.data, args.work, args.files, [float(d) for d in args.delays.split(",")])
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
