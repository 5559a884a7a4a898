"""What a person sees at the command line: messages and exit statuses."""

import json
import os
import re

import pytest
from conftest import seed_row, write_jsonl
from test_import import BAD_ROWS

from enrich.cli import build_parser
from enrich.errors import ExitStatus
from enrich.wording import counted


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)


def test_import_summary_and_status(run_cli, tmp_path):
    write_jsonl(tmp_path / "in" / "d1.jsonl", [seed_row("2025-01-06", "ada", 11, "cli"),
                                               seed_row("2025-01-06", "ada", 11, "agent")])
    result = run_cli("import", "in")
    assert result.status == ExitStatus.OK
    assert result.stdout == (
        "imported  in/d1.jsonl (seed): 2 read, 1 stored, 1 merged, 0 rejected\n"
        "1 of 1 file imported; rows: 2 read, 1 stored, 1 merged, 0 rejected\n")
    assert (tmp_path / "enrich.db").exists()
    again = run_cli("import", "in")
    assert again.stdout.startswith("skipped   in/d1.jsonl: already imported\n")


def test_a_bad_value_names_file_line_and_what(run_cli, tmp_path):
    good = json.dumps(seed_row("2025-01-06", "ada", 11, "cli"))
    (tmp_path / "day.jsonl").write_text(
        f'{good}\n{{"day": "2025-01-06", "login": "bob", "user_id": 12, "cli_engagement": 7}}\n')
    result = run_cli("import", "day.jsonl")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (
        'Error: day.jsonl, line 2: "cli_engagement" is 7; expected 0 or 1\n'
        "1 file rejected: nothing of it was stored. Fix it, or import with --skip-bad-rows to "
        "store its good rows.\n")


def test_invalid_json_names_the_line(run_cli, tmp_path):
    (tmp_path / "day.jsonl").write_text('{"day": "2025-01-06", "login": "ada",\n')
    result = run_cli("import", "day.jsonl")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == (
        "Error: day.jsonl, line 1: invalid JSON: unexpected end of data")


def test_skip_bad_rows_is_partial_data(run_cli, tmp_path):
    (tmp_path / "day.jsonl").write_text(
        json.dumps(seed_row("2025-01-06", "ada", 11, "cli")) + "\n"
        '{"day": "2025-01-06", "login": "bob", "user_id": -4, "cli_engagement": 1}\n')
    result = run_cli("import", "--skip-bad-rows", "day.jsonl")
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.stdout.splitlines()[-1] == f"bad rows written to {tmp_path}/out/rejects.jsonl"
    reject = json.loads((tmp_path / "out" / "rejects.jsonl").read_text())
    assert reject["reason"] == '"user_id" is -4; expected a positive integer'


def test_a_missing_file(run_cli):
    result = run_cli("import", "nowhere.jsonl")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == "Error: nowhere.jsonl: no such file or folder\n"


def test_a_bad_configuration_names_file_and_key(run_cli, tmp_path):
    (tmp_path / "enrich.yaml").write_text("store:\n  path: x.db\n  archve: a\n")
    result = run_cli("import", "x.jsonl")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr == (
        "Error: enrich.yaml, line 3: store.archve: unknown setting "
        "(did you mean store.archive?)\n")


def test_config_named_by_option_or_environment(run_cli, tmp_path, monkeypatch):
    (tmp_path / "other.yaml").write_text("store:\n  path: other.db\n")
    write_jsonl(tmp_path / "d.jsonl", [seed_row("2025-01-06", "ada", 11, "cli")])
    assert run_cli("-c", "other.yaml", "import", "d.jsonl").status == ExitStatus.OK
    assert (tmp_path / "other.db").exists()
    monkeypatch.setenv("ENRICH_CONFIG", "missing.yaml")
    result = run_cli("import", "d.jsonl")
    assert (result.status, result.stderr) == (
        ExitStatus.BAD_CONFIG, "Error: missing.yaml: no such configuration file\n")


def test_bad_covers_range_is_a_usage_error(run_cli):
    result = run_cli("import", "--covers", "2025-01-09..2025-01-01", "x.jsonl")
    assert result.status == ExitStatus.USAGE
    assert "2025-01-09 is after 2025-01-01" in result.stderr


def test_traceback_only_when_asked(run_cli):
    assert "Traceback" not in run_cli("import", "nowhere.jsonl").stderr
    assert "Traceback" in run_cli("import", "--traceback", "nowhere.jsonl").stderr


def test_a_store_that_is_not_a_database(run_cli, tmp_path):
    (tmp_path / "enrich.db").write_text("not sqlite " * 100)
    write_jsonl(tmp_path / "d.jsonl", [seed_row("2025-01-06", "ada", 11, "cli")])
    result = run_cli("import", "d.jsonl")
    assert result.status == ExitStatus.STORE_ERROR
    assert result.stderr.startswith(f"Error: {tmp_path}/enrich.db: cannot open the store: ")


def test_files_with_personal_data_are_private(run_cli, tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [seed_row("2025-01-06", "ada", 11, "cli")])
    run_cli("import", "d.jsonl")
    assert os.stat(tmp_path / "enrich.db").st_mode & 0o777 == 0o600


