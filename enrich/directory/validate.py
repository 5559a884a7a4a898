"""The checks that turn a loaded org chart into a `Directory` every later stage can trust.

They run once, after all sources are layered, because an override file may point at units or
people that an earlier source brought. Any source may fill `Origin`s so that a message names
the file and line of the entry at fault; without one, the message names the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from enrich.directory.model import Directory
from enrich.errors import DirectoryError


@dataclass(frozen=True)
class Origin:
    """Where a unit, person or alias was read."""

    path: Path | str
    #: the line of the entry as a whole
    line: int | None = None
    #: the line of each field of the entry, by `Unit`/`Person` field name
    field_lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, field_name: str | None) -> int | None:
        return self.field_lines.get(field_name, self.line)


#: ("unit", unit id) or ("person", person id) or ("alias", lower-cased login) -> where it was read
Origins = Mapping[tuple[str, str], Origin]


def login_claimed_twice(login: str, first: str, second: str) -> str:
    return f"login {login!r} claimed by two people: {first} and {second}"


def validate(directory: Directory, origins: Origins | None = None) -> Directory:
    """Return `directory` unchanged, or raise a DirectoryError naming the first problem."""
    locate = _Locator(directory.source, origins or {})
    _check_references(directory, locate)
    _check_cost_centers(directory, locate)
    _check_no_unit_loop(directory, locate)
    _check_no_manager_loop(directory, locate)
    _check_logins_claimed_once(directory, locate)
    _check_someone(directory)
    return directory


class _Locator:
    def __init__(self, source: str, origins: Origins):
        self.source = source
        self.origins = origins

    def error(self, message: str, kind: str, key: str,
              field_name: str | None = None) -> DirectoryError:
        origin = self.origins.get((kind, key))
        if origin is None:
            return DirectoryError(message, path=self.source or None)
        return DirectoryError(message, path=origin.path, line=origin.line_of(field_name))


def _check_references(directory: Directory, locate: _Locator) -> None:
    units, people = directory.units, directory.people
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            raise locate.error(f"unit {unit.id}: unknown parent {unit.parent!r}",
                               "unit", unit.id, "parent")
    for person in people.values():
        if person.unit not in units:
            raise locate.error(f"person {person.id}: unknown unit {person.unit!r}",
                               "person", person.id, "unit")
        if person.manager is not None and person.manager not in people:
            raise locate.error(f"person {person.id}: unknown manager {person.manager!r}",
                               "person", person.id, "manager")
    for login, person_id in directory.aliases.items():
        if person_id not in people:
            raise locate.error(f"alias {login!r}: unknown person {person_id!r}", "alias", login)


def _check_cost_centers(directory: Directory, locate: _Locator) -> None:
    # Without a list of cost centers any id is fine: it is its own name.
    known = directory.cost_centers
    if not known:
        return
    for kind, entries in (("unit", directory.units), ("person", directory.people)):
        for entry in entries.values():
            if entry.cost_center is not None and entry.cost_center not in known:
                raise locate.error(f"{kind} {entry.id}: unknown cost center {entry.cost_center!r}",
                                   kind, entry.id, "cost_center")


def _check_no_unit_loop(directory: Directory, locate: _Locator) -> None:
    loop = _find_loop(directory.units, lambda unit_id: directory.units[unit_id].parent)
    if loop:
        raise locate.error(f"unit loop: {' -> '.join(loop)}", "unit", loop[0], "parent")


def _check_no_manager_loop(directory: Directory, locate: _Locator) -> None:
    loop = _find_loop(directory.people, lambda person_id: directory.people[person_id].manager)
    if loop:
        raise locate.error(f"manager loop: {' -> '.join(loop)}", "person", loop[0], "manager")


def _check_someone(directory: Directory) -> None:
    # Read from sources, an org chart without people is a mistake (a file left empty, a
    # filter that finds nobody), not a company: every GitHub user would be unmatched.
    if directory.source and not directory.people:
        raise DirectoryError("the org chart has no people", path=directory.source)


def _find_loop(ids: Iterable[str], next_of: Callable[[str], str | None]) -> list[str] | None:
    """The first chain that comes back to itself, as `[a, b, ..., a]`; linear in the ids."""
    finished: set[str] = set()
    for start in ids:
        chain: dict[str, None] = {}  # insertion-ordered, with O(1) membership
        node = start
        while node is not None and node not in finished:
            if node in chain:
                ordered = list(chain)
                return [*ordered[ordered.index(node):], node]
            chain[node] = None
            node = next_of(node)
        finished.update(chain)
    return None


def _check_logins_claimed_once(directory: Directory, locate: _Locator) -> None:
    owner: dict[str, str] = {}
    for person in directory.people.values():
        for login in person.logins:
            first = owner.setdefault(login.lower(), person.id)
            if first != person.id:
                raise locate.error(login_claimed_twice(login, first, person.id),
                                   "person", person.id, "logins")
    # An alias for a login that another person's own field claims is a contradiction, not an
    # override: replace that person's entry in a later source instead.
    for login, person_id in directory.aliases.items():
        first = owner.get(login)
        if first is not None and first != person_id:
            raise locate.error(login_claimed_twice(login, first, person_id), "alias", login)
