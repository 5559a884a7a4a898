"""The HR CSV directory source: encodings, delimiters, SuccessFactors files, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from enrich.config import SOURCE_TYPES, Config
from enrich.directory.csv_source import CsvSource
from enrich.directory.model import ACTIVE, LEFT, Directory, Person, Unit
from enrich.directory.sources import load_directory
from enrich.errors import ConfigError, DirectoryError

HEADER = "Employee ID,Name,Email,Department,Manager ID,Status\r\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # Relative file names keep the expected messages short: "hr.csv, line 3: ...".
    monkeypatch.chdir(tmp_path)


def spec(path: Path, **settings) -> dict:
    """A source's settings as the configuration check gives them: every default filled in."""
    defaults = {name: setting.default for name, setting in SOURCE_TYPES["csv"].items()}
    return {**defaults, "type": "csv", "path": path, **settings}


def write(data: bytes, name: str = "hr.csv") -> Path:
    path = Path(name)
    path.write_bytes(data)
    return path


def source_of(data: bytes, **settings) -> CsvSource:
    source = CsvSource(spec(write(data), **settings))
    source.load()
    return source


def load(data: bytes, **settings) -> Directory:
    return CsvSource(spec(write(data), **settings)).load()


def error_of(data: bytes, **settings) -> str:
    with pytest.raises(DirectoryError) as caught:
        load(data, **settings)
    return caught.value.message


def names(directory: Directory) -> dict[str, str]:
    return {person.id: person.name for person in directory.people.values()}


# Encodings

def test_utf8_with_bom():
    directory = load(b"\xef\xbb\xbf" + (HEADER + "e1,Zoë Saldáña,zoe@example.com,eng,,"
                                        "Active\r\n").encode())
    assert directory.people["e1"] == Person("e1", "Zoë Saldáña", "eng",
                                            email="zoe@example.com")


def test_utf8_without_bom():
    directory = load((HEADER + "e1,José Núñez,jose@example.com,eng,,\n").encode())
    assert names(directory) == {"e1": "José Núñez"}


def test_windows_1252_is_the_fallback():
    # the first rows decode as UTF-8 too: reading starts over, without a duplicate id
    data = (HEADER + "e0,Ada,,eng,,\r\ne1,José Núñez,,eng,,\r\ne2,Zoë – Œuvre,,eng,e1,"
            "\r\n").encode("cp1252")
    assert names(load(data)) == {"e0": "Ada", "e1": "José Núñez", "e2": "Zoë – Œuvre"}
    assert names(load(data, encoding="windows-1252")) == names(load(data))


def test_a_named_encoding_reports_the_line_it_cannot_decode():
    data = (HEADER + "e1,Ada,,eng,,\ne2,José,,eng,,\n").encode("cp1252")
    with pytest.raises(DirectoryError) as caught:
        load(data, encoding="utf-8")
    assert caught.value.message == (
        "hr.csv, line 3: cannot decode byte 0xe9 as utf-8 (invalid continuation byte)")
    assert caught.value.hint == "set the source's `encoding` to the file's encoding"


def test_bytes_neither_utf8_nor_windows_1252():
    assert error_of((HEADER + "e1,Ada,,eng,,\n").encode() + b"e2,\x81,,eng,,\n") == (
        "hr.csv, line 3: cannot decode byte 0x81 as UTF-8 or Windows-1252 "
        "(character maps to <undefined>)")


def test_a_utf8_bom_is_dropped_when_the_encoding_is_named():
    data = b"\xef\xbb\xbf" + (HEADER + "e1,Ada,,eng,,\n").encode()
    assert names(load(data, encoding="UTF-8")) == {"e1": "Ada"}


# Delimiters and quoting

def test_semicolons_are_sniffed_from_the_header():
    data = ("Employee ID;Name;Department;Cost Center\n"
            "e1;\"Núñez, José\";eng;4711\n").encode("cp1252")
    person = load(data).people["e1"]
    assert (person.name, person.cost_center) == ("Núñez, José", "4711")


