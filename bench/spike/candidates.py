"""Experiment: the candidate fact stores, each importing engagement files and aggregating the
facts of a period per person. Run by `measure.py`, one step per process.

Import (seed-format JSON lines, each file checked by `fastread.read_checked`, one transaction
per file, a zstandard archive copy and the file's SHA-256 made in a thread beside it, as the
current importer does):

- `sqlite-fast`: (c') the current SQLite store, rows read by DuckDB instead of the parse pool,
  then packed and written as now (`Store.add_user_days`);
- `duckdb`: (a) a DuckDB database file beside the SQLite store holding the facts and, so that
  one commit covers a file, its catalogue (files, days, logins);
- `parquet`: (b) one Parquet file per imported file and day, written to a temporary name and
  renamed, then recorded in the SQLite store (files, file_days, days, logins) in the file's
  transaction: the SQLite catalogue says which Parquet files exist.

Aggregation (per person over a month and the month before it: active days, days per feature,
union of features, active weeks, first and last active day, active days as a bit mask, from
which per-day actives add up): `python` (the current rollup's per-person code over the SQLite
store), `sqlite-sql`, `duckdb` (the DuckDB file), `parquet-duckdb`, `parquet-polars`.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fastread import read_checked  # noqa: E402

from enrich.dates import Period, day_str  # noqa: E402
from enrich.features import CANONICAL  # noqa: E402
from enrich.importer import archive_copy, file_digest  # noqa: E402
from enrich.logins import LoginBook  # noqa: E402
from enrich.store import Store, UserDays, pack_user_days  # noqa: E402

TODAY = 30_000  # 2052: every benchmark day is in the past


def _store(work: Path) -> Store:
    return Store(work / "enrich.db", work / "archive")


def _duckdb(threads: int | None = None):
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    return con


class _Pipeline:
    """Each file with its SHA-256, its rows read and checked, and its archive copy under way.

    The next file is hashed (one thread) and read by DuckDB (another) while the importing
    thread stores the current one; its archive copy is made in the hashing thread meanwhile.
    Feature bits are those the store had when the import began (a new feature would have the
    importing thread allocate a bit and the file read again, as the parse pool does).
    """

    def __init__(self, files: list[Path], archive: Path, features: dict[str, int]):
        self.files, self.archive, self.features = files, archive, features
        self.hasher, self.reader = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
        self.con = _duckdb()

    def _read(self, path: Path):
        checked = read_checked(self.con, path, self.features.__getitem__, TODAY)
        if checked is None:
            _refused(path)
        return checked

    def __iter__(self):
        digests = [self.hasher.submit(file_digest, self.files[0])]
        reads = [self.reader.submit(self._read, self.files[0])]
        for i, path in enumerate(self.files):
            sha, checked = digests.pop().result(), reads.pop().result()
            if i + 1 < len(self.files):
                digests.append(self.hasher.submit(file_digest, self.files[i + 1]))
                reads.append(self.reader.submit(self._read, self.files[i + 1]))
            copying = self.hasher.submit(archive_copy, path, self.archive, sha)
            yield path, sha, checked, copying
        self.hasher.shutdown()
        self.reader.shutdown()


def _unimported(store: Store, files: list[Path]):
    """The pipeline's items of the files the store has not imported yet."""
    for item in _Pipeline(files, store.archive, store.feature_map()):
        if not store.known_file(item[1]):
            yield item


def _refused(path: Path):
    # the importer would read the file with the row-wise parser here, for the exact line
    raise SystemExit(f"{path}: refused by the fast path (the importer would parse it row by row)")


def _day_columns(checked, day: int):
    table = checked.table
    if len(checked.measured) > 1:
        import pyarrow.compute as pc

        table = table.filter(pc.equal(table.column("day"), day))
    return table


def _see_logins(logins: LoginBook, checked) -> None:
    for day in checked.measured:
        table = _day_columns(checked, day)
        logins.see([(day, table.column("user_id").to_pylist(),
                     table.column("login").to_pylist())])


def _record(store: Store, path: Path, sha: str, checked, copying, stored: int) -> None:
    archived, _ = copying.result()
    store.record_file(sha, name=path.name, kind="seed", size=path.stat().st_size,
                      archive=str(archived.relative_to(store.archive)),
                      counts={"read": checked.rows, "stored": stored,
                              "merged": checked.rows - stored, "rejected": 0},
                      days=sorted(checked.measured))


# -- (c') the SQLite store, rows read by DuckDB -------------------------------------------------

