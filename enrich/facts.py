"""The engagement facts: Parquet files per day, listed by the SQLite store's catalogue, read
and aggregated by DuckDB.

Each imported file's user-days of one day are one Parquet file, `YYYY-MM/YYYY-MM-DD-KEY.parquet`
(KEY: the start of the file's content address), columns `day`, `user_id`, `bits`, one row per
user (the file's rows of a user and day OR-ed). A file is written under a temporary name, made
durable and renamed, inside the store transaction that records it in the catalogue
(`fact_files`): it exists for readers once that transaction commits. A kill between the rename
and the commit leaves a Parquet file that no catalogue lists; readers read only the files the
catalogue lists, and the next import removes the others. Several files of one day (two
sources, or the same day imported again) are OR-ed when read, as rows merged by OR before.

The depth of use of usage-metrics days (METRICS.md section 9) lies beside them, a file per day
and scope (`YYYY-MM/YYYY-MM-DD.depth-ID.parquet`, ID the catalogue's `depth_files` id), one
row per user: the row of the newest file that gave one, since a newer row replaces an older
(`Store.write_depth`). Read by `DepthRows`.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from enrich.dates import day_str
from enrich.outputs.files import atomic_open, make_private_folder

#: the columns of a fact file
SCHEMA = pa.schema([("day", pa.int32()), ("user_id", pa.int64()), ("bits", pa.int64())])
#: what a file has before it is catalogued: rows of `(user_id, bits)` of one day
DAY_COLUMNS = pa.schema([("user_id", pa.int64()), ("bits", pa.int64())])


def fact_name(day: int, key: str) -> str:
    """The path of a day's fact file within the facts folder."""
    text = day_str(day)
    return f"{text[:7]}/{text}-{key}.parquet"


def day_table(user_ids: Iterable[int], bits: Iterable[int]) -> pa.Table:
    return pa.table([pa.array(user_ids, pa.int64()), pa.array(bits, pa.int64())],
                    schema=DAY_COLUMNS)


#: the columns of a depth file: a user's depth on a day in one scope
DEPTH_SCHEMA = pa.schema([
    ("day", pa.int32()), ("scope", pa.int64()), ("user_id", pa.int64()),
    *((name, pa.int64()) for name in (
        "interactions", "generations", "acceptances", "loc_suggested_add",
        "loc_suggested_delete", "loc_added", "loc_deleted")),
    ("ai_credits", pa.float64()), ("lists", pa.int64()), ("keys", pa.string()),
])


def depth_name(day: int, number: int) -> str:
    """The path of a depth file within the facts folder."""
    text = day_str(day)
    return f"{text[:7]}/{text}.depth-{number}.parquet"


def depth_columns(columns: Sequence) -> pa.Table:
    """Depth rows `(day, scope, user_id, *counts, ai_credits, lists, keys)` by column as a
    table: a column of whole numbers may be an `array("q")`, which Arrow takes as it is."""
    arrays = []
    for column, target in zip(columns, DEPTH_SCHEMA, strict=True):
        if isinstance(column, array) and column.typecode == "q":
            values = pa.Array.from_buffers(pa.int64(), len(column), [None, pa.py_buffer(column)])
            arrays.append(values if target.type == pa.int64() else values.cast(target.type))
        else:
            arrays.append(pa.array(column, target.type))
    return pa.Table.from_arrays(arrays, schema=DEPTH_SCHEMA)


def depth_table(day: int, scope: int, columns: Iterable[Sequence]) -> pa.Table:
    """A day's depth rows in one scope, `(user_id, *counts, ai_credits, lists, keys)` by
    column (none: no row), as a table."""
    columns = list(columns) or [()] * (len(DEPTH_SCHEMA) - 2)
    rows = len(columns[0])
    return depth_columns([array("q", [day]) * rows, array("q", [scope]) * rows, *columns])


def by_day_and_scope(table: pa.Table) -> Iterator[tuple[int, int, pa.Table]]:
    """A table of depth rows split by day and scope, in the order of their rows."""
    days = pc.unique(table.column("day")).to_pylist()
    scopes = pc.unique(table.column("scope")).to_pylist()
    if len(days) == 1 and len(scopes) == 1:
        yield days[0], scopes[0], table
        return
    for day in days:
        of_day = table.filter(pc.equal(table.column("day"), day))
        for scope in pc.unique(of_day.column("scope")).to_pylist():
            yield day, scope, of_day.filter(pc.equal(of_day.column("scope"), scope))


