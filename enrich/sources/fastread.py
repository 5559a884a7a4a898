"""A seed-format JSON-lines file read by DuckDB, checked as strictly as the row-wise parser
(`enrich.sources.engagement.SeedRows`), or refused so that the row-wise parser reads it instead
and reports the exact file, line and reason.

The identity columns are read as DuckDB's JSON type, which keeps each value's JSON text
(`1`, `1.0`, `true` and `"1"` stay apart), so "a positive 64-bit integer" and "a login" are
patterns on that text. What a column reader cannot see row by row (a key given twice, a key
more, spaces, a blank line, an escape in a string, an engagement value spelled `true` or
`1.0`) it sees in the file's size: a row that passes the checks has a known length once
written without spaces, so the file is what the checks saw only when its size is the sum of
those lengths, one newline each. Days are few: each distinct text goes through enrich's own
`engagement_day`.

`read_checked(...)` returns the rows as an Arrow table (day, user_id, bits, login) with what
the importer records of them; or None: the file needs the row-wise parser (something is wrong
with it, or it is laid out in a way this path does not handle). bench/spike/differential.py
runs it against the row-wise parser on generated files.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from enrich.features import seed_feature
from enrich.sources.engagement import MAX_ID, NoFeatureBit, RowError, engagement_day

_IDENTITY = ("day", "login", "user_id")
_LOGIN_JSON = '"[A-Za-z0-9][A-Za-z0-9_-]{0,99}"'
_USER_ID = "[1-9][0-9]{0,18}"


@dataclass
class Checked:
    """A file read and checked."""

    #: `(day, user_id, bits, login)`, by day and user_id
    table: pa.Table
    rows: int
    #: day -> mask of the features measured (every column the file has)
    measured: dict[int, int]

    def days(self) -> Iterator[tuple[int, pa.Table]]:
        """Each day's rows."""
        for day in sorted(self.measured):
            yield day, self.table if len(self.measured) == 1 else \
                self.table.filter(pc.equal(self.table.column("day"), day))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def first_keys(path: Path) -> tuple[str, ...] | None:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        line = fh.readline(1 << 20)
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return tuple(row) if isinstance(row, dict) else None


def decompressed_size(path: Path) -> int:
    if not path.name.endswith(".gz"):
        return os.path.getsize(path)
    size = 0
    with gzip.open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            size += len(chunk)
    return size


def read_checked(con, path: Path, feature_bit: Callable[[str], int], today: int
                 ) -> Checked | None:
    """The file's rows, checked; None when the row-wise parser must read it."""
    try:
        keys = first_keys(path)
    except (OSError, EOFError, zlib.error):  # a gzip file that is not: the row-wise parser says
        return None
    if keys is None or set(_IDENTITY) - set(keys):
        return None
    columns = [k for k in keys if k not in _IDENTITY]
    if not columns or any(seed_feature(c) is None for c in columns):
        return None  # keys that are no engagement column: the row-wise parser handles them
    try:
        bits = {c: 1 << feature_bit(seed_feature(c)) for c in columns}
    except NoFeatureBit:  # past the features a store holds: the row-wise parser says where
        return None
    measured = 0
    for bit in bits.values():
        measured |= bit
    # a row written without spaces: {"k":v,...} plus its newline
    fixed = 2 + (len(keys) - 1) + sum(len(k.encode()) + 3 for k in keys) + len(columns) + 1
    bits_sql = " | ".join(f'(CASE WHEN "{c}" = 1 THEN {bits[c]} ELSE 0 END)' for c in columns)
    values_ok = " AND ".join(f'"{c}" IN (0, 1)' for c in columns)
    # Engagement values are read as numbers, which DuckDB converts leniently (true, 1.0 and
    # "1" all become 1); but the only JSON texts of one character that give 0 or 1 are "0" and
    # "1", and every row counts one character for each: any other text makes the file longer
    # than the sum. The identity fields keep their JSON text, which has no other spelling once
    # the patterns hold (digits; letters, digits, "-" and "_" in quotes).
    types = {k: "TINYINT" if k in bits else "JSON" for k in keys}
    json_columns = "{" + ", ".join(f"{_sql_string(k)}: '{t}'" for k, t in types.items()) + "}"
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE checked AS
            SELECT day AS day_text, TRY_CAST(user_id AS BIGINT) AS user_id,
                   login[2:-2] AS login,
                   coalesce({values_ok} AND day IS NOT NULL
                            AND regexp_full_match(user_id, '{_USER_ID}')
                            AND TRY_CAST(user_id AS BIGINT) <= {MAX_ID}
                            AND regexp_full_match(login, '{_LOGIN_JSON}'), false) AS ok,
                   {bits_sql} AS bits,
                   strlen(day) + strlen(login) + strlen(user_id) AS length
            FROM read_ndjson({_sql_string(str(path))}, columns = {json_columns},
                             maximum_object_size = 1048576)""")
    except duckdb.Error:  # malformed JSON, a line too long: the row-wise parser says where
        return None
    rows, bad, total, days = con.execute("""
        SELECT count(*), count(*) FILTER (NOT ok), sum(length), list(DISTINCT day_text)
        FROM checked""").fetchall()[0]
    if bad or rows == 0 or total is None:
        return None
    try:
        size = decompressed_size(path)
    except (OSError, EOFError, zlib.error):
        return None
    if size not in (total + rows * fixed, total + rows * fixed - 1):  # last newline optional
        return None
    day_of = {}
    for text in days:
        if text is None:
            return None
        try:
            day_of[text] = engagement_day(orjson.loads(text), today)
        except (RowError, orjson.JSONDecodeError):
            return None
    day_cases = " ".join(f"WHEN {_sql_string(t)} THEN {d}" for t, d in day_of.items())
    table = con.sql(f"""
        SELECT CAST(CASE day_text {day_cases} END AS INTEGER) AS day, user_id, bits, login
        FROM checked ORDER BY day, user_id""").to_arrow_table()
    con.execute("DROP TABLE checked")
    return Checked(table, rows, dict.fromkeys(day_of.values(), measured))
