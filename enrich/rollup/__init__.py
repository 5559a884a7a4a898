"""The rollup: per-person and per-unit metrics of METRICS.md sections 4, 5, 8 and 9.

It takes plain data (the directory, the identity matching and one PeriodInput per period), so
every figure can be checked by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping

from enrich.directory.model import Directory
from enrich.processes import cycle_collector_paused, forked
from enrich.rollup.coverage import Coverage
from enrich.rollup.inputs import DEFAULT_THRESHOLDS, DepthInput, PeriodInput, Thresholds
from enrich.rollup.period import PeriodRollup, roll_up_period
from enrich.rollup.units import ENTERPRISE, ENTERPRISE_ID, Org

__all__ = ["DepthInput", "PeriodInput", "Thresholds", "compute_rollup", "enterprise_depth"]


def compute_rollup(directory: Directory, person_of: Mapping[int, str],
                   logins: Mapping[int, str], current: PeriodInput, previous: PeriodInput, *,
                   seat_holders: Collection[str] | None = None,
                   thresholds: Thresholds = DEFAULT_THRESHOLDS, parallel: bool = False) -> dict:
    """The content of `rollup.json` (METRICS.md section 8).

    `person_of` maps user_id -> directory person id, `logins` user_id -> display login;
    `seat_holders` are the person ids holding a Copilot seat, None without seat data.
    With `parallel`, the previous period is rolled up in a forked process, at the same time
    as the current one; its rows must then not be bound to this process's connection.
    """
    expected = current.period.previous()
    if (previous.period.since, previous.period.until) != (expected.since, expected.until):
        raise ValueError(f"the period before {current.period.label()} is {expected.label()}, "
                         f"not {previous.period.label()}")
    with cycle_collector_paused():
        org = Org.of(directory)
        before_coverage = Coverage.of(previous)

        def roll_up_before() -> PeriodRollup | None:
            if not before_coverage.has_data:
                return None
            return roll_up_period(org, directory, person_of, previous, before_coverage,
                                  seat_holders, thresholds)

        before_result = forked(roll_up_before) if parallel else roll_up_before
        now = roll_up_period(org, directory, person_of, current, Coverage.of(current),
                             seat_holders, thresholds)
        before = before_result()
        return {
            "period": {**now.coverage.as_json(), **now.depth.as_json(),
                       "previous": _previous_period(before)},
            "features": now.coverage.features_measured_in_p,
            "units": _units(org, now, before),
            "unmapped": _unmapped(now, logins),
        }


def enterprise_depth(directory: Directory, person_of: Mapping[int, str], data: PeriodInput, *,
                     seat_holders: Collection[str] | None = None,
                     thresholds: Thresholds = DEFAULT_THRESHOLDS) -> dict | None:
    """The enterprise unit's `depth` (METRICS.md section 9) over one period, as
    `compute_rollup` would give it: for a month of the report's trend, without the other
    dimensions' units."""
    with cycle_collector_paused():
        org = Org.of(directory)
        org = dataclasses.replace(org, dimensions=org.dimensions[:1])  # the enterprise
        coverage = Coverage.of(data)
        if not coverage.has_data:
            return None
        rolled = roll_up_period(org, directory, person_of, data, coverage, seat_holders,
                                thresholds)
        return rolled.units[ENTERPRISE][ENTERPRISE_ID]["depth"]


def _previous_period(before: PeriodRollup | None) -> dict | None:
    if before is None:
        return None
    return {**before.coverage.as_json(), "features": before.coverage.features_measured_in_p,
            **before.depth.as_json()}


def _units(org: Org, now: PeriodRollup, before: PeriodRollup | None) -> list[dict]:
    """Units by dimension (in rollup order) then id, each with its previous-period metrics."""
    units = []
    for dimension in org.dimensions:
        for unit in sorted(dimension.units):
            info = dimension.units[unit]
            units.append({
                "dimension": dimension.name, "id": unit, "name": info.name,
                "parent": info.parent,
                **now.units[dimension.name][unit],
                "previous": before.units[dimension.name][unit] if before else None,
            })
    return units


def _unmapped(now: PeriodRollup, logins: Mapping[int, str]) -> list[dict]:
    """Most active first, then by user_id."""
    order = sorted(now.unmapped.items(), key=lambda item: (-item[1], item[0]))
    return [{"user_id": user_id, "login": logins.get(user_id), "active_days": active_days}
            for user_id, active_days in order]
