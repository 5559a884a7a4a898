"""The history store: one SQLite file that keeps every imported or fetched day, and the
engagement facts in Parquet files beside it.

A user-day is one `(day, user_id, bits)` row of a fact file (`enrich.facts`), `bits` holding
one bit per feature; the SQLite file catalogues those files, and keeps the features, coverage
per day, login history, imported files (with their archived copies), depth, billed usage and
seat snapshots. Writes happen in one transaction per file, which also records the file's fact
files, so a crash loses at most the file being imported, and importing the same data again
changes nothing (rows merge by OR).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa
import zstandard

from enrich.dates import Period, from_date, to_date
from enrich.errors import StoreError
from enrich.facts import (
    DepthRows,
    FactFolder,
    FactRows,
    connect,
    day_table,
    depth_name,
    depth_table,
    fact_name,
    latest_rows,
    read_depth_file,
)
from enrich.features import CANONICAL
from enrich.outputs.files import make_private_folder
from enrich.sources.billing import BILLED_CURRENCY, SOURCE_ORDER, UsageRow, nanos, text_of
from enrich.sources.depth import (
    DEPTH_DAY,
    ENTERPRISE_SCOPE,
    key_union,
)
from enrich.sources.engagement import USAGE_METRICS, TooManyFeatures
from enrich.sources.seats import Seat, SeatRow
from enrich.sources.teams import TeamMembership

REPORTED, EMPTY, MISSING = "reported", "empty", "missing"

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE features (
        bit INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE engagement (
        day INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        bits INTEGER NOT NULL,
        PRIMARY KEY (day, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE days (
        day INTEGER PRIMARY KEY,
        reported INTEGER NOT NULL DEFAULT 0,
        covered INTEGER NOT NULL DEFAULT 0,
        measured INTEGER NOT NULL DEFAULT 0
    );
    -- every login each user has had; the span of days of each login is kept only for users
    -- with several logins (NULL for a user's only login)
    CREATE TABLE logins (
        user_id INTEGER NOT NULL,
        login TEXT NOT NULL,
        first_day INTEGER,
        last_day INTEGER,
        PRIMARY KEY (user_id, login)
    ) WITHOUT ROWID;
    CREATE TABLE files (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        size INTEGER NOT NULL,
        archive TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_stored INTEGER NOT NULL,
        rows_merged INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL
    );
    CREATE TABLE file_days (
        sha256 TEXT NOT NULL REFERENCES files(sha256) DEFERRABLE INITIALLY DEFERRED,
        day INTEGER NOT NULL,
        PRIMARY KEY (day, sha256)
    ) WITHOUT ROWID;
    CREATE TABLE seat_snapshots (
        id INTEGER PRIMARY KEY,
        taken_on INTEGER NOT NULL,
        sha256 TEXT NOT NULL REFERENCES files(sha256) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE TABLE seats (
        snapshot INTEGER NOT NULL REFERENCES seat_snapshots(id),
        user_id INTEGER,
        login TEXT,
        organization TEXT,
        assigning_team TEXT,
        plan_type TEXT NOT NULL,
        created_at TEXT,
        last_activity_at TEXT,
        last_activity_editor TEXT,
        last_authenticated_at TEXT,
        pending_cancellation_date TEXT
    );
    CREATE INDEX seats_by_snapshot ON seats(snapshot);
    """,
    # 2: GitHub team memberships per day (the user-teams-1-day report)
    """
    CREATE TABLE team_memberships (
        day INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        team_id INTEGER NOT NULL,
        slug TEXT NOT NULL,
        organization_id INTEGER,
        PRIMARY KEY (day, user_id, team_id)
    ) WITHOUT ROWID;
    ALTER TABLE days ADD COLUMN teams_covered INTEGER NOT NULL DEFAULT 0;
    """,
    # 3: the org chart as each run saw it
    """
    CREATE TABLE directory_snapshots (
        id INTEGER PRIMARY KEY,
        taken_on INTEGER NOT NULL,
        sources TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        content BLOB NOT NULL
    );
    """,
    # 4: the digests sent, so that a re-run sends only what was not sent yet
    """
    CREATE TABLE digest_ledger (
        period TEXT NOT NULL,
        recipient TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (period, recipient, content_hash)
    ) WITHOUT ROWID;
    """,
    # 5: a digest handed to the server whose answer has not come is "possibly sent": noted
    # with sending_since before it goes, and sent_at stays NULL until the server accepts it
    """
    CREATE TABLE digest_ledger_5 (
        period TEXT NOT NULL,
        recipient TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        sent_at TEXT,
        sending_since TEXT,
        PRIMARY KEY (period, recipient, content_hash)
    ) WITHOUT ROWID;
    INSERT INTO digest_ledger_5 (period, recipient, content_hash, sent_at)
        SELECT period, recipient, content_hash, sent_at FROM digest_ledger;
    DROP TABLE digest_ledger;
    ALTER TABLE digest_ledger_5 RENAME TO digest_ledger;
    """,
    # 6: depth of use (METRICS.md section 9): each usage-metrics row's counts and keys, kept
    # per day, user and scope (0 for an enterprise report, else the organization's id) and
    # replaced when a row of the same day, user and scope comes again; which report counts,
    # and the sum over organizations, are decided when reading. days.depth: 1 when the day
    # has a usage-metrics row stored, 2 when it has an enterprise report's, 4 when an
    # organization report's. Days imported before have 0: `enrich rebuild depth` derives them
    # from the archived files.
    """
    CREATE TABLE depth_keys (
        number INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        UNIQUE (kind, name)
    );
    CREATE TABLE depth (
        day INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        scope INTEGER NOT NULL,
        interactions INTEGER,
        generations INTEGER,
        acceptances INTEGER,
        loc_suggested_add INTEGER,
        loc_suggested_delete INTEGER,
        loc_added INTEGER,
        loc_deleted INTEGER,
        ai_credits REAL,
        lists INTEGER NOT NULL,
        keys TEXT NOT NULL,
        PRIMARY KEY (day, user_id, scope)
    ) WITHOUT ROWID;
    ALTER TABLE days ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
    -- each user's depth over each calendar month (month: its first day), as the rollup of
    -- a month reads it: summed from the rows when an import or a rebuild ends; a month
    -- whose rows changed since is in depth_stale until then (and read from the rows)
    CREATE TABLE depth_months (
        month INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        interactions INTEGER,
        generations INTEGER,
        acceptances INTEGER,
        loc_added INTEGER,
        ai_credits REAL,
        lists INTEGER NOT NULL,
        keys TEXT NOT NULL,
        PRIMARY KEY (month, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE depth_stale (month INTEGER PRIMARY KEY);
    """,
    # 7: billed Copilot usage (premium requests, AI credits) per day, user, product, SKU and
    # model; amounts in whole 10**-9 of the currency (exact, and summed exactly), quantities
    # and prices as decimal text; `billing_days` are the days each source gave, even without
    # any usage
    """
    CREATE TABLE billing_usage (
        source TEXT NOT NULL,
        day INTEGER NOT NULL,
        login TEXT,
        user_id INTEGER,
        organization TEXT,
        product TEXT NOT NULL,
        sku TEXT NOT NULL,
        model TEXT,
        unit_type TEXT,
        price_per_unit TEXT,
        quantity TEXT NOT NULL,
        gross_nanos INTEGER NOT NULL,
        discount_nanos INTEGER NOT NULL,
        net_nanos INTEGER NOT NULL,
        currency TEXT NOT NULL,
        file TEXT REFERENCES files(sha256) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE INDEX billing_usage_by_day ON billing_usage(day, source);
    CREATE TABLE billing_days (
        source TEXT NOT NULL,
        day INTEGER NOT NULL,
        PRIMARY KEY (source, day)
    ) WITHOUT ROWID;
    """,
    # 8: the engagement facts leave SQLite for Parquet files per day (enrich.facts), which
    # this catalogue lists: `user_days`, the file's rows (one per user). The rows of the
    # engagement table are moved into files of their own (`_move_engagement`), then it goes.
    """
    CREATE TABLE fact_files (
        name TEXT PRIMARY KEY,
        day INTEGER NOT NULL,
        user_days INTEGER NOT NULL
    );
    CREATE INDEX fact_files_by_day ON fact_files(day);
    """,
    # 9: the depth rows leave SQLite for Parquet files (enrich.facts, `DepthRows`), one per day
    # and scope (0: the enterprise report, else the organization's id), which this catalogue
    # lists; a name is the day's and its id's, never used twice. The depth table's rows are
    # moved into files of their own (`_move_depth`), then it goes.
    """
    CREATE TABLE depth_files (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        day INTEGER NOT NULL,
        scope INTEGER NOT NULL,
        user_days INTEGER NOT NULL,
        UNIQUE (day, scope)
    );
    """,
)

