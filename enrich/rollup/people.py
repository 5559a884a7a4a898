"""Each person's segment in a period: what a team-lead digest lists by name.

The same definitions and the same population as the rollup (METRICS.md sections 4 and 5),
kept per person instead of tallied per unit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from enrich.directory.model import Directory
from enrich.rollup.coverage import Coverage
from enrich.rollup.engagement import engagement_by_person
from enrich.rollup.inputs import PeriodInput, Thresholds
from enrich.rollup.person import NO_ENGAGEMENT, person_metrics
from enrich.rollup.units import in_population, is_member


class PersonSegment(NamedTuple):
    segment: str
    active_days: int
    breadth: int
    narrow: bool


def segments_of_people(directory: Directory, person_of: Mapping[int, str], data: PeriodInput,
                       seat_holders: Collection[str] | None, thresholds: Thresholds
                       ) -> dict[str, PersonSegment]:
    """person id -> segment, for everyone in the population of the period."""
    coverage = Coverage.of(data)
    mapped, _ = engagement_by_person(data.rows, coverage, person_of, directory.people)
    result = {}
    for person in directory.people.values():
        engagement = mapped.get(person.id)
        engaged = engagement is not None
        if is_member(person, engaged, seat_holders) and in_population(person, engaged,
                                                                       seat_holders):
            m = person_metrics(engagement, coverage, thresholds) if engaged else NO_ENGAGEMENT
            result[person.id] = PersonSegment(m.segment, m.active_days, m.breadth, m.narrow)
    return result
