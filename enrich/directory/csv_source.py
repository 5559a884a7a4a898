"""The org chart from an HR export in CSV, SAP SuccessFactors' user data file included.

Settings of a `csv` source (declared in `enrich.config.SOURCE_TYPES`):

- `columns`: field -> column header, over the defaults below; `name` may also be a list of
  headers whose values are joined with a space. Headers match ignoring case, spaces and
  punctuation, so `Employee ID` also finds `employee_id` and `EMPLOYEE-ID`. A column named in
  `columns`, and the column of a required field, must be in the header; the default column of
  an optional field is read when the file has it.
- `encoding`: `auto` (UTF-8 with or without BOM, else Windows-1252) or a Python codec name.
- `delimiter`: `auto` (comma or semicolon, whichever the header line holds more of) or the
  character.
- `inactive_values`: status values (any case) meaning the person has left. `active` and an
  empty status mean active; any other value counts as active too, with a warning.

    field             default column      in a SuccessFactors file
    id (required)     Employee ID         USERID
    name (required)   Name                FIRSTNAME + LASTNAME
    unit (required)   Department
    unit_name         Department Name
    parent_unit       Parent Department
    email             Email
    github            GitHub Login        (several logins: separated by commas or spaces)
    username          Username
    cost_center       Cost Center
    cost_center_name  Cost Center Name
    manager           Manager ID          MANAGER
    status            Status
    title             Title
    seat              Copilot Seat        (yes/no, true/false, 1/0; empty: not known)

A SuccessFactors user data file is told by its first row, which holds the system keys
`USERID` and `STATUS`; its second row, the labels, is skipped. Its `MANAGER` is the manager's
USERID, or `NO_MANAGER`. An empty manager, or the person's own id, means none too.

Each distinct unit value becomes a unit; the first row naming it gives its name (else the id
is the name) and its parent (else it is a root). Whether managers and parents exist is
`validate`'s check, after all sources are layered; `origins` lets it name the file and line.
"""

from __future__ import annotations

import codecs
import collections
import csv
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

from enrich.directory.model import ACTIVE, LEFT, Directory, Person, Unit
from enrich.directory.validate import Origin
from enrich.errors import ConfigError, DirectoryError, InputError, located, unknown_name

#: field -> the column read when `columns` does not name one
DEFAULT_COLUMNS: dict[str, str | list[str]] = {
    "id": "Employee ID",
    "name": "Name",
    "unit": "Department",
    "unit_name": "Department Name",
    "parent_unit": "Parent Department",
    "email": "Email",
    "github": "GitHub Login",
    "username": "Username",
    "cost_center": "Cost Center",
    "cost_center_name": "Cost Center Name",
    "manager": "Manager ID",
    "status": "Status",
    "title": "Title",
    "seat": "Copilot Seat",
}
#: the defaults that differ in a SuccessFactors user data file; the others match its keys
#: (EMAIL, USERNAME, DEPARTMENT, STATUS, TITLE) once case is ignored
SUCCESSFACTORS_COLUMNS: dict[str, str | list[str]] = {
    "id": "USERID",
    "name": ["FIRSTNAME", "LASTNAME"],
    "manager": "MANAGER",
}
_REQUIRED = ("id", "name", "unit")
#: SuccessFactors documents NO_MANAGER; some of its templates say NO_MGR
_NO_MANAGER = {"NO_MANAGER", "NO_MGR"}
_SEAT = {"yes": True, "y": True, "true": True, "1": True,
         "no": False, "n": False, "false": False, "0": False}
