"""The per-unit metrics of METRICS.md section 5, from a unit's counts."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from operator import mul

from enrich.dates import day_str
from enrich.rollup.coverage import Coverage
from enrich.rollup.inputs import Thresholds
from enrich.rollup.tally import Counts


class UnitMetrics:
    """The table of section 5 for the units of one period."""

    def __init__(self, coverage: Coverage, thresholds: Thresholds):
        #: the keys of the feature maps, in the order of the counts
        self._features = [name for name, _ in coverage.features_with_data]
        self._measured_in_p = coverage.features_measured_in_p
        since = coverage.period.since
        self._day_labels = [day_str(day) for day in coverage.days_with_data]
        self._day_indexes = [day - since for day in coverage.days_with_data]
        self._gap_below = thresholds.awareness_gap_below

    def __call__(self, c: Counts) -> dict:
        adoption = dict(zip(self._features, feature_adoption(c.feature_users, c.engaged),
                            strict=True))
        daily = dict(zip(self._day_labels, map(c.daily_active.__getitem__, self._day_indexes),
                         strict=True))
        return {
            "members": c.members,
            "population": c.population,
            "engaged": c.engaged,
            "adoption_rate": ratio(c.engaged, c.population),
            "mean_active_days": mean_active_days(c.active_days),
            "median_active_days": median_active_days(c.active_days),
            "segments": c.segments,
            "narrow": c.narrow,
            "feature_users": dict(zip(self._features, c.feature_users, strict=True)),
            "feature_adoption": adoption,
            "feature_user_days": dict(zip(self._features, c.feature_user_days, strict=True)),
            "awareness_gaps": awareness_gaps(adoption, self._measured_in_p, c.engaged,
                                             self._gap_below),
            "mean_daily_active": mean_daily_active(daily),
            "daily_active": daily,
        }


def ratio(part: int, whole: int) -> float | None:
    """adoption_rate: null when the population is empty."""
    return part / whole if whole else None


def feature_adoption(feature_users: list[int], engaged: int) -> list[float | None]:
    """feature_users / engaged, null when nobody engaged."""
    return [users / engaged if engaged else None for users in feature_users]


def mean_active_days(histogram: list[int]) -> float | None:
    """Over engaged people; histogram[k] = people active on k days."""
    engaged = sum(histogram)
    return sum(map(mul, range(len(histogram)), histogram)) / engaged if engaged else None


def median_active_days(histogram: list[int]) -> float | None:
    """The mean of the two middle values for an even count."""
    # cumulative[k] people have at most k active days: the value at (0-based) rank r is the
    # first k where more than r people have at most k.
    cumulative = list(accumulate(histogram))
    engaged = cumulative[-1]
    if not engaged:
        return None
    middle = (bisect_right(cumulative, (engaged - 1) // 2), bisect_right(cumulative, engaged // 2))
    return sum(middle) / 2


def awareness_gaps(adoption: dict[str, float | None], measured_in_p: list[str], engaged: int,
                   below: float) -> list[str]:
    """Features measured in P that few engaged people use, in feature order."""
    if engaged < 1:
        return []
    return [name for name in measured_in_p if adoption[name] < below]


def mean_daily_active(daily_active: dict[str, int]) -> float | None:
    """Over the days with data only."""
    return sum(daily_active.values()) / len(daily_active) if daily_active else None
