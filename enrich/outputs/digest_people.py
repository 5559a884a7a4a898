"""Who a digest names, and how: a unit's people by what their lead can do for them.

- The recipient is never listed in their own digest.
- People who have left are never listed: a leaver is not someone to coach, thank or help.
  A line counts them, and says when the license review proposes reclaiming their seats.
- Leads of sub-units are people of the unit like anyone else, listed where their use puts
  them, with "(lead of Billing)": their manager is the one to talk to them.
- Whoever the license review proposes to reclaim the seat of (METRICS.md section 7, by its
  own rules in `enrich.licenses`) is listed apart, with why: "unused for 45 days".
- Names that two people of the unit share are told apart by their unit, else by their
  e-mail's local part.
- Lists stay short: champions and those who may need help are named up to MAX_NAMED, the
  most relevant first (the lead's direct people first); regular users are only counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from enrich.directory.model import Directory
from enrich.licenses.review import NEVER_USED, ReviewedSeat
from enrich.rollup.people import PersonSegment
from enrich.rollup.person import CHAMPION, INACTIVE, LAGGING, REGULAR

#: people named on one line of a digest; the rest are counted, and all are in the attachment
MAX_NAMED = 10
#: the group of those whose seat the license review proposes reclaiming
RECLAIM = "reclaim"
#: the groups a digest names, in the order it lists them; regular users are only counted
NAMED_GROUPS = (CHAMPION, LAGGING, INACTIVE, RECLAIM)


class Named(NamedTuple):  # one per person of the population: a tuple, light and quick
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
    #: group (NAMED_GROUPS) -> its people
    groups: dict[str, Group]
    regulars: int
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
        return not (self.regulars or self.leavers_to_reclaim or self.other_leavers
                    or any(group.count for group in self.groups.values()))

    @property
    def listed(self) -> list[tuple[str, Named]]:
        """(group, person) of every person of the named groups, group by group."""
        return [(group, named) for group in NAMED_GROUPS
                for named in self.groups[group].people]


@dataclass(frozen=True)
class Context:
    """What naming people needs, worked out once per run for everyone in the population: a
    large enterprise's people are listed in several digests each (their unit's and every
    unit's above it)."""

    #: person id -> the person as digests name them, before telling namesakes apart
    named: dict[str, Named]
    #: person id -> the group that lists them (NAMED_GROUPS), or REGULAR
    group_of: dict[str, str]
    #: person id -> their place in their named group, after the lead's direct people
    rank: dict[str, tuple]
    #: the people in the population who have left, and those of them whose seat the
    #: license review proposes reclaiming
    leavers: frozenset[str]
    leavers_to_reclaim: frozenset[str]
    #: names several people of the population share
    shared_names: frozenset[str]
    #: person id -> (unit id, e-mail address), to tell namesakes apart
    whereabouts: dict[str, tuple[str, str | None]]
    #: lower-cased e-mail address -> the ids of the people who have it
    by_address: dict[str, list[str]]

    @classmethod
    def of(cls, directory: Directory, segments: Mapping[str, PersonSegment],
           unit_names: Mapping[str, str], reclaim: Mapping[str, ReviewedSeat]) -> Context:
        """`segments`: each person of the population; `reclaim`: the seat of each person
        whose seat the license review proposes reclaiming."""
        people = directory.people
        notes = _lead_notes(directory, unit_names)
        named, group_of, rank, whereabouts = {}, {}, {}, {}
        leavers = set()
        for person_id, segment in segments.items():
            person = people[person_id]
            if person.left:
                leavers.add(person_id)
                continue
            seat = reclaim.get(person_id)
            note = "; ".join(filter(None, (notes.get(person_id), seat and reclaim_reason(seat))))
            name = " ".join(person.name.split())
            named[person_id] = Named(person_id, name, unit_names.get(person.unit, person.unit),
                                     person.email, segment.active_days, note)
            group_of[person_id] = group = RECLAIM if seat else segment.segment
            if group != REGULAR:
                rank[person_id] = _rank(group, named[person_id], seat)
            whereabouts[person_id] = (person.unit, person.email)
        by_address: defaultdict[str, list[str]] = defaultdict(list)
        for person in people.values():
            if person.email:
                by_address[person.email.lower()].append(person.id)
        shared = Counter(entry.name for entry in named.values())
        return cls(named, group_of, rank, frozenset(leavers),
                   frozenset(leavers & reclaim.keys()),
                   frozenset(name for name, n in shared.items() if n > 1), whereabouts,
                   dict(by_address))