@pytest.mark.parametrize("line,reason", BAD_ROWS)
def test_each_kind_of_bad_row_gets_an_exact_message(run_cli, tmp_path, line, reason):
    good = json.dumps(seed_row("2025-01-06", "ada", 11, "cli"))
    (tmp_path / "day.jsonl").write_text(f"{good}\n{line}\n")
    result = run_cli("import", "day.jsonl")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == f"Error: day.jsonl, line 2: {reason}"


@pytest.mark.parametrize("layout", ["empty", "wrong"])
def test_14_7_an_import_that_finds_no_file_is_bad_input(run_cli, tmp_path, layout):
    (tmp_path / "in").mkdir()
    if layout == "wrong":  # files, but none that enrich imports
        (tmp_path / "in" / "notes.txt").write_text("not data\n")
        (tmp_path / "other").mkdir()
    paths = ["in", "other"] if layout == "wrong" else ["in"]
    result = run_cli("import", *paths)
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (
        "Error: nothing to import: no *.json, *.jsonl or *.ndjson (each optionally .gz), or "
        f"*.csv (usage reports) file in {', '.join(paths)}\n"
        "Hint: give the files, or the folders that hold them\n")
    assert result.stdout == ""
    assert not (tmp_path / "enrich.db").exists()


def test_14_7_a_csv_is_not_told_to_skip_bad_rows(run_cli, tmp_path):
    (tmp_path / "seats.csv").write_text("login,plan\nada,business\n")
    result = run_cli("import", "seats.csv")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (
        "Error: seats.csv, line 1: not a usage report: the header does not name the columns "
        "date, product, sku, quantity, gross_amount, discount_amount, net_amount\n"
        "1 file rejected: nothing of it was stored. Fix it, and import it again.\n"
        "Hint: billing.columns maps the fields of a usage report to other headers; a seat CSV "
        "export is read through the seats.csv setting instead\n")
    assert "--skip-bad-rows" not in result.stderr


def test_14_7_the_run_imports_an_empty_inbox_as_nothing(run_cli, tmp_path):
    """The inbox of a run is often empty (the data comes from a fetch): no error there."""
    write_jsonl(tmp_path / "a.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])
    assert run_cli("import", "a.jsonl").status == ExitStatus.OK
    (tmp_path / "inbox").mkdir()
    (tmp_path / "enrich.yaml").write_text("run: {stages: [import, rollup]}\n")
    result = run_cli("run", "--month", "2025-03")
    assert result.status == ExitStatus.PARTIAL_DATA, result.stderr
    assert result.stdout.splitlines()[0] == "import: ok"


def test_14_7_a_demo_smaller_than_the_smallest_sample_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("demo", "--people", "46", "--output", "demo")
    assert result.status == ExitStatus.USAGE
    assert result.stderr.splitlines()[-1] == (
        "enrich demo: error: argument --people: expected a whole number, 47 or more (the "
        "smallest sample enterprise), got '46'")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "demo").exists()


def _commands(parser=None, prefix=()):
    """(words, parser) of every command that does something, `directory check` included."""
    parser = parser or build_parser()
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        if sub._subparsers is not None:
            yield from _commands(sub, (*prefix, name))
        else:
            yield (*prefix, name), sub


@pytest.mark.parametrize(("words", "parser"), list(_commands()),
                         ids=[" ".join(words) for words, _ in _commands()])
def test_14_7_every_command_has_a_description_and_every_option_a_help(run_cli, words, parser):
    assert parser.description and parser.description[0].isupper()
    undocumented = [action.dest for action in parser._actions if not action.help]
    assert undocumented == []
    result = run_cli(*words, "--help")
    assert result.status == ExitStatus.OK
    assert " ".join(parser.description.split()[:6]) in " ".join(result.stdout.split())


def test_14_7_verbose_says_what_is_used_and_how_long_it_took(run_cli, tmp_path):
    write_jsonl(tmp_path / "in" / "a.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])
    (tmp_path / "enrich.yaml").write_text("run: {stages: [rollup]}\n")
    quiet = run_cli("import", "in")
    assert quiet.stderr == ""
    said = run_cli("import", "--verbose", "in").stderr.splitlines()
    assert said[:3] == [f"configuration: {tmp_path}/enrich.yaml",
                        f"store: {tmp_path}/enrich.db", "importing in/a.jsonl"]
    assert re.fullmatch(r"import: \d+\.\d s in all", said[-1])
    said = run_cli("run", "-v", "--month", "2025-03").stderr.splitlines()
    assert [line for line in said if re.fullmatch(r"rollup: \d+\.\d s", line)] != []
    (tmp_path / "enrich.yaml").unlink()
    said = run_cli("rollup", "-v", "--month", "2025-03").stderr.splitlines()
    assert said[0] == ("configuration: none found (no --config, no $ENRICH_CONFIG, no "
                       "./enrich.yaml): the built-in defaults")


def test_14_7_a_count_of_one_takes_the_singular():
    assert [counted(n, "file") for n in (0, 1, 2, 12345)] == [
        "0 files", "1 file", "2 files", "12,345 files"]
    assert [counted(n, "person", "people") for n in (1, 3)] == ["1 person", "3 people"]
