"""Several sources layered, the overrides file, GitHub teams, excluded accounts."""

from __future__ import annotations

import json

import pytest
from conftest import seed_row, write_jsonl

from enrich.directory.layers import lay_over
from enrich.directory.model import LEFT, Directory, Person, Unit
from enrich.directory.sources import load_directory
from enrich.directory.teams_source import GitHubTeamsSource
from enrich.errors import DirectoryError, ExitStatus
from enrich.store import Store


def org(*people, units=("eng",)):
    return Directory(units={u: Unit(u, u.title()) for u in units},
                     people={p.id: p for p in people})


def test_a_later_layer_fills_and_overrides_people_found_by_id_email_or_login():
    base = org(Person("e1", "Ada", "eng", email="Ada@example.com", title="Engineer"),
               Person("e2", "Bob", "eng", logins=("bobt",)),
               Person("e3", "Cy", "eng"))
    layer = org(Person("x9", "Ada Lovelace", "ops", email="ada@EXAMPLE.com", cost_center="CC1"),
                Person("x8", "Robert", "eng", logins=("BOBT",), manager="e1"),
                Person("e3", "Cy", "eng", status=LEFT),
                Person("e4", "Dee", "ops"), units=("eng", "ops"))
    lay_over(base, layer)
    people = base.people
    assert sorted(people) == ["e1", "e2", "e3", "e4"]
    assert (people["e1"].name, people["e1"].unit, people["e1"].cost_center,
            people["e1"].title) == ("Ada Lovelace", "ops", "CC1", "Engineer")
    assert (people["e2"].name, people["e2"].manager) == ("Robert", "e1")
    assert people["e3"].left
    # an "active" that a source always gives does not bring back someone who left
    lay_over(base, org(Person("e3", "Cy", "eng")))
    assert base.people["e3"].left


def test_people_of_one_layer_are_never_merged_with_each_other():
    base = org(Person("e1", "Ada", "eng"))
    lay_over(base, org(Person("e2", "Bob", "eng", email="x@example.com"),
                       Person("e3", "Cy", "eng", email="x@example.com")))
    assert sorted(base.people) == ["e1", "e2", "e3"]


def write(path, text):
    path.write_text(text)
    return path


BASE = """\
units:
  - {id: eng, name: Engineering}
  - {id: api, name: API, parent: eng}
  - {id: api-v1, name: API v1, parent: eng}
people:
  - {id: e1, name: Ada, unit: eng, github: ada}
  - {id: e2, name: Bob, unit: api-v1, manager: e1}
  - {id: e3, name: Cy, unit: api, manager: e1}
"""


def test_overrides_rename_merge_move_alias_and_exclude(tmp_path):
    overrides = write(tmp_path / "overrides.yaml", """\
rename_units: {api: API platform}
merge_units: {api-v1: api}
move_people: {e1: api}
aliases: {robert-t: e2}
exclude: [Dependabot-Bot, build-svc]
""")
    directory = load_directory([{"type": "yaml", "path": write(tmp_path / "org.yaml", BASE)}],
                               overrides=overrides)
    assert sorted(directory.units) == ["api", "eng"]
    assert directory.units["api"].name == "API platform"
    assert directory.people["e2"].unit == "api"
    assert directory.people["e1"].unit == "api"
    assert directory.aliases["robert-t"] == "e2"
    assert directory.excluded_logins == {"dependabot-bot", "build-svc"}


@pytest.mark.parametrize("text,message", [
    ("merge_units: {nowhere: eng}\n", "line 1: merge_units: unknown unit 'nowhere'"),
    ("move_people: {e9: eng}\n", "line 1: move_people: unknown person 'e9'"),
    ("rename:\n  eng: X\n", "line 1: unknown key 'rename'; expected aliases, rename_units, "
                            "merge_units, move_people, exclude"),
    ("exclude: bot\n", "line 1: exclude must be a list of GitHub logins"),
])
def test_a_bad_override_names_file_and_line(tmp_path, text, message):
    overrides = write(tmp_path / "overrides.yaml", text)
    with pytest.raises(DirectoryError) as info:
        load_directory([{"type": "yaml", "path": write(tmp_path / "org.yaml", BASE)}],
                       overrides=overrides)
    assert str(info.value) == f"{overrides}, {message}"
    assert info.value.exit_status == ExitStatus.BAD_INPUT


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "enrich.db", tmp_path / "archive") as s:
        yield s


