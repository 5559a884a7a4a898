"""The rollup: per-person and per-unit metrics of METRICS.md sections 4, 5 and 8.

It takes plain data (the directory, the identity matching and one PeriodInput per period), so
every figure can be checked by hand.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Collection, Mapping

from enrich.directory.model import Directory
from enrich.rollup.coverage import Coverage
from enrich.rollup.inputs import DEFAULT_THRESHOLDS, PeriodInput, Thresholds
from enrich.rollup.period import PeriodRollup, roll_up_period
from enrich.rollup.units import Org

__all__ = ["PeriodInput", "Thresholds", "compute_rollup"]


def compute_rollup(directory: Directory, person_of: Mapping[int, str],
                   logins: Mapping[int, str], current: PeriodInput, previous: PeriodInput, *,
                   seat_holders: Collection[str] | None = None,
                   thresholds: Thresholds = DEFAULT_THRESHOLDS) -> dict:
    """The content of `rollup.json` (METRICS.md section 8).

    `person_of` maps user_id -> directory person id, `logins` user_id -> display login;
    `seat_holders` are the person ids holding a Copilot seat, None without seat data.
    """
    expected = current.period.previous()
    if (previous.period.since, previous.period.until) != (expected.since, expected.until):
        raise ValueError(f"the period before {current.period.label()} is {expected.label()}, "
                         f"not {previous.period.label()}")
    with _no_cycle_collection():
        org = Org.of(directory)
        now = roll_up_period(org, directory, person_of, current, Coverage.of(current),
                             seat_holders, thresholds)
        before_coverage = Coverage.of(previous)
        before = (roll_up_period(org, directory, person_of, previous, before_coverage,
                                 seat_holders, thresholds)
                  if before_coverage.has_data else None)
        return {
            "period": {**now.coverage.as_json(), "previous": _previous_period(before)},
            "features": now.coverage.features_measured_in_p,
            "units": _units(org, now, before),
            "unmapped": _unmapped(now, logins),
        }


@contextlib.contextmanager
def _no_cycle_collection():
    """The rollup makes hundreds of thousands of containers and no reference cycle; the cycle
    collector would only scan them, and the org chart, over and over (a tenth of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _previous_period(before: PeriodRollup | None) -> dict | None:
    if before is None:
        return None
    return {**before.coverage.as_json(), "features": before.coverage.features_measured_in_p}


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
