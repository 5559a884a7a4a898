"""Seat CSV exports: columns, encodings, delimiters, the errors a user sees, and user ids."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from enrich.errors import ConfigError, InputError
from enrich.sources.seat_csv import (
    DEFAULT_SEAT_COLUMNS,
    check_seat_columns,
    read_seat_csv,
    resolve_user_ids,
)
from enrich.sources.seats import Seat

HEADER = ("Login,Organization,Assigning team,Plan type,Created at,Last activity at,"
          "Last editor used,Last authenticated at,Pending cancellation date\r\n")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # Relative file names keep the expected messages short: "seats.csv, line 3: ...".
    monkeypatch.chdir(tmp_path)


def write(data: bytes, name: str = "seats.csv") -> Path:
    path = Path(name)
    path.write_bytes(data)
    return path


def read(data: bytes, columns: dict | None = None) -> list[Seat]:
    return read_seat_csv(write(data), columns)


def error_of(data: bytes, columns: dict | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read(data, columns)
    return caught.value.message


def seat(login: str | None, user_id: int | None = None, **values) -> Seat:
    """A seat with every optional field None and the plan unknown, unless given."""
    return Seat(**{field.name: None for field in fields(Seat)}
                | {"plan_type": "unknown", "login": login, "user_id": user_id} | values)


def test_the_fields_are_seats():
    assert list(DEFAULT_SEAT_COLUMNS) == [field.name for field in fields(Seat)]


# Headers and columns

def test_default_headers():
    data = (HEADER
            + "octocat,acme,devs,business,2026-01-05T10:00:00Z,2026-03-01T08:30:00+02:00,"
              "vscode/1.98.0/copilot/1.300.0,2026-03-01T08:00:00Z,\r\n"
            + "hubot,acme,,enterprise,2026-02-01,,,,2026-04-01\r\n").encode()
    assert read(data) == [
        Seat(user_id=None, login="octocat", organization="acme", assigning_team="devs",
             plan_type="business", created_at="2026-01-05T10:00:00Z",
             last_activity_at="2026-03-01T08:30:00+02:00",
             last_activity_editor="vscode/1.98.0/copilot/1.300.0",
             last_authenticated_at="2026-03-01T08:00:00Z", pending_cancellation_date=None),
        seat("hubot", organization="acme", plan_type="enterprise", created_at="2026-02-01",
             pending_cancellation_date="2026-04-01"),
    ]


def test_semicolons_and_a_utf8_bom():
    data = b"\xef\xbb\xbf" + ("Login;Organization;Plan type\r\n"
                              "zoë;\"acme; Zürich\";Business\r\n").encode()
    assert read(data) == [seat("zoë", organization="acme; Zürich", plan_type="business")]


def test_windows_1252_is_the_fallback():
    data = "Login,Assigning team\nada,Núñez – Œuvre\n".encode("cp1252")
    assert read(data) == [seat("ada", assigning_team="Núñez – Œuvre")]


def test_bytes_neither_utf8_nor_windows_1252():
    with pytest.raises(InputError) as caught:
        read(b"Login,Organization\nada,acme\nbob,\x81\n")
    assert caught.value.message == ("seats.csv, line 3: cannot decode byte 0x81 as UTF-8 or "
                                    "Windows-1252 (character maps to <undefined>)")
    assert caught.value.hint == "save the file as UTF-8"


def test_a_custom_mapping():
    data = b"GitHub handle,Org,Seat since,Id\nada,acme,2026-01-05,583231\n"
    columns = {"login": "GitHub handle", "organization": "Org", "created_at": "Seat since",
               "user_id": "Id"}
    assert read(data, columns) == [
        seat("ada", 583231, organization="acme", created_at="2026-01-05")]


def test_headers_in_another_case_and_spacing():
    data = (b"LOGIN,organization,assigning-team,PLAN_TYPE,last_activity_at,Last Editor Used,"
            b"user_id\n"
            b"ada,acme,devs,business,2026-03-01T08:30:00Z,vscode,42\n")
    assert read(data) == [
        seat("ada", 42, organization="acme", assigning_team="devs", plan_type="business",
             last_activity_at="2026-03-01T08:30:00Z", last_activity_editor="vscode")]


def test_a_missing_login_column():
    assert error_of(b"User,Organization\nada,acme\n") == (
        "seats.csv, line 1: no column 'Login' for login; the header has: User, Organization")


def test_a_configured_column_must_be_in_the_header():
    assert error_of(b"Login,Organization\nada,acme\n", {"assigning_team": "Team"}) == (
        "seats.csv, line 1: no column 'Team' for assigning_team; the header has: "
        "Login, Organization")


def test_an_unknown_field_in_the_mapping():
    with pytest.raises(ConfigError) as caught:
        read(b"Login\nada\n", {"logn": "User"})
    assert caught.value.message == (
        f"seats.columns: unknown field 'logn' (did you mean login?); expected some of "
        f"{', '.join(DEFAULT_SEAT_COLUMNS)}")


def test_an_empty_file():
    assert error_of(b"") == "seats.csv: the file is empty; expected a header line"


# Rows

def test_an_empty_login():
    # the quoted newline puts the row with no login on line 4
    data = b'Login,Organization\nada,"acme\nlabs"\n,acme\n'
    assert error_of(data) == "seats.csv, line 4: empty login (column 'Login')"


def test_blank_rows_are_skipped():
    data = b"Login,Organization,Plan type\nada,acme,business\n,,\n  , ,\n\nbob,acme,\n,,\n"
    assert read(data) == [seat("ada", organization="acme", plan_type="business"),
                          seat("bob", organization="acme")]


def test_a_bad_timestamp():
    data = HEADER.encode() + b"ada,acme,,business,2026-01-05,yesterday,,,\r\n"
    assert error_of(data) == ("seats.csv, line 2: seat of ada: column 'Last activity at' is "
                              "'yesterday'; expected a date or an ISO timestamp")


def test_a_bad_pending_cancellation_date():
    data = HEADER.encode() + b"ada,acme,,business,,,,,2026-02-30\r\n"
    assert error_of(data) == (
        "seats.csv, line 2: seat of ada: column 'Pending cancellation date' is '2026-02-30'; "
        "expected a date or an ISO timestamp")


@pytest.mark.parametrize("value", ["abc", "0", "-5", "12.0", "\u0661\u0662"])
def test_a_bad_user_id(value):
    data = f"Login,User ID\nada,1\nbob,{value}\n".encode()
    assert error_of(data) == (f"seats.csv, line 3: seat of bob: column 'User ID' is "
                              f"{value!r}; expected a positive integer")


def test_a_plan_type_absent_or_empty_is_unknown():
    assert read(b"Login\nada\n") == [seat("ada")]
    assert read(b"Login,Plan type\nada,\nbob,Enterprise\n") == [
        seat("ada"), seat("bob", plan_type="enterprise")]


def test_duplicate_logins_are_kept_in_file_order():
    data = b"Login,Organization\nada,acme\nbob,acme\nada,labs\n"
    assert read(data) == [seat("ada", organization="acme"), seat("bob", organization="acme"),
                          seat("ada", organization="labs")]


def test_a_cell_starting_with_equals_is_data():
    data = b'Login,Organization,Assigning team\nada,"=HYPERLINK(""x"")",=1+1\n'
    assert read(data) == [
        seat("ada", organization='=HYPERLINK("x")', assigning_team="=1+1")]


def test_a_row_of_another_width():
    assert error_of(b"Login,Organization\nada,acme\nbob\n") == (
        "seats.csv, line 3: expected 2 fields as in the header, got 1")


def test_a_missing_file():
    with pytest.raises(InputError) as caught:
        read_seat_csv("nowhere.csv")
    assert caught.value.message == "nowhere.csv: cannot read the file: No such file or directory"


# User ids

LOGINS = {
    5: ["ada"],
    # renamed grace-old -> grace; a newer account took grace-old
    7: ["grace", "grace-old"],
    9: ["Grace-Old"],
    # two former holders of one login, neither showing it now: the newer account is it
    11: ["alan", "turing"],
    12: ["alan2", "turing"],
}


def test_a_known_login_gets_its_user_id():
    assert resolve_user_ids([seat("ADA")], LOGINS) == [seat("ADA", 5)]


def test_a_renamed_login_goes_to_its_display_holder():
    assert resolve_user_ids([seat("grace-old"), seat("grace")], LOGINS) == [
        seat("grace-old", 9), seat("grace", 7)]


def test_a_login_of_several_former_holders_goes_to_the_newest():
    assert resolve_user_ids([seat("turing")], LOGINS) == [seat("turing", 12)]


def test_unknown_logins_get_stable_negative_ids():
    seats = [seat("zed"), seat("Bob"), seat("ada"), seat("zed", organization="labs"),
             seat("bob")]
    assert resolve_user_ids(seats, LOGINS) == [
        seat("zed", -2), seat("Bob", -1), seat("ada", 5), seat("zed", -2, organization="labs"),
        seat("bob", -1)]
    assert resolve_user_ids(reversed(seats), LOGINS) == resolve_user_ids(seats, LOGINS)[::-1]


def test_a_seat_with_its_own_user_id_is_kept():
    seats = [seat("ada", 99), seat(None), seat("ada")]
    assert resolve_user_ids(seats, LOGINS) == [seat("ada", 99), seat(None), seat("ada", 5)]


def test_read_and_resolved():
    data = b"Login,User ID\nada,\nnewcomer,\ngrace,7\n"
    assert resolve_user_ids(read(data), LOGINS) == [
        seat("ada", 5), seat("newcomer", -1), seat("grace", 7)]


# The configuration check

def test_check_seat_columns():
    assert check_seat_columns({"login": "User", "plan_type": "Licence"}) == []
    assert check_seat_columns({"logn": "User", "organization": ["Org"], "plan_type": " "}) == [
        f"unknown field 'logn' (did you mean login?); expected some of "
        f"{', '.join(DEFAULT_SEAT_COLUMNS)}",
        "organization: expected a column header, got ['Org']",
        "plan_type: expected a column header, got ' '",
    ]


def test_an_unclosed_quote_in_the_header_is_reported_on_line_1():
    assert error_of(b'Login,"Plan type\nada\n') == (
        "seats.csv, line 1: not valid CSV: unexpected end of data")
