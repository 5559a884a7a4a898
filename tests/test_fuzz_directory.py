"""Fuzzing the org chart's readers: YAML and JSON org charts, the HR CSV and the overrides file.

Whatever a file holds, `load_directory` gives an org chart the later stages can use, or an
error that names the file (and the line, where the file has lines).
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from fuzzing import (
    TEXT,
    check_error,
    line_count,
    spoiled_bytes,
    write,
    yaml_texts,
)
from hypothesis import given
from hypothesis import strategies as st

from enrich.config import SOURCE_TYPES
from enrich.directory.model import Directory, directory_json
from enrich.directory.sources import load_directory
from enrich.errors import EnrichError, ExitStatus
from enrich.store import Store

ORG = {
    "emu_short_code": "acme",
    "cost_centers": {"CC-100": "Platform engineering", "CC-200": "Web"},
    "units": [
        {"id": "eng", "name": "Engineering", "parent": None, "cost_center": "CC-100",
         "lead": {"name": "Ada Lovelace", "email": "ada@example.com"}},
        {"id": "api", "name": "API", "parent": "eng"},
        {"id": "web", "name": "Web", "parent": "eng", "cost_center": "CC-200"},
    ],
    "people": [
        {"id": "e1", "name": "Ada Lovelace", "email": "ada@example.com", "github": "ada-l",
         "username": "ada.lovelace", "unit": "eng", "manager": None, "seat": True,
         "status": "active", "title": "Director"},
        {"id": 1002, "name": "Bob", "unit": "api", "manager": "e1", "github": ["bob", "bob2"],
         "cost_center": "CC-200", "status": "left"},
        {"id": "e3", "name": "Cy", "unit": "web", "manager": "1002", "seat": False},
    ],
    "aliases": {"old-ada": "e1", "cy-old": "e3"},
}

OVERRIDES = {
    "aliases": {"ada-old": "e1"},
    "rename_units": {"api": "API platform"},
    "merge_units": {"web": "eng"},
    "move_people": {"e3": "api"},
    "exclude": ["dependabot-bot", "build-svc"],
}

def load_and_check(files: dict[str, bytes | str], sources: list[dict], *,
                   overrides: str | None = None, blamed: tuple[str, ...] = ()) -> None:
    """Load the org chart from files written in a new folder: a usable Directory, or an
    error naming one of the `blamed` files (default: every file written)."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths = {name: write(folder / name, content) for name, content in files.items()}
        for source in sources:
            source["path"] = paths[source["path"]]
        try:
            directory = load_directory(sources, overrides=overrides and paths[overrides])
        except EnrichError as exc:
            named = [paths[name] for name in blamed or files if str(paths[name]) in exc.message]
            assert named, f"the message names none of {blamed or list(files)}: {exc.message}"
            check_error(exc, named[0], lines=line_count(named[0].read_bytes()))
            return
    check_usable(directory)


def check_usable(directory: Directory) -> None:
    """What the later stages take for granted of a loaded org chart."""
    directory_json(directory)  # the snapshot kept in the store
    for person in directory.people.values():
        assert isinstance(person.id, str) and isinstance(person.name, str)
        assert all(isinstance(login, str) for login in person.logins)
        assert person.unit in directory.units
    for unit in directory.units.values():
        assert isinstance(unit.id, str) and isinstance(unit.name, str)


@given(content=yaml_texts(ORG))
def test_org_chart_yaml_or_json_loads_or_names_file_and_line(content):
    text, how = content
    name = "org.json" if how.startswith("json") else "org.yaml"
    load_and_check({name: text}, [{"type": "yaml", "path": name}])


ORG_BYTES = yaml.safe_dump(ORG, sort_keys=False).encode()


OVERRIDES_BYTES = yaml.safe_dump(OVERRIDES).encode()


@given(raw=st.data(), overrides=st.booleans())
def test_org_chart_or_overrides_raw_bytes_load_or_name_the_file(raw, overrides):
    valid = OVERRIDES_BYTES if overrides else ORG_BYTES
    spoiled = raw.draw(spoiled_bytes(valid) | st.text().map(str.encode))
    files = {"org.yaml": ORG_BYTES, "overrides.yaml": spoiled} if overrides else {
        "org.yaml": spoiled}
    load_and_check(files, [{"type": "yaml", "path": "org.yaml"}],
                   overrides="overrides.yaml" if overrides else None)


