"""The org chart from a YAML file.

```yaml
emu_short_code: acme            # optional
cost_centers: {CC-100: Platform engineering}   # optional: id -> name
units:
  - {id: eng, name: Engineering, parent: null, cost_center: CC-100,
     lead: {name: Ada Lovelace, email: ada@example.com}}
people:
  - {id: e1001, name: Ada Lovelace, email: ada@example.com, github: ada-l,
     username: ada.lovelace, unit: eng, cost_center: CC-100, manager: e1000, seat: true,
     status: active, title: Director}
aliases: {old-login: e1001}     # optional: GitHub login -> person id
```

Every key is optional, so a file can hold only overrides for an earlier source. This module
checks the shape of each entry; whether references resolve is `validate`'s job, done after
all sources are layered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from enrich.config import key_line, load_yaml
from enrich.directory.model import ACTIVE, LEFT, Directory, Lead, Person, Unit
from enrich.directory.validate import Origin, login_claimed_twice
from enrich.errors import ConfigError, DirectoryError, did_you_mean

_TOP_LEVEL_KEYS = ("emu_short_code", "cost_centers", "units", "people", "aliases")
_LEFT_STATUSES = ("left", "inactive", "disabled", "terminated")
_SHORT_CODE = re.compile(r"[A-Za-z0-9]{3,8}")


class YamlSource:
    """A directory source reading one YAML file; see the module docstring for the format."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.name = str(self.path)
        self.origins: dict[tuple[str, str], Origin] = {}

    def load(self) -> Directory:
        reader = _Reader(self.path)
        reader.read(_read_file(self.path))
        self.origins = reader.origins
        return reader.directory


def _read_file(path: Path):
    data = _read_json(path)
    if data is not None:
        return data
    try:
        data = load_yaml(path)
    except ConfigError as exc:
        # The same message, but reported as a bad input file rather than a bad configuration.
        raise DirectoryError(exc.message) from None
    if data is None:
        raise DirectoryError(f"the file is empty; expected {', '.join(_TOP_LEVEL_KEYS)}",
                             path=path)
    if not isinstance(data, dict):
        raise DirectoryError(f"expected a mapping with {', '.join(_TOP_LEVEL_KEYS)}", path=path)
    return data


def _read_json(path: Path):
    """The content of a file in JSON, which is YAML too and loads fifty times faster than
    YAML for a large org chart; None when the file is not JSON. JSON keeps no line numbers,
    so messages then name the entry rather than the line.

    orjson refuses what the YAML reader then reports with its line: nesting deeper than
    1,024, a lone surrogate (`\\ud800`), which no output could be written with.
    """
    try:
        with open(path, "rb") as fh:
            if fh.read(64).lstrip()[:1] != b"{":
                return None
            fh.seek(0)
            return orjson.loads(fh.read())
    except (OSError, orjson.JSONDecodeError):
        return None


# Field converters: return the model value or raise ValueError saying what was expected.

