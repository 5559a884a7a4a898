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
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
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
        target = self.path(name)
        make_private_folder(target.parent)
        columns = pa.table([pa.array([day] * table.num_rows, pa.int32()),
                            table.column("user_id"), table.column("bits")], schema=SCHEMA)
        with atomic_open(target, "wb") as fh:
            pq.write_table(columns, fh, compression="zstd")
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
