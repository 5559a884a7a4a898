"""What the data of a period can show: days with data and measured features (METRICS.md 2, 3)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from enrich.dates import Period, day_str, week_of
from enrich.features import feature_order
from enrich.rollup.inputs import EMPTY, MISSING, REPORTED, PeriodInput


@dataclass(frozen=True)
class Coverage:
    period: Period
    #: feature name of each bit, as in the PeriodInput
    features: list[str]
    reported: list[int]
    empty: list[int]
    missing: list[int]
    #: per bit: the number of reported days that measure the feature
    measured_days: list[int]

    @classmethod
    def of(cls, data: PeriodInput) -> Coverage:
        days = {REPORTED: [], EMPTY: [], MISSING: []}
        for day in data.period.days:
            days[data.status.get(day, MISSING)].append(day)
        measured_days = [
            sum(1 for day in days[REPORTED] if data.measured.get(day, 0) >> bit & 1)
            for bit in range(len(data.features))
        ]
        return cls(data.period, list(data.features), days[REPORTED], days[EMPTY],
                   days[MISSING], measured_days)

    @cached_property
    def days_with_data(self) -> list[int]:
        return sorted(self.reported + self.empty)

    @property
    def has_data(self) -> bool:
        return bool(self.reported or self.empty)

    @cached_property
    def weeks_in_period(self) -> int:
        """ISO weeks that intersect the period, whether or not their days have data."""
        return len(self.period.weeks())

    @cached_property
    def week_masks(self) -> list[int]:
        """Per ISO week that meets the period, its days as a mask (bit i: the period's day i)."""
        masks: dict[int, int] = {}
        for i, day in enumerate(self.period.days):
            week = week_of(day)
            masks[week] = masks.get(week, 0) | 1 << i
        return list(masks.values())

    def is_measured_in_p(self, bit: int) -> bool:
        """Measured on at least half of the reported days (and on one at least)."""
        days = self.measured_days[bit]
        return days >= 1 and 2 * days >= len(self.reported)

    @cached_property
    def measured_in_p(self) -> int:
        """Bit mask of the features measured in P."""
        return sum(1 << bit for bit in range(len(self.features)) if self.is_measured_in_p(bit))

    def in_feature_order(self, mask: int) -> list[tuple[str, int]]:
        """(name, bit) of the features in `mask`, in report order."""
        bits = {name: bit for bit, name in enumerate(self.features) if mask >> bit & 1}
        return [(name, bits[name]) for name in feature_order(bits)]

    @cached_property
    def features_with_data(self) -> list[tuple[str, int]]:
        """Features measured on at least one day with data: the keys of the feature maps."""
        return self.in_feature_order(
            sum(1 << bit for bit, days in enumerate(self.measured_days) if days))

    @cached_property
    def features_measured_in_p(self) -> list[str]:
        return [name for name, _ in self.in_feature_order(self.measured_in_p)]

    def as_json(self) -> dict:
        return {
            **self.period.as_json(),
            "days": {REPORTED: len(self.reported), EMPTY: len(self.empty),
                     MISSING: len(self.missing)},
            "missing_days": [day_str(day) for day in self.missing],
            # reported days measuring each feature: why a feature is (not) measured in P
            "measured_days": {name: self.measured_days[bit]
                              for name, bit in self.features_with_data},
        }