_LOGIN_SEPARATORS = re.compile(r"[\s,;]+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
#: shared by every person's Origin: a CSV row has one line, so no per-field lines
_NO_FIELD_LINES: MappingProxyType = MappingProxyType({})


def check_columns(columns: dict) -> list[str]:
    """Problems of a `columns` setting, for the configuration check."""
    problems = []
    for field, header in columns.items():
        if field not in DEFAULT_COLUMNS:
            problems.append(unknown_name(field, DEFAULT_COLUMNS, "field"))
        elif not _names_columns(field, header):
            expected = "a column header" + (" or a list of them" if field == "name" else "")
            problems.append(f"{field}: expected {expected}, got {header!r}")
    return problems


def column_mapping_problems(columns: dict, fields: Iterable[str]) -> list[str]:
    """Problems of a setting that maps `fields` to column headers (`seats.columns`,
    `billing.columns`): an unknown field, said with the closest known one; a header that is
    no text."""
    fields = list(fields)
    return [unknown_name(field, fields, "field") if field not in fields else
            f"{field}: expected a column header, got {header!r}"
            for field, header in columns.items()
            if field not in fields or not _is_header(header)]


def column_index(header: list[str], mapping: dict[str, str], required: Iterable[str], error,
                 former: dict[str, str] | None = None) -> dict[str, int]:
    """field -> the index of its column in `header`, for the fields of `mapping` (field ->
    header) that the file has. Headers match exactly, else ignoring case, spaces and
    punctuation; `former` names a header read when a field's own is absent. A `required`
    field without a column is an `error(message, 1)`."""
    exact = _first_index(header)
    loose = _first_index(_normalized(name) for name in header)
    required, former = set(required), former or {}
    index: dict[str, int] = {}
    for field, name in mapping.items():
        found = exact.get(name, loose.get(_normalized(name)))
        if found is None and field in former:
            found = loose.get(_normalized(former[field]))
        if found is not None:
            index[field] = found
        elif field in required:
            raise error(f"no column {name!r} for {field}; the header has: "
                        f"{', '.join(header)}", 1)
    return index


def _names_columns(field: str, value) -> bool:
    if field == "name" and isinstance(value, list):
        return bool(value) and all(_is_header(header) for header in value)
    return _is_header(value)


def _is_header(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


class CsvSource:
    """A directory source reading one HR export; see the module docstring for the settings."""

    def __init__(self, spec: dict):
        self.path = Path(spec["path"])
        self.name = str(self.path)
        self.columns: dict = spec["columns"]
        self.encoding = spec["encoding"]
        self.codec = _codec(self.encoding, self.name)
        self.delimiter = _checked_delimiter(spec["delimiter"], self.name)
        self.inactive_values = {value.casefold() for value in spec["inactive_values"]}
        self.origins: dict[tuple[str, str], Origin] = {}

    def load(self) -> Directory:
        try:
            return self._read(self.codec)
        except UnicodeError as exc:
            if self.encoding != "auto":
                raise self._undecodable(exc, self.codec, self.encoding) from None
        # Not UTF-8: a spreadsheet saved on Windows, in its code page.
        try:
            return self._read("cp1252")
        except UnicodeDecodeError as exc:
            raise self._undecodable(exc, "cp1252", "UTF-8 or Windows-1252") from None

    def _read(self, codec: str) -> Directory:
        reader = _Reader(self.path, self.columns, self.inactive_values)
        try:
            with open(self.path, encoding=codec, newline="") as fh:
                reader.read(fh, self.delimiter)
        except OSError as exc:
            raise DirectoryError(f"cannot read the file: {exc.strerror}", path=self.path) from None
        self.origins = reader.origins
        return reader.directory

    def _undecodable(self, exc: UnicodeError, codec: str, label: str) -> DirectoryError:
        if isinstance(exc, UnicodeDecodeError):
            problem = f"cannot decode byte 0x{exc.object[exc.start]:02x} as {label} ({exc.reason})"
        else:  # what the UTF-16 and UTF-32 codecs say of a file without a byte order mark
            problem = f"cannot decode the file as {label}: {exc}"
        return DirectoryError(problem, path=self.path,
                              line=first_undecodable_line(self.path, codec),
                              hint="set the source's `encoding` to the file's encoding")


def csv_header(reader, error) -> list[str]:
    """The header line's names, stripped; `error(message, line)` makes the exception."""
    try:
        return [name.strip() for name in next(reader)]
    except csv.Error as exc:
        raise error(f"not valid CSV: {exc}", 1) from None


def csv_rows(reader, width: int, error) -> Iterator[tuple[list[str], int]]:
    """Each non-empty row of a CSV reader with the line it starts on (quoted newlines move it
    down), of the header's `width`; `error(message, line)` makes the exception to raise."""
    line = reader.line_num + 1
    try:
        for row in reader:
            # spreadsheets leave rows of empty cells at the end
            if any(row):
                if len(row) != width:
                    raise error(f"expected {width} fields as in the header, got {len(row)}",
                                line)
                yield row, line
            line = reader.line_num + 1
    except csv.Error as exc:
        raise error(f"not valid CSV: {exc}", line) from None


def _codec(encoding: str, source: str) -> str:
    """The codec to try first: `auto` tries UTF-8, then Windows-1252."""
    if encoding == "auto":
        encoding = "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(f"csv source {source}: unknown encoding {encoding!r}") from None
    # UTF-8 files from Windows often start with a BOM, which would stick to the first header
    return "utf-8-sig" if name == "utf-8" else name


def _checked_delimiter(delimiter: str, source: str) -> str:
    if delimiter != "auto" and len(delimiter) != 1:
        raise ConfigError(f"csv source {source}: delimiter must be auto or one character, "
                          f"got {delimiter!r}")
    return delimiter


def spreadsheet_codec(path: Path) -> str:
    """The codec of a CSV a spreadsheet wrote: UTF-8 (with or without a BOM) when the whole
    file decodes as such, else Windows-1252, the code page Excel saves in on Windows.

    Raises InputError naming the line of the first byte that neither decodes."""
    for codec in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return codec
        except UnicodeDecodeError as exc:
            failure = exc
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror}", path=path) from None
    raise InputError(
        f"cannot decode byte 0x{failure.object[failure.start]:02x} as UTF-8 or Windows-1252 "
        f"({failure.reason})", path=path, line=first_undecodable_line(path, "cp1252"),
        hint="save the file as UTF-8")


def first_undecodable_line(path: Path, codec: str) -> int:
    """The line of the first byte `codec` cannot decode. Reading decodes blocks of the file,
    which tells no line, so a file found undecodable is decoded again line by line."""
    decoder = codecs.getincrementaldecoder(codec)()
    line = 0
    with open(path, "rb") as fh:
        for line, raw in enumerate(fh, start=1):
            try:
                decoder.decode(raw)
            except UnicodeError:
                return line
    # every line decodes: the last one ends in the middle of a character
    return line


def _sniffed(first_line: str) -> str:
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _normalized(header: str) -> str:
    return _NOT_ALPHANUMERIC.sub("", header.casefold())


def _first_index(names: Iterable[str]) -> dict[str, int]:
    """Name -> where it first is: of two columns with one name, the first counts."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)
    return index


def _is_successfactors(header: list[str]) -> bool:
    # the system keys of its first row, in upper case as its import requires
    return "USERID" in header and "STATUS" in header


#: one row's stripped cells by field; "" for a field that has no column in the file
_Cells = collections.namedtuple("_Cells", DEFAULT_COLUMNS)


class _Columns:
    """Where each field is in the rows of one file."""

    def __init__(self, header: list[str], mapping: dict[str, str | list[str]],
                 explicit: set[str], error: Callable[[str, int], DirectoryError]):
        self.header = header
        exact = _first_index(header)
        loose = _first_index(_normalized(name) for name in header)
        #: the header text of each field found, for messages
        self.names: dict[str, str] = {}
        #: the columns of each field whose value joins several, e.g. FIRSTNAME + LASTNAME
        self.joined: list[list[int]] = []
        indexes = []
        for field in _Cells._fields:
            wanted = mapping[field]
            names = wanted if isinstance(wanted, list) else [wanted]
            found = [exact.get(name, loose.get(_normalized(name))) for name in names]
            if None in found:
                if field in explicit or field in _REQUIRED:
                    raise error(f"no column {names[found.index(None)]!r} for {field}; the "
                                f"header has: {', '.join(header)}", 1)
                indexes.append(len(header))  # the empty cell `cells` appends
                continue
            for index in found:
                same = [i for i, name in enumerate(header)
                        if _normalized(name) == _normalized(header[index])]
                if len(same) > 1:
                    # which of them holds the field would be a guess
                    raise error(f"{len(same)} columns for {field}: " + ", ".join(
                        f"{header[i]!r} (column {i + 1})" for i in same)
                        + "; rename or remove all but one", 1)
            self.names[field] = " + ".join(repr(name) for name in names)
            if isinstance(wanted, list):
                indexes.append(len(header) + 1 + len(self.joined))
                self.joined.append(found)
            else:
                indexes.append(found[0])
        self._pick = operator.itemgetter(*indexes)

    def __contains__(self, field: str) -> bool:
        return field in self.names

    def cells(self, row: list[str]) -> _Cells:
        # One C-level pick per row is what keeps 300,000 rows fast: so the row first gets an
        # empty cell for the fields without a column, then the values of the joined ones.
        row.append("")
        for indexes in self.joined:
            row.append(" ".join(filter(None, (row[i].strip() for i in indexes))))
        return _Cells._make(map(str.strip, self._pick(row)))


class _Reader:
    """Fills one Directory, and the line of each unit and person, from the rows of a file."""

    def __init__(self, path: Path, columns: dict, inactive_values: set[str]):
        self.path = path
        self.configured = columns
        #: lower-cased status -> model status
        self.statuses = {"": ACTIVE, ACTIVE: ACTIVE} | dict.fromkeys(inactive_values, LEFT)
        self.directory = Directory(source=str(path))
        self.origins: dict[tuple[str, str], Origin] = {}
        #: status value known neither as active nor as left -> [count, first line]
        self.unknown_statuses: dict[str, list[int]] = {}

    def error(self, message: str, line: int | None) -> DirectoryError:
        return DirectoryError(message, path=self.path, line=line)

    def read(self, fh: TextIO, delimiter: str) -> None:
        first = fh.readline()
        if not first:
            raise self.error("the file is empty; expected a header line", None)
        if delimiter == "auto":
            delimiter = _sniffed(first)
        reader = csv.reader(itertools.chain([first], fh), delimiter=delimiter, strict=True)
        header = csv_header(reader, self.error)
        self.columns = self.columns_of(header)
        rows = csv_rows(reader, len(header), self.error)
        if _is_successfactors(header):
            self.skip_successfactors_labels(rows)
        for row, line in rows:
            self.add(self.columns.cells(row), line)
        self.warn_of_unknown_statuses()

    def columns_of(self, header: list[str]) -> _Columns:
        mapping = dict(DEFAULT_COLUMNS)
        if _is_successfactors(header):
            mapping.update(SUCCESSFACTORS_COLUMNS)
        mapping.update(self.configured)
        return _Columns(header, mapping, set(self.configured), self.error)

    def skip_successfactors_labels(self, rows: Iterator[tuple[list[str], int]]) -> None:
        """Skip the label row under the system keys, unless the file left it out."""
        first = next(rows, None)
        if first is None:
            return
        row, line = first
        if row[self.columns.header.index("USERID")].strip().upper() != "USERID":
            self.add(self.columns.cells(row), line)

    def add(self, cells: _Cells, line: int) -> None:
        person = self.person(cells, line)
        people = self.directory.people
        if person.id in people:
            first = self.origins["person", person.id].line
            raise self.error(f"person {person.id}: duplicate id, first at line {first}", line)
        people[person.id] = person
        self.origins["person", person.id] = Origin(self.path, line, _NO_FIELD_LINES)
        if person.unit not in self.directory.units:
            self.add_unit(cells, line)
        if person.cost_center and "cost_center_name" in self.columns:
            self.directory.cost_centers.setdefault(
                person.cost_center, cells.cost_center_name or person.cost_center)

    def person(self, cells: _Cells, line: int) -> Person:
        person_id = cells.id
        if not (person_id and cells.name and cells.unit):
            raise self.empty_cell(cells, line)
        # the empty tests before each call save a good part of the time on a large file
        return Person(
            id=person_id, name=cells.name, unit=cells.unit,
            email=self.converted(_email, cells, "email", line) if cells.email else None,
            logins=tuple(_LOGIN_SEPARATORS.split(cells.github)) if cells.github else (),
            username=cells.username or None,
            cost_center=cells.cost_center or None,
            manager=_manager(cells.manager, person_id) if cells.manager else None,
            seat=self.converted(_seat, cells, "seat", line) if cells.seat else None,
            status=self.status(cells.status, line),
            title=cells.title or None,
        )

    def empty_cell(self, cells: _Cells, line: int) -> DirectoryError:
        names = self.columns.names
        if not cells.id:
            return self.error(f"empty id (column {names['id']})", line)
        field = "name" if not cells.name else "unit"
        return self.error(f"person {cells.id}: empty {field} (column {names[field]})", line)

    def converted(self, converter: Callable[[str], Any], cells: _Cells, field: str, line: int):
        """The value of a non-empty cell as the model holds it."""
        value = getattr(cells, field)
        try:
            return converter(value)
        except ValueError as exc:
            raise self.error(f"person {cells.id}: {field} {exc}, got {value!r}", line) from None

    def status(self, value: str, line: int) -> str:
        status = self.statuses.get(value.casefold())
        if status is None:
            self.unknown_statuses.setdefault(value, [0, line])[0] += 1
            return ACTIVE
        return status

    def add_unit(self, cells: _Cells, line: int) -> None:
        self.directory.units[cells.unit] = Unit(
            cells.unit, cells.unit_name or cells.unit, cells.parent_unit or None)
        self.origins["unit", cells.unit] = Origin(self.path, line, _NO_FIELD_LINES)

    def warn_of_unknown_statuses(self) -> None:
        for value, (count, line) in self.unknown_statuses.items():
            self.directory.warnings.append(located(
                f"status {value!r} of {count} people taken as active; add it to the source's "
                "inactive_values if it means they have left", self.path, line))


# Cell converters: return the model value of a non-empty cell, or raise ValueError saying
# what was expected.

def _email(value: str) -> str:
    if "@" not in value:
        raise ValueError("must be an e-mail address")
    return value


def _seat(value: str) -> bool:
    try:
        return _SEAT[value.casefold()]
    except KeyError:
        raise ValueError("must be yes or no (or true/false, 1/0)") from None


def _manager(value: str, person_id: str) -> str | None:
    # HR systems often make the head of the company their own manager
    if value == person_id or value.upper() in _NO_MANAGER:
        return None
    return value
