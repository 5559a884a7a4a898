"""Team-lead digests: who gets one, and what it says about their own people.

Plain data in (the directory, the rollup, each person's segment, the seats the license
review proposes reclaiming), plain data out: one Digest per recipient, with a section per
unit they lead. A digest names only the people of the recipient's own units (METRICS.md
section 6), and how it names them is `enrich.outputs.digest_people`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from enrich import features as feature_names
from enrich.directory.model import Directory
from enrich.licenses.review import ReviewedSeat
from enrich.outputs.depth import Use, depth_days, unit_depth
from enrich.outputs.digest_people import Context, People, people_of
from enrich.outputs.report import adoption_change
from enrich.rollup.people import PersonSegment
from enrich.rollup.units import MANAGER, TEAM, distinct_unit_names

LEADS, MANAGERS, BOTH = "leads", "managers", "both"
#: features suggested in one section: the least tried first
MAX_TIPS = 3


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str
    #: (dimension, unit id) of each unit they get figures for
    units: tuple[tuple[str, str], ...]


def recipients(directory: Directory, audience: str) -> list[Recipient]:
    """Unit leads and/or managers (for their whole reporting tree), one per e-mail address:
    someone who leads several units gets one digest that covers them all."""
    found: dict[str, list] = {}
    for address, name, unit in audience_of(directory, audience):
        if is_address(address):
            found.setdefault(address.lower(), [address, name, []])[2].append(unit)
    return [Recipient(address, name, tuple(sorted(units, key=_teams_first)))
            for _, (address, name, units) in sorted(found.items())]


def unreachable(directory: Directory, audience: str) -> list[str]:
    """Who in the audience gets no digest, for want of a usable e-mail address."""
    return [f"{name} ({'lead of' if dimension == TEAM else 'manager'} {unit_id}): "
            + (f"{address!r} is not an e-mail address" if address else "no e-mail address")
            for address, name, (dimension, unit_id) in audience_of(directory, audience)
            if not is_address(address)]


def audience_of(directory: Directory, audience: str):
    """(address, name, (dimension, unit id)) of each unit lead and/or manager."""
    if audience in (LEADS, BOTH):
        for unit in directory.units.values():
            if unit.lead:
                yield unit.lead.email, unit.lead.name, (TEAM, unit.id)
    if audience in (MANAGERS, BOTH):
        for person_id in sorted({p.manager for p in directory.people.values() if p.manager}):
            person = directory.people[person_id]
            yield person.email, person.name, (MANAGER, person_id)


_ADDRESS = re.compile(r"[!#-'*+\-/-9=?A-Z^-~.]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def is_address(text: str | None) -> bool:
    """An ASCII address a mail server takes: local part @ a domain with a dot."""
    return bool(text) and _ADDRESS.fullmatch(text) is not None


def _teams_first(unit: tuple[str, str]) -> tuple:
    return unit[0] != TEAM, unit


@dataclass(frozen=True)
class FeatureLine:
    name: str
    title: str
    share: float | None
    enterprise_share: float | None
    users: int
    gap: bool
    #: "measured on N of M reported days" for a feature measured on part of the period
    measured_on: str | None = None


@dataclass(frozen=True)
class Tip:
    title: str
    share: float | None
    users: int
    tip: str
    url: str


@dataclass
class Section:
    """One unit of a digest."""

    dimension: str
    unit_id: str
    name: str
    metrics: dict
    previous: dict | None
    features: list[FeatureLine]
    tips: list[Tip]
    people: People
    #: the unit's depth of use (METRICS.md section 9); None when not measured or `use_hidden`
    use: Use | None = None
    #: depth is measured but stands for fewer people than the smallest group shown
    use_hidden: bool = False

    @property
    def change(self) -> float | None:
        return adoption_change(self.metrics, self.previous)


@dataclass
class Digest:
    recipient: Recipient
    sections: list[Section]
    enterprise: dict
    enterprise_previous: dict | None
    #: the days of the period, and those without data (ISO)
    period_days: int
    missing_days: list[str] = field(default_factory=list)
    #: the company's depth of use; None when the period does not measure it
    enterprise_use: Use | None = None
    #: the reported days of the period, and how many of them measure depth
    reported_days: int = 0
    depth_days: int = 0
    min_group_size: int = 5

    @property
    def first_name(self) -> str:
        return self.recipient.name.split()[0] if self.recipient.name.strip() else ""

    @property
    def cut(self) -> bool:
        """Whether a list of people leaves names out: the digest then carries them all."""
        return any(section.people.cut for section in self.sections)


def build_digests(directory: Directory, rollup: dict, segments: Mapping[str, PersonSegment],
                  audience: str, reclaim: Mapping[str, ReviewedSeat] | None = None, *,
                  min_group_size: int = 5) -> list[Digest]:
    """A digest for each recipient of `audience`; `segments` holds each person in the
    population of the period (`enrich.rollup.people.segments_of_people`), `reclaim` the seat
    of each person whose seat the license review proposes reclaiming. A unit's depth of use
    is shown only when at least `min_group_size` people stand behind it: with fewer, it would
    be theirs."""
    people = recipients(directory, audience)
    owner = {unit: r for r in people for unit in r.units}
    units = {(u["dimension"], u["id"]): u for u in rollup["units"]}
    names = distinct_unit_names(u for u in rollup["units"] if u["dimension"] == TEAM)
    context = Context.of(directory, segments, names, reclaim or {})
    members = _members(directory, segments, set(owner))
    enterprise = rollup["units"][0]
    features = rollup["features"]
    period = rollup["period"]
    sections: dict[tuple[str, str], Section] = {}
    for key in sorted(owner):
        name = names[key[1]] if key[0] == TEAM else units[key]["name"]
        sections[key] = _with_use(_section(
            key, name, units[key], enterprise, period, features, _people(
                key, members.get(key, []), directory, context,
                _own_ids(context, owner[key], key))), min_group_size)
    company = unit_depth(enterprise)
    return [Digest(r, [sections[key] for key in r.units], enterprise,
                   enterprise["previous"], sum(period["days"].values()),
                   period["missing_days"],
                   enterprise_use=Use(company, None) if company else None,
                   reported_days=period["days"]["reported"], depth_days=depth_days(period),
                   min_group_size=min_group_size)
            for r in people]


def _with_use(section: Section, min_group_size: int) -> Section:
    """The section with its unit's depth of use, unless fewer than `min_group_size` people
    stand behind it."""
    depth = unit_depth(section.metrics)
    section.use_hidden = depth is not None and depth["people"] < min_group_size
    if depth is not None and not section.use_hidden:
        section.use = Use(depth, None)
    return section


def _own_ids(context: Context, recipient: Recipient, key: tuple[str, str]) -> set[str]:
    """The person ids of the recipient: whoever has their address, and the manager whose
    reporting tree a section covers."""
    own = set(context.by_address.get(recipient.address.lower(), ()))
    return own | {key[1]} if key[0] == MANAGER else own


def _people(key: tuple[str, str], members: list[str], directory: Directory,
            context: Context, recipient: set[str]) -> People:
    dimension, unit_id = key
    people = directory.people
    if dimension == MANAGER:
        return people_of(members, context, recipient=recipient,
                         direct=lambda person_id: people[person_id].manager == unit_id)
    return people_of(members, context, recipient=recipient,
                     direct=lambda person_id: people[person_id].unit == unit_id)


def _members(directory: Directory, segments: Mapping[str, PersonSegment],
             wanted: set[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """The person ids in the population of each wanted unit: its subtree, or everyone whose
    management chain leads to the manager."""
    result: dict[tuple[str, str], list[str]] = defaultdict(list)
    units, people = directory.units, directory.people
    for person_id in segments:
        person = people[person_id]
        unit_id = person.unit
        while unit_id is not None:
            if (TEAM, unit_id) in wanted:
                result[TEAM, unit_id].append(person_id)
            unit_id = units[unit_id].parent
        manager = person.manager
        while manager is not None:
            if (MANAGER, manager) in wanted:
                result[MANAGER, manager].append(person_id)
            manager = people[manager].manager
    return result


def _section(key: tuple[str, str], name: str, unit: dict, enterprise: dict, period: dict,
             measured: list[str], people: People) -> Section:
    return Section(
        dimension=key[0], unit_id=key[1], name=name, metrics=unit,
        previous=unit["previous"], features=_feature_lines(unit, enterprise, period, measured),
        tips=_tips(unit, measured), people=people)


def _feature_lines(unit: dict, enterprise: dict, period: dict,
                   measured: list[str]) -> list[FeatureLine]:
    reported = period["days"]["reported"]
    return [FeatureLine(f, feature_names.title(f), unit["feature_adoption"].get(f),
                        enterprise["feature_adoption"].get(f), unit["feature_users"].get(f, 0),
                        f in unit["awareness_gaps"],
                        feature_names.measured_on(period["measured_days"].get(f, 0), reported))
            for f in measured]


def _tips(unit: dict, measured: list[str]) -> list[Tip]:
    """The features nobody or few on the team tried (the unit's awareness gaps), least
    tried first."""
    gaps = sorted(unit["awareness_gaps"],
                  key=lambda f: (unit["feature_adoption"].get(f) or 0, measured.index(f)))
    return [Tip(feature_names.title(f), unit["feature_adoption"].get(f),
                unit["feature_users"].get(f, 0), *feature_names.help_for(f))
            for f in gaps[:MAX_TIPS]]