def _identifier(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("must be a text or a number")
    if not str(value).strip():
        raise ValueError("must not be empty")
    return str(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty text")
    return value


def _email(value: Any) -> str:
    if not isinstance(value, str) or "@" not in value:
        raise ValueError("must be an e-mail address")
    return value


def _logins(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    try:
        return tuple(_identifier(login) for login in values)
    except ValueError:
        raise ValueError("must be a login or a list of logins") from None


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _status(value: Any) -> str:
    status = value.lower() if isinstance(value, str) else None
    if status == ACTIVE:
        return ACTIVE
    if status in _LEFT_STATUSES:
        return LEFT
    raise ValueError(f"must be active or left (or {', '.join(_LEFT_STATUSES[1:])})")


def _lead(value: Any) -> Lead:
    expected = "must be a mapping with a name and an optional email"
    if not isinstance(value, dict) or not set(value) <= {"name", "email"}:
        raise ValueError(expected)
    try:
        email = value.get("email")
        return Lead(_text(value.get("name")), None if email is None else _email(email))
    except ValueError:
        raise ValueError(expected) from None


#: YAML key -> (model field, converter)
_Fields = dict[str, tuple[str, Callable[[Any], Any]]]


@dataclass(frozen=True)
class _EntryList:
    """A top-level list of entries (units, people) and how to read one entry."""

    key: str
    kind: str
    fields: _Fields
    required: tuple[str, ...]
    model: type


_UNITS = _EntryList("units", "unit", {
    "id": ("id", _identifier),
    "name": ("name", _text),
    "parent": ("parent", _identifier),
    "cost_center": ("cost_center", _identifier),
    "lead": ("lead", _lead),
}, ("id", "name"), Unit)
_PEOPLE = _EntryList("people", "person", {
    "id": ("id", _identifier),
    "name": ("name", _text),
    "email": ("email", _email),
    "github": ("logins", _logins),
    "username": ("username", _text),
    "unit": ("unit", _identifier),
    "cost_center": ("cost_center", _identifier),
    "manager": ("manager", _identifier),
    "seat": ("seat", _flag),
    "status": ("status", _status),
    "title": ("title", _text),
}, ("id", "name", "unit"), Person)


class _Reader:
    """Fills one Directory and the origin of each entry from the parsed file."""

    def __init__(self, path: Path):
        self.path = path
        self.directory = Directory(source=str(path))
        self.origins: dict[tuple[str, str], Origin] = {}
        self._no_lines: Origin | None = None

    def error(self, message: str, line: int | None) -> DirectoryError:
        return DirectoryError(message, path=self.path, line=line)

    def read(self, data: dict) -> None:
        self.reject_unknown_keys(data, _TOP_LEVEL_KEYS, "")
        self.read_short_code(data)
        self.read_cost_centers(data)
        for entries, target in ((_UNITS, self.directory.units), (_PEOPLE, self.directory.people)):
            for values, origin in self.read_entries(data, entries):
                target[values["id"]] = entries.model(**values)
                self.origins[entries.kind, values["id"]] = origin
        self.read_aliases(data)

    def reject_unknown_keys(self, mapping: dict, allowed, label: str) -> None:
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                raise self.error(f"{label}unknown key {key!r}{hint}", key_line(mapping, key))

    def read_short_code(self, data: dict) -> None:
        code = data.get("emu_short_code")
        if code is None:
            return
        if isinstance(code, bool) or not _SHORT_CODE.fullmatch(str(code)):
            raise self.error(f"emu_short_code must be 3 to 8 letters or digits, got {code!r}",
                             key_line(data, "emu_short_code"))
        self.directory.emu_short_code = str(code)

    def read_cost_centers(self, data: dict) -> None:
        centers = self.mapping(data, "cost_centers", "a mapping of cost center id to name")
        for key, name in centers.items():
            line = key_line(centers, key)
            cost_center = self.convert(_identifier, key, "cost center id", line)
            label = f"cost center {cost_center}: name"
            self.directory.cost_centers[cost_center] = self.convert(_text, name, label, line)

    def read_aliases(self, data: dict) -> None:
        aliases = self.mapping(data, "aliases", "a mapping of GitHub login to person id")
        for key, target in aliases.items():
            line = key_line(aliases, key)
            login = self.convert(_identifier, key, "alias login", line)
            person_id = self.convert(_identifier, target, f"alias {login!r}: person", line)
            first = self.directory.aliases.setdefault(login.lower(), person_id)
            if first != person_id:
                raise self.error(login_claimed_twice(login, first, person_id), line)
            self.origins["alias", login.lower()] = Origin(self.path, line)

    def mapping(self, data: dict, key: str, expected: str) -> dict:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"{key} must be {expected}", key_line(data, key))
        return value

    def read_entries(self, data: dict, entries: _EntryList) -> Iterator[tuple[dict, Origin]]:
        """Yield each entry of the list as model fields, with where it was read."""
        items = data.get(entries.key)
        if items is None:
            return
        list_line = key_line(data, entries.key)
        if not isinstance(items, list):
            raise self.error(f"{entries.key} must be a list", list_line)
        first_line: dict[str, int | None] = {}
        for number, entry in enumerate(items, start=1):
            if not isinstance(entry, dict):
                raise self.error(f"{entries.kind} #{number}: expected a mapping with "
                                 f"{' and '.join(entries.required)}, got {entry!r}", list_line)
            origin = self.origin_of(entry, entries.fields, list_line)
            values = self.read_entry(entry, entries, number, origin)
            entry_id = values["id"]
            if entry_id in first_line:
                first = first_line[entry_id]
                raise self.error(f"{entries.kind} {entry_id}: duplicate id"
                                 + (f", first at line {first}" if first else ""),
                                 origin.line_of("id"))
            first_line[entry_id] = origin.line_of("id")
            yield values, origin

    def origin_of(self, entry: dict, fields: _Fields, default_line: int | None) -> Origin:
        # Keys come in file order, so the first key's line is the entry's.
        lines = getattr(entry, "lines", None)
        if lines is None:  # a JSON file has no lines: one origin serves every entry
            if self._no_lines is None:
                self._no_lines = Origin(self.path, default_line)
            return self._no_lines
        field_lines = {fields[key][0]: line for key, line in lines.items() if key in fields}
        return Origin(self.path, next(iter(lines.values()), default_line), field_lines)

    def read_entry(self, entry: dict, entries: _EntryList, number: int, origin: Origin) -> dict:
        # the label is made only for a message: an org chart has hundreds of thousands of entries
        def label() -> str:
            return self.label_of(entry, entries.kind, number, origin)

        if not entry.keys() <= entries.fields.keys():
            self.reject_unknown_keys(entry, entries.fields, f"{label()}: ")
        values = {}
        for key, value in entry.items():
            name, converter = entries.fields[key]
            # null means "not given", as for an absent key
            if value is None:
                continue
            try:
                values[name] = converter(value)
            except ValueError as exc:
                raise self.invalid(f"{label()}: {key}", exc, value,
                                   origin.line_of(name)) from None
        for key in entries.required:
            if key not in values:
                raise self.error(f"{label()}: missing required field {key!r}",
                                 origin.line_of(key))
        return values

    def label_of(self, entry: dict, kind: str, number: int, origin: Origin) -> str:
        """`person e1001` once the id is known, else `person #3` (its place in the list)."""
        label = f"{kind} #{number}"
        if entry.get("id") is None:
            return label
        entry_id = self.convert(_identifier, entry["id"], f"{label}: id", origin.line_of("id"))
        return f"{kind} {entry_id}"

    def convert(self, converter: Callable[[Any], Any], value: Any, label: str,
                line: int | None):
        try:
            return converter(value)
        except ValueError as exc:
            raise self.invalid(label, exc, value, line) from None

    def invalid(self, label: str, problem: ValueError, value: Any,
                line: int | None) -> DirectoryError:
        return self.error(f"{label} {problem}, got {value!r}", line)
