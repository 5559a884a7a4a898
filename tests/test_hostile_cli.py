"""What the command line does with hostile settings, files and options: a message naming what
to fix and an exit status, never a traceback, and nothing written.

The folders that cannot be made are under a regular file, or under /proc (the kernel's file
system, which takes no folders): the tests run as root, whom permission bits do not stop.
"""

import json
import os
import stat

import pytest
from conftest import seed_row, write_jsonl

from enrich.errors import ExitStatus

ORG = """\
units:
  - {id: eng, name: Engineering, lead: {name: Ada Lovelace, email: ada@corp.test}}
people:
  - {id: e1, name: Ada Lovelace, unit: eng, github: ada, email: ada@corp.test}
  - {id: e2, name: Bob Tables, unit: eng, github: bob, manager: e1}
"""
CONFIG = "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n"
#: the line of the first setting `configure` adds
ADDED = CONFIG.count("\n") + 1
NO_STORE_HINT = ("Hint: run `enrich import` or `enrich fetch` first, or set store.path to the "
                 "store\n")
UNDER_PROC = "/proc/enrich-test"
NO_SUCH = "No such file or directory"


@pytest.fixture
def company(tmp_path, monkeypatch, run_cli):
    """An org chart, a store with a day of March 2025, and a regular file `afile`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(ORG)
    (tmp_path / "enrich.yaml").write_text(CONFIG)
    write_jsonl(tmp_path / "in" / "d.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])
    assert run_cli("import", "in").status == ExitStatus.OK
    (tmp_path / "afile").write_text("a regular file\n")
    return tmp_path


def configure(folder, settings: str) -> None:
    """Add settings to enrich.yaml, from line ADDED."""
    with open(folder / "enrich.yaml", "a") as fh:
        fh.write(settings)


def tree(folder) -> dict:
    """Every file and folder under `folder`, with the size and time of each file: what a
    command that writes nothing leaves as it was."""
    return {str(p.relative_to(folder)): None if p.is_dir() else (p.stat().st_size,
                                                                   p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


MONTH = ("--month", "2025-03")
#: every command that writes into the output folder
WRITERS = [("rollup", *MONTH), ("report", *MONTH), ("digest", *MONTH), ("licenses", *MONTH),
           ("run", *MONTH)]
COMMANDS = [*WRITERS, ("directory", "check")]


# -- 2b, 9: output folders that cannot be made or written in --------------------------------

@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_11_2b_an_output_setting_that_cannot_be_made_stops_every_command(run_cli, company,
                                                                         command):
    configure(company, f"output: {UNDER_PROC}/out\n")
    before = tree(company)
    result = run_cli(*command)
    assert result.status == ExitStatus.BAD_CONFIG
    # the digests go to the outbox in the output folder
    folder = f"{UNDER_PROC}/out" + ("/outbox" if command[0] == "digest" else "")
    assert result.stderr == (f"Error: enrich.yaml, line {ADDED}: output: cannot create the "
                             f"folder {folder}: {NO_SUCH}\n")
    assert tree(company) == before


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])
def test_11_9b_an_output_option_under_a_regular_file(run_cli, company, command):
    before = tree(company)
    result = run_cli(*command, "--output", "afile/out")
    assert result.status == ExitStatus.BAD_CONFIG
    folder = "afile/out" + ("/outbox" if command[0] == "digest" else "")
    assert result.stderr == (f"Error: --output: cannot create the folder {folder}: afile is "
                             "a file\n")
    assert tree(company) == before


def test_11_9b_an_output_folder_that_is_a_regular_file(run_cli, company):
    configure(company, "output: afile\n")
    result = run_cli("rollup", *MONTH)
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_CONFIG,
        f"Error: enrich.yaml, line {ADDED}: output: {company}/afile is a file, not a folder\n")


@pytest.mark.parametrize(("settings", "command", "message"), [
    (f"digest:\n  outbox: {UNDER_PROC}/outbox\n", ("digest", *MONTH),
     f"line {ADDED + 1}: digest.outbox: cannot create the folder {UNDER_PROC}/outbox: "
     f"{NO_SUCH}"),
    ("store:\n  path: afile/enrich.db\n", ("import", "in"),
     f"line {ADDED + 1}: store.path: {{company}}/afile is a file, not a folder"),
    (f"store:\n  path: {UNDER_PROC}/enrich.db\n", ("fetch",),
     f"line {ADDED + 1}: store.path: cannot create the folder {UNDER_PROC}: {NO_SUCH}"),
    (f"store:\n  archive: {UNDER_PROC}/archive\n", ("import", "in"),
     f"line {ADDED + 1}: store.archive: cannot create the folder {UNDER_PROC}/archive: "
     f"{NO_SUCH}"),
], ids=["digest.outbox", "store.path-import", "store.path-fetch", "store.archive"])
def test_11_2b_each_folder_setting_is_named(run_cli, company, monkeypatch, settings, command,
                                            message):
    configure(company, settings)
    if command[0] == "fetch":
        configure(company, "github: {enterprise: acme, token_env: TEST_TOKEN}\n")
        monkeypatch.setenv("TEST_TOKEN", "ghp_test")
    write_jsonl(company / "in" / "d2.jsonl", [seed_row("2025-03-04", "bob", 12, "cli")])
    before = tree(company)
    result = run_cli(*command)
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr == f"Error: enrich.yaml, {message.format(company=company)}\n"
    assert tree(company) == before


@pytest.mark.parametrize(("rejects", "message"), [
    ("afile/rejects.jsonl", "--rejects: afile is a file, not a folder"),
    (f"{UNDER_PROC}/rejects.jsonl", f"--rejects: cannot create the folder {UNDER_PROC}: {NO_SUCH}"),
    ("in", "--rejects: in is a folder, not a file"),
])
def test_11_2b_a_rejects_file_that_cannot_be_written(run_cli, company, rejects, message):
    (company / "in" / "bad.jsonl").write_text('{"day": "2025-03-05", "login": "x"}\n')
    before = tree(company)
    result = run_cli("import", "--skip-bad-rows", "--rejects", rejects, "in")
    assert (result.status, result.stderr) == (ExitStatus.BAD_CONFIG, f"Error: {message}\n")
    assert tree(company) == before  # and nothing imported


def test_11_2b_the_demo_folder_that_cannot_be_made(run_cli, tmp_path):
    result = run_cli("demo", "--output", f"{UNDER_PROC}/demo", "--people", "47")
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_CONFIG,
        f"Error: --output: cannot create the folder {UNDER_PROC}/demo: {NO_SUCH}\n")


@pytest.mark.skipif(os.geteuid() == 0, reason="permission bits do not stop root")
def test_11_2b_a_folder_without_write_permission(run_cli, company):
    (company / "locked").mkdir(mode=0o500)
    configure(company, "output: locked/out\n")
    result = run_cli("rollup", *MONTH)
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_CONFIG,
        f"Error: enrich.yaml, line {ADDED}: output: no permission to write in "
        f"{company}/locked\n")


# -- 9b: files that are not UTF-8, and extreme dates ----------------------------------------

def test_11_9b_a_configuration_that_is_not_utf8(run_cli, company):
    (company / "enrich.yaml").write_bytes(b"company:\n  name: Caf\xe9\n")
    result = run_cli("rollup", *MONTH)
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_CONFIG, "Error: enrich.yaml, line 2: not UTF-8: cannot decode byte 0xe9\n")


@pytest.mark.parametrize("settings", ["", "  overrides: overrides.yaml\n"])
def test_11_9b_an_org_chart_or_overrides_that_is_not_utf8(run_cli, company, settings):
    name = "overrides.yaml" if settings else "org.yaml"
    (company / "overrides.yaml").write_text("rename_units: {eng: R&D}\n")
    (company / "enrich.yaml").write_text(CONFIG + settings)
    text = (company / name).read_bytes()
    (company / name).write_bytes(text.replace(b"\n", b" # \xff\n", 2))
    result = run_cli("rollup", *MONTH)
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_INPUT,
        f"Error: {company}/{name}, line 1: not UTF-8: cannot decode byte 0xff\n")


@pytest.mark.parametrize(("argv", "message"), [
    (("rollup", "--month", "9999-12"), "argument --month: 9999-12"),
    (("report", "--month", "0001-01"), "argument --month: 0001-01"),
    (("rollup", "--since", "0001-01-01", "--until", "2025-03-31"), "argument --since: 0001-01-01"),
    (("digest", "--since", "2025-03-01", "--until", "9999-12-31"),
     "argument --until: 9999-12-31"),
    (("fetch", "--since", "0001-01-01"), "argument --since: 0001-01-01"),
    (("import", "--covers", "2025-01-01..9999-12-31", "in"), "argument --covers: 9999-12-31"),
    (("demo", "--month", "9999-12"), "argument --month: 9999-12"),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else None)
def test_11_9b_extreme_dates_are_usage_errors(run_cli, company, argv, message):
    result = run_cli(*argv)
    assert result.status == ExitStatus.USAGE
    assert result.stderr.splitlines()[-1].endswith(
        f"error: {message} is not between 2000-01-01 and 2099-12-31")


def test_11_9b_a_period_of_more_than_ten_years(run_cli, company):
    result = run_cli("rollup", "--since", "2000-01-01", "--until", "2099-12-31")
    assert (result.status, result.stderr) == (
        ExitStatus.USAGE, "Error: --since 2000-01-01 to --until 2099-12-31 is longer than "
                          "3653 days (ten years)\n")


# -- 11: what was accepted without a word ---------------------------------------------------

@pytest.mark.parametrize(("org", "message"), [
    ("", "the file is empty; expected emu_short_code, cost_centers, units, people, aliases"),
    ("units: [{id: eng, name: Engineering}]\npeople: []\n", "the org chart has no people"),
], ids=["empty file", "no people"])
def test_11_11_an_org_chart_without_anyone(run_cli, company, org, message):
    (company / "org.yaml").write_text(org)
    result = run_cli("rollup", *MONTH)
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_INPUT, f"Error: {company}/org.yaml: {message}\n")


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: c[0])  # directory check needs none
def test_11_11_only_fetch_and_import_make_a_store(run_cli, company, command):
    configure(company, "store:\n  path: nowhere/enrich.db\nrun:\n  stages: [rollup, report]\n")
    result = run_cli(*command)
    assert result.status == ExitStatus.STORE_ERROR
    assert result.stderr == (f"Error: enrich.yaml, line {ADDED + 1}: store.path: no store at "
                             f"{company}/nowhere/enrich.db\n{NO_STORE_HINT}")
    assert not (company / "nowhere").exists()


def test_11_11_import_makes_a_new_store_and_its_folder(run_cli, company):
    configure(company, "store:\n  path: history/enrich.db\n")
    assert run_cli("import", "in").status == ExitStatus.OK
    assert stat.S_IMODE(os.stat(company / "history").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(company / "history" / "enrich.db").st_mode) == 0o600


def test_11_11_a_templates_folder_that_does_not_exist(run_cli, company):
    configure(company, "templates: my-templates\n")
    result = run_cli("report", *MONTH)
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_CONFIG,
        f"Error: enrich.yaml, line {ADDED}: templates: no such folder: {company}/my-templates\n")


def test_11_11_a_negative_refresh(run_cli, company):
    result = run_cli("fetch", "--refresh", "-5")
    assert result.status == ExitStatus.USAGE
    assert result.stderr.splitlines()[-1] == (
        "enrich fetch: error: argument --refresh: expected a whole number, 0 or more, got '-5'")


def test_11_11_a_duplicate_column_in_the_hr_export(run_cli, company):
    (company / "hr.csv").write_text("Employee ID,Name,Department,Email,E-mail\n"
                                    "e1,Ada,eng,ada@corp.test,ada@old.test\n")
    (company / "enrich.yaml").write_text(
        "directory:\n  sources:\n    - {type: csv, path: hr.csv}\n")
    result = run_cli("rollup", *MONTH)
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_INPUT,
        f"Error: {company}/hr.csv, line 1: 2 columns for email: 'Email' (column 4), "
        "'E-mail' (column 5); rename or remove all but one\n")


def test_11_11_an_http_api_url_names_file_line_and_key(run_cli, company):
    configure(company, "github:\n  enterprise: acme\n  api_url: http://ghe.corp.test/api/v3\n")
    result = run_cli("fetch")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr.splitlines() == [
        f"Error: enrich.yaml, line {ADDED + 2}: github.api_url: the API URL "
        "http://ghe.corp.test/api/v3 does not start with https://",
        "Hint: the token must not travel unencrypted: use https://api.github.com, "
        "https://api.SUBDOMAIN.ghe.com or https://HOST/api/v3"]


def test_11_11_a_failed_stage_of_the_run_says_why(run_cli, company):
    configure(company, "store:\n  path: nowhere/enrich.db\nrun:\n  stages: [rollup]\n")
    result = run_cli("run", *MONTH)
    summary = json.loads((company / "out" / "run-summary.json").read_text())
    assert summary["stages"][0]["hint"] == NO_STORE_HINT[len("Hint: "):-1]
    assert result.stderr.endswith(NO_STORE_HINT)


# -- 13b: the folders enrich makes are private, whatever the umask ---------------------------

@pytest.fixture
def no_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_11_13b_folders_are_private_whatever_the_umask(run_cli, company, no_umask):
    configure(company, "store:\n  path: data/enrich.db\noutput: reports/out\n")
    assert run_cli("import", "in").status == ExitStatus.OK
    assert run_cli("rollup", *MONTH).status == ExitStatus.PARTIAL_DATA
    assert run_cli("digest", *MONTH).status == ExitStatus.PARTIAL_DATA
    archive = company / "data" / "enrich.db.archive"
    folders = [company / "data", archive, *archive.iterdir(), company / "reports",
               company / "reports" / "out", company / "reports" / "out" / "outbox"]
    assert {str(f.relative_to(company)): stat.S_IMODE(f.stat().st_mode) for f in folders} == {
        str(f.relative_to(company)): 0o700 for f in folders}
    files = [company / "data" / "enrich.db", *(company / "reports" / "out").rglob("*.*")]
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
