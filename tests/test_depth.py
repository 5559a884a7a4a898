"""Depth of use (METRICS.md section 9): each usage-metrics row's counts and keys stored per
day, user and scope; rolled up per unit into rollup.json and the rollup CSVs; derived again
from the archive by `enrich rebuild depth`. Every figure is computed by hand.

The org chart of the rollup tests (no seat list: everyone is a member and in the population):

    eng   Engineering   ada, bob (ada), cat (ada)
      api API           dan (ada), eve (dan)
    solo  Solo          sol                          a unit of one

The days (2025), imported with `--covers 2025-10-31..2025-11-04`:

    Oct 31, Nov 1, 2   seed-format rows: ada on Oct 31, bob on Nov 1, ada bob dan on Nov 2
    Nov 3 (D1)         usage-metrics (enterprise report): ada bob dan active, cat not
    Nov 4 (D2)         usage-metrics (enterprise report): ada dan sol active

and in the tests of a month's summary and of a store rebuilt, later files (LATER): Nov 5 and
6 from organization reports, Nov 6 from the enterprise report too, and Nov 4 fetched again.
"""

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from itertools import count

import duckdb
import pytest
from conftest import read_csv_rows, seed_row, write_jsonl

from enrich.cli import main
from enrich.dates import Period, parse_day
from enrich.facts import sql_list
from enrich.features import USAGE_METRICS_DEFAULT
from enrich.importer import import_paths
from enrich.rebuild import rebuild_depth
from enrich.sources.depth import LIST_BIT, key_union
from enrich.store import MIGRATIONS, Store

D0, D1, D2 = "2025-11-02", "2025-11-03", "2025-11-04"
UID = {"ada": 11, "bob": 12, "cat": 13, "dan": 14, "eve": 15, "sol": 16}

#: the short names of these tests for the fields of a users-1-day row (SOURCES.md section 2)
FIELD = {"interactions": "user_initiated_interaction_count",
         "generations": "code_generation_activity_count",
         "acceptances": "code_acceptance_activity_count",
         "loc_suggested_add": "loc_suggested_to_add_sum",
         "loc_suggested_delete": "loc_suggested_to_delete_sum",
         "loc_added": "loc_added_sum", "loc_deleted": "loc_deleted_sum",
         "ai_credits": "ai_credits_used"}
#: a list of keys: the row's field, and the name of each entry's key
LISTS = {"ides": ("totals_by_ide", "ide"), "features": ("totals_by_feature", "feature"),
         "languages": ("totals_by_language_feature", "language"),
         "models": ("totals_by_model_feature", "model")}


def usage(day: str, login: str, *, active: bool = True, org=None, **fields) -> dict:
    """A users-1-day row, engaged (with the CLI) when `active`; `org`: an organization
    report's row. Other fields by their short names, or as GitHub names them."""
    row = {"day": day, "user_id": UID[login], "user_login": login, "enterprise_id": "1",
           "used_cli": active}
    if org is not None:
        row["organization_id"] = org
    for name, value in fields.items():
        if name in LISTS:
            field, key = LISTS[name]
            row[field] = [{key: k} for k in value]
        else:
            row[FIELD.get(name, name)] = value
    return row


# -- storing (Store, import_paths) --------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "enrich.db", tmp_path / "archive") as s:
        yield s


def load(store, *paths):
    return import_paths(store, paths, usage_rules=USAGE_METRICS_DEFAULT,
                        seats_taken_on=parse_day("2025-12-01"))


def depth(store, since: str, until: str | None = None, *, month: bool = False) -> dict:
    """Each user's depth as `Store.depth` reads it: `(interactions, generations, acceptances,
    loc_added, ai_credits, lists carried, keys)`, the lists and keys by name."""
    period = Period.month(since) if month else Period.of(since, until or since)
    keys = store.depth_keys()
    return {uid: (*sums, {kind for kind, bit in LIST_BIT.items() if lists & bit},
                  {keys[i] for i in range(len(keys)) if key_union(masks) >> i & 1})
            for uid, *sums, lists, masks in store.depth(period)}


def stored_rows(store) -> list[tuple]:
    """The depth files as they are: `(day, user_id, scope, seven counts, ai_credits)`."""
    db = sqlite3.connect(store.path)
    try:
        names = [name for (name,) in db.execute("SELECT name FROM depth_files")]
    finally:
        db.close()
    if not names:
        return []
    con = duckdb.connect()
    try:
        return con.execute(
            "SELECT day, user_id, scope, interactions, generations, acceptances, "
            "loc_suggested_add, loc_suggested_delete, loc_added, loc_deleted, ai_credits "
            f"FROM read_parquet({sql_list(store.facts.path(n) for n in names)}) "
            "ORDER BY day, user_id, scope").fetchall()
    finally:
        con.close()


