"""Who a digest names, and how: a unit's people by what their lead can do for them.

- The recipient is never listed in their own digest.
- People who have left are never listed: a leaver is not someone to coach, thank or help.
  A line counts them, and says when the license review proposes reclaiming their seats.
- Leads of sub-units are people of the unit like anyone else, and are listed with it, as
  "(lead of Billing)": their manager is the one to talk to them.
- Whoever the license review proposes to reclaim the seat of (METRICS.md section 7, by its
  own rules in `enrich.licenses`) is listed apart, with why: "unused for 45 days".
- Names that two listed people share are told apart by their unit, else by their e-mail's
  local part.
- Lists stay short: champions and those who may need help are named up to MAX_NAMED, the
  most relevant first (the lead's direct people first); regular users are counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from enrich.directory.model import Directory, Person
from enrich.licenses.review import NEVER_USED, ReviewedSeat
from enrich.rollup.people import PersonSegment
from enrich.rollup.person import CHAMPION, INACTIVE, LAGGING, REGULAR

#: people named on one line of a digest; the rest are counted, and all are in the attachment
MAX_NAMED = 10
#: the group of those whose seat the license review proposes reclaiming
RECLAIM = "reclaim"
#: the groups of a digest's people, in the order it lists them
GROUPS = (CHAMPION, REGULAR, LAGGING, INACTIVE, RECLAIM)
#: the groups named on their line; regular users are only counted
NAMED_GROUPS = (CHAMPION, LAGGING, INACTIVE, RECLAIM)


@dataclass(frozen=True)
class Named:
    """A person as a digest names them."""

    person: str
    #: the name, with what tells it from a namesake's: "Aaliyah Zhang (Search)"
    name: str
    #: the distinct name of the person's unit
    unit: str
    email: str | None
    active_days: int
    #: "lead of Billing"; for a seat to reclaim, why: "unused for 45 days"
    note: str = ""


@dataclass(frozen=True)
class Group:
    """One line of a digest's people, the most relevant first."""

    people: list[Named]
    #: the names shown are in alphabetical order, not in the order of relevance (which
    #: picked them), unless their notes make that order plain
    by_name: bool = True

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def shown(self) -> list[Named]:
        first = self.people[:MAX_NAMED]
        return sorted(first, key=lambda named: named.name.casefold()) if self.by_name else first

    @property
    def more(self) -> int:
        return max(0, self.count - MAX_NAMED)


@dataclass(frozen=True)
class People:
    #: group (GROUPS) -> its people
    groups: dict[str, Group]
    #: people who have left, whose seat the license review proposes reclaiming
    leavers_to_reclaim: int
    #: the other people who have left (no seat data, or a cancellation already pending)
    other_leavers: int

    @property
    def cut(self) -> bool:
        """Whether a named line leaves people out: the digest then carries the full list."""
        return any(self.groups[group].more for group in NAMED_GROUPS)

    @property
    def nobody(self) -> bool:
        """Nobody to list or count: the recipient is the unit's only person."""
        return not (self.leavers_to_reclaim or self.other_leavers
                    or any(group.count for group in self.groups.values()))

    @property
    def everyone(self) -> list[tuple[str, Named]]:
        """(group, person) of every person listed or counted, group by group."""
        return [(group, named) for group in GROUPS for named in self.groups[group].people]