def test_a_configured_delimiter():
    data = b"Employee ID|Name|Department\ne1|Ada, Countess|eng\n"
    assert names(load(data, delimiter="|")) == {"e1": "Ada, Countess"}


def test_quoted_delimiters_and_newlines_keep_later_line_numbers_right():
    data = (b'Employee ID,Name,Department,Title\n'
            b'e1,"Lovelace, Ada",eng,"Director\nof Engines,\nAnalytical"\n'
            b'e2,Grace,eng,\n'
            b'e1,Again,eng,\n')
    assert error_of(data) == "hr.csv, line 6: person e1: duplicate id, first at line 2"
    directory = load(data.rsplit(b"e1,Again", 1)[0])
    assert directory.people["e1"].title == "Director\nof Engines,\nAnalytical"
    assert directory.people["e1"].name == "Lovelace, Ada"


def test_an_unclosed_quote_is_reported_where_its_row_starts():
    data = b'Employee ID,Name,Department\ne1,Ada,eng\ne2,"Grace,eng\ne3,Alan,eng\n'
    assert error_of(data) == "hr.csv, line 3: not valid CSV: unexpected end of data"


def test_an_unclosed_quote_in_the_header_is_reported_on_line_1():
    assert error_of(b'Employee ID,"Name\ne1,Ada\n') == (
        "hr.csv, line 1: not valid CSV: unexpected end of data")


# SAP SuccessFactors

SUCCESSFACTORS = (
    "STATUS,USERID,USERNAME,FIRSTNAME,LASTNAME,EMAIL,MANAGER,HR,DEPARTMENT,TITLE\r\n"
    "STATUS,USERID,Username,First Name,Last Name,Email,Manager,Human Resource,Department,"
    "Job Title\r\n"
    "active,1000,gmh,Grace,Hopper,grace@example.com,NO_MANAGER,NO_HR,Board,CEO\r\n"
    "Active,1001,ada,Ada,Lovelace,ada@example.com,1000,NO_HR,Engines,Director\r\n"
    "inactive,1002,cb,Charles,Babbage,,1001,NO_HR,Engines,\r\n"
)


def test_successfactors_user_data_file():
    source = source_of(SUCCESSFACTORS.encode())
    directory = source.load()
    assert directory.people == {
        "1000": Person("1000", "Grace Hopper", "Board", email="grace@example.com",
                       username="gmh", title="CEO"),
        "1001": Person("1001", "Ada Lovelace", "Engines", email="ada@example.com",
                       username="ada", manager="1000", title="Director"),
        "1002": Person("1002", "Charles Babbage", "Engines", username="cb", manager="1001",
                       status=LEFT),
    }
    assert directory.units == {"Board": Unit("Board", "Board"),
                               "Engines": Unit("Engines", "Engines")}
    assert source.origins["person", "1000"].line == 3


def test_successfactors_file_without_its_label_row():
    lines = SUCCESSFACTORS.splitlines(keepends=True)
    directory = load("".join([lines[0], *lines[2:]]).encode())
    assert sorted(directory.people) == ["1000", "1001", "1002"]


def test_successfactors_columns_can_be_remapped():
    data = SUCCESSFACTORS.replace("HR,DEPARTMENT", "HR,CUSTOM01").encode()
    directory = load(data, columns={"unit": "CUSTOM01", "name": "USERNAME"})
    assert directory.people["1001"].name == "ada"
    assert directory.people["1001"].unit == "Engines"


# Fields

def test_status_values():
    data = (HEADER + "e1,Ada,,eng,,ACTIVE\ne2,Grace,,eng,,Inactive\ne3,Alan,,eng,,terminated\n"
            "e4,Joan,,eng,,\ne5,Kay,,eng,,on leave\ne6,Lin,,eng,,On Leave\n").encode()
    directory = load(data)
    assert {p.id: p.status for p in directory.people.values()} == {
        "e1": ACTIVE, "e2": LEFT, "e3": LEFT, "e4": ACTIVE, "e5": ACTIVE, "e6": ACTIVE}
    assert directory.warnings == [
        "hr.csv, line 6: status 'on leave' of 1 people taken as active; add it to the source's "
        "inactive_values if it means they have left",
        "hr.csv, line 7: status 'On Leave' of 1 people taken as active; add it to the "
        "source's inactive_values if it means they have left"]