def _packed(day: int, table) -> UserDays:
    """`pack_user_days` with numpy: the rows come sorted by user_id."""
    import numpy as np

    user_ids = table.column("user_id").to_numpy()
    bits = table.column("bits").to_numpy()
    width = int(np.bitwise_or.reduce(bits)).bit_length() if len(bits) else 0
    if int(user_ids.max(initial=0)).bit_length() + width > 63:
        return pack_user_days(day, user_ids.tolist(), bits.tolist())
    return UserDays(day, width, orjson.dumps(user_ids << width | bits,
                                             option=orjson.OPT_SERIALIZE_NUMPY), [])


def import_sqlite_fast(work: Path, files: list[Path]) -> None:
    with _store(work) as store:
        logins = LoginBook(store)
        for path, sha, checked, copying in _unimported(store, files):
            with store.transaction():
                _see_logins(logins, checked)
                logins.save()
                store.add_user_days([_packed(day, _day_columns(checked, day))
                                     for day in checked.measured])
                stored = store.user_days(checked.measured)
                store.mark_reported(checked.measured)
                _record(store, path, sha, checked, copying, stored)


# -- (a) a DuckDB database file -----------------------------------------------------------------

DUCKDB_SCHEMA = """
    BEGIN TRANSACTION;
    CREATE TABLE IF NOT EXISTS engagement (day INTEGER, user_id BIGINT, bits BIGINT);
    CREATE TABLE IF NOT EXISTS files (sha256 VARCHAR PRIMARY KEY, name VARCHAR, rows BIGINT);
    CREATE TABLE IF NOT EXISTS days (day INTEGER PRIMARY KEY, measured BIGINT);
    CREATE TABLE IF NOT EXISTS logins (user_id BIGINT, login VARCHAR);
    COMMIT;
"""


def open_duckdb_store(work: Path, read_only: bool = False):
    import duckdb

    con = duckdb.connect(str(work / "facts.duckdb"), read_only=read_only)
    if not read_only:
        con.execute(DUCKDB_SCHEMA)
    return con


def import_duckdb(work: Path, files: list[Path]) -> None:
    features = {name: bit for bit, name in enumerate(CANONICAL)}
    con = open_duckdb_store(work)
    for path, sha, checked, copying in _Pipeline(files, work / "archive", features):
        if con.execute("SELECT count(*) FROM files WHERE sha256 = ?", [sha]).fetchall()[0][0]:
            continue
        con.execute("BEGIN TRANSACTION")
        con.register("file_rows", checked.table)
        con.execute("""
            INSERT INTO engagement SELECT day, user_id, bits FROM file_rows;
            INSERT INTO logins SELECT DISTINCT f.user_id, f.login FROM file_rows f
                ANTI JOIN logins l ON l.user_id = f.user_id AND l.login = f.login;
        """)
        con.unregister("file_rows")
        con.executemany("INSERT INTO days VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET "
                        "measured = days.measured | excluded.measured",
                        list(checked.measured.items()))
        copying.result()
        con.execute("INSERT INTO files VALUES (?, ?, ?)", [sha, path.name, checked.rows])
        con.execute("COMMIT")
    con.close()


# -- (b) Parquet files per day, catalogued in the SQLite store ---------------------------------

def fact_file(work: Path, day: int, sha: str) -> Path:
    text = day_str(day)
    return work / "facts" / text[:7] / f"{text}-{sha[:16]}.parquet"


