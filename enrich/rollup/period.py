"""One period rolled up: people, then cells, then the units of every dimension."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from enrich.directory.model import Directory
from enrich.rollup.coverage import Coverage
from enrich.rollup.depth import (
    DepthLayout,
    DepthPeriod,
    UnitDepth,
    UserDepth,
    ai_credits,
    credit_shift,
    depth_by_person,
)
from enrich.rollup.engagement import Engagement, engagement_by_person
from enrich.rollup.inputs import DepthInput, PeriodInput, Thresholds
from enrich.rollup.person import NO_ENGAGEMENT, person_metrics
from enrich.rollup.tally import Layout
from enrich.rollup.unit_metrics import UnitMetrics
from enrich.rollup.units import Dimension, Org, in_population, is_member


@dataclass(frozen=True)
class PeriodRollup:
    coverage: Coverage
    depth: DepthPeriod
    #: dimension -> unit id -> the metrics of section 5, and `depth` (section 9)
    units: dict[str, dict[str, dict]]
    #: users the directory does not know who engaged in the period -> their active days
    unmapped: dict[int, int]


def roll_up_period(org: Org, directory: Directory, person_of: Mapping[int, str],
                   data: PeriodInput, coverage: Coverage, seat_holders: Collection[str] | None,
                   thresholds: Thresholds) -> PeriodRollup:
    layout = Layout(coverage)
    mapped, unmapped = engagement_by_person(data.rows, coverage, person_of, directory.people)
    depth = _Depth.of(data.depth, coverage, person_of, directory)
    cells = [0] * org.cell_count
    for person in directory.people.values():
        engagement = mapped.get(person.id)  # active days only: engaged if any
        engaged = engagement is not None
        if is_member(person, engaged, seat_holders):
            metrics = person_metrics(engagement, coverage, thresholds) if engaged \
                else NO_ENGAGEMENT
            cell = org.cell_of[person.id]
            cells[cell] += layout.person(metrics, in_population(person, engaged, seat_holders))
            if depth:
                depth.add(cell, depth.mapped.get(person.id), engagement)

    # Every user here engaged (engagement_by_person keeps active days only), and whoever
    # engaged is in the population.
    for user_id, engagement in unmapped.items():
        cells[org.unmapped_cell] += layout.person(
            person_metrics(engagement, coverage, thresholds), True)
        if depth:
            depth.add(org.unmapped_cell, depth.unmapped.get(user_id), engagement)

    unit_metrics = UnitMetrics(coverage, thresholds)
    units = {
        dimension.name: {unit: unit_metrics(layout.unpack(tally))
                         for unit, tally in dimension.totals(cells).items()}
        for dimension in org.dimensions
    }
    for dimension in org.dimensions:
        unit_depth = depth.units(dimension) if depth else dict.fromkeys(dimension.units)
        for unit, metrics in units[dimension.name].items():
            metrics["depth"] = unit_depth[unit]
    return PeriodRollup(coverage, depth.period if depth else _Depth.period_of(data.depth,
                                                                              coverage),
                        units, {user_id: engagement.active_days
                                for user_id, engagement in unmapped.items()})


class _Depth:
    """The depth of use of a period's cells (METRICS.md section 9), when it measures it."""

    @staticmethod
    def period_of(data: DepthInput, coverage: Coverage) -> DepthPeriod:
        return DepthPeriod(data.days, len(coverage.reported), data.pending)

    @classmethod
    def of(cls, data: DepthInput, coverage: Coverage, person_of: Mapping[int, str],
           directory: Directory) -> _Depth | None:
        period = cls.period_of(data, coverage)
        return cls(period, data, coverage, person_of, directory) if period.measured else None

    def __init__(self, period: DepthPeriod, data: DepthInput, coverage: Coverage,
                 person_of: Mapping[int, str], directory: Directory):
        self.period = period
        self.mapped, self.unmapped = depth_by_person(data.users, person_of, directory.people)
        self.layout = DepthLayout(len(data.keys), credit_shift(
            map(ai_credits, (*self.mapped.values(), *self.unmapped.values()))))
        self.unit_depth = UnitDepth(period, data.keys)
        #: cell -> the two ints of its tally (DepthLayout)
        self.core: dict[int, int] = {}
        self.keys: dict[int, int] = {}
        days = set(period.days)
        # every active day is a reported one: when depth is measured on each, one of D too
        since = coverage.period.since
        self._d = None if days >= set(coverage.reported) else \
            sum(1 << (day - since) for day in days)

    def add(self, cell: int, depth: UserDepth | None, active: Engagement | None) -> None:
        """A member: their rows, and whether (and on how many days of D) they were active."""
        active_days = 0 if active is None else active.active_days if self._d is None else \
            (active.day_mask & self._d).bit_count()
        if depth is None and not active_days:
            return
        core, keys = self.layout.person(depth, active_days)
        self.core[cell] = self.core.get(cell, 0) + core
        if keys:
            self.keys[cell] = self.keys.get(cell, 0) + keys

    def units(self, dimension: Dimension) -> dict[str, dict]:
        cells = range(len(dimension.unit_of_cell))
        core = dimension.totals([self.core.get(cell, 0) for cell in cells])
        keys = dimension.totals([self.keys.get(cell, 0) for cell in cells])
        return {unit: self.unit_depth(self.layout.unpack(tally, keys[unit]))
                for unit, tally in core.items()}