def latest_rows(rows: pa.Table, con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per user: of a user's rows (oldest first), the last."""
    if pc.count_distinct(rows.column("user_id")).as_py() == rows.num_rows:
        return rows
    con.register("incoming", rows.append_column("n", pa.array(range(rows.num_rows),
                                                                pa.int64())))
    try:
        return con.sql("SELECT * EXCLUDE (n) FROM incoming QUALIFY row_number() OVER "
                       "(PARTITION BY user_id ORDER BY n DESC) = 1 ORDER BY user_id"
                       ).to_arrow_table().cast(DEPTH_SCHEMA)
    finally:
        con.unregister("incoming")


def read_depth_file(path: Path) -> pa.Table:
    return pq.read_table(path, schema=DEPTH_SCHEMA)


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB: the facts are read from their files."""
    return duckdb.connect()


def sql_list(paths: Iterable[Path | str]) -> str:
    """Paths as a DuckDB list literal."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


class FactFolder:
    """The folder of the fact files, beside the store."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        return self.folder / name

    def write(self, name: str, day: int, table: pa.Table) -> Path:
        """A day's `(user_id, bits)` rows, one per user and sorted, written whole and durable
        (atomic_open: a temporary name, fsync, rename), then its folder made durable."""
        return self.write_table(name, pa.table([
            pa.array([day] * table.num_rows, pa.int32()), table.column("user_id"),
            table.column("bits")], schema=SCHEMA))

    def write_table(self, name: str, table: pa.Table) -> Path:
        """A table written whole and durable: a temporary name, fsync, rename, then its
        folder made durable."""
        target = self.path(name)
        make_private_folder(target.parent)
        with atomic_open(target, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        return target

    def present(self) -> Iterator[Path]:
        """Every file in the folder: fact files and temporaries of writes killed mid-way."""
        if self.folder.is_dir():
            yield from (p for p in self.folder.rglob("*") if p.is_file())

    def relative(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()


class FactRows:
    """`(user_id, day, bits)` of every user-day of some fact files, the files of a day OR-ed,
    ordered by day and user_id; read when iteration starts, through a DuckDB of its own (so
    that a forked process can read them)."""

    def __init__(self, files: list[Path], excluded: Iterable[int] = ()):
        self.files = files
        self.excluded = sorted(set(excluded))

    def without(self, excluded: Iterable[int]) -> FactRows:
        """The same rows but those of the `excluded` user_ids."""
        return FactRows(self.files, [*self.excluded, *excluded])

    def source(self) -> str:
        """The files as a DuckDB table expression of `(day, user_id, bits)` rows."""
        if not self.files:
            return ("(SELECT CAST(NULL AS INTEGER) AS day, CAST(NULL AS BIGINT) AS user_id, "
                    "CAST(NULL AS BIGINT) AS bits WHERE false)")
        files = f"read_parquet({sql_list(self.files)})"
        if not self.excluded:
            return files
        return (f"(SELECT * FROM {files} WHERE user_id NOT IN "
                f"({', '.join(map(str, self.excluded))}))")

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        con = connect()
        try:
            cursor = con.execute(f"SELECT user_id, day, bit_or(bits) FROM {self.source()} "
                                 "GROUP BY day, user_id ORDER BY day, user_id")
            while rows := cursor.fetchmany(50_000):
                yield from rows
        finally:
            con.close()


#: each user's depth over the files' days, the sums of METRICS.md section 9 (a list's bit set
#: when some row has it; the hex key masks space-separated, their union left to the reader);
#: the AI credits added in the order of their days and scopes, one by one, as before
_DEPTH_BY_USER = """
    SELECT user_id, sum(interactions), sum(generations), sum(acceptances), sum(loc_added),
           sum(ai_credits ORDER BY day, scope), bit_or(lists), string_agg(keys, ' ')
    FROM {} GROUP BY user_id ORDER BY user_id
"""
#: the same per day and user, with every count of section 9
_DEPTH_BY_DAY = """
    SELECT day, user_id, sum(interactions), sum(generations), sum(acceptances),
           sum(loc_suggested_add), sum(loc_suggested_delete), sum(loc_added), sum(loc_deleted),
           sum(ai_credits ORDER BY day, scope), bit_or(lists), string_agg(keys, ' ')
    FROM {} GROUP BY day, user_id ORDER BY day, user_id
"""


class DepthRows:
    """The depth of the users of the depth files that `listing()` gives (the ones that count:
    `Store.depth`), per user (`daily`: per day and user), the files' rows summed; read when
    iteration starts, through a DuckDB of its own unless given one (so that a forked process
    can read them).

    An import that brings a day again replaces its file and removes the old one once it has
    committed: a reader that listed the files before that finds one gone, and lists them
    again."""

    #: how often the files are listed again when one has gone meanwhile
    RETRIES = 3

    def __init__(self, listing: Callable[[], list[Path]], *, daily: bool,
                 con: duckdb.DuckDBPyConnection | None = None):
        self.listing, self.daily, self.con = listing, daily, con

    def __iter__(self) -> Iterator[tuple]:
        con = self.con or connect()
        try:
            cursor = self._cursor(con)
            while cursor is not None and (rows := cursor.fetchmany(50_000)):
                yield from rows
        finally:
            if self.con is None:
                con.close()

    def _cursor(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection | None:
        """The query run (every file read before the first row comes: it sums them), or
        None without files."""
        query = _DEPTH_BY_DAY if self.daily else _DEPTH_BY_USER
        for attempt in range(self.RETRIES + 1):
            files = self.listing()
            if not files:
                return None
            try:
                return con.execute(query.format(f"read_parquet({sql_list(files)})"))
            except duckdb.IOException:
                if attempt == self.RETRIES or all(path.exists() for path in files):
                    raise
        return None
