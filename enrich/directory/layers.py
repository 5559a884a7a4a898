"""Several directory sources made into one: later layers fill or override earlier ones.

A person of a later layer is the same person as an earlier one found by id, else by e-mail,
else by a GitHub login (case-insensitive); the fields the later layer gives override, the
others are kept. Units are the same unit by id. So an HR export can bring names and cost
centers, LDAP the managers, GitHub teams the teams, each filling in what it knows.
"""

from __future__ import annotations

import dataclasses

from enrich.directory.model import Directory, Person, Unit

#: fields of a later layer that are always given and so carry no information of their own
_ALWAYS_GIVEN = {"status"}


def lay_over(directory: Directory, layer: Directory) -> None:
    """Add `layer` on top of `directory`, in place."""
    for unit in layer.units.values():
        directory.units[unit.id] = _merged(directory.units.get(unit.id), unit)
    # people of one layer are never the same person as each other: only earlier layers are
    # searched (two people claiming one login is for `validate` to report)
    index = _PersonIndex(directory)
    for person in layer.people.values():
        existing = index.find(person)
        if existing is None:
            directory.people[person.id] = person
        else:
            existing = directory.people[existing.id]
            directory.people[existing.id] = _merged(
                existing, dataclasses.replace(person, id=existing.id))
    directory.cost_centers.update(layer.cost_centers)
    directory.aliases.update(layer.aliases)
    directory.emu_short_code = layer.emu_short_code or directory.emu_short_code
    directory.warnings.extend(layer.warnings)


def _merged(old: Unit | Person | None, new: Unit | Person):
    if old is None:
        return new
    given = {f.name: getattr(new, f.name) for f in dataclasses.fields(new)
             if getattr(new, f.name) not in (None, (), "") and f.name not in _ALWAYS_GIVEN}
    if isinstance(new, Person) and new.status != old.status and new.left:
        given["status"] = new.status  # a later source may know that someone has left
    return dataclasses.replace(old, **given)


class _PersonIndex:
    def __init__(self, directory: Directory):
        self.by_id = dict(directory.people)
        self.by_email: dict[str, Person] = {}
        self.by_login: dict[str, Person] = {}
        for person in directory.people.values():
            self.add(person)

    def add(self, person: Person) -> None:
        if person.email:
            self.by_email[person.email.lower()] = person
        for login in person.logins:
            self.by_login[login.lower()] = person

    def find(self, person: Person) -> Person | None:
        found = self.by_id.get(person.id)
        if found is None and person.email:
            found = self.by_email.get(person.email.lower())
        for login in person.logins:
            if found is not None:
                break
            found = self.by_login.get(login.lower())
        return found
