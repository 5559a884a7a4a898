"""The engagement facts in Parquet files per day, catalogued by the SQLite store: the import's
DuckDB reader and its row-wise fallback, all or nothing, kills, and the migration of a store
that kept its engagement in SQLite."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from conftest import seed_row, write_jsonl

from enrich.dates import Period, parse_day
from enrich.errors import ExitStatus
from enrich.features import CANONICAL
from enrich.sample import SampleSpec, write_sample
from enrich.store import MIGRATIONS, Store

D1, D2 = "2026-01-05", "2026-01-06"
BIT = {name: 1 << bit for bit, name in enumerate(CANONICAL)}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)


def write_compact(path, rows):
    return write_jsonl(path, rows, compact=True)


def rows_of(store: Store, since=D1, until=D2) -> list[tuple[int, int, int]]:
    return list(store.engagement(Period.of(since, until)))


def fact_files(store: Store) -> set[str]:
    return {store.facts.relative(path) for path in store.facts.present()}


def import_files(run_cli, *paths):
    return run_cli("import", "--seats-date", D2, *paths)


def open_store(tmp_path) -> Store:
    return Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive")


def test_13_1_fast_path_and_row_wise_parser_store_the_same_facts(run_cli, tmp_path,
                                                                   monkeypatch):
    rows = [seed_row(D1, "ada", 11, "cli"), seed_row(D2, "bob", 12, "panel_chat"),
            seed_row(D1, "ada", 11, "code_review"), seed_row(D1, "cy", 13)]
    write_compact(tmp_path / "compact" / "a.jsonl", rows)
    # spaces after the separators: the DuckDB reader cannot vouch for the file's bytes, so
    # the row-wise parser reads it
    write_jsonl(tmp_path / "spaced" / "a.jsonl", rows)
    stored = {}
    for name in ("compact", "spaced"):
        monkeypatch.chdir(tmp_path / name)
        result = import_files(run_cli, "--verbose", "a.jsonl")
        assert ("a.jsonl: read row by row" in result.stderr) == (name == "spaced")
        assert "4 read, 3 stored, 1 merged, 0 rejected" in result.stdout, result.stderr
        with open_store(tmp_path / name) as store:
            stored[name] = rows_of(store), store.logins(), store.measured(Period.of(D1, D2))
    assert stored["compact"] == stored["spaced"]
    d1, d2 = parse_day(D1), parse_day(D2)
    assert stored["compact"][0] == [(11, d1, BIT["cli"] | BIT["code_review"]), (13, d1, 0),
                                    (12, d2, BIT["panel_chat"])]


def test_13_1_a_bad_row_is_reported_at_its_line_and_nothing_is_stored(run_cli, tmp_path):
    rows = [seed_row(D1, "ada", 11, "cli") for _ in range(5)]
    rows[3]["user_id"] = "12"
    write_compact(tmp_path / "bad.jsonl", rows)
    result = import_files(run_cli, "bad.jsonl")
    assert result.status != 0
    assert result.stderr.startswith(
        "Error: bad.jsonl, line 4: \"user_id\" is '12'; expected a positive integer\n")
    with open_store(tmp_path) as store:
        assert rows_of(store) == []
        assert fact_files(store) == set()


def test_13_1_a_day_imported_again_from_another_file_merges_by_or(run_cli, tmp_path):
    write_compact(tmp_path / "a.jsonl", [seed_row(D1, "ada", 11, "cli")])
    write_compact(tmp_path / "b.jsonl", [seed_row(D1, "ada", 11, "panel_chat"),
                                         seed_row(D1, "bob", 12, "cli")])
    assert import_files(run_cli, "a.jsonl").status == 0
    result = import_files(run_cli, "b.jsonl")
    assert "2 read, 1 stored, 1 merged, 0 rejected" in result.stdout, result.stderr
    with open_store(tmp_path) as store:
        assert rows_of(store) == [(11, parse_day(D1), BIT["cli"] | BIT["panel_chat"]),
                                  (12, parse_day(D1), BIT["cli"])]
        assert store.active_users(parse_day(D1), parse_day(D2)) == {11, 12}
        assert store.last_active_days(parse_day(D2)) == {11: parse_day(D1),
                                                          12: parse_day(D1)}


KILLED_WRITER = """
import os, signal, sys
from enrich.facts import day_table
from enrich.store import Store
store = Store(sys.argv[1], sys.argv[2])
store._db.execute("BEGIN IMMEDIATE")
store.stage_facts({day}, day_table([7], [1]))
store.write_facts("killed")
os.kill(os.getpid(), signal.SIGKILL)  # renamed, not yet committed
"""


def test_13_1_a_fact_file_a_kill_left_uncatalogued_is_never_read_and_then_removed(
        run_cli, tmp_path):
    write_compact(tmp_path / "a.jsonl", [seed_row(D1, "ada", 11, "cli")])
    assert import_files(run_cli, "a.jsonl").status == 0
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED_WRITER).format(day=parse_day(D1)),
         tmp_path / "enrich.db", tmp_path / "enrich.db.archive"], check=False)
    assert killed.returncode == -signal.SIGKILL
    with open_store(tmp_path) as store:
        left = {name for name in fact_files(store) if "killed" in name}
        assert left == {"2026-01/2026-01-05-killed.parquet"}
        assert rows_of(store) == [(11, parse_day(D1), BIT["cli"])]
    write_compact(tmp_path / "b.jsonl", [seed_row(D2, "bob", 12, "cli")])
    assert import_files(run_cli, "b.jsonl").status == 0
    with open_store(tmp_path) as store:
        assert not any("killed" in name for name in fact_files(store))
        assert rows_of(store) == [(11, parse_day(D1), BIT["cli"]),
                                  (12, parse_day(D2), BIT["cli"])]


def test_13_3_a_store_of_schema_7_moves_its_engagement_into_fact_files(tmp_path):
    """A store as the version before fact files wrote it: its engagement rows in SQLite."""
    d1, d2 = parse_day(D1), parse_day(D2)
    big = (1 << 63) - 1
    db = sqlite3.connect(tmp_path / "enrich.db")
    for number, script in enumerate(MIGRATIONS[:7], 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    db.executemany("INSERT INTO engagement VALUES (?, ?, ?)",
                   [(d1, 11, 3), (d1, big, 0), (d2, 11, 4), (d2, 12, 1)])
    db.executemany("INSERT INTO logins (user_id, login) VALUES (?, ?)",
                   [(11, "ada"), (12, "bob"), (big, "max")])
    db.commit()
    db.close()
    with open_store(tmp_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert rows_of(store) == [(11, d1, 3), (big, d1, 0), (11, d2, 4), (12, d2, 1)]
        assert fact_files(store) == {"2026-01/2026-01-05-store.parquet",
                                     "2026-01/2026-01-06-store.parquet"}
        assert store.last_active_days(d2) == {11: d2, 12: d2}
        assert store.user_spans([11, big]) == {11: (d1, d2), big: (d1, d1)}
    with sqlite3.connect(tmp_path / "enrich.db") as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'engagement'"
                          ).fetchall() == []


#: sha256 of the rollup files of `SampleSpec(last_month="2025-03")`, imported and rolled up by
#: the version that kept the facts in SQLite and aggregated them in Python
BEFORE = {
    "rollup.json": "812d70a0c07179e7c2d09a38a6e25a98a2163387e001dcda0b4982569cdf7131",
    "rollup-enterprise.csv": "c29248c5edb605907587a4fb47f453de9a5d8e7cffee032f7c5b859de0764ba4",
    "rollup-cost_center.csv": "f9065385e47f60eacf2f2d45907dd8c53eef96a78bc200d2a96bff12e519d678",
    "rollup-team.csv": "3f22407b3f6e57fd7855b8aaf11103db3c0e71588d79d29b85667f614282ee87",
    "rollup-manager.csv": "486ac04cf648b4e3b90839241912e53bc9bb45f07b967ffba361f5f804b6d285",
    "unmatched.csv": "e620077f2b2d677b40759215e8d08e4c4d87823a1f2bb26ebfc1f0191c047c42",
}


def test_13_2_the_rollup_of_the_sample_is_byte_identical_to_the_previous_versions(
        run_cli, tmp_path):
    # seed-format files (most read by DuckDB, some gzip), usage-metrics files (row by row),
    # two months, renamed logins, unmatched users
    files = write_sample(tmp_path / "sample", SampleSpec(last_month="2025-03"))
    config = ("--config", files.config)
    imported = run_cli("import", *config, "--seats-date", "2025-03-31", files.inbox, files.seats)
    assert imported.status == 0, imported.stderr
    rolled = run_cli("rollup", *config, "--month", "2025-03")
    assert rolled.status == ExitStatus.PARTIAL_DATA, rolled.stderr  # days of March missing
    out = files.folder / "out"
    assert {name: hashlib.sha256((out / name).read_bytes()).hexdigest()
            for name in BEFORE} == BEFORE


def test_13_1_a_file_read_ahead_with_a_feature_new_to_the_store_keeps_it(run_cli, tmp_path):
    # the second and third files are read while the one before is stored, with the features
    # the store had then: both bring one it lacked
    write_compact(tmp_path / "in" / "1.jsonl", [seed_row(D1, "ada", 11, "cli")])
    write_compact(tmp_path / "in" / "2.jsonl", [seed_row(D1, "bob", 12, new_thing_engagement=1)])
    write_compact(tmp_path / "in" / "3.jsonl", [seed_row(D2, "bob", 12, new_thing_engagement=1)])
    result = import_files(run_cli, "--verbose", "in")
    assert result.status == 0, result.stderr
    assert "read row by row" not in result.stderr
    with open_store(tmp_path) as store:
        new = 1 << store.feature_map()["new_thing"]
        assert rows_of(store) == [(11, parse_day(D1), BIT["cli"]), (12, parse_day(D1), new),
                                  (12, parse_day(D2), new)]