def test_12_1_a_missing_field_is_not_measured_and_a_zero_is_zero(store, tmp_path):
    load(store, write_jsonl(tmp_path / "d1.jsonl", [
        # every count given, several as 0; fields enrich does not know are ignored, among them
        # a newer list of languages that is not the one depth reads
        usage(D1, "ada", interactions=4, generations=10, acceptances=0, loc_suggested_add=12,
              loc_suggested_delete=0, loc_added=0, loc_deleted=3, ai_credits=0, ides=[],
              ai_adoption_phase="explorer", some_future_field={"x": 1},
              totals_by_language_model=[{"language": "rust", "model": "m1"}]),
        # no count at all, one of them given as null
        usage(D1, "bob", generations=None),
    ]))
    day = parse_day(D1)
    assert stored_rows(store) == [(day, 11, 0, 4, 10, 0, 12, 0, 0, 3, 0.0),
                                  (day, 12, 0, *[None] * 8)]
    # ada's row carries an empty list of IDEs: the list is measured (she counts in the base of
    # her unit's IDE shares), with no key in it; bob's row carries no list
    assert depth(store, D1) == {11: (4, 10, 0, 0, 0.0, {"ide"}, set()),
                                12: (None, None, None, None, None, set(), set())}
    assert store.depth_keys() == []


def test_12_1_b_an_enterprise_row_counts_alone_and_organization_rows_are_summed(
        store, tmp_path):
    org101 = write_jsonl(tmp_path / "org101.jsonl", [
        usage(D1, "ada", org=101, interactions=5, ai_credits=1.0, ides=["jetbrains"]),
        usage(D2, "ada", org=101, interactions=1, generations=4, ai_credits=0.5, ides=["vim"])])
    # GitHub may write an organization id as a string of digits
    org102 = write_jsonl(tmp_path / "org102.jsonl", [
        usage(D1, "ada", org="102", interactions=7),
        usage(D2, "ada", org="102", interactions=2, ai_credits=0.25, ides=["emacs"])])
    enterprise = write_jsonl(tmp_path / "enterprise.jsonl", [
        usage(D1, "ada", interactions=3, ides=["vscode"])])
    # the enterprise report comes between the organizations': which report counts does not
    # depend on the order of the imports
    load(store, org101, enterprise, org102)
    # D1: the enterprise row only (3, vscode): not 3 + 5 + 7, no jetbrains, and none of the
    # organizations' AI credits (the enterprise row carries none)
    assert depth(store, D1) == {11: (3, None, None, None, None, {"ide"}, {("ide", "vscode")})}
    # D2, organization rows only: interactions 1 + 2 = 3; generations 4 (org 102's row has
    # none: summed over the rows that carry it); AI credits 0.5 + 0.25 = 0.75; IDEs united
    assert depth(store, D2) == {11: (3, 4, None, None, 0.75, {"ide"},
                                     {("ide", "vim"), ("ide", "emacs")})}
    # both days: 3 + 3 = 6 interactions, the keys of both
    assert depth(store, D1, D2) == {11: (6, 4, None, None, 0.75, {"ide"}, {
        ("ide", "vscode"), ("ide", "vim"), ("ide", "emacs")})}


def test_12_1_c_reimporting_a_day_replaces_its_rows(store, tmp_path):
    load(store, write_jsonl(tmp_path / "first.jsonl", [
        usage(D1, "ada", interactions=2, ides=["vscode"]),
        usage(D1, "bob", interactions=1)]))
    # GitHub reconciles a day's figures for about 3 days: the day fetched again brings ada's
    # row anew (bob's is unchanged, and left out)
    load(store, write_jsonl(tmp_path / "again.jsonl", [
        usage(D1, "ada", interactions=5, ides=["jetbrains"])]))
    # ada: 5 (not 2 + 5), jetbrains only; bob kept
    expected = {11: (5, None, None, None, None, {"ide"}, {("ide", "jetbrains")}),
                12: (1, None, None, None, None, set(), set())}
    assert depth(store, D1) == expected
    # the month's summary was summed again when the second import ended
    assert depth(store, "2025-11", month=True) == expected
    # one depth file holds the day's rows: the first file's left the catalogue and the disk
    assert depth_files(store) == [(parse_day(D1), 0, 2)]
    assert sorted(p.name for p in store.facts.folder.rglob("*.depth-*")) == [
        f"{D1}.depth-2.parquet"]


def test_12_1_c_a_reader_that_listed_a_replaced_file_reads_the_new_one(tmp_path):
    """A rollup reads the depth beside an import (they are other processes): the files it
    listed may be replaced before it reads them."""
    with Store(tmp_path / "enrich.db", tmp_path / "archive") as writer, \
            Store(tmp_path / "enrich.db", tmp_path / "archive") as reader:
        load(writer, write_jsonl(tmp_path / "first.jsonl", [usage(D1, "ada", interactions=2)]))
        days = Period.of(D1, D1)
        rows = reader.daily_depth(days)
        # the reader lists the files, then the import commits before it reads them
        fresh, listed = rows.listing, [rows.listing()]
        rows.listing = lambda: listed.pop() if listed else fresh()
        load(writer, write_jsonl(tmp_path / "again.jsonl", [usage(D1, "ada", interactions=5)]))
        assert listed and not listed[0][0].exists()  # gone with the commit
        assert [row[:3] for row in rows] == [(parse_day(D1), 11, 5)]
        assert not listed


