"""The org chart as plain data, filled by any directory source."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import orjson

ACTIVE = "active"
LEFT = "left"


@dataclass(frozen=True)
class Lead:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Unit:
    """An organizational unit of the `team` dimension; a tree through `parent`."""

    id: str
    name: str
    parent: str | None = None
    cost_center: str | None = None
    lead: Lead | None = None


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    unit: str
    email: str | None = None
    #: GitHub logins held in a directory field (matching rule 2)
    logins: tuple[str, ...] = ()
    #: identity-provider username (matching rule 3, Enterprise Managed Users)
    username: str | None = None
    #: cost center id; None means the unit's (nearest ancestor's) cost center
    cost_center: str | None = None
    manager: str | None = None
    #: True/False when the directory knows whether the person holds a Copilot seat
    seat: bool | None = None
    status: str = ACTIVE
    title: str | None = None

    @property
    def left(self) -> bool:
        return self.status == LEFT


@dataclass
class Directory:
    """A validated org chart: every reference resolves and there are no loops."""

    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    #: cost center id -> display name
    cost_centers: dict[str, str] = field(default_factory=dict)
    #: lower-cased GitHub login -> person id (matching rule 1)
    aliases: dict[str, str] = field(default_factory=dict)
    #: the Enterprise Managed Users short code, e.g. "acme" in `jdoe_acme`
    emu_short_code: str | None = None
    #: where it came from, for messages
    source: str = ""
    #: what a source found odd but could work around (a dangling manager DN, ...), for
    #: `enrich directory check`
    warnings: list[str] = field(default_factory=list)
    #: lower-cased GitHub logins never counted anywhere: bots, service accounts
    excluded_logins: set[str] = field(default_factory=set)

    def cost_center_of(self, person: Person) -> str | None:
        """The person's cost center, else the nearest unit up the tree that has one."""
        if person.cost_center:
            return person.cost_center
        unit_id = person.unit
        while unit_id is not None:
            unit = self.units[unit_id]
            if unit.cost_center:
                return unit.cost_center
            unit_id = unit.parent
        return None

    def has_seat_data(self) -> bool:
        return any(p.seat is not None for p in self.people.values())


def directory_json(directory: Directory) -> bytes:
    """The org chart as JSON: the same directory always gives the same bytes."""
    return orjson.dumps({
        "units": [dataclasses.asdict(u) for u in sorted(directory.units.values(),
                                                        key=lambda u: u.id)],
        "people": [dataclasses.asdict(p) for p in sorted(directory.people.values(),
                                                         key=lambda p: p.id)],
        "cost_centers": dict(sorted(directory.cost_centers.items())),
        "aliases": dict(sorted(directory.aliases.items())),
        "emu_short_code": directory.emu_short_code,
        "excluded_logins": sorted(directory.excluded_logins),
    })
