"""The overrides file: the last word on the org chart, kept by whoever runs `enrich`.

```yaml
aliases: {old-login: e1042}          # GitHub login -> person id
rename_units: {eng-api: API platform} # unit id -> new name
merge_units: {eng-api-v1: eng-api}   # unit id -> the unit it becomes part of
move_people: {e1042: eng-api}        # person id -> unit id
exclude: [dependabot-bot, build-svc] # GitHub logins never counted: bots, service accounts
```
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from enrich.config import key_line, load_yaml
from enrich.directory.model import Directory
from enrich.errors import ConfigError, DirectoryError

_KEYS = ("aliases", "rename_units", "merge_units", "move_people", "exclude")


def apply_overrides(directory: Directory, path: Path) -> None:
    """Apply the overrides file to the layered directory, in place."""
    try:
        data = load_yaml(path) or {}
    except ConfigError as exc:
        raise DirectoryError(exc.message) from None
    if not isinstance(data, dict):
        raise DirectoryError(f"expected a mapping with {', '.join(_KEYS)}", path=path)
    for key in data:
        if key not in _KEYS:
            raise DirectoryError(f"unknown key {key!r}; expected {', '.join(_KEYS)}", path=path,
                                 line=key_line(data, key))
    edits = _Edits(directory, path, data)
    edits.rename_units()
    edits.merge_units()
    edits.move_people()
    edits.aliases()
    edits.exclude()
    directory.source = f"{directory.source} + {path}" if directory.source else str(path)


class _Edits:
    def __init__(self, directory: Directory, path: Path, data: dict):
        self.directory, self.path, self.data = directory, path, data

    def mapping(self, key: str) -> dict:
        value = self.data.get(key) or {}
        if not isinstance(value, dict):
            raise DirectoryError(f"{key} must be a mapping", path=self.path,
                                 line=key_line(self.data, key))
        return value

    def fail(self, key: str, mapping: dict, entry, message: str) -> DirectoryError:
        return DirectoryError(f"{key}: {message}", path=self.path, line=key_line(mapping, entry))

    def unit(self, key: str, mapping: dict, entry, unit_id) -> str:
        unit_id = str(unit_id)
        if unit_id not in self.directory.units:
            raise self.fail(key, mapping, entry, f"unknown unit {unit_id!r}")
        return unit_id

    def rename_units(self) -> None:
        renames = self.mapping("rename_units")
        for unit_id, name in renames.items():
            unit_id = self.unit("rename_units", renames, unit_id, unit_id)
            units = self.directory.units
            units[unit_id] = dataclasses.replace(units[unit_id], name=str(name))

    def merge_units(self) -> None:
        merges = self.mapping("merge_units")
        units, people = self.directory.units, self.directory.people
        for source, target in merges.items():
            source = self.unit("merge_units", merges, source, source)
            target = self.unit("merge_units", merges, source, target)
            if source == target:
                raise self.fail("merge_units", merges, source, f"{source!r} into itself")
            for unit in list(units.values()):
                if unit.parent == source:
                    units[unit.id] = dataclasses.replace(unit, parent=target)
            for person in list(people.values()):
                if person.unit == source:
                    people[person.id] = dataclasses.replace(person, unit=target)
            del units[source]

    def move_people(self) -> None:
        moves = self.mapping("move_people")
        people = self.directory.people
        for person_id, unit_id in moves.items():
            person_id = str(person_id)
            if person_id not in people:
                raise self.fail("move_people", moves, person_id,
                                f"unknown person {person_id!r}")
            unit_id = self.unit("move_people", moves, person_id, unit_id)
            people[person_id] = dataclasses.replace(people[person_id], unit=unit_id)

    def aliases(self) -> None:
        aliases = self.mapping("aliases")
        for login, person_id in aliases.items():
            if str(person_id) not in self.directory.people:
                raise self.fail("aliases", aliases, login, f"unknown person {person_id!r}")
            self.directory.aliases[str(login).lower()] = str(person_id)

    def exclude(self) -> None:
        logins = self.data.get("exclude") or []
        if not isinstance(logins, list) or not all(isinstance(x, str) for x in logins):
            raise DirectoryError("exclude must be a list of GitHub logins", path=self.path,
                                 line=key_line(self.data, "exclude"))
        self.directory.excluded_logins.update(login.lower() for login in logins)