def memberships(store, tmp_path, rows):
    from enrich.features import USAGE_METRICS_DEFAULT
    from enrich.importer import import_paths
    logins = [seed_row("2026-01-05", login, uid) for uid, login, _ in rows]
    teams = [{"user_id": uid, "user_login": login, "day": "2026-01-05", "enterprise_id": 1,
              "team_id": TEAM_IDS[slug], "slug": slug} for uid, login, slug in rows]
    import_paths(store, [write_jsonl(tmp_path / "logins.jsonl", logins),
                         write_jsonl(tmp_path / "teams.jsonl", teams)],
                 usage_rules=USAGE_METRICS_DEFAULT, seats_taken_on=0)


TEAM_IDS = {"platform": 501, "security": 502, "web": 503}
ROWS = [(1, "ada", "platform"), (1, "ada", "security"), (2, "bob", "platform"),
        (3, "cy", "platform"), (3, "cy", "web"), (4, "dee", "web")]


def test_github_teams_put_each_person_in_one_team_the_smallest(store, tmp_path):
    memberships(store, tmp_path, ROWS)
    directory = GitHubTeamsSource({"primary": "smallest"}, store).load()
    assert sorted(directory.units) == ["platform", "security", "web"]
    assert {p.id: (p.unit, p.logins) for p in directory.people.values()} == {
        "github:1": ("security", ("ada",)), "github:2": ("platform", ("bob",)),
        "github:3": ("web", ("cy",)), "github:4": ("web", ("dee",))}


def test_github_teams_by_priority(store, tmp_path):
    memberships(store, tmp_path, ROWS)
    source = GitHubTeamsSource({"primary": "priority", "priority": ["platform"]}, store)
    units = {p.id: p.unit for p in source.load().people.values()}
    assert units == {"github:1": "platform", "github:2": "platform", "github:3": "platform",
                     "github:4": "web"}


def test_github_teams_without_memberships_says_how_to_get_them(store):
    with pytest.raises(DirectoryError) as info:
        GitHubTeamsSource({}, store).load()
    assert str(info.value) == "the github_teams source has no team memberships to read"
    assert "github.teams: true" in info.value.hint


def test_excluded_accounts_count_nowhere(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    write(tmp_path / "org.yaml", BASE)
    write(tmp_path / "overrides.yaml", "exclude: [build-bot]\n")
    write(tmp_path / "enrich.yaml", "directory:\n  sources: [{type: yaml, path: org.yaml}]\n"
                                    "  overrides: overrides.yaml\n")
    write_jsonl(tmp_path / "in" / "d.jsonl", [seed_row("2025-03-03", "ada", 11, "cli"),
                                             seed_row("2025-03-03", "build-bot", 99, "cli"),
                                             seed_row("2025-03-03", "stranger", 98, "cli")])
    run_cli("import", "in")
    run_cli("rollup", "--month", "2025-03")
    rollup = json.loads((tmp_path / "out" / "rollup.json").read_text())
    assert [u["login"] for u in rollup["unmapped"]] == ["stranger"]
    assert rollup["units"][0]["engaged"] == 2  # ada and the stranger; never the bot


def test_each_run_keeps_the_org_chart_when_it_changed(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    write(tmp_path / "org.yaml", BASE)
    write(tmp_path / "enrich.yaml", "directory:\n  sources: [{type: yaml, path: org.yaml}]\n")
    write_jsonl(tmp_path / "inbox" / "march.jsonl", [seed_row("2025-03-03", "ada", 1, "cli")])
    run_cli("run", "--month", "2025-03")
    run_cli("run", "--month", "2025-03")
    write(tmp_path / "org.yaml", BASE.replace("name: Bob", "name: Robert"))
    run_cli("run", "--month", "2025-03")
    with Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive") as store:
        assert len(store.directory_snapshots()) == 2
