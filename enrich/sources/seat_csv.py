"""Copilot seats from a seat CSV export, as the same `Seat` objects the seats API gives.

The export is the seat list an enterprise or organization admin downloads from GitHub, or any
CSV an admin made. The `seats.columns` setting maps fields to column headers, over
`DEFAULT_SEAT_COLUMNS`; headers match ignoring case, spaces and punctuation, so `Plan type`
also finds `plan_type` and `PLAN-TYPE`. The file is read as the HR CSV is
(`enrich.directory.csv_source`): UTF-8 with or without a BOM, else Windows-1252; comma or
semicolon, whichever the header line holds more of.

Only `login` is required. A column named in the setting must be in the header; the default
column of any other field is read when the file has it, and an absent column or an empty cell
gives None, as a null does in the API. An absent or empty plan type is `unknown`, which the
review prices as business and flags; plan types are lower-cased, as the API spells them.
Timestamps stay text, as in the API, but must be dates or ISO timestamps. Rows whose cells
are all empty are skipped; one login may have several rows (one per granting organization or
team, as in the API). Cells are data: one starting with `=` is kept as it is.

The export may lack GitHub's numeric user id, which the store and the review key holders by:
`resolve_user_ids` finds it from the logins in the store.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from enrich.dates import parse_day
from enrich.directory.csv_source import (
    _sniffed,
    column_index,
    column_mapping_problems,
    csv_header,
    csv_rows,
    spreadsheet_codec,
)
from enrich.errors import ConfigError, InputError
from enrich.sources.engagement import MAX_ID, show_value
from enrich.sources.seats import Seat

#: field -> the column read when `columns` does not name one; the fields are Seat's
DEFAULT_SEAT_COLUMNS: dict[str, str] = {
    "user_id": "User ID",
    "login": "Login",
    "organization": "Organization",
    "assigning_team": "Assigning team",
    "plan_type": "Plan type",
    "created_at": "Created at",
    "last_activity_at": "Last activity at",
    "last_activity_editor": "Last editor used",
    "last_authenticated_at": "Last authenticated at",
    "pending_cancellation_date": "Pending cancellation date",
}
_TIMESTAMPS = ("created_at", "last_activity_at", "last_authenticated_at",
               "pending_cancellation_date")


def check_seat_columns(columns: dict) -> list[str]:
    """Problems of a `seats.columns` setting, for the configuration check."""
    return column_mapping_problems(columns, DEFAULT_SEAT_COLUMNS)


def read_seat_csv(path: str | Path, columns: dict | None = None) -> list[Seat]:
    """The seats of a seat CSV export, in file order; see the module docstring.

    Raises InputError naming the file, and the line of a bad row.
    """
    columns = columns or {}
    problems = check_seat_columns(columns)
    if problems:
        raise ConfigError(problems[0], key="seats.columns")
    reader = _SeatReader(Path(path), columns)
    return reader.read(spreadsheet_codec(reader.path))


def resolve_user_ids(seats: Iterable[Seat], logins: Mapping[int, list[str]]) -> list[Seat]:
    """The seats, each with a user_id: a seat read without one gets its holder's
    (`user_ids_of_logins`). A seat that has a user_id, or has no login, is kept as it is."""
    seats = list(seats)
    holders = user_ids_of_logins(
        (seat.login for seat in seats if seat.user_id is None and seat.login), logins)
    return [replace(seat, user_id=holders[seat.login.casefold()])
            if seat.user_id is None and seat.login else seat for seat in seats]


def user_ids_of_logins(wanted: Iterable[str], logins: Mapping[int, list[str]]
                       ) -> dict[str, int]:
    """Each login (lower-cased) -> the user_id of its holder.

    `logins` is `Store.logins()`: user_id -> every login it has had, display login first.
    The holder of a login (any case) is the user_id that has had it; when several have, the
    one whose display login it is, else the highest user_id, since GitHub never reuses ids
    and a login freed by a rename can be taken by a newer account.

    A login nobody in the store has had gets a negative id: -1, -2, ... in the order of the
    lower-cased logins, so the same logins always give the same ids. Its rows still merge
    into one holder, and the identity rules can still match the login to the directory.
    """
    wanted = {login.casefold() for login in wanted}
    #: lower-cased login -> the best claim on it so far: (is the display login, user_id)
    claims: dict[str, tuple[bool, int]] = {}
    for user_id, names in logins.items():
        for rank, name in enumerate(names):
            login = name.casefold()
            if login in wanted:
                claim = (rank == 0, user_id)
                claims[login] = max(claims.get(login, claim), claim)
    holders = {login: user_id for login, (_, user_id) in claims.items()}
    unknown = sorted(wanted - holders.keys())
    holders.update((login, -number) for number, login in enumerate(unknown, start=1))
    return holders


class _SeatReader:
    """Reads the seats of one file with one codec."""

    def __init__(self, path: Path, columns: dict):
        self.path = path
        self.mapping = {**DEFAULT_SEAT_COLUMNS, **columns}
        self.explicit = set(columns) | {"login"}

    def error(self, message: str, line: int | None) -> InputError:
        return InputError(message, path=self.path, line=line)

    def read(self, codec: str) -> list[Seat]:
        try:
            with open(self.path, encoding=codec, newline="") as fh:
                first = fh.readline()
                if not first:
                    raise self.error("the file is empty; expected a header line", None)
                reader = csv.reader(itertools.chain([first], fh), delimiter=_sniffed(first),
                                    strict=True)
                header = csv_header(reader, self.error)
                self.locate(header)
                seats = (self.seat(row, line)
                         for row, line in csv_rows(reader, len(header), self.error))
                return [seat for seat in seats if seat is not None]
        except OSError as exc:
            raise self.error(f"cannot read the file: {exc.strerror}", None) from None

    def locate(self, header: list[str]) -> None:
        """Where each field's column is, and its header as the file spells it."""
        self.index = column_index(header, self.mapping, self.explicit, self.error)
        self.header = header

    def seat(self, row: list[str], line: int) -> Seat | None:
        """The seat of one row; None for a row of blank cells."""
        cells = {field: row[index].strip() or None for field, index in self.index.items()}
        login = cells["login"]
        if login is None:
            if not any(cell.strip() for cell in row):
                return None
            raise self.error(f"empty login (column {self.header[self.index['login']]!r})", line)
        for field in _TIMESTAMPS:
            if cells.get(field) is not None:
                try:
                    parse_day(cells[field])
                except ValueError:
                    raise self.bad_cell(login, field, cells[field], "a date or an ISO timestamp",
                                        line) from None
        if cells.get("user_id") is not None:
            cells["user_id"] = self.user_id(login, cells["user_id"], line)
        plan = cells.get("plan_type")
        cells["plan_type"] = plan.lower() if plan else "unknown"
        return Seat(**{field: cells.get(field) for field in DEFAULT_SEAT_COLUMNS})

    def user_id(self, login: str, value: str, line: int) -> int:
        # at most as many digits as MAX_ID: int() refuses thousands of them with a ValueError
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID))
                and 0 < int(value) <= MAX_ID):
            raise self.bad_cell(login, "user_id", value, "a positive integer", line)
        return int(value)

    def bad_cell(self, login: str, field: str, value: str, expected: str,
                 line: int) -> InputError:
        column = self.header[self.index[field]]
        return self.error(f"seat of {login}: column {column!r} is {show_value(value)}; "
                          f"expected {expected}", line)
