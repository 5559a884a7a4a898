"""Parquet files of an export, partitioned by month as Hive does
(`engagement/month=2026-03/part-0.parquet`), which BigQuery, Snowflake, Spark and DuckDB read
as they are.

Nothing half-written: every file is first written whole into a staging folder beside the
targets, and only when all are written are they renamed into place, each replacing the file
of an earlier export of its month. A killed export leaves the previous files as they were,
and its staging folder (hidden, named after its process), which the next export removes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from enrich.outputs.files import atomic_open, make_private_folder, private_folder

PART = "part-0.parquet"
_STAGING = ".enrich-export-{}.tmp"


class ExportFolder:
    """The staging of an export into `folder`; use as a context manager, and `commit()`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        _remove_abandoned(self.folder)
        self.staging = private_folder(self.folder / _STAGING.format(os.getpid()))
        self.staged: list[Path] = []

    def __enter__(self) -> ExportFolder:
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def add(self, kind: str, month: str, schema: pa.Schema, tables: Iterable[pa.Table]) -> int:
        """Stage the `kind` file of `month` (YYYY-MM), written a table at a time (each a row
        group), so that a month's facts are never all in memory; returns its rows. Snappy:
        every warehouse reads it."""
        path = Path(kind) / f"month={month}" / PART
        rows = 0
        with atomic_open(self.staging / path, "wb") as fh, \
                pq.ParquetWriter(fh, schema, compression="snappy") as writer:
            for table in tables:
                writer.write_table(table)
                rows += table.num_rows
        self.staged.append(path)
        return rows

    def commit(self) -> list[Path]:
        """Rename every staged file into place; return their paths."""
        for path in self.staged:
            make_private_folder((self.folder / path).parent)
            os.replace(self.staging / path, self.folder / path)
        return [self.folder / path for path in self.staged]


def _remove_abandoned(folder: Path) -> None:
    """Remove the staging folders of exports that were killed (whose process is gone)."""
    for staging in folder.glob(_STAGING.format("*")):
        pid = staging.name.removeprefix(".enrich-export-").removesuffix(".tmp")
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True