def people_of(members: Collection[str], context: Context, *, recipient: Collection[str],
              direct: Callable[[str], bool]) -> People:
    """The people of a unit (`members`, person ids in the period's population) as its digest
    lists them, leaving out `recipient` (their own person ids); `direct` tells the lead's
    direct people (by person id), who come first."""
    entries: dict[str, list[tuple[tuple, str]]] = {group: [] for group in NAMED_GROUPS}
    regulars = leavers = to_reclaim = 0
    namesakes = []
    for person_id in members:
        if person_id in recipient:
            continue
        if person_id in context.leavers:
            leavers += 1
            to_reclaim += person_id in context.leavers_to_reclaim
            continue
        group = context.group_of[person_id]
        if group == REGULAR:
            regulars += 1
        else:
            entries[group].append(((not direct(person_id), context.rank[person_id]), person_id))
        if context.named[person_id].name in context.shared_names:
            namesakes.append(person_id)
    told = _told_apart(namesakes, context) if namesakes else {}
    named = context.named
    return People({group: Group([told.get(person_id) or named[person_id]
                                 for _, person_id in sorted(found)], by_name=group != RECLAIM)
                   for group, found in entries.items()},
                  regulars, to_reclaim, leavers - to_reclaim)


def reclaim_reason(seat: ReviewedSeat) -> str:
    """Why the license review proposes reclaiming a seat, as a digest says it."""
    if seat.reason == NEVER_USED:
        return "never used"
    return f"unused for {seat.inactive_days} days"


def _rank(group: str, named: Named, seat: ReviewedSeat | None) -> tuple:
    """After the lead's direct people, those who need help most: the fewest active days,
    the seats unused longest (never used first); else by name."""
    name = named.name.casefold()
    if group == LAGGING:
        return named.active_days, name
    if group == RECLAIM:
        return seat.inactive_days is not None, -(seat.inactive_days or 0), name
    return (name,)


def _lead_notes(directory: Directory, unit_names: Mapping[str, str]) -> dict[str, str]:
    """Person id -> "lead of ...", for each person whose address leads units."""
    leads: defaultdict[str, list[str]] = defaultdict(list)
    for unit in directory.units.values():
        if unit.lead and unit.lead.email:
            leads[unit.lead.email.lower()].append(unit_names.get(unit.id, unit.name))
    return {person.id: f"lead of {' and '.join(leads[person.email.lower()])}"
            for person in directory.people.values()
            if person.email and person.email.lower() in leads}


def _told_apart(namesakes: list[str], context: Context) -> dict[str, Named]:
    """Each of `namesakes` (person ids) who shares a name with another of them, with their
    unit (or, where that is shared too, their e-mail's local part, else their id) after it;
    but regular users, who are only counted."""
    by_name: defaultdict[str, list[str]] = defaultdict(list)
    for person_id in namesakes:
        by_name[context.named[person_id].name].append(person_id)
    result = {}
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        units = Counter(context.whereabouts[person_id][0] for person_id in group)
        for person_id in group:
            if context.group_of[person_id] == REGULAR:
                continue  # counted, never named
            unit, email = context.whereabouts[person_id]
            entry = context.named[person_id]
            tag = entry.unit if units[unit] == 1 else \
                email.partition("@")[0] if email else person_id
            result[person_id] = Named(person_id, f"{name} ({tag})", *entry[2:])
    return result