def depth_files(store) -> list[tuple[int, int, int]]:
    """`(day, scope, rows)` of each depth file the store lists."""
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT day, scope, user_days FROM depth_files ORDER BY day, scope"
                          ).fetchall()
    db.close()
    return rows


def test_12_1_c_a_later_row_of_a_user_and_day_in_the_same_file_replaces_the_earlier(
        store, tmp_path):
    load(store, write_jsonl(tmp_path / "twice.jsonl", [
        usage(D1, "ada", interactions=2, org=7),
        usage(D1, "bob", interactions=1, org=7),
        usage(D1, "ada", interactions=5, org=7),
        usage(D1, "ada", interactions=4, org=8)]))
    # org 7's later row of ada replaces its earlier one; org 8's is summed with it
    assert stored_rows(store) == [(parse_day(D1), 11, 7, 5, *[None] * 7),
                                  (parse_day(D1), 11, 8, 4, *[None] * 7),
                                  (parse_day(D1), 12, 7, 1, *[None] * 7)]
    assert {uid: sums[0] for uid, sums in depth(store, D1).items()} == {11: 9, 12: 1}
    assert depth_files(store) == [(parse_day(D1), 7, 2), (parse_day(D1), 8, 1)]


def test_12_1_c_a_store_of_schema_8_moves_its_depth_rows_into_depth_files(tmp_path):
    """A store as the version before depth files wrote it: its depth rows in SQLite."""
    d1, d2 = parse_day(D1), parse_day(D2)
    db = sqlite3.connect(tmp_path / "enrich.db")
    for number, script in enumerate(MIGRATIONS[:8], 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    db.executemany("INSERT INTO depth_keys VALUES (?, ?, ?)",
                   [(0, "ide", "vscode"), (1, "model", "m1")])
    db.executemany(f"INSERT INTO depth VALUES ({', '.join('?' * 13)})", [
        # Nov 5: two organizations; Nov 6: the enterprise report and an organization's
        (d1, 11, 7, 2, 3, 1, 10, 2, 8, 1, 0.5, 1, "1"),
        (d1, 11, 8, 1, None, None, None, None, None, None, 0.25, 8, "2"),
        (d1, 12, 7, None, None, None, None, None, None, None, None, 0, "0"),
        (d2, 11, 0, 4, 0, 0, 0, 0, 0, 0, 1.0, 9, "3"),
        (d2, 11, 7, 40, 0, 0, 0, 0, 0, 0, 9.0, 1, "1")])
    db.executemany("INSERT INTO days (day, reported, depth) VALUES (?, 1, ?)",
                   [(d1, 1 | 4), (d2, 1 | 2 | 4)])
    db.commit()
    db.close()
    with Store(tmp_path / "enrich.db", tmp_path / "archive") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert depth_files(store) == [(d1, 7, 2), (d1, 8, 1), (d2, 0, 1), (d2, 7, 1)]
        assert stored_rows(store) == [
            (d1, 11, 7, 2, 3, 1, 10, 2, 8, 1, 0.5), (d1, 11, 8, 1, *[None] * 6, 0.25),
            (d1, 12, 7, *[None] * 8), (d2, 11, 0, 4, 0, 0, 0, 0, 0, 0, 1.0),
            (d2, 11, 7, 40, 0, 0, 0, 0, 0, 0, 9.0)]
        assert depth(store, D1, D2) == {
            # Nov 5: both organizations summed; Nov 6: the enterprise report's row only
            11: (7, 3, 1, 8, 1.75, {"ide", "model"}, {("ide", "vscode"), ("model", "m1")}),
            12: (None, None, None, None, None, set(), set())}
    with sqlite3.connect(tmp_path / "enrich.db") as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'depth'").fetchall() == []
    db.close()


def test_12_1_d_seed_format_days_store_no_depth(store, tmp_path):
    load(store, write_jsonl(tmp_path / "seed.jsonl", [seed_row(D0, "ada", 11, "cli")]))
    period = Period.of(D0, D0)
    assert store.coverage(period) == {parse_day(D0): "reported"}
    assert store.depth_days(period) == []
    assert stored_rows(store) == [] and depth(store, D0) == {}
    # nor is it a day waiting for `enrich rebuild depth`
    assert store.depth_pending(period.since, period.until) == []


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_12_1_e_rebuild_reads_the_files_of_a_day_in_the_order_they_were_imported(
        store, tmp_path):
    first = write_jsonl(tmp_path / "first.jsonl", [usage(D1, "ada", interactions=2)])
    # the day fetched again with other figures, in a file whose hash sorts before the first's
    for n in count():
        again = write_jsonl(tmp_path / "again.jsonl",
                            [usage(D1, "ada", interactions=5, enterprise_id=str(n))])
        if sha256(again) < sha256(first):
            break
    load(store, first)
    load(store, again)
    # a fetch imports the days it reads again within the same second
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE files SET imported_at = '2026-12-01T06:00:00Z'")
    db.close()
    assert depth(store, D1)[11][0] == 5
    result = rebuild_depth(store, parse_day(D1), parse_day(D1), usage_rules=USAGE_METRICS_DEFAULT,
                           today=parse_day("2026-12-01"), scratch=tmp_path)
    assert (result.files, result.rows, result.days) == (2, 2, {parse_day(D1)})
    # the later file's row replaces the earlier one's, as on import: 5, not 2
    assert depth(store, D1)[11][0] == 5
    assert depth(store, "2025-11", month=True)[11][0] == 5


# -- the company of the rollup tests (the command line) ------------------------------------

ORG = """\
units:
  - {id: eng, name: Engineering}
  - {id: api, name: API, parent: eng}
  - {id: solo, name: Solo}
people:
  - {id: ada, name: Ada Alves, unit: eng, github: ada}
  - {id: bob, name: Bob Brook, unit: eng, github: bob, manager: ada}
  - {id: cat, name: Cat Cole, unit: eng, github: cat, manager: ada}
  - {id: dan, name: Dan Dahl, unit: api, github: dan, manager: ada}
  - {id: eve, name: Eve Egan, unit: api, github: eve, manager: dan}
  - {id: sol, name: Sol Stone, unit: solo, github: sol}
"""

SEED = [seed_row("2025-10-31", "ada", 11, "cli"), seed_row("2025-11-01", "bob", 12, "cli"),
        *(seed_row(D0, login, UID[login], "cli") for login in ("ada", "bob", "dan"))]
DAY1 = [
    usage(D1, "ada", interactions=6, generations=10, acceptances=4, loc_added=20, ai_credits=1.5,
          ides=["vscode", "jetbrains"], features=["code_completion"],
          languages=["python", "go"]),
    usage(D1, "bob", interactions=3, generations=5, acceptances=1, loc_added=10, ides=["vscode"],
          models=["gpt-4.1"]),
    # not active: his rows count in the sums, not in the people nor in the shares
    usage(D1, "cat", active=False, interactions=0, loc_added=6, ides=["emacs"]),
    usage(D1, "dan", interactions=2, generations=0, acceptances=0, loc_added=0, ides=["zed"]),
]
DAY2 = [
    usage(D2, "ada", interactions=4, generations=6, acceptances=3, loc_added=4, ai_credits=2.0,
          ides=["vscode"]),
    usage(D2, "dan", interactions=1, ides=["neovim"]),
    usage(D2, "sol", interactions=5, generations=2, acceptances=2, loc_added=8, ai_credits=0.5,
          ides=["vscode"]),
]


#: later days: Nov 5, organization reports only (ada in two organizations); Nov 6, dan in
#: the enterprise report and in an organization's (which does not count); and D2 fetched
#: again, reconciled: dan's interactions are now 7
LATER = (
    ("orgs.jsonl", [
        usage("2025-11-05", "ada", org=101, interactions=1, generations=2, acceptances=1,
              ides=["vim"]),
        usage("2025-11-05", "ada", org=102, interactions=2, generations=3, ai_credits=0.25,
              ides=["helix"]),
        usage("2025-11-05", "dan", org=102, interactions=4, ides=["zed"]),
        usage("2025-11-06", "dan", org=102, interactions=9, ides=["helix"])]),
    ("enterprise-6.jsonl", [usage("2025-11-06", "dan", interactions=3, ides=["zed"])]),
    ("d2-again.jsonl", [usage(D2, "dan", interactions=7, ides=["neovim"])]),
)


class Company:
    """A folder with a configuration, an org chart and a store; `cli` runs enrich on it."""

    def __init__(self, folder):
        self.folder = folder
        (folder / "org.yaml").write_text(ORG)
        (folder / "enrich.yaml").write_text(
            "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n")

    def cli(self, *argv) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = main([*map(str, argv), "--config", str(self.folder / "enrich.yaml")],
                      stdout=out, stderr=err)
        return status, out.getvalue(), err.getvalue()

    def load(self, *files, covers: str | None = None) -> None:
        paths = [write_jsonl(self.folder / "in" / name, rows) for name, rows in files]
        status, _, err = self.cli("import", *(["--covers", covers] if covers else []), *paths)
        assert status == 0, err

    def rollup(self, *period: str, name: str = "out") -> dict:
        """rollup.json of the period (`--month M` or `--since A --until B`)."""
        args = ["--month", *period] if len(period) == 1 else [
            "--since", period[0], "--until", period[-1]]
        status, _, err = self.cli("rollup", *args, "--output", self.folder / name)
        assert status == 0, err
        return json.loads((self.folder / name / "rollup.json").read_text())

    def csv(self, name: str, dimension: str = "team") -> dict[str, dict[str, str]]:
        """A rollup CSV's rows by unit id."""
        return {row["id"]: row
                for row in read_csv_rows(self.folder / name / f"rollup-{dimension}.csv")}

    def header(self, name: str, dimension: str = "team") -> list[str]:
        with open(self.folder / name / f"rollup-{dimension}.csv", encoding="utf-8-sig") as fh:
            return next(csv.reader(fh))


def load_company(folder) -> Company:
    company = Company(folder)
    company.load(("seed.jsonl", SEED), ("d1.jsonl", DAY1), ("d2.jsonl", DAY2),
                 covers="2025-10-31..2025-11-04")
    return company


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """The company with its days imported; the tests that change the store make their own."""
    return load_company(tmp_path_factory.mktemp("company"))


@pytest.fixture(scope="module")
def three_days(company):
    """The rollup of Nov 2 to 4: 3 reported days, 2 of them usage-metrics (D1, D2)."""
    return company.rollup(D0, D2, name="three-days")


def depth_of(rollup: dict, unit: str, dimension: str = "team") -> dict | None:
    [found] = [u for u in rollup["units"] if (u["dimension"], u["id"]) == (dimension, unit)]
    return found["depth"]


def test_12_2_a_figures_per_unit(three_days):
    # |D| = 2 of 3 reported days (Nov 2 is seed-format): measured
    assert (three_days["period"]["depth_days"], three_days["period"]["depth_note"]) == (2, None)
    # eng (subtree: ada bob cat dan eve). A = ada, bob, dan (cat has rows, not active; eve
    # neither); their active days in D: 2 + 1 + 2 = 5 (their seed-format day, Nov 2, is not in D)
    #   interactions 6 + 4 + 3 + 0 + 2 + 1 = 16 -> 16 / 5
    #   acceptances 4 + 3 + 1 + 0 = 8 of generations 10 + 6 + 5 + 0 = 21
    #   loc_added 20 + 4 + 10 + 6 (cat's: the sums run over all members) + 0 = 40 -> 40 / 3
    #   ai_credits 1.5 + 2.0 (only ada's rows carry them) = 3.5 -> 3.5 / 3
    assert depth_of(three_days, "eng") == {
        "days": 2, "people": 3, "acceptance_rate": 8 / 21, "interactions_per_active_day": 16 / 5,
        "loc_added_per_engaged": 40 / 3, "ai_credits": 3.5, "ai_credits_per_engaged": 3.5 / 3,
        # ada vscode jetbrains, bob vscode, dan zed neovim (cat's emacs: not in A). A person
        # counts under each key: the shares add up to 5/3. By share, then by name.
        "ide_share": {"vscode": 2 / 3, "jetbrains": 1 / 3, "neovim": 1 / 3, "zed": 1 / 3},
        "feature_share": {"code_completion": 1 / 3},
        "language_share": {"go": 1 / 3, "python": 1 / 3},
        "model_share": {"gpt-4.1": 1 / 3},
    }
    assert list(depth_of(three_days, "eng")["ide_share"]) == ["vscode", "jetbrains", "neovim",
                                                               "zed"]
    # api (dan eve): A = dan, 2 active days in D; interactions 2 + 1 = 3 -> 1.5. Generations
    # 0 (present as 0 on D1, absent on D2): no acceptance rate. loc_added present as 0: 0.0.
    # No row carries AI credits: null, and so per person. No list but IDEs: null shares.
    assert depth_of(three_days, "api") == {
        "days": 2, "people": 1, "acceptance_rate": None, "interactions_per_active_day": 1.5,
        "loc_added_per_engaged": 0.0, "ai_credits": None, "ai_credits_per_engaged": None,
        "ide_share": {"neovim": 1.0, "zed": 1.0}, "feature_share": None,
        "language_share": None, "model_share": None,
    }
    # the enterprise: A = ada bob dan sol, 2 + 1 + 2 + 1 = 6 active days in D
    #   interactions 16 + 5 = 21 -> 3.5; acceptances 8 + 2 of 21 + 2 generations
    #   loc_added 40 + 8 = 48 -> 12.0; ai_credits 3.5 + 0.5 = 4.0 -> 1.0
    assert depth_of(three_days, "enterprise", "enterprise") == {
        "days": 2, "people": 4, "acceptance_rate": 10 / 23, "interactions_per_active_day": 3.5,
        "loc_added_per_engaged": 12.0, "ai_credits": 4.0, "ai_credits_per_engaged": 1.0,
        "ide_share": {"vscode": 0.75, "jetbrains": 0.25, "neovim": 0.25, "zed": 0.25},
        "feature_share": {"code_completion": 0.25},
        "language_share": {"go": 0.25, "python": 0.25},
        "model_share": {"gpt-4.1": 0.25},
    }
    # ada's management chain: the people under her (bob cat dan eve), not herself; A = bob,
    # dan: interactions 3 + 0 + 3 on 1 + 2 active days
    ada_chain = depth_of(three_days, "ada", "manager")
    assert (ada_chain["people"], ada_chain["interactions_per_active_day"]) == (2, 2.0)


def test_12_2_b_zero_acceptances_of_some_generations_is_a_rate_of_0(tmp_path):
    # dan alone on D1: acceptances 0 of generations 0 -> null (see api above); bob alone on a
    # day of his own: 0 of 5 -> 0.0
    bob_only = Company(tmp_path)
    bob_only.load(("d.jsonl", [usage(D1, "bob", generations=5, acceptances=0)]))
    assert depth_of(bob_only.rollup(D1, D1), "eng")["acceptance_rate"] == 0.0


def test_12_2_c_a_period_of_seed_format_days_only_measures_no_depth(company):
    rollup = company.rollup("2025-10-31", D0, name="seed-only")
    assert rollup["period"]["depth_days"] == 0
    assert rollup["period"]["depth_note"] == (
        "depth of use is not measured: 0 of the 3 reported days come from usage-metrics "
        "reports, the only source of it, and it takes half of them")
    assert {u["depth"] is None for u in rollup["units"]} == {True}
    # the CSVs: one empty `depth` column in place of the depth.* ones
    depth_columns = [c for c in company.header("seed-only") if c.startswith("depth")]
    assert depth_columns == ["depth_days", "depth"]
    assert company.csv("seed-only")["eng"]["depth"] == ""


def test_12_2_d_depth_is_measured_on_half_of_the_reported_days_not_below(company, three_days):
    # Nov 1 to 4: 4 reported days (Nov 1, 2 seed-format), |D| = 2: 2 >= 4 / 2, measured, and
    # the same figures as over Nov 2 to 4 (the same D; seed-format days add no active day)
    half = company.rollup("2025-11-01", D2, name="half")
    assert (half["period"]["depth_days"], half["period"]["depth_note"]) == (2, None)
    assert [u["depth"] for u in half["units"]] == [u["depth"] for u in three_days["units"]]
    # Oct 31 to Nov 4: 5 reported days, |D| = 2 < 5 / 2: not measured
    below = company.rollup("2025-10-31", D2, name="below")
    assert below["period"]["depth_days"] == 2
    assert below["period"]["depth_note"] == (
        "depth of use is not measured: 2 of the 5 reported days come from usage-metrics "
        "reports, the only source of it, and it takes half of them")
    assert {u["depth"] is None for u in below["units"]} == {True}


def test_12_2_e_the_previous_period_has_its_depth(company):
    # Nov 4 alone; the previous period is Nov 3
    rollup = company.rollup(D2, D2, name="previous")
    assert rollup["period"]["previous"]["depth_days"] == 1
    assert rollup["period"]["previous"]["depth_note"] is None
    [api] = [u for u in rollup["units"] if u["id"] == "api"]
    # now, dan on D2: 1 interaction on 1 active day; his row has no generations nor lines
    # added: null, not 0
    assert api["depth"] == {
        "days": 1, "people": 1, "acceptance_rate": None, "interactions_per_active_day": 1.0,
        "loc_added_per_engaged": None, "ai_credits": None, "ai_credits_per_engaged": None,
        "ide_share": {"neovim": 1.0}, "feature_share": None, "language_share": None,
        "model_share": None}
    # before, dan on D1: 2 interactions, 0 of 0 generations, 0 lines added, zed
    assert api["previous"]["depth"] == {
        "days": 1, "people": 1, "acceptance_rate": None, "interactions_per_active_day": 2.0,
        "loc_added_per_engaged": 0.0, "ai_credits": None, "ai_credits_per_engaged": None,
        "ide_share": {"zed": 1.0}, "feature_share": None, "language_share": None,
        "model_share": None}
    # the CSV: the previous period's keys are its own (zed, which now has no one)
    row = company.csv("previous")["api"]
    assert (row["depth.interactions_per_active_day"], row["depth.ide_share.neovim"]) == (
        "1.0", "1.0")
    assert "depth.ide_share.zed" not in row
    assert (row["previous.depth.interactions_per_active_day"],
            row["previous.depth.loc_added_per_engaged"], row["previous.depth.ide_share.zed"],
            row["previous.depth.ide_share.vscode"]) == ("2.0", "0.0", "1.0", "0.0")


def test_12_2_f_csv_depth_columns_rounded(company, three_days):
    header = company.header("three-days")
    # a column per key that some unit of the file lists, by name (no emacs: cat's, not active)
    assert [c for c in header if c.startswith("depth")] == [
        "depth_days", "depth.days", "depth.people", "depth.acceptance_rate",
        "depth.interactions_per_active_day", "depth.loc_added_per_engaged", "depth.ai_credits",
        "depth.ai_credits_per_engaged", "depth.ide_share.jetbrains", "depth.ide_share.neovim",
        "depth.ide_share.vscode", "depth.ide_share.zed", "depth.feature_share.code_completion",
        "depth.language_share.go", "depth.language_share.python", "depth.model_share.gpt-4.1"]
    rows = company.csv("three-days")
    # the rate and the shares to 4 decimals, the other figures to 2
    assert {k: v for k, v in rows["eng"].items() if k.startswith("depth")} == {
        "depth_days": "2", "depth.days": "2", "depth.people": "3",
        "depth.acceptance_rate": "0.381",  # 8 / 21 = 0.38095...
        "depth.interactions_per_active_day": "3.2", "depth.loc_added_per_engaged": "13.33",
        "depth.ai_credits": "3.5", "depth.ai_credits_per_engaged": "1.17",  # 3.5 / 3
        "depth.ide_share.jetbrains": "0.3333", "depth.ide_share.neovim": "0.3333",
        "depth.ide_share.vscode": "0.6667", "depth.ide_share.zed": "0.3333",
        "depth.feature_share.code_completion": "0.3333", "depth.language_share.go": "0.3333",
        "depth.language_share.python": "0.3333", "depth.model_share.gpt-4.1": "0.3333"}
    # api: null is empty; a key its people list on no row is 0, a list none of them carries
    # is empty
    assert {k: v for k, v in rows["api"].items() if k.startswith("depth.")} == {
        "depth.days": "2", "depth.people": "1", "depth.acceptance_rate": "",
        "depth.interactions_per_active_day": "1.5", "depth.loc_added_per_engaged": "0.0",
        "depth.ai_credits": "", "depth.ai_credits_per_engaged": "",
        "depth.ide_share.jetbrains": "0.0", "depth.ide_share.neovim": "1.0",
        "depth.ide_share.vscode": "0.0", "depth.ide_share.zed": "1.0",
        "depth.feature_share.code_completion": "", "depth.language_share.go": "",
        "depth.language_share.python": "", "depth.model_share.gpt-4.1": ""}
    # rollup.json keeps every digit
    assert depth_of(three_days, "eng")["loc_added_per_engaged"] == 40 / 3


def test_12_2_g_a_small_unit_shows_its_depth_to_the_operator_only(company, three_days):
    # METRICS section 6, unchanged: the rollup files are the operator's, with every unit's
    # figures, depth too, whatever its size: sol alone, below min_group_size (5)
    assert depth_of(three_days, "solo") == {
        "days": 2, "people": 1, "acceptance_rate": 1.0, "interactions_per_active_day": 5.0,
        "loc_added_per_engaged": 8.0, "ai_credits": 0.5, "ai_credits_per_engaged": 0.5,
        "ide_share": {"vscode": 1.0}, "feature_share": None, "language_share": None,
        "model_share": None}
    # the leadership report, meant for a wide audience, hides Solo's figures, its depth of
    # use with them
    status, _, err = company.cli("report", "--since", D0, "--until", D2, "--output",
                                 company.folder / "report")
    assert status == 0, err
    folder = company.folder / "report"
    [solo] = [row for row in read_csv_rows(folder / "report-teams.csv") if row["id"] == "solo"]
    assert (solo["note"], solo["population"], solo["engaged"]) == ("fewer than 5 people", "", "")
    [solo] = [row for row in read_csv_rows(folder / "report-depth.csv") if row["id"] == "solo"]
    assert solo["note"] == "fewer than 5 people"
    labels = ("dimension", "id", "name", "depth_days", "note")
    assert {solo[c] for c in solo if c not in labels} == {""}


def test_12_2_h_a_months_summary_gives_what_its_rows_give(tmp_path):
    company = load_company(tmp_path)
    company.load(*LATER, covers="2025-11-05..2025-11-30")
    db = sqlite3.connect(tmp_path / "enrich.db")
    # summed when the import ended: one row per user with rows in November (not eve)
    assert db.execute("SELECT count(*) FROM depth_stale").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM depth_months").fetchone() == (5,)
    summary = company.rollup("2025-11", name="summary")
    # November: 6 reported days, D = Nov 3 to 6
    assert (summary["period"]["days"]["reported"], summary["period"]["depth_days"]) == (6, 4)
    # api: dan on D1, D2, Nov 5, Nov 6: 2 + 7 (not 1 + 7) + 4 + 3 (not 3 + 9) = 16
    # interactions on 4 active days
    assert depth_of(summary, "api")["interactions_per_active_day"] == 4.0
    # eng: ada's two organizations on Nov 5 summed: generations 2 + 3, acceptances 1, AI
    # credits 0.25. Over the month: acceptances 4 + 3 + 1 (ada) + 1 (bob) + 0 (dan) = 9 of
    # generations 10 + 6 + 5 (ada) + 5 (bob) + 0 (dan) = 26; AI credits 1.5 + 2.0 + 0.25;
    # interactions 6 + 4 + 3 (ada) + 3 (bob) + 0 (cat) + 16 (dan) = 32 on 3 + 1 + 4 days
    eng = depth_of(summary, "eng")
    assert (eng["acceptance_rate"], eng["ai_credits"], eng["interactions_per_active_day"]) == (
        9 / 26, 3.75, 4.0)
    # ada vscode jetbrains vim helix, bob vscode, dan zed neovim (his helix on Nov 6 is the
    # organization report's)
    assert eng["ide_share"] == {"vscode": 2 / 3, "helix": 1 / 3, "jetbrains": 1 / 3,
                                "neovim": 1 / 3, "vim": 1 / 3, "zed": 1 / 3}
    assert list(eng["ide_share"]) == ["vscode", "helix", "jetbrains", "neovim", "vim", "zed"]
    # the same month read from its rows (as when its summary is stale)
    db.execute("INSERT INTO depth_stale (month) VALUES (?)", (parse_day("2025-11-01"),))
    db.commit()
    db.close()
    rows = company.rollup("2025-11", name="rows")
    assert rows["period"] == summary["period"]
    assert [u["depth"] for u in rows["units"]] == [u["depth"] for u in summary["units"]]


# -- a store of the schema before depth was kept --------------------------------------------

def schema(path) -> dict[str, list]:
    """Each table's columns (name, type, not null, default, key): a store's schema (SQLite's
    own table of AUTOINCREMENT's numbers aside)."""
    db = sqlite3.connect(path)
    try:
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence' "
            "ORDER BY name")]
        return {table: db.execute(f"PRAGMA table_info({table})").fetchall()
                for table in tables}
    finally:
        db.close()