def _durable_write(table, target: Path) -> None:
    """Written under a temporary name, made durable, then renamed: all or nothing."""
    import pyarrow.parquet as pq

    temp = target.with_suffix(".tmp")
    pq.write_table(table, temp, compression="zstd")
    with open(temp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(temp, target)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def import_parquet(work: Path, files: list[Path]) -> None:
    with _store(work) as store:
        logins = LoginBook(store)
        for path, sha, checked, copying in _unimported(store, files):
            written = []
            try:
                with store.transaction():
                    for day in checked.measured:
                        target = fact_file(work, day, sha)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        _durable_write(_day_columns(checked, day).select(
                            ["day", "user_id", "bits"]), target)
                        written.append(target)
                    _see_logins(logins, checked)
                    logins.save()
                    # a day with facts already would count the rows it lacks (an anti-join
                    # with its files); the benchmark's days are new
                    store.mark_reported(checked.measured)
                    _record(store, path, sha, checked, copying, checked.rows)
            except BaseException:
                # not catalogued: gone (a kill leaves them unlisted, for a later import to
                # remove); a file already imported never gets here, so none of these is listed
                for target in written:
                    target.unlink(missing_ok=True)
                raise


def parquet_files(work: Path, period: Period) -> list[str]:
    """The Parquet files of a period, as the SQLite catalogue lists them."""
    db = sqlite3.connect(f"file:{work / 'enrich.db'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT day, sha256 FROM file_days WHERE day BETWEEN ? AND ?",
                          (period.since, period.until)).fetchall()
    finally:
        db.close()
    return [str(fact_file(work, day, sha)) for day, sha in rows]


# -- aggregation per person ---------------------------------------------------------------------

N_FEATURES = len(CANONICAL) - 1  # the seed format has no "agent" column


def periods(month: str) -> list[Period]:
    current = Period.month(month)
    return [current, current.previous()]


def per_person_sql(source: str, period: Period, integer_division: str = "//") -> str:
    """DuckDB (and, with `/`, SQLite) SQL of the per-person figures over `source`
    (day, user_id, bits) joined to `person_of` (user_id, person)."""
    features = ", ".join(f"sum((bits >> {k}) & 1) AS f{k}" for k in range(N_FEATURES))
    return f"""
        WITH days AS (
            SELECT coalesce(p.person, -e.user_id) AS who, e.day, bit_or(e.bits) AS bits
            FROM {source} e LEFT JOIN person_of p ON p.user_id = e.user_id
            WHERE e.day BETWEEN {period.since} AND {period.until} AND e.bits <> 0
            GROUP BY ALL)
        SELECT who, count(*) AS active_days, bit_or(bits) AS union_bits, {features},
               count(DISTINCT (day + 3) {integer_division} 7) AS active_weeks,
               min(day) AS first_active, max(day) AS last_active,
               bit_or(CAST(1 AS BIGINT) << (day - {period.since})) AS day_mask
        FROM days GROUP BY who"""


def _person_of_table(con, work: Path) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE person_of AS "
                f"SELECT * FROM read_parquet('{work.parent / 'person_of.parquet'}')")


def aggregate_duckdb(work: Path, month: str):
    con = open_duckdb_store(work, read_only=True)
    _person_of_table(con, work)
    return [con.sql(per_person_sql("engagement", p)).to_arrow_table() for p in periods(month)]


def aggregate_parquet_duckdb(work: Path, month: str):
    con = _duckdb()
    _person_of_table(con, work)
    return [con.sql(per_person_sql(f"read_parquet({parquet_files(work, p)!r})", p)
                    ).to_arrow_table() for p in periods(month)]


