"""Crash consistency: `enrich import` and `enrich fetch` killed (SIGKILL) at random moments,
then run again to completion, leave the same store as a run never killed, and nothing else.

Each killed run is a real `python -m enrich` process with a store of its own; it is killed a
seeded random delay after its store appeared, within the time a whole run takes. The runs
again to completion and the clean run happen in this process (the fake GitHub runs here too).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import seed_row, write_jsonl
from fake_github import FakeGitHub
from test_fetch import SEAT, lines, usage_row

from enrich.dates import day_str, parse_day
from enrich.features import CANONICAL
from enrich.scratch import FOLDER, LOCK
from enrich.store import Store

KILLS = 10
#: killed runs going at once: the machine has two cores
PARALLEL = 2
USERS = 300
PEOPLE = 40
#: a few recent days, so that the API (which keeps about a year) still has them
TODAY = parse_day(datetime.now(timezone.utc).date().isoformat())
DAYS = [day_str(TODAY - n) for n in (5, 4, 3, 2)]


def org_chart() -> str:
    units = "units:\n  - {id: eng, name: Engineering}\n" + "".join(
        f"  - {{id: u{n}, name: Team {n}, parent: eng}}\n" for n in range(3))
    people = "".join(f"  - {{id: p{n}, name: Person {n}, unit: u{n % 3}, github: user{n}}}\n"
                     for n in range(PEOPLE))
    return units + "people:\n" + people


def make_company(folder: Path, github: FakeGitHub | None = None) -> Path:
    """A folder with an org chart and a configuration whose store is in `data/`."""
    folder.mkdir()
    (folder / "org.yaml").write_text(org_chart())
    api = (f"github:\n  api_url: {github.api.url}\n  enterprise: acme\n"
           "  token_env: TEST_GITHUB_TOKEN\n  seats: true\n  teams: true\n" if github else "")
    config = folder / "enrich.yaml"
    config.write_text(f"store: {{path: data/enrich.db}}\noutput: out\n{api}"
                      "directory:\n  sources: [{type: yaml, path: org.yaml}]\n")
    return config


def engaged(n: int, day: int) -> list[str]:
    """Some features for user n on a day, varying with both."""
    return [f for i, f in enumerate(("cli", "panel_chat", "code_review")) if (n + day) % (i + 2)]


def seats_body(count: int = USERS // 2) -> list[dict]:
    return [dict(SEAT, assignee={"login": f"user{n}", "id": 1000 + n}) for n in range(count)]


@pytest.fixture
def system_tmp(tmp_path, monkeypatch):
    """The system's temporary folder, for this process and the killed ones: nothing may stay
    in it."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


# -- killing -------------------------------------------------------------------------------

def kill_mid_way(runs: list[tuple[list[str], Path, float]]) -> list[int]:
    """Start each command, PARALLEL at a time, and SIGKILL it `delay` seconds after `store`
    appeared; the exit statuses, -SIGKILL for a run killed."""
    pending, going, statuses = list(enumerate(runs)), {}, [0] * len(runs)
    while pending or going:
        while pending and len(going) < PARALLEL:
            i, (argv, store, delay) = pending.pop(0)
            going[i] = [subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL), store, delay, None]
        now = time.monotonic()
        for i, (process, store, delay, started) in list(going.items()):
            if process.poll() is not None:
                statuses[i] = process.returncode
            elif started is None:
                going[i][3] = now if store.exists() else None
                continue
            elif now - started >= delay:
                process.kill()
                statuses[i] = process.wait()
            else:
                continue
            del going[i]
        time.sleep(0.002)
    return statuses


def enrich_command(*args) -> list[str]:
    return [sys.executable, "-m", "enrich", *map(str, args)]


# -- what a store holds ----------------------------------------------------------------------

#: columns that say when, not what
_WHEN = {"imported_at", "sent_at"}
_NUMBERED = {("depth_files", "id"), ("depth_files", "name")}