def as_schema_5(path, engagement: list[tuple]) -> None:
    """Make a store what enrich wrote before it kept depth: the same data, without migration
    6's tables and column, nor the later ones' (billed usage; the engagement facts in files
    of their own: `engagement`, the store's `(user_id, day, bits)` rows, go back into the
    table they had)."""
    db = sqlite3.connect(path)
    db.executescript("""
        DROP TABLE depth_files; DROP TABLE depth_keys;
        DROP TABLE depth_months; DROP TABLE depth_stale;
        ALTER TABLE days DROP COLUMN depth;
        DROP TABLE billing_usage; DROP TABLE billing_days;
        DROP TABLE fact_files;
        PRAGMA user_version = 5;
    """)
    with sqlite3.connect(":memory:") as old:
        for script in MIGRATIONS[:5]:
            old.executescript(script)
        [(table,)] = old.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'engagement'")
    old.close()
    with db:
        db.execute(table)
        db.executemany("INSERT INTO engagement (user_id, day, bits) VALUES (?, ?, ?)",
                       engagement)
    db.close()
    shutil.rmtree(path.with_name(path.name + ".facts"))


def without_depth(rollup: dict) -> dict:
    """A rollup without its depth of use, and its previous period's."""
    def strip(part: dict | None) -> dict | None:
        return part and {k: strip(v) if k == "previous" else v for k, v in part.items()
                         if not k.startswith("depth")}

    return {**rollup, "period": strip(rollup["period"]),
            "units": [strip(unit) for unit in rollup["units"]]}