def aggregate_parquet_polars(work: Path, month: str):
    import polars as pl

    person_of = pl.read_parquet(work.parent / "person_of.parquet")
    results = []
    for p in periods(month):
        days = (pl.scan_parquet(parquet_files(work, p))
                .filter(pl.col("bits") != 0)
                .join(person_of.lazy(), on="user_id", how="left")
                .with_columns(who=pl.coalesce(pl.col("person").cast(pl.Int64),
                                              -pl.col("user_id")))
                .group_by("who", "day").agg(pl.col("bits").bitwise_or()))
        bits = pl.col("bits")
        results.append(days.group_by("who").agg(
            pl.len().alias("active_days"), bits.bitwise_or().alias("union_bits"),
            *[((bits // (1 << k)) % 2).sum().alias(f"f{k}") for k in range(N_FEATURES)],
            ((pl.col("day") + 3) // 7).n_unique().alias("active_weeks"),
            pl.col("day").min().alias("first_active"), pl.col("day").max().alias("last_active"),
            pl.lit(2, pl.Int64).pow(pl.col("day") - p.since).bitwise_or().alias("day_mask"),
        ).collect())
    return results


def aggregate_sqlite_sql(work: Path, month: str):
    """SQLite has no bit_or: per day a feature's bit is the max of its bits, and the union the
    sum of the bits' maxima."""
    import pyarrow.parquet as pq

    db = sqlite3.connect(f"file:{work / 'enrich.db'}?mode=ro", uri=True)
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("PRAGMA cache_size = -262144")
    db.execute("PRAGMA mmap_size = 1073741824")
    db.execute("CREATE TEMP TABLE person_of (user_id INTEGER PRIMARY KEY, person INTEGER)")
    table = pq.read_table(work.parent / "person_of.parquet")
    db.executemany("INSERT INTO person_of VALUES (?, ?)",
                   zip(table.column("user_id").to_pylist(), table.column("person").to_pylist(),
                       strict=True))
    maxima = ", ".join(f"max((e.bits >> {k}) & 1) AS f{k}" for k in range(N_FEATURES))
    sums = ", ".join(f"sum(f{k})" for k in range(N_FEATURES))
    union = " | ".join(f"(max(f{k}) << {k})" for k in range(N_FEATURES))
    results = []
    for p in periods(month):
        results.append(db.execute(f"""
            WITH days AS (
                SELECT coalesce(o.person, -e.user_id) AS who, e.day, {maxima}
                FROM engagement e LEFT JOIN person_of o ON o.user_id = e.user_id
                WHERE e.day BETWEEN {p.since} AND {p.until} AND e.bits != 0
                GROUP BY who, e.day)
            SELECT who, count(*), {union}, {sums}, count(DISTINCT (day + 3) / 7), min(day),
                   max(day), sum(1 << (day - {p.since}))
            FROM days GROUP BY who""").fetchall())
    return results


def aggregate_sqlite_duckdb(work: Path, month: str):
    """The SQLite store kept, the aggregation done by DuckDB: the period's rows fetched from
    SQLite (DuckDB's SQLite reader is an extension it downloads, which enrich cannot rely on)
    and handed over as Arrow columns."""
    import pyarrow as pa

    con = _duckdb()
    _person_of_table(con, work)
    db = sqlite3.connect(f"file:{work / 'enrich.db'}?mode=ro", uri=True)
    results = []
    for p in periods(month):
        cursor = db.execute("SELECT day, user_id, bits FROM engagement "
                            "WHERE day BETWEEN ? AND ?", (p.since, p.until))
        batches = []
        while rows := cursor.fetchmany(200_000):
            day, user_id, bits = zip(*rows, strict=True)
            batches.append(pa.record_batch(
                [pa.array(day, pa.int32()), pa.array(user_id, pa.int64()),
                 pa.array(bits, pa.int64())], names=["day", "user_id", "bits"]))
        con.register("period_rows", pa.Table.from_batches(batches))
        results.append(con.sql(per_person_sql("period_rows", p)).to_arrow_table())
        con.unregister("period_rows")
    db.close()
    return results


def aggregate_python(work: Path, month: str):
    """The current rollup's per-person step: rows from the store, OR-ed per user and day,
    grouped per person, then `person_metrics`."""
    import pyarrow.parquet as pq

    from enrich.job.org import period_input
    from enrich.processes import cycle_collector_paused
    from enrich.rollup.coverage import Coverage
    from enrich.rollup.inputs import DEFAULT_THRESHOLDS
    from enrich.rollup.person import engagement_by_person, engagement_by_user, person_metrics

    table = pq.read_table(work.parent / "person_of.parquet")
    person_of = dict(zip(table.column("user_id").to_pylist(), table.column("person").to_pylist(),
                         strict=True))
    people = set(person_of.values())
    results = []
    with _store(work) as store, cycle_collector_paused():
        for p in periods(month):
            data = period_input(store, p)
            coverage = Coverage.of(data)
            mapped, unmapped = engagement_by_person(engagement_by_user(data.rows), person_of,
                                                    people)
            results.append({who: person_metrics(days, coverage, DEFAULT_THRESHOLDS)
                            for who, days in [*mapped.items(),
                                              *((-uid, d) for uid, d in unmapped.items())]})
    return results


IMPORTS = {"sqlite-fast": import_sqlite_fast, "duckdb": import_duckdb, "parquet": import_parquet}
AGGREGATES = {"python": aggregate_python, "sqlite-sql": aggregate_sqlite_sql,
              "sqlite-duckdb": aggregate_sqlite_duckdb,
              "duckdb": aggregate_duckdb, "parquet-duckdb": aggregate_parquet_duckdb,
              "parquet-polars": aggregate_parquet_polars}


def summary(results) -> list[tuple]:
    """Per period: people, total active days, total active weeks, sum of feature-days."""
    out = []
    for result in results:
        if isinstance(result, dict):  # python
            out.append((len(result), sum(m.active_days for m in result.values()),
                        sum(m.active_weeks for m in result.values())))
        elif isinstance(result, list):  # sqlite rows
            out.append((len(result), sum(r[1] for r in result),
                        sum(r[3 + N_FEATURES] for r in result)))
        else:
            import pyarrow as pa
            table = result if isinstance(result, pa.Table) else result.to_arrow()
            out.append((table.num_rows, sum(table.column("active_days").to_pylist()),
                        sum(table.column("active_weeks").to_pylist())))
    return out