@dataclass(frozen=True)
class Context:
    """What naming people needs from the whole org chart, worked out once per run."""

    directory: Directory
    segments: Mapping[str, PersonSegment]
    #: team unit id -> its distinct name (`distinct_unit_names`)
    unit_names: Mapping[str, str]
    #: lower-cased e-mail address -> the distinct names of the units it leads
    leads: Mapping[str, list[str]]
    #: person id -> their seat, when the license review proposes reclaiming it
    reclaim: Mapping[str, ReviewedSeat]
    #: lower-cased e-mail address -> the ids of the people who have it
    by_address: Mapping[str, list[str]]

    @classmethod
    def of(cls, directory: Directory, segments: Mapping[str, PersonSegment],
           unit_names: Mapping[str, str], reclaim: Mapping[str, ReviewedSeat]) -> Context:
        leads: defaultdict[str, list[str]] = defaultdict(list)
        for unit in directory.units.values():
            if unit.lead and unit.lead.email:
                leads[unit.lead.email.lower()].append(unit_names.get(unit.id, unit.name))
        by_address: defaultdict[str, list[str]] = defaultdict(list)
        for person in directory.people.values():
            if person.email:
                by_address[person.email.lower()].append(person.id)
        return cls(directory, segments, unit_names, dict(leads), reclaim, dict(by_address))


def people_of(members: Collection[str], context: Context, *, recipient: Collection[str],
              direct: Callable[[Person], bool]) -> People:
    """The people of a unit (`members`, person ids in the period's population) as its digest
    lists them, leaving out `recipient` (their own person ids); `direct` tells the lead's
    direct people, who come first."""
    people = context.directory.people
    listed, leavers = [], []
    for person_id in members:
        if person_id in recipient:
            continue
        (leavers if people[person_id].left else listed).append(person_id)
    names = _told_apart([people[p] for p in listed], context.unit_names)
    by_group: dict[str, list[tuple[tuple, Named]]] = {group: [] for group in GROUPS}
    for person_id in listed:
        person, segment = people[person_id], context.segments[person_id]
        seat = context.reclaim.get(person_id)
        group = RECLAIM if seat is not None else segment.segment
        note = "; ".join(filter(None, (_lead_note(person, context.leads),
                                        seat and reclaim_reason(seat))))
        named = Named(person_id, names[person_id],
                      context.unit_names.get(person.unit, person.unit), person.email,
                      segment.active_days, note)
        by_group[group].append((_relevance(group, direct(person), named, seat), named))
    to_reclaim = sum(1 for person_id in leavers if person_id in context.reclaim)
    return People({group: Group([named for _, named in sorted(entries, key=_first)],
                                by_name=group != RECLAIM)
                   for group, entries in by_group.items()},
                  to_reclaim, len(leavers) - to_reclaim)


def reclaim_reason(seat: ReviewedSeat) -> str:
    """Why the license review proposes reclaiming a seat, as a digest says it."""
    if seat.reason == NEVER_USED:
        return "never used"
    return f"unused for {seat.inactive_days} days"


def _first(entry: tuple) -> tuple:
    return entry[0]


def _relevance(group: str, direct: bool, named: Named, seat: ReviewedSeat | None) -> tuple:
    """The lead's direct people first; then those who need help most: the fewest active
    days, the seats unused longest (never used first)."""
    name = named.name.casefold()
    if group == LAGGING:
        return not direct, named.active_days, name
    if group == RECLAIM:
        return not direct, seat.inactive_days is not None, -(seat.inactive_days or 0), name
    return not direct, name


def _lead_note(person: Person, leads: Mapping[str, list[str]]) -> str:
    units = leads.get(person.email.lower()) if person.email else None
    return f"lead of {' and '.join(units)}" if units else ""


def _told_apart(people: list[Person], unit_names: Mapping[str, str]) -> dict[str, str]:
    """Person id -> name, with the unit (or, where that is shared too, the e-mail's local
    part, else the id) after a name that several of `people` share."""
    shared = Counter(" ".join(person.name.split()) for person in people)
    namesakes: defaultdict[str, list[Person]] = defaultdict(list)
    result = {}
    for person in people:
        name = " ".join(person.name.split())
        result[person.id] = name
        if shared[name] > 1:
            namesakes[name].append(person)
    for name, group in namesakes.items():
        units = Counter(person.unit for person in group)
        for person in group:
            if units[person.unit] == 1:
                tag = unit_names.get(person.unit, person.unit)
            else:
                tag = person.email.partition("@")[0] if person.email else person.id
            result[person.id] = f"{name} ({tag})"
    return result