def test_12_1_f_a_store_of_schema_5_keeps_its_data_and_rebuild_derives_its_depth(tmp_path):
    company = load_company(tmp_path)
    company.load(*LATER, covers="2025-11-05..2025-11-06")
    fresh = company.rollup(D0, "2025-11-06", name="fresh")
    with Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive") as store:
        engagement = sorted(store.engagement(Period.of("2025-10-31", "2025-11-06")))
        everything = list(store.engagement(Period.of("2020-01-01", "2030-12-31")))

    as_schema_5(tmp_path / "enrich.db", everything)
    old = tmp_path / "schema-5.db"
    with sqlite3.connect(old) as db:
        for script in MIGRATIONS[:5]:
            db.executescript(script)
    db.close()
    assert schema(tmp_path / "enrich.db") == schema(old)

    # opened by this enrich: migrated, its engagement kept; the days imported before wait
    # for `enrich rebuild depth`
    before = company.rollup(D0, "2025-11-06", name="before")
    with Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert sorted(store.engagement(Period.of("2025-10-31", "2025-11-06"))) == engagement
    assert without_depth(before) == without_depth(fresh)
    assert before["period"]["depth_days"] == 0
    assert before["period"]["depth_note"] == (
        "depth of use is not measured: 0 of the 5 reported days come from usage-metrics "
        "reports, the only source of it, and it takes half of them; 4 usage-metrics days "
        "(2025-11-03 to 2025-11-06) imported before enrich kept depth of use: run `enrich "
        "rebuild depth` to derive it from the archive")
    assert {u["depth"] is None for u in before["units"]} == {True}

    # derived from the archive, no fetch (the configuration has no GitHub source): the
    # same depth as the import gave
    status, out, err = company.cli("rebuild", "depth")
    assert (status, err) == (0, "")
    # files: d1, d2, orgs, enterprise-6, d2-again; rows: 4 + 3 + 4 + 1 + 1
    assert out == ("rebuilt the depth of use of 4 days (2025-11-03 to 2025-11-06) from 5 "
                   "archived usage-metrics files: 13 rows\n")
    assert company.rollup(D0, "2025-11-06", name="rebuilt") == fresh
    # dan: 2 + 7 + 4 + 3 interactions on 4 active days (see the month's summary above)
    assert depth_of(fresh, "api")["interactions_per_active_day"] == 4.0
    # again: nothing counted twice
    assert company.cli("rebuild", "depth")[0] == 0
    assert company.rollup(D0, "2025-11-06", name="again") == fresh


def test_12_2_i_enrich_rollup_says_whether_depth_is_measured(company):
    status, out, _ = company.cli("rollup", "--since", "2025-11-01", "--until", D2,
                                 "--output", company.folder / "said")
    assert status == 0
    assert "depth of use: measured on 2 of the 4 reported days" in out.splitlines()
    status, out, _ = company.cli("rollup", "--since", "2025-10-31", "--until", D2,
                                 "--output", company.folder / "said")
    assert status == 0
    assert ("note: depth of use is not measured: 2 of the 5 reported days come from "
            "usage-metrics reports, the only source of it, and it takes half of them"
            ) in out.splitlines()