def test_configured_inactive_values():
    data = (HEADER + "e1,Ada,,eng,,Withdrawn\ne2,Grace,,eng,,inactive\n").encode()
    directory = load(data, inactive_values=["WITHDRAWN"])
    assert [p.status for p in directory.people.values()] == [LEFT, ACTIVE]


def test_managers_by_employee_id():
    data = (HEADER + "e1,Ada,,eng,e1,\ne2,Grace,,eng,e1,\ne3,Alan,,eng,,\n"
            "e4,Joan,,eng,no_manager,\n").encode()
    directory = load(data)
    assert {p.id: p.manager for p in directory.people.values()} == {
        "e1": None, "e2": "e1", "e3": None, "e4": None}


def test_cost_center_code_and_name():
    data = (b"Employee ID,Name,Department,Cost Center,Cost Center Name\n"
            b"e1,Ada,eng,4711,Research\ne2,Grace,eng,4712,\ne3,Alan,eng,,\ne4,Joan,eng,4711,Lab\n")
    directory = load(data)
    assert directory.cost_centers == {"4711": "Research", "4712": "4712"}
    assert [p.cost_center for p in directory.people.values()] == ["4711", "4712", None, "4711"]


def test_cost_center_code_without_names():
    directory = load(b"Employee ID,Name,Department,Cost Center\ne1,Ada,eng,4711\n")
    assert (directory.people["e1"].cost_center, directory.cost_centers) == ("4711", {})


def test_units_with_names_and_parents():
    data = (b"Employee ID,Name,Department,Department Name,Parent Department\n"
            b"e1,Ada,eng,Engineering,\ne2,Grace,cmp,Compilers,eng\ne3,Alan,cmp,Other name,x\n"
            b"e4,Joan,lab,,cmp\n")
    directory = load(data)
    assert directory.units == {"eng": Unit("eng", "Engineering"),
                               "cmp": Unit("cmp", "Compilers", "eng"),
                               "lab": Unit("lab", "lab", "cmp")}


def test_every_optional_field_with_header_variants():
    data = (b"employee_id,NAME,e-mail,github login,user name,DEPARTMENT,job title,Copilot seat\n"
            b"e1,Ada,ada@example.com,\"ada-l, Ada-Old\",ada.l,eng,Director,Yes\n"
            b"e2,Grace,,,,eng,,no\ne3,Alan,,,,eng,,\n")
    directory = load(data, columns={"title": "Job Title", "username": "User Name"})
    assert directory.people["e1"] == Person(
        "e1", "Ada", "eng", email="ada@example.com", logins=("ada-l", "Ada-Old"),
        username="ada.l", seat=True, title="Director")
    assert [p.seat for p in directory.people.values()] == [True, False, None]


def test_blank_rows_are_skipped_and_lines_still_counted():
    source = source_of((HEADER + "\ne1,Ada,,eng,,\n,,,,,\ne2,Grace,,eng,,\n").encode())
    assert {key: origin.line for key, origin in source.origins.items()} == {
        ("person", "e1"): 3, ("unit", "eng"): 3, ("person", "e2"): 5}


# Errors

def test_a_mapped_column_missing_from_the_header():
    data = (HEADER + "e1,Ada,,eng,,\n").encode()
    with pytest.raises(DirectoryError) as caught:
        load(data, columns={"cost_center": "Kostenstelle"})
    assert caught.value.message == (
        "hr.csv, line 1: no column 'Kostenstelle' for cost_center; the header has: "
        "Employee ID, Name, Email, Department, Manager ID, Status")


def test_a_required_column_missing_from_the_header():
    assert error_of(b"Emp No,Name,Dept\ne1,Ada,eng\n") == (
        "hr.csv, line 1: no column 'Employee ID' for id; the header has: Emp No, Name, Dept")


def test_a_missing_optional_column_is_not_read():
    directory = load(b"Employee ID,Name,Department\ne1,Ada,eng\n")
    assert directory.people["e1"] == Person("e1", "Ada", "eng")