@given(content=yaml_texts(OVERRIDES))
def test_overrides_apply_or_name_the_file(content):
    text, _ = content
    load_and_check({"org.yaml": yaml.safe_dump(ORG), "overrides.yaml": text},
                   [{"type": "yaml", "path": "org.yaml"}], overrides="overrides.yaml")


HR_HEADER = ["Employee ID", "Name", "Department", "Department Name", "Parent Department",
             "Email", "GitHub Login", "Username", "Cost Center", "Cost Center Name",
             "Manager ID", "Status", "Title", "Copilot Seat"]
HR_ROWS = [
    ["e1", "Ada Lovelace", "eng", "Engineering", "", "ada@example.com", "ada-l", "ada.l",
     "CC-100", "Platform", "", "Active", "Director", "yes"],
    ["e2", "Bob", "api", "API", "eng", "bob@example.com", "bob, bob2", "", "CC-100",
     "Platform", "e1", "Terminated", "", "no"],
    ["e3", "Cy", "api", "API", "eng", "", "", "", "", "", "e2", "", "", ""],
]
SUCCESSFACTORS = [["STATUS", "USERID", "USERNAME", "FIRSTNAME", "LASTNAME", "MANAGER",
                   "DEPARTMENT", "EMAIL"],
                  ["Status", "User ID", "Username", "First Name", "Last Name", "Manager",
                   "Department", "Email"],
                  ["active", "u1", "ada", "Ada", "L", "NO_MANAGER", "eng", "ada@example.com"],
                  ["inactive", "u2", "bob", "Bob", "", "u1", "eng", ""]]
HR_CELLS = TEXT | st.sampled_from(["e1", "e2", "eng", "api", "NO_MANAGER", "yes", "maybe",
                                    "a@b", "x" * 100_000, " ", '"', "\r", "\n"])


@st.composite
def hr_tables(draw) -> list[list[str]]:
    table = [list(row) for row in draw(st.sampled_from([[HR_HEADER, *HR_ROWS], SUCCESSFACTORS]))]
    for _ in range(draw(st.integers(1, 4))):
        row = table[draw(st.integers(0, len(table) - 1))]
        how = draw(st.sampled_from(["cell", "drop a cell", "add a cell", "copy a row"]))
        if how == "cell" and row:
            row[draw(st.integers(0, len(row) - 1))] = draw(HR_CELLS)
        elif how == "drop a cell" and row:
            row.pop()
        elif how == "add a cell":
            row.append(draw(HR_CELLS))
        else:
            table.append(list(row))
    return table


def hr_source(**settings) -> dict:
    defaults = {name: setting.default for name, setting in SOURCE_TYPES["csv"].items()}
    return {"type": "csv", **defaults, "path": "hr.csv", **settings}