#: the fact files key of the rows a store held in its engagement table before migration 8
MIGRATED = "store"

_SEAT_FIELDS = ("user_id", "login", "organization", "assigning_team", "plan_type", "created_at",
                "last_activity_at", "last_activity_editor", "last_authenticated_at",
                "pending_cancellation_date")

#: `bits` is a signed 64-bit SQLite integer: one bit per feature, the sign bit unused
MAX_FEATURES = 63

#: the canonical features, bits in their order, as SQL for the first migration's script
_CANONICAL_FEATURES = "INSERT INTO features (bit, name) VALUES {};".format(", ".join(
    f"({bit}, '{name}')" for bit, name in enumerate(CANONICAL)))



class BilledUsage(NamedTuple):
    """The billed usage of a period, as `Store.billed_usage` sums it."""

    #: `(login, user_id, organization, gross, discount, net)`, amounts in 10**-9 of the
    #: currency; login and user id None for usage billed to no user
    totals: list[tuple]
    #: source -> the days of the period it gave
    days: dict[str, int]


class LedgerEntry(NamedTuple):
    """A digest in the ledger: sent (the server said so), or possibly sent (handed over, and
    no answer came), or both when it was sent again with `--resend`."""

    #: when the server last accepted it; None: never
    sent_at: str | None
    #: when it was last handed to the server with no answer yet; None: no hand-over open
    sending_since: str | None


