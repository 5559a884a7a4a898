"""The units of each dimension and who counts in them (METRICS.md section 5).

People who share a team, a cost center and a direct manager share every unit, so they are
tallied together once (a "cell"). The users whom the directory does not know form one more
cell. Each dimension adds the cells into the units that hold their people directly and then
carries the totals up its tree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from enrich.directory.model import Directory, Person

ENTERPRISE = "enterprise"
TEAM = "team"
COST_CENTER = "cost_center"
MANAGER = "manager"
#: the order of the dimensions in the rollup
DIMENSIONS = (ENTERPRISE, TEAM, COST_CENTER, MANAGER)

#: users who engaged but whom the directory does not know
UNMAPPED = "(unmapped)"
#: people without a cost center
NO_COST_CENTER = "(none)"
ENTERPRISE_ID = "enterprise"
ENTERPRISE_NAME = "Enterprise"


def cost_center_order(cost_center: str) -> tuple[int, str]:
    """How outputs list cost centers: by id, then the people without a cost center, then
    the users (or seats) nobody could place."""
    return {NO_COST_CENTER: 1, UNMAPPED: 2}.get(cost_center, 0), cost_center


def distinct_unit_names(units: Iterable[Mapping]) -> dict[str, str]:
    """Each unit id -> the name outputs show: its own name, or, where several units of the
    same dimension share it, "Parent name / Name", going up the tree until each is told apart
    ("Engineering / Security / Billing" beside "Product & Design / Security / Billing").
    Units whose whole paths read the same are told apart by their id.

    `units` are rollup units: mappings with `id`, `name`, `parent` and, optionally,
    `dimension`. The result is keyed by id alone, so the units of dimensions whose ids may
    meet (a team and a manager) go in separate calls.
    """
    by_key = {(unit.get("dimension"), unit["id"]): unit for unit in units}
    namesakes: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for (dimension, unit_id), unit in by_key.items():
        namesakes[dimension, unit["name"]].append(unit_id)
    result = {}
    for (dimension, name), ids in namesakes.items():
        if len(ids) == 1:
            result[ids[0]] = name
        else:
            result.update(_told_apart({unit_id: _names_up(by_key, dimension, unit_id)
                                       for unit_id in ids}))
    return result


def _names_up(by_key: dict, dimension: str, unit_id: str) -> tuple[str, ...]:
    """The names from the unit up to the top of its tree."""
    names = []
    while unit_id is not None and (dimension, unit_id) in by_key:
        unit = by_key[dimension, unit_id]
        names.append(unit["name"])
        unit_id = unit["parent"]
    return tuple(names)


def _told_apart(paths: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Namesakes (unit id -> the names up from it), each named with as many of its parents
    as tell it from the others."""
    result = {}
    pending = dict(paths)
    longest = max(map(len, paths.values()))
    for length in range(2, longest + 1):
        labels = Counter(path[:length] for path in paths.values())
        for unit_id, path in list(pending.items()):
            if labels[path[:length]] == 1:
                result[unit_id] = " / ".join(reversed(path[:length]))
                del pending[unit_id]
    # whole paths that read the same
    result.update({unit_id: f"{' / '.join(reversed(path))} ({unit_id})"
                   for unit_id, path in pending.items()})
    return result


@dataclass(frozen=True)
class UnitInfo:
    name: str
    parent: str | None


@dataclass(frozen=True)
class Dimension:
    name: str
    units: dict[str, UnitInfo]
    #: for each cell, the unit that holds its people directly (None: no unit of this dimension)
    unit_of_cell: list[str | None]

    def totals(self, cell_tallies: list[int]) -> dict[str, int]:
        """Each unit's tally: its own people and all its descendants'."""
        totals = dict.fromkeys(self.units, 0)
        for unit, tally in zip(self.unit_of_cell, cell_tallies, strict=True):
            if unit is not None:
                totals[unit] += tally
        for unit in self._deepest_first:
            parent = self.units[unit].parent
            if parent is not None:
                totals[parent] += totals[unit]
        return totals

    @cached_property
    def _deepest_first(self) -> list[str]:
        depth = depths({unit: info.parent for unit, info in self.units.items()})
        return sorted(self.units, key=depth.__getitem__, reverse=True)


def depths(parent_of: dict[str, str | None]) -> dict[str, int]:
    """Distance of each node from the top of its tree (the directory has no loops)."""
    depth: dict[str, int] = {}
    for node in parent_of:
        chain = []
        while node is not None and node not in depth:
            chain.append(node)
            node = parent_of[node]
        level = -1 if node is None else depth[node]
        for child in reversed(chain):
            level += 1
            depth[child] = level
    return depth


@dataclass(frozen=True)
class Org:
    """The directory as cells, and the dimensions built on them in the order of DIMENSIONS."""

    #: person id -> cell
    cell_of: dict[str, int]
    #: the cell of the users whom the directory does not know
    unmapped_cell: int
    dimensions: tuple[Dimension, ...]

    @classmethod
    def of(cls, directory: Directory) -> Org:
        cells: dict[tuple, int] = {}
        cell_of = {}
        for person in directory.people.values():
            key = (person.unit, directory.cost_center_of(person) or NO_COST_CENTER,
                   person.manager)
            cell_of[person.id] = cells.setdefault(key, len(cells))
        return cls(cell_of, len(cells), (
            Dimension(ENTERPRISE, {ENTERPRISE_ID: UnitInfo(ENTERPRISE_NAME, None)},
                      [ENTERPRISE_ID] * (len(cells) + 1)),
            _with_unmapped(_teams(directory, [team for team, _, _ in cells])),
            _with_unmapped(_cost_centers(directory, [cc for _, cc, _ in cells])),
            _with_unmapped(_managers(directory, [manager for _, _, manager in cells])),
        ))

    @property
    def cell_count(self) -> int:
        return self.unmapped_cell + 1


def _teams(directory: Directory, unit_of_cell: list[str]) -> Dimension:
    units = {unit.id: UnitInfo(unit.name, unit.parent) for unit in directory.units.values()}
    return Dimension(TEAM, units, unit_of_cell)


def _cost_centers(directory: Directory, unit_of_cell: list[str]) -> Dimension:
    ids = set(directory.cost_centers) | set(unit_of_cell)
    units = {cc: UnitInfo(directory.cost_centers.get(cc, cc), None) for cc in ids}
    return Dimension(COST_CENTER, units, unit_of_cell)


def _managers(directory: Directory, manager_of_cell: list[str | None]) -> Dimension:
    """One unit per person with a report; reports of reports reach it up the tree."""
    people = directory.people
    managers = {person.manager for person in people.values() if person.manager is not None}
    units = {m: UnitInfo(people[m].name, people[m].manager) for m in managers}
    return Dimension(MANAGER, units, manager_of_cell)


def _with_unmapped(dimension: Dimension) -> Dimension:
    return Dimension(dimension.name, {**dimension.units, UNMAPPED: UnitInfo(UNMAPPED, None)},
                     [*dimension.unit_of_cell, UNMAPPED])


def is_member(person: Person, engaged: bool, seat_holders: Collection[str] | None) -> bool:
    """Someone who left counts only while they hold a seat or engaged in the period.

    Without seat data nobody is known to hold a seat: a leaver counts only if they engaged.
    """
    if not person.left or engaged:
        return True
    return seat_holders is not None and person.id in seat_holders


def in_population(person: Person, engaged: bool, seat_holders: Collection[str] | None) -> bool:
    """Seat holders when seat data is configured, else every member; and whoever engaged."""
    return seat_holders is None or engaged or person.id in seat_holders
