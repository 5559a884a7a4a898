"""One period rolled up: people, then cells, then the units of every dimension."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from enrich.directory.model import Directory
from enrich.rollup.coverage import Coverage
from enrich.rollup.inputs import PeriodInput, Thresholds
from enrich.rollup.person import (
    NO_ENGAGEMENT,
    engagement_by_person,
    engagement_by_user,
    person_metrics,
)
from enrich.rollup.tally import Layout
from enrich.rollup.unit_metrics import UnitMetrics
from enrich.rollup.units import Org, in_population, is_member


@dataclass(frozen=True)
class PeriodRollup:
    coverage: Coverage
    #: dimension -> unit id -> the metrics of section 5
    units: dict[str, dict[str, dict]]
    #: users the directory does not know who engaged in the period -> their active days
    unmapped: dict[int, int]


def roll_up_period(org: Org, directory: Directory, person_of: Mapping[int, str],
                   data: PeriodInput, coverage: Coverage, seat_holders: Collection[str] | None,
                   thresholds: Thresholds) -> PeriodRollup:
    layout = Layout(coverage)
    mapped, unmapped = engagement_by_person(engagement_by_user(data.rows), person_of,
                                            directory.people)
    cells = [0] * org.cell_count
    for person in directory.people.values():
        days = mapped.get(person.id)  # active days only: engaged if any
        engaged = days is not None
        if is_member(person, engaged, seat_holders):
            metrics = person_metrics(days, coverage, thresholds) if engaged else NO_ENGAGEMENT
            cells[org.cell_of[person.id]] += layout.person(
                metrics, in_population(person, engaged, seat_holders))

    # Every user here engaged (engagement_by_user keeps active days only), and whoever
    # engaged is in the population.
    for days in unmapped.values():
        cells[org.unmapped_cell] += layout.person(person_metrics(days, coverage, thresholds),
                                                  True)

    unit_metrics = UnitMetrics(coverage, thresholds)
    units = {
        dimension.name: {unit: unit_metrics(layout.unpack(tally))
                         for unit, tally in dimension.totals(cells).items()}
        for dimension in org.dimensions
    }
    return PeriodRollup(coverage, units,
                        {user_id: len(days) for user_id, days in unmapped.items()})