@pytest.mark.parametrize(("row", "message"), [
    ("e1,Ada,,eng,,,extra", "hr.csv, line 2: expected 6 fields as in the header, got 7"),
    ("e1,Ada,,eng", "hr.csv, line 2: expected 6 fields as in the header, got 4"),
    (",Ada,,eng,,", "hr.csv, line 2: empty id (column 'Employee ID')"),
    ("e1, ,,eng,,", "hr.csv, line 2: person e1: empty name (column 'Name')"),
    ("e1,Ada,,,,", "hr.csv, line 2: person e1: empty unit (column 'Department')"),
    ("e1,Ada,ada,eng,,", "hr.csv, line 2: person e1: email must be an e-mail address, got 'ada'"),
])
def test_bad_rows(row, message):
    assert error_of((HEADER + row + "\n").encode()) == message


def test_a_bad_seat_value():
    assert error_of(b"Employee ID,Name,Department,Copilot Seat\ne1,Ada,eng,maybe\n") == (
        "hr.csv, line 2: person e1: seat must be yes or no (or true/false, 1/0), got 'maybe'")


def test_duplicate_id():
    assert error_of((HEADER + "e1,Ada,,eng,,\ne2,Grace,,eng,,\ne1,Alan,,eng,,\n").encode()) == (
        "hr.csv, line 4: person e1: duplicate id, first at line 2")


def test_an_empty_file():
    assert error_of(b"") == "hr.csv: the file is empty; expected a header line"


@pytest.mark.parametrize(("settings", "message"), [
    ({"delimiter": "tab"}, "csv source hr.csv: delimiter must be auto or one character, "
                           "got 'tab'"),
    ({"encoding": "latin-9000"}, "csv source hr.csv: unknown encoding 'latin-9000'"),
])
def test_bad_settings(settings, message):
    with pytest.raises(ConfigError) as caught:
        CsvSource(spec(write(HEADER.encode()), **settings))
    assert caught.value.message == message


# Configuration and the whole path to a validated directory

def configured_sources(columns: str) -> list[dict]:
    write(HEADER.encode())
    Path("enrich.yaml").write_text(
        f"directory:\n  sources:\n    - type: csv\n      path: hr.csv\n      columns: {columns}\n")
    return Config.load("enrich.yaml").get("directory.sources")


def test_the_configuration_checks_the_columns():
    assert configured_sources("{name: [First, Last], id: Emp}")[0]["columns"] == {
        "name": ["First", "Last"], "id": "Emp"}
    with pytest.raises(ConfigError) as caught:
        configured_sources("{emial: Mail}")
    assert caught.value.message == (
        "enrich.yaml, line 5: directory.sources[0].columns: unknown field 'emial' (did you "
        "mean email?); expected some of id, name, unit, unit_name, parent_unit, email, github, "
        "username, cost_center, cost_center_name, manager, status, title, seat")
    with pytest.raises(ConfigError) as caught:
        configured_sources("{id: [A, B]}")
    assert caught.value.message == (
        "enrich.yaml, line 5: directory.sources[0].columns: id: expected a column header, "
        "got ['A', 'B']")


def test_load_directory_validates_and_resolves_managers():
    write((HEADER + "e1,Ada,,eng,,\ne2,Grace,,eng,e1,\ne3,Alan,,lab,e2,\n").encode())
    directory = load_directory([spec(Path("hr.csv"))])
    assert directory.source == "hr.csv"
    chain, person = [], directory.people["e3"]
    while person.manager:
        person = directory.people[person.manager]
        chain.append(person.id)
    assert chain == ["e2", "e1"]


def test_load_directory_reports_an_unknown_manager_with_file_and_line():
    write((HEADER + "e1,Ada,,eng,,\n\"e2\",\"Grace\nHopper\",,eng,e1,\ne3,Alan,,eng,e9,\n")
          .encode())
    with pytest.raises(DirectoryError) as caught:
        load_directory([spec(Path("hr.csv"))])
    assert caught.value.message == "hr.csv, line 5: person e3: unknown manager 'e9'"