@given(table=hr_tables(), delimiter=st.sampled_from([",", ";"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       columns=st.fixed_dictionaries({}, optional={
           "name": st.sampled_from(["Name", ["FIRSTNAME", "LASTNAME"], ["Name", "Title"]]),
           "github": st.sampled_from(["GitHub Login", "Username"]),
           "manager": st.sampled_from(["Manager ID", "EMAIL"])}))
def test_hr_csv_loads_or_names_file_and_line(table, delimiter, encoding, columns):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(table)
    load_and_check({"hr.csv": text.getvalue().encode(encoding, "replace")},
                   [hr_source(columns=columns)])


@given(content=st.data(), encoding=st.sampled_from(["auto", "utf-8", "latin-1", "utf-16"]))
def test_hr_csv_raw_bytes_load_or_name_the_file(content, encoding):
    text = io.StringIO()
    csv.writer(text).writerows(content.draw(hr_tables()))
    raw = content.draw(spoiled_bytes(text.getvalue().encode("utf-8", "surrogatepass")))
    load_and_check({"hr.csv": raw}, [hr_source(encoding=encoding)])


# Examples the fuzzing found, kept as plain tests.

ORG_YAML = "units:\n  - {id: eng, name: Engineering}\npeople:\n  - {id: e1, name: Ada, unit: eng}\n"


def directory_check(run_cli, folder, monkeypatch, files: dict, source: str, overrides=None):
    """`enrich directory check` of one source (and an overrides file) written in `folder`."""
    monkeypatch.chdir(folder)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    for name, content in files.items():
        write(folder / name, content)
    config = f"directory:\n  sources:\n    - {source}\n"
    if overrides:
        config += f"  overrides: {overrides}\n"
    write(folder / "enrich.yaml", config)
    Store(folder / "enrich.db", folder / "enrich.db.archive").close()
    return run_cli("directory", "check")


@pytest.mark.parametrize(("value", "problem"), [
    ("2025-02-30", "day is out of range for month"),
    ("2025-01-06 25:00:00", "hour must be in 0..23"),
])
def test_11_fuzz_a_yaml_value_python_cannot_make_names_file_and_line(
        run_cli, tmp_path, monkeypatch, value, problem):
    overrides = f"aliases:\n  ada: {value}\n"
    result = directory_check(run_cli, tmp_path, monkeypatch,
                             {"org.yaml": ORG_YAML, "overrides.yaml": overrides},
                             "{type: yaml, path: org.yaml}", "overrides.yaml")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == f"Error: {tmp_path}/overrides.yaml, line 2: not valid YAML: {problem}\n"


@pytest.mark.parametrize("value", ["9" * 5000, "0b" + "1" * 20_000])
def test_11_fuzz_a_yaml_integer_of_thousands_of_digits_names_file_and_line(
        run_cli, tmp_path, monkeypatch, value):
    org = ORG_YAML + f"emu_short_code: {value}\n"
    result = directory_check(run_cli, tmp_path, monkeypatch, {"org.yaml": org},
                             "{type: yaml, path: org.yaml}")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (f"Error: {tmp_path}/org.yaml, line 5: not valid YAML: an integer "
                             f"of {len(value)} characters is too long\n")


def test_11_fuzz_a_yaml_key_that_is_a_list_names_file_and_line(run_cli, tmp_path, monkeypatch):
    result = directory_check(run_cli, tmp_path, monkeypatch,
                             {"org.yaml": ORG_YAML + "  - {? [a, b]: c}\n"},
                             "{type: yaml, path: org.yaml}")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (f"Error: {tmp_path}/org.yaml, line 5: not valid YAML: found "
                             "unhashable key\n")


def test_11_fuzz_a_lone_surrogate_in_yaml_names_file_and_line(run_cli, tmp_path, monkeypatch):
    overrides = 'exclude: [bot, "\\ud800"]\n'
    result = directory_check(run_cli, tmp_path, monkeypatch,
                             {"org.yaml": ORG_YAML, "overrides.yaml": overrides},
                             "{type: yaml, path: org.yaml}", "overrides.yaml")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (f"Error: {tmp_path}/overrides.yaml, line 1: not valid YAML: "
                             "'\\ud800' is no character (a lone surrogate)\n")


def test_11_fuzz_yaml_nested_too_deeply_names_the_file(run_cli, tmp_path, monkeypatch):
    result = directory_check(run_cli, tmp_path, monkeypatch,
                             {"org.yaml": ORG_YAML + "aliases: " + "[" * 500 + "]" * 500},
                             "{type: yaml, path: org.yaml}")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == f"Error: {tmp_path}/org.yaml: not valid YAML: nested too deeply\n"


def test_11_fuzz_hr_csv_in_utf_16_without_a_bom_names_the_file(run_cli, tmp_path, monkeypatch):
    result = directory_check(run_cli, tmp_path, monkeypatch,
                             {"hr.csv": "Employee ID,Name,Department\n".encode("utf-16-le")},
                             "{type: csv, path: hr.csv, encoding: utf-16}")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (f"Error: {tmp_path}/hr.csv, line 1: cannot decode the file as "
                             "utf-16: UTF-16 stream does not start with BOM\n")


@pytest.mark.parametrize(("org", "problem"), [
    ('{"units": [{"id": "eng", "name": "Engineering \\udc00"}]}',
     ", line 1: not valid YAML: '\\udc00' is no character (a lone surrogate)"),
    ('{"units": ' + "[" * 1100 + "]" * 1100 + "}", ": not valid YAML: nested too deeply"),
], ids=["a lone surrogate", "nested too deeply"])
def test_11_fuzz_a_json_org_chart_python_misreads_names_the_file(
        run_cli, tmp_path, monkeypatch, org, problem):
    result = directory_check(run_cli, tmp_path, monkeypatch, {"org.json": org},
                             "{type: yaml, path: org.json}")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == f"Error: {tmp_path}/org.json{problem}\n"