class Store:
    """An open history store. Use as a context manager, or call `close()`."""

    def __init__(self, path: Path, archive: Path):
        self.path = Path(path)
        self.archive = Path(archive)
        self.facts = FactFolder(self.path.with_name(self.path.name + ".facts"))
        #: fact files written in the open transaction, removed if it rolls back
        self._written: list[Path] = []
        #: files the open transaction takes out of the catalogue, removed once it commits
        self._dropped: list[Path] = []
        #: a file's user-days staged until `write_facts`: day -> (user_id, bits) tables
        self._staged: dict[int, list[pa.Table]] = {}
        #: a file's depth rows staged until `write_depth`: (day, scope) -> tables
        self._staged_depth: dict[tuple[int, int], list[pa.Table]] = {}
        self._duckdb: tuple[int, duckdb.DuckDBPyConnection] | None = None
        try:
            if not self.path.exists():
                # logins are personal data: the store (and SQLite's WAL files, which inherit
                # the mode) is readable by its owner only, and so is its folder
                make_private_folder(self.path.parent)
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the store: {exc.strerror}") from None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the store: {exc}") from None
        self._features = self._load_features()
        self._depth_keys = self._load_depth_keys()

    def close(self) -> None:
        self._db.close()
        if self._duckdb is not None and self._duckdb[0] == os.getpid():
            self._duckdb[1].close()
        self._duckdb = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: the store has schema version {version}, newer than this enrich "
                f"understands ({len(MIGRATIONS)})", hint="upgrade enrich")
        for number, script in enumerate(MIGRATIONS[version:], version + 1):
            # executescript commits first; the version is set in the same transaction so a
            # crash never leaves a half-migrated store marked as migrated, and a new store gets
            # its features with its first tables (later, a kill in between would leave it none)
            seed = _CANONICAL_FEATURES if number == 1 else ""
            self._db.executescript(f"BEGIN IMMEDIATE; {script}; {seed}")
            try:
                if number == 8:
                    self._move_engagement()
                if number == 9:
                    self._move_depth()
                self._db.execute(f"PRAGMA user_version = {number}")
            except BaseException:
                self._roll_back()
                raise
            self._db.execute("COMMIT")
            self._written = []

    def _move_engagement(self) -> None:
        """Migration 8: the engagement table's rows into a fact file per day."""
        days = [day for (day,) in self._db.execute("SELECT DISTINCT day FROM engagement")]
        for day in days:
            user_ids, bits = zip(*self._db.execute(
                "SELECT user_id, bits FROM engagement WHERE day = ? ORDER BY user_id", (day,)),
                strict=True)
            self._catalogue(fact_name(day, MIGRATED), day, day_table(user_ids, bits))
        self._db.execute("DROP TABLE engagement")

    def _move_depth(self) -> None:
        """Migration 9: the depth table's rows into a depth file per day and scope."""
        for day, scope in self._db.execute(
                "SELECT DISTINCT day, scope FROM depth ORDER BY day, scope").fetchall():
            rows = self._db.execute(
                "SELECT user_id, interactions, generations, acceptances, loc_suggested_add, "
                "loc_suggested_delete, loc_added, loc_deleted, ai_credits, lists, keys "
                "FROM depth WHERE day = ? AND scope = ? ORDER BY user_id", (day, scope))
            self._catalogue_depth(day, scope, depth_table(day, scope, zip(*rows, strict=True)))
        self._db.execute("DROP TABLE depth")

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction; everything in it is stored, or nothing."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self._roll_back()
            self._features = self._load_features()
            self._depth_keys = self._load_depth_keys()
            raise
        self._db.execute("COMMIT")
        self._written = []
        dropped, self._dropped = self._dropped, []
        for path in dropped:  # a kill before this leaves them to `remove_stray_facts`
            path.unlink(missing_ok=True)

    def _roll_back(self) -> None:
        """Roll back the open transaction, and remove the fact files it wrote: none of them
        was catalogued, and a name already catalogued is never written again."""
        self._db.execute("ROLLBACK")
        self._staged = {}
        self._staged_depth = {}
        self._dropped = []
        for path in self._written:
            path.unlink(missing_ok=True)
        self._written = []

    # -- features -------------------------------------------------------------------------

    def _load_features(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT name, bit FROM features"))

    def feature_names(self) -> list[str]:
        """Feature names by bit: `feature_names()[i]` is bit `1 << i`."""
        return [name for name, _ in sorted(self._features.items(), key=lambda kv: kv[1])]

    def feature_map(self) -> dict[str, int]:
        """Feature name -> bit."""
        return dict(self._features)

    def feature_bit(self, name: str) -> int:
        """The bit of a feature, allocating the next free one for a new feature."""
        bit = self._features.get(name)
        if bit is None:
            bit = len(self._features)
            if bit >= MAX_FEATURES:
                raise TooManyFeatures(name, MAX_FEATURES)
            self._db.execute("INSERT INTO features (bit, name) VALUES (?, ?)", (bit, name))
            self._features[name] = bit
        return bit

    # -- depth keys -----------------------------------------------------------------------

    def _load_depth_keys(self) -> list[tuple[str, str]]:
        return self._db.execute("SELECT kind, name FROM depth_keys ORDER BY number").fetchall()

    def depth_keys(self) -> list[tuple[str, str]]:
        """`(kind, name)` of each key of depth rows, by number: `depth_keys()[i]` is bit
        `1 << i` of a row's key mask."""
        return list(self._depth_keys)

    def depth_key_bits(self, keys: Iterable[tuple[str, str]]) -> list[int]:
        """The bit of each key, numbering the keys new to the store next."""
        numbers = {key: number for number, key in enumerate(self._depth_keys)}
        bits = []
        for key in keys:
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = len(self._depth_keys)
                self._db.execute("INSERT INTO depth_keys (number, kind, name) VALUES (?, ?, ?)",
                                 (number, *key))
                self._depth_keys.append(key)
            bits.append(1 << number)
        return bits

    # -- writing --------------------------------------------------------------------------

    def stage_facts(self, day: int, table: pa.Table) -> None:
        """Keep `(user_id, bits)` rows of a day (`enrich.facts.day_table`) for `write_facts`."""
        self._staged.setdefault(day, []).append(table)

    def write_facts(self, key: str) -> int:
        """The staged rows as fact files named by `key` (one per day, a user's rows OR-ed),
        catalogued in the caller's transaction; returns how many user-days are new to the
        store."""
        new = 0
        staged, self._staged = self._staged, {}
        for day, tables in sorted(staged.items()):
            con = self.duckdb()
            con.register("incoming", pa.concat_tables(tables))
            rows = con.sql("SELECT user_id, bit_or(bits) AS bits FROM incoming "
                           "GROUP BY user_id ORDER BY user_id").to_arrow_table()
            con.unregister("incoming")
            known = self._fact_paths(day, day)
            if known:
                con.register("incoming", rows)
                new += con.execute(f"SELECT count(*) FROM incoming ANTI JOIN "
                                   f"{FactRows(known).source()} f USING (user_id)"
                                   ).fetchall()[0][0]
                con.unregister("incoming")
            else:
                new += rows.num_rows
            self._catalogue(fact_name(day, key), day, rows)
        return new

    def _catalogue(self, name: str, day: int, rows: pa.Table) -> None:
        # recorded first: a name already catalogued fails here, before its file is touched
        self._db.execute("INSERT INTO fact_files (name, day, user_days) VALUES (?, ?, ?)",
                         (name, day, rows.num_rows))
        self._written.append(self.facts.write(name, day, rows))

    def remove_stray_facts(self) -> int:
        """Remove the files of the facts folder that no catalogue lists (left by a kill
        between a rename and its commit, or mid-write); in a write transaction, so that no
        other writer is between the two. Returns how many."""
        listed = {name for (name,) in self._db.execute(
            "SELECT name FROM fact_files UNION ALL SELECT name FROM depth_files")}
        stray = [path for path in self.facts.present()
                 if self.facts.relative(path) not in listed]
        for path in stray:
            path.unlink(missing_ok=True)
        return len(stray)

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """This process's DuckDB (a forked process makes its own)."""
        if self._duckdb is None or self._duckdb[0] != os.getpid():
            self._duckdb = (os.getpid(), connect())
        return self._duckdb[1]

    def _fact_paths(self, first: int, last: int) -> list[Path]:
        """The catalogued fact files of the days from `first` to `last`."""
        return [self.facts.path(name) for (name,) in self._db.execute(
            "SELECT name FROM fact_files WHERE day BETWEEN ? AND ? ORDER BY day, name",
            (first, last))]

    def _facts_query(self, sql: str, first: int, last: int, parameters=()) -> list[tuple]:
        """`sql` over the facts of the days from `first` to `last`, `{facts}` in it standing
        for their `(day, user_id, bits)` rows; no rows without files."""
        files = self._fact_paths(first, last)
        if not files:
            return []
        return self.duckdb().execute(sql.format(facts=FactRows(files).source()),
                                    parameters).fetchall()

    def login_rows(self) -> Iterator[tuple[int, str, int | None, int | None]]:
        return self._db.execute("SELECT user_id, login, first_day, last_day FROM logins")

    def user_spans(self, user_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """First and last day stored (or staged) for each of these users (a scan of the whole
        history: call it rarely)."""
        wanted = pa.table({"user_id": pa.array(sorted(set(user_ids)), pa.int64())})
        spans: dict[int, tuple[int, int]] = {}
        con = self.duckdb()
        con.register("wanted", wanted)
        try:
            for day, tables in self._staged.items():
                con.register("staged", pa.concat_tables(tables))
                spans = _widened(spans, con.execute(
                    "SELECT user_id, ?, ? FROM staged SEMI JOIN wanted USING (user_id) "
                    "GROUP BY user_id", (day, day)).fetchall())
                con.unregister("staged")
            spans = _widened(spans, self._facts_query(
                "SELECT user_id, min(day), max(day) FROM {facts} SEMI JOIN wanted "
                "USING (user_id) GROUP BY user_id", _FIRST_DAY, _LAST_DAY))
        finally:
            con.unregister("wanted")
        return spans

    def add_logins(self, new: Iterable[tuple[int, str]],
                   spans: dict[tuple[int, str], list[int]]) -> None:
        """Record new `(user_id, login)` pairs, and the spans of users with several logins."""
        self._db.executemany(
            "INSERT INTO logins (user_id, login) VALUES (?, ?) ON CONFLICT DO NOTHING", new)
        self._db.executemany(
            "INSERT INTO logins (user_id, login, first_day, last_day) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, login) DO UPDATE SET "
            "first_day = excluded.first_day, last_day = excluded.last_day",
            ((uid, login, first, last) for (uid, login), (first, last) in sorted(spans.items())))

    def mark_reported(self, measured: dict[int, int]) -> None:
        """Days that got rows, with the features their rows measure."""
        self._db.executemany(
            "INSERT INTO days (day, reported, measured) VALUES (?, 1, ?) ON CONFLICT (day) "
            "DO UPDATE SET reported = 1, measured = measured | excluded.measured",
            measured.items())

    def stage_depth(self, tables: Iterable[tuple[int, int, pa.Table]]) -> None:
        """Keep `(day, scope, rows)` depth tables (`enrich.facts.depth_table`) for
        `write_depth`."""
        for day, scope, table in tables:
            self._staged_depth.setdefault((day, scope), []).append(table)

    def write_depth(self) -> None:
        """The staged depth rows as a file per day and scope, catalogued in the caller's
        transaction. A row of the same day, user and scope as one stored, or as one staged
        before it, is newer and replaces it: a day and scope stored already get a new file of
        the rows kept and the new ones, which the catalogue lists instead."""
        staged, self._staged_depth = self._staged_depth, {}
        for (day, scope), tables in sorted(staged.items()):
            old = self._db.execute("SELECT id, name FROM depth_files WHERE day = ? AND scope = ?",
                                   (day, scope)).fetchone()
            if old is not None:
                tables = [read_depth_file(self.facts.path(old[1])), *tables]
                self._db.execute("DELETE FROM depth_files WHERE id = ?", (old[0],))
                self._dropped.append(self.facts.path(old[1]))
            rows = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
            self._catalogue_depth(day, scope, latest_rows(rows, self.duckdb()))

    def _catalogue_depth(self, day: int, scope: int, rows: pa.Table) -> None:
        cursor = self._db.execute(
            "INSERT INTO depth_files (name, day, scope, user_days) VALUES ('', ?, ?, ?)",
            (day, scope, rows.num_rows))
        name = depth_name(day, cursor.lastrowid)
        self._db.execute("UPDATE depth_files SET name = ? WHERE id = ?", (name, cursor.lastrowid))
        self._written.append(self.facts.write_table(name, rows))

    def mark_depth(self, days: Mapping[int, int]) -> None:
        """Days that got depth rows, with their marks (enrich.sources.depth.DEPTH_DAY...);
        their months' sums are stale until `summarize_depth`."""
        self._db.executemany(
            "INSERT INTO days (day, depth) VALUES (?, ?) ON CONFLICT (day) "
            "DO UPDATE SET depth = depth | excluded.depth", days.items())
        self._db.executemany("INSERT OR IGNORE INTO depth_stale (month) VALUES (?)",
                             ((month,) for month in {_month_of(day) for day in days}))

    def summarize_depth(self) -> None:
        """Sum the depth of each stale month per user, as the rollup of a month reads it; one
        transaction per month."""
        for (month,) in self._db.execute("SELECT month FROM depth_stale").fetchall():
            period = Period.month(to_date(month).strftime("%Y-%m"))
            rows = [(month, user_id, *sums, lists, format(key_union(keys), "x"))
                    for user_id, *sums, lists, keys in self._depth_rows(period)]
            with self.transaction():
                self._db.execute("DELETE FROM depth_months WHERE month = ?", (month,))
                self._db.executemany(
                    f"INSERT INTO depth_months VALUES ({', '.join('?' * 9)})", rows)
                self._db.execute("DELETE FROM depth_stale WHERE month = ?", (month,))

    def mark_covered(self, days: Iterable[int]) -> None:
        """Days that a successful fetch or a complete import covered: without rows, `empty`."""
        self._db.executemany(
            "INSERT INTO days (day, covered) VALUES (?, 1) "
            "ON CONFLICT (day) DO UPDATE SET covered = 1", ((d,) for d in days))

    def known_file(self, sha256: str) -> dict | None:
        row = self._db.execute("SELECT name, kind, imported_at FROM files WHERE sha256 = ?",
                               (sha256,)).fetchone()
        return None if row is None else {"name": row[0], "kind": row[1], "imported_at": row[2]}

    def record_file(self, sha256: str, *, name: str, kind: str, size: int, archive: str,
                    counts: dict[str, int], days: Iterable[int]) -> None:
        self._db.execute(
            "INSERT INTO files (sha256, name, kind, size, archive, imported_at, rows_read, "
            "rows_stored, rows_merged, rows_rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sha256, name, kind, size, archive, _now(), counts["read"], counts["stored"],
             counts["merged"], counts["rejected"]))
        self._db.executemany("INSERT INTO file_days (sha256, day) VALUES (?, ?)",
                             ((sha256, d) for d in days))

    def add_seat_snapshot(self, taken_on: int, sha256: str, seats: Iterable[SeatRow]) -> int:
        """A seat list: its rows hold the values of `Seat`'s fields, in their order."""
        cur = self._db.execute("INSERT INTO seat_snapshots (taken_on, sha256) VALUES (?, ?)",
                               (taken_on, sha256))
        snapshot = cur.lastrowid
        self._db.executemany(
            f"INSERT INTO seats (snapshot, {', '.join(_SEAT_FIELDS)}) "
            f"VALUES ({snapshot}, {', '.join('?' * len(_SEAT_FIELDS))})", seats)
        return snapshot

    def add_billing_rows(self, source: str, rows: Iterable[UsageRow], *,
                         file: str | None = None) -> int:
        """Store rows of billed usage that `source` (and the imported `file`) gave; returns
        how many."""
        before = self._db.total_changes
        self._db.executemany(
            "INSERT INTO billing_usage (source, day, login, user_id, organization, product, "
            "sku, model, unit_type, price_per_unit, quantity, gross_nanos, discount_nanos, "
            "net_nanos, currency, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((source, r.day, r.login, r.user_id, r.organization, r.product, r.sku, r.model,
              r.unit_type, text_of(r.price_per_unit), text_of(r.quantity),
              nanos(r.amounts.gross), nanos(r.amounts.discount), nanos(r.amounts.net),
              BILLED_CURRENCY, file) for r in rows))
        return self._db.total_changes - before

    def drop_billing_days(self, source: str, days: Iterable[int], *,
                          keep_file: str | None = None) -> None:
        """Forget what `source` gave for `days`, but the rows of `keep_file`, and mark the
        days had: fetching or importing a day again replaces it."""
        days = sorted(set(days))
        self._db.executemany(
            "DELETE FROM billing_usage WHERE source = ?1 AND day = ?2 "
            "AND (?3 IS NULL OR file IS NOT ?3)", ((source, day, keep_file) for day in days))
        self._db.executemany(
            "INSERT INTO billing_days (source, day) VALUES (?, ?) ON CONFLICT DO NOTHING",
            ((source, day) for day in days))

    # -- reading --------------------------------------------------------------------------

    def billing_days(self, source: str, first: int, last: int) -> set[int]:
        """Days from `first` to `last` whose billed usage `source` gave, with or without rows."""
        return {day for (day,) in self._db.execute(
            "SELECT day FROM billing_days WHERE source = ? AND day BETWEEN ? AND ?",
            (source, first, last))}

    def billed_usage(self, period: Period) -> BilledUsage:
        """The billed usage of the period summed per login, user id and organization; a day
        counts from the first source of `SOURCE_ORDER` that holds rows for it, never from
        two."""
        chosen = self._billing_sources(period)
        if not chosen:
            return BilledUsage([], {})
        totals = self._db.execute(*_chosen_billing(
            chosen, "login, user_id, organization, sum(gross_nanos), sum(discount_nanos), "
            "sum(net_nanos)", "GROUP BY login, user_id, organization")).fetchall()
        return BilledUsage(totals, dict(Counter(chosen.values())))

    def billed_rows(self, period: Period) -> Iterable[tuple]:
        """Every row of billed usage that counts in the period (as in `billed_usage`), by day:
        `(day, source, login, user_id, organization, product, sku, model, unit_type,
        price_per_unit, quantity, gross_nanos, discount_nanos, net_nanos, currency)`. Read,
        like `engagement`, through a connection of its own, each time they are iterated."""
        chosen = self._billing_sources(period)
        if not chosen:
            return ()
        sql, parameters = _chosen_billing(
            chosen, "day, source, login, user_id, organization, product, sku, model, "
            "unit_type, price_per_unit, quantity, gross_nanos, discount_nanos, net_nanos, "
            "currency", "ORDER BY day, billing_usage.rowid")
        return _Rows(self.path, sql, tuple(parameters))

    def _billing_sources(self, period: Period) -> dict[int, str]:
        """Each day of the period with billed usage -> the source it counts from."""
        rank = {source: i for i, source in enumerate(SOURCE_ORDER)}
        chosen: dict[int, str] = {}
        for day, source in self._db.execute(  # from the index alone
                "SELECT DISTINCT day, source FROM billing_usage WHERE day BETWEEN ? AND ?",
                (period.since, period.until)):
            if day not in chosen or rank[source] < rank[chosen[day]]:
                chosen[day] = source
        return chosen

    def coverage(self, period: Period) -> dict[int, str]:
        """Every day of the period: reported, empty or missing (METRICS.md section 3)."""
        status = dict.fromkeys(period.days, MISSING)
        for day, reported, covered in self._db.execute(
                "SELECT day, reported, covered FROM days WHERE day BETWEEN ? AND ?",
                (period.since, period.until)):
            status[day] = REPORTED if reported else EMPTY if covered else MISSING
        return status

    def add_team_memberships(self, memberships: Iterable[TeamMembership]) -> int:
        """Store memberships; returns how many were new."""
        before = self._db.total_changes
        self._db.executemany(
            "INSERT INTO team_memberships (day, user_id, team_id, slug, organization_id) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            ((m.day, m.user_id, m.team_id, m.slug, m.organization_id) for m in memberships))
        return self._db.total_changes - before

    def mark_teams_covered(self, days: Iterable[int]) -> None:
        """Days whose team memberships a fetch got whole (a report, or none to get)."""
        self._db.executemany(
            "INSERT INTO days (day, teams_covered) VALUES (?, 1) "
            "ON CONFLICT (day) DO UPDATE SET teams_covered = 1", ((d,) for d in days))

    def latest_reported_day(self) -> int | None:
        return self._db.execute("SELECT max(day) FROM days WHERE reported = 1").fetchone()[0]

    def reported_span(self) -> tuple[int, int] | None:
        """The first and the last reported day of the whole history; None before any."""
        first, last = self._db.execute(
            "SELECT min(day), max(day) FROM days WHERE reported = 1").fetchone()
        return None if first is None else (first, last)

    def latest_team_day(self) -> int | None:
        """The latest day with team memberships stored."""
        return self._db.execute("SELECT max(day) FROM team_memberships").fetchone()[0]

    def teams_covered_days(self, first: int, last: int) -> set[int]:
        return {day for (day,) in self._db.execute(
            "SELECT day FROM days WHERE teams_covered = 1 AND day BETWEEN ? AND ?",
            (first, last))}

    def team_memberships(self, day: int) -> list[tuple[int, int, str, int | None]]:
        """`(user_id, team_id, slug, organization_id)` of every membership stored for a day."""
        return self._db.execute(
            "SELECT user_id, team_id, slug, organization_id FROM team_memberships "
            "WHERE day = ? ORDER BY user_id, team_id", (day,)).fetchall()

    def add_directory_snapshot(self, taken_on: int, sources: str, content: bytes) -> bool:
        """Keep the org chart a run used (JSON); False when it is the same as the last one."""
        sha = hashlib.sha256(content).hexdigest()
        last = self._db.execute(
            "SELECT sha256 FROM directory_snapshots ORDER BY id DESC LIMIT 1").fetchone()
        if last is not None and last[0] == sha:
            return False
        with self.transaction():
            self._db.execute(
                "INSERT INTO directory_snapshots (taken_on, sources, sha256, content) "
                "VALUES (?, ?, ?, ?)",
                (taken_on, sources, sha, zstandard.ZstdCompressor(level=3).compress(content)))
        return True

    def directory_snapshots(self) -> list[tuple[int, str]]:
        """`(taken_on, sources)` of every snapshot kept, oldest first."""
        return self._db.execute(
            "SELECT taken_on, sources FROM directory_snapshots ORDER BY id").fetchall()

    def ledger_entry(self, period: str, recipient: str, content_hash: str) -> LedgerEntry | None:
        """What the ledger knows of this digest to this recipient for this period."""
        row = self._db.execute(
            "SELECT sent_at, sending_since FROM digest_ledger "
            "WHERE period = ? AND recipient = ? AND content_hash = ?",
            (period, recipient, content_hash)).fetchone()
        return None if row is None else LedgerEntry(*row)

    def record_sending(self, period: str, recipient: str, content_hash: str) -> None:
        """Note a digest about to be handed to the server, committed before it goes: if the
        server's answer never comes, or the run is killed, the digest is possibly sent."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO digest_ledger (period, recipient, content_hash, sending_since) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (period, recipient, content_hash) "
                "DO UPDATE SET sending_since = excluded.sending_since",
                (period, recipient, content_hash, _now()))

    def record_sent(self, period: str, recipient: str, content_hash: str) -> None:
        """Note a digest the server accepted, committed at once: a crash later in the batch
        must not make a re-run send it again. Sent again (`--resend`), it keeps the new time."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO digest_ledger (period, recipient, content_hash, sent_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (period, recipient, content_hash) "
                "DO UPDATE SET sent_at = excluded.sent_at, sending_since = NULL",
                (period, recipient, content_hash, _now()))

    def clear_sending(self, period: str, recipient: str, content_hash: str) -> None:
        """Forget a hand-over the server refused: the digest is as it was before it (never
        sent, so a re-run tries again, or sent by an earlier run)."""
        key = (period, recipient, content_hash)
        with self.transaction():
            self._db.execute(
                "UPDATE digest_ledger SET sending_since = NULL "
                "WHERE period = ? AND recipient = ? AND content_hash = ?", key)
            self._db.execute(
                "DELETE FROM digest_ledger WHERE period = ? AND recipient = ? "
                "AND content_hash = ? AND sent_at IS NULL", key)

    def covered_days(self, first: int, last: int) -> set[int]:
        """Days from `first` to `last` that a successful fetch or complete import covered."""
        return {day for (day,) in self._db.execute(
            "SELECT day FROM days WHERE covered = 1 AND day BETWEEN ? AND ?", (first, last))}

    def measured(self, period: Period) -> dict[int, int]:
        """Mask of the features measured on each reported day of the period."""
        return dict(self._db.execute(
            "SELECT day, measured FROM days WHERE reported = 1 AND day BETWEEN ? AND ?",
            (period.since, period.until)))

    def engagement(self, period: Period) -> FactRows:
        """`(user_id, day, bits)` of every stored user-day in the period, one per user and
        day, by day and user_id.

        The files are those the catalogue lists now; their rows are read through a DuckDB of
        their own when iteration starts: so a forked process can read one period while this
        one reads another. `FactRows.source()` names them for a DuckDB query.
        """
        return FactRows(self._fact_paths(period.since, period.until))

    def depth_days(self, period: Period) -> list[int]:
        """The reported days of the period with depth rows (METRICS.md section 9's D)."""
        return [day for (day,) in self._db.execute(
            "SELECT day FROM days WHERE reported = 1 AND depth & ? AND day BETWEEN ? AND ? "
            "ORDER BY day", (DEPTH_DAY, period.since, period.until))]

    def depth_pending(self, first: int, last: int) -> list[int]:
        """Days from `first` to `last` that usage-metrics files brought rows for before the
        store kept their depth: `enrich rebuild depth` derives it from the archive."""
        return [day for (day,) in self._db.execute(
            "SELECT DISTINCT d.day FROM days d JOIN file_days f ON f.day = d.day "
            "JOIN files USING (sha256) WHERE d.day BETWEEN ? AND ? AND d.depth = 0 "
            "AND files.kind = ? ORDER BY d.day", (first, last, USAGE_METRICS))]

    def depth(self, period: Period) -> Iterable[tuple]:
        """Each user's depth over the period (METRICS.md section 9): `(user_id, interactions,
        generations, acceptances, loc_added, ai_credits, lists, keys)`.

        On a day with an enterprise report's rows only those count; on another, the rows of
        each organization are summed. A sum is None when no row carries its field; `lists`
        has the bit of each `totals_by_*` list some row carries; `keys` is the hex of each
        row's key mask, space-separated. Read when iterated, through connections of its own
        (so that a forked process may): a calendar month's sums from the store, summed when
        its import ended; another period's from the depth files (`enrich.facts.DepthRows`).
        """
        month = Period.between(period.since, period.until).calendar_month and \
            self._db.execute("SELECT 1 FROM depth_stale WHERE month = ?",
                             (period.since,)).fetchone() is None
        if month:
            return _Rows(self.path, "SELECT user_id, interactions, generations, acceptances, "
                         "loc_added, ai_credits, lists, keys FROM depth_months WHERE month = ?",
                         (period.since,))
        return DepthRows(_DepthListing(self.path, self.facts, period), daily=False)

    def _depth_rows(self, period: Period) -> list[tuple]:
        return list(DepthRows(lambda: _depth_files(self._db, self.facts, period), daily=False,
                              con=self.duckdb()))

    def daily_depth(self, period: Period) -> Iterable[tuple]:
        """Each user's depth on each day of the period (METRICS.md section 9, per person and
        day), by day and user: `(day, user_id, interactions, generations, acceptances,
        loc_suggested_add, loc_suggested_delete, loc_added, loc_deleted, ai_credits, lists,
        keys)` from the rows that count as in `depth`; `keys` is the hex of each row's key
        mask, space-separated. Read through a DuckDB of its own."""
        return DepthRows(_DepthListing(self.path, self.facts, period), daily=True)

    def usage_metrics_files(self, first: int, last: int) -> list[tuple[str, Path, list[int]]]:
        """`(name, archived copy, days)` of every usage-metrics file imported with rows for a
        day from `first` to `last`, in the order they were imported: the order of their rows
        (`imported_at` is to the second, and a fetch imports several files in one)."""
        files: dict[str, tuple[str, Path, list[int]]] = {}
        for sha, name, archive, day in self._db.execute(
                "SELECT sha256, f.name, f.archive, d.day FROM files f JOIN file_days d "
                "USING (sha256) WHERE f.kind = ? AND sha256 IN (SELECT sha256 FROM file_days "
                "WHERE day BETWEEN ? AND ?) ORDER BY f.rowid, d.day",
                (USAGE_METRICS, first, last)):
            files.setdefault(sha, (name, self.archive / archive, []))[2].append(day)
        return list(files.values())

    def active_users(self, first: int, last: int) -> set[int]:
        """user_ids active (engaged with any feature) on at least one day from first to last."""
        return {uid for (uid,) in self._facts_query(
            "SELECT DISTINCT user_id FROM {facts} WHERE bits != 0", first, last)}

    def last_active_days(self, until: int) -> dict[int, int]:
        """Each user_id's last active day on or before `until`, over the whole history."""
        return dict(self._facts_query(
            "SELECT user_id, max(day) FROM {facts} WHERE bits != 0 GROUP BY user_id",
            _FIRST_DAY, until))

    def logins(self) -> dict[int, list[str]]:
        """Every login each user_id has had, the display login first (METRICS.md section 1)."""
        result: dict[int, list[str]] = {}
        for uid, login in self._db.execute(
                "SELECT user_id, login FROM logins "
                "ORDER BY user_id, last_day DESC NULLS LAST, login"):
            result.setdefault(uid, []).append(login)
        return result

    def archived_files(self, day: int) -> list[Path]:
        """The archived copies of every file that brought rows for `day`: importing them into
        an empty store derives the day again."""
        return [self.archive / name for (name,) in self._db.execute(
            "SELECT f.archive FROM file_days d JOIN files f USING (sha256) WHERE d.day = ? "
            "ORDER BY f.imported_at, f.sha256", (day,))]

    def seat_holders(self, as_of: int) -> list[tuple[int, str]] | None:
        """`(user_id, login)` of each assignee of the latest seat snapshot taken on or before
        `as_of` (one pair per seat object); None when there is no snapshot."""
        row = self._latest_snapshot(as_of)
        if row is None:
            return None
        return self._db.execute(
            "SELECT user_id, login FROM seats WHERE snapshot = ? AND user_id IS NOT NULL",
            (row[0],)).fetchall()

    def _latest_snapshot(self, as_of: int) -> tuple[int, int] | None:
        return self._db.execute(
            "SELECT id, taken_on FROM seat_snapshots WHERE taken_on <= ? "
            "ORDER BY taken_on DESC, id DESC LIMIT 1", (as_of,)).fetchone()

    def seat_snapshot(self, as_of: int) -> tuple[int, list[Seat]] | None:
        """The latest seat snapshot taken on or before `as_of`: the day it was taken, and its
        seats."""
        row = self._latest_snapshot(as_of)
        if row is None:
            return None
        return row[1], self.snapshot_seats(row[0])

    def snapshot_seats(self, snapshot: int) -> list[Seat]:
        """The seats of a snapshot, in the order it listed them."""
        return [Seat(*values) for values in self._db.execute(
            f"SELECT {', '.join(_SEAT_FIELDS)} FROM seats WHERE snapshot = ? ORDER BY rowid",
            (snapshot,))]

    def snapshot_plans(self, snapshot: int) -> list[tuple[int | None, str | None, str]]:
        """`(user_id, login, plan_type)` of each seat object of a snapshot: what counting its
        seats and their cost needs."""
        return self._db.execute(
            "SELECT user_id, login, plan_type FROM seats WHERE snapshot = ?",
            (snapshot,)).fetchall()

    def snapshots_within(self, periods: Iterable[Period]) -> list[tuple[int, int] | None]:
        """For each period, `(id, taken_on)` of the latest seat snapshot taken in it, or None
        when none was."""
        return [self._db.execute(
            "SELECT id, taken_on FROM seat_snapshots WHERE taken_on BETWEEN ? AND ? "
            "ORDER BY taken_on DESC, id DESC LIMIT 1", (period.since, period.until)).fetchone()
            for period in periods]