def contents(store: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted; checked for integrity and for duplicates on the way."""
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # (SQLite's table of AUTOINCREMENT's numbers aside: a depth file's number and name
        # tell how often the day was written, not what it holds)
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence' "
            "ORDER BY name")]
        dump = {}
        for table in tables:
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})")
                       if c[1] not in _WHEN and (table, c[1]) not in _NUMBERED]
            rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            # its id apart, no table holds the same row twice
            values = [c for c in columns if c != "id"]
            (distinct,) = db.execute(
                f"SELECT COUNT(*) FROM (SELECT DISTINCT {', '.join(values)} FROM {table})"
            ).fetchone()
            assert distinct == len(rows), f"{table} holds a row twice"
            dump[table] = sorted(rows, key=repr)
        # each catalogued fact file's rows: a file is there whole, or not at all
        facts = store.with_name(store.name + ".facts")
        for (name,) in db.execute("SELECT name FROM fact_files"):
            dump[f"facts/{name}"] = pq.read_table(facts / name).to_pylist()
        for name, day, scope in db.execute("SELECT name, day, scope FROM depth_files"):
            dump[f"depth/{day}/{scope}"] = sorted(pq.read_table(facts / name).to_pylist(),
                                                  key=repr)
    return dump


def assert_nothing_left(data: Path, system_tmp: Path) -> None:
    assert os.listdir(data / FOLDER) == [LOCK]
    with sqlite3.connect(data / "enrich.db") as db:
        catalogued = {name for (name,) in db.execute(
            "SELECT name FROM fact_files UNION ALL SELECT name FROM depth_files")}
    facts = data / "enrich.db.facts"
    assert {p.relative_to(facts).as_posix() for p in facts.rglob("*") if p.is_file()} == \
        catalogued
    archive = data / "enrich.db.archive"
    assert [p for p in archive.rglob("*") if p.name.endswith((".tmp", ".part"))] == []
    assert os.listdir(system_tmp) == []


def rollup_json(run_cli, config: Path) -> bytes:
    result = run_cli("rollup", "--config", config, "--since", DAYS[0], "--until", DAYS[-1])
    assert result.status == 0, result.stderr
    return (config.parent / "out" / "rollup.json").read_bytes()


def check_kills(run_cli, tmp_path, system_tmp, command, *, seed, github=None):
    """A clean run of `command(config)`, then KILLS runs killed, each run again to completion:
    each store equals the clean one, and nothing is left behind."""
    def complete(config):
        result = run_cli(*command(config)[3:])
        assert result.status == 0, result.stderr

    clean = make_company(tmp_path / "clean", github)
    began = time.monotonic()
    complete(clean)
    took = time.monotonic() - began
    expected = contents(clean.parent / "data" / "enrich.db"), rollup_json(run_cli, clean)

    rng = random.Random(seed)
    configs = [make_company(tmp_path / f"killed-{n}", github) for n in range(KILLS)]
    statuses = kill_mid_way([(command(config), config.parent / "data" / "enrich.db",
                              rng.uniform(0, took)) for config in configs])
    assert set(statuses) <= {0, -signal.SIGKILL}, statuses  # finished, or killed
    # nearly all are killed mid-way; one that finished first (on a busy machine) is fine
    assert -signal.SIGKILL in statuses, "no run was killed mid-way"
    for config in configs:
        complete(config)
        data = config.parent / "data"
        assert (contents(data / "enrich.db"), rollup_json(run_cli, config)) == expected
        assert_nothing_left(data, system_tmp)


def test_11_crash_a_killed_import_run_again_leaves_the_store_of_a_clean_one(
        run_cli, tmp_path, system_tmp):
    files = tmp_path / "files"
    for day in DAYS:
        for half in (0, 1):
            # the first half compact, as GitHub writes it, for the DuckDB reader; the second
            # with spaces, which the row-wise parser reads
            write_jsonl(files / f"{day}-{half}.jsonl", [
                seed_row(day, f"user{n}", 1000 + n, *engaged(n, parse_day(day)))
                for n in range(half, USERS, 2)], compact=half == 0)
    (files / "seats.json").write_text(json.dumps({"total_seats": USERS // 2,
                                                   "seats": seats_body()}))
    seats_date = day_str(TODAY)

    def command(config):
        return enrich_command("import", "--config", config, "--seats-date", seats_date, files)

    check_kills(run_cli, tmp_path, system_tmp, command, seed=11)


@pytest.fixture
def github(monkeypatch):
    with FakeGitHub() as fake:
        monkeypatch.setenv("TEST_GITHUB_TOKEN", fake.token)
        for day in DAYS:
            rows = [usage_row(day, f"user{n}", 1000 + n, **dict.fromkeys(
                engaged(n, parse_day(day)), True)) for n in range(USERS)]
            fake.add_report("enterprises", "users-1-day", day, lines(*rows[::2]),
                            lines(*rows[1::2]))
            fake.add_report("enterprises", "user-teams-1-day", day, lines(*(
                {"user_id": 1000 + n, "user_login": f"user{n}", "day": day, "team_id": n % 5 + 1,
                 "slug": f"team-{n % 5}"} for n in range(USERS))))
        fake.set_seats("enterprises", seats_body())
        # every answer takes a moment, as GitHub's do: the kills land mid-fetch
        fake.api.delay = fake.storage.delay = 0.01
        yield fake


def test_11_crash_a_killed_fetch_run_again_leaves_the_store_of_a_clean_one(
        run_cli, tmp_path, system_tmp, github):
    def command(config):
        return enrich_command("fetch", "--config", config, "--since", DAYS[0],
                              "--until", DAYS[-1])

    check_kills(run_cli, tmp_path, system_tmp, command, seed=7, github=github)


def test_11_crash_a_store_killed_as_it_was_made_still_gets_its_features(tmp_path, monkeypatch):
    def killed(self):
        raise KeyboardInterrupt  # the process dies before any transaction after the schema

    with monkeypatch.context() as patch, contextlib.suppress(KeyboardInterrupt):
        patch.setattr(Store, "transaction", killed)
        Store(tmp_path / "enrich.db", tmp_path / "archive").close()
    with Store(tmp_path / "enrich.db", tmp_path / "archive") as store:
        assert store.feature_names() == list(CANONICAL)
