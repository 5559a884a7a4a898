"""Fuzzing the seat CSV reader (`seats.csv`): whatever the file holds, it gives seats the
license review can use, or an error that names the file (and the line of a bad row)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from fuzzing import TEXT, check_error, line_count, spoiled_bytes, write
from hypothesis import given
from hypothesis import strategies as st

from enrich.errors import EnrichError, InputError
from enrich.sources.engagement import MAX_ID, show_value
from enrich.sources.seat_csv import DEFAULT_SEAT_COLUMNS, read_seat_csv

HEADER = list(DEFAULT_SEAT_COLUMNS.values())


def seat_row(number: int) -> list[str]:
    return [str(100 + number), f"user-{number}", "acme", "devs", "Business",
            "2025-01-02T10:00:00Z", "2025-11-02T08:00:00+02:00", "vscode/1.98.0", "", ""]


#: what a cell may become: odd text, a number too large, a date that is not, a long cell
CELLS = TEXT | st.integers().map(str) | st.sampled_from(
    [str(MAX_ID + 1), "9" * 5000, "2025-01-06T10:00:00.1234567Z", "x" * 200_000, " 42 "])


@st.composite
def seat_tables(draw) -> list[list[str]]:
    """A header and seat rows, with cells, rows and header names mutated."""
    table = [list(HEADER)] + [seat_row(i) for i in range(draw(st.integers(0, 3)))]
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.integers(0, len(table) - 1))
        how = draw(st.sampled_from(["cell", "user id", "drop a cell", "add a cell",
                                    "blank row", "duplicate column"]))
        if how == "cell":
            table[row][draw(st.integers(0, len(table[row]) - 1))] = draw(CELLS)
        elif how == "user id" and table[row]:
            table[row][0] = draw(CELLS)
        elif how == "drop a cell" and table[row]:
            table[row].pop(draw(st.integers(0, len(table[row]) - 1)))
        elif how == "add a cell":
            table[row].append(draw(CELLS))
        elif how == "blank row":
            table.insert(row + 1, [""] * len(HEADER))
        else:
            table[0].append(draw(st.sampled_from(HEADER)))
            for cells in table[1:]:
                cells.append(draw(CELLS))
    return table


def csv_bytes(table: list[list[str]], delimiter: str, encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(table)
    return text.getvalue().encode(encoding, "replace")


COLUMNS = st.fixed_dictionaries({}, optional={
    "user_id": st.sampled_from(["User ID", "id", "Login"]),
    "plan_type": st.sampled_from(["Plan type", "Plan"]),
    "login": st.sampled_from(["Login", "user", "Organization"])})


def read_and_check(content: bytes, columns: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "seats.csv", content)
        try:
            seats = read_seat_csv(path, columns)
        except EnrichError as exc:
            check_error(exc, path, lines=line_count(content))
            return
    for seat in seats:
        assert isinstance(seat.login, str) and seat.login.strip()
        assert seat.user_id is None or 0 < seat.user_id <= MAX_ID
        assert isinstance(seat.plan_type, str)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])


@given(table=seat_tables(), delimiter=st.sampled_from([",", ";", "\t"]), encoding=ENCODINGS,
       columns=COLUMNS)
def test_near_valid_seat_csv_gives_seats_or_names_file_and_line(
        table, delimiter, encoding, columns):
    read_and_check(csv_bytes(table, delimiter, encoding), columns)


@given(content=st.data())
def test_raw_bytes_give_seats_or_name_the_file(content):
    valid = csv_bytes(content.draw(seat_tables()), ",", "utf-8")
    read_and_check(content.draw(spoiled_bytes(valid)), {})


# Examples the fuzzing found, kept as plain tests.

def test_11_fuzz_a_seat_csv_user_id_beyond_64_bits_is_bad_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for user_id in (str(MAX_ID + 1), "9" * 5000):
        write(tmp_path / "seats.csv", f"User ID,Login\n{user_id},ada\n")
        with pytest.raises(InputError) as caught:
            read_seat_csv("seats.csv")
        assert caught.value.message == (
            f"seats.csv, line 2: seat of ada: column 'User ID' is {show_value(user_id)}; "
            "expected a positive integer")