def _chosen_billing(chosen: dict[int, str], columns: str, tail: str) -> tuple[str, list]:
    """A query of the billed usage rows of the chosen `(day, source)` pairs."""
    pairs = ", ".join("(?, ?)" for _ in chosen)
    return (f"WITH chosen (day, source) AS (VALUES {pairs}) SELECT {columns} "
            f"FROM chosen JOIN billing_usage USING (day, source) {tail}",
            [value for pair in chosen.items() for value in pair])


class _Rows:
    """The rows of a query, read through a read-only connection opened when iteration
    starts."""

    def __init__(self, path: Path, sql: str, parameters: tuple):
        self.path, self.sql, self.parameters = path, sql, parameters

    def __iter__(self) -> Iterator[tuple]:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            cursor = db.execute(self.sql, self.parameters)
            while rows := cursor.fetchmany(50_000):
                yield from rows
        finally:
            db.close()


def _depth_files(db: sqlite3.Connection, facts: FactFolder, period: Period) -> list[Path]:
    """The depth files that count in the period: on a day with an enterprise report's, that
    one; on another, each organization's."""
    files = db.execute(
        "SELECT name, day, scope FROM depth_files WHERE day BETWEEN ? AND ? "
        "ORDER BY day, scope", (period.since, period.until)).fetchall()
    enterprise = {day for _, day, scope in files if scope == ENTERPRISE_SCOPE}
    return [facts.path(name) for name, day, scope in files
            if scope == ENTERPRISE_SCOPE or day not in enterprise]


class _DepthListing:
    """The depth files that count in a period, listed through a read-only connection of its
    own (in the process that reads them: a forked one may)."""

    def __init__(self, path: Path, facts: FactFolder, period: Period):
        self.path, self.facts, self.period = path, facts, period

    def __call__(self) -> list[Path]:
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            return _depth_files(db, self.facts, self.period)
        finally:
            db.close()


#: bounds of every day a store can hold
_FIRST_DAY, _LAST_DAY = -(1 << 31), (1 << 31) - 1


def _widened(spans: dict[int, tuple[int, int]], rows: Iterable[tuple[int, int, int]]
             ) -> dict[int, tuple[int, int]]:
    """`spans` widened by `(user_id, first, last)` rows."""
    for uid, first, last in rows:
        known = spans.get(uid)
        spans[uid] = (first, last) if known is None else \
            (min(first, known[0]), max(last, known[1]))
    return spans


def _month_of(day: int) -> int:
    """The first day of the day's month."""
    return from_date(to_date(day).replace(day=1))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
