"""Per-person metrics over a period (METRICS.md section 4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, TypeVar

from enrich.rollup.coverage import Coverage
from enrich.rollup.engagement import Engagement
from enrich.rollup.inputs import Thresholds

INACTIVE = "inactive"
CHAMPION = "champion"
LAGGING = "lagging"
REGULAR = "regular"
#: the order in which reports list segments
SEGMENTS = (CHAMPION, REGULAR, LAGGING, INACTIVE)

T = TypeVar("T")


class PersonMetrics(NamedTuple):
    #: the active days, and the features engaged on each
    engagement: Engagement
    #: features engaged on at least one day
    union: int
    breadth: int
    active_weeks: int
    consistency: float
    segment: str
    narrow: bool

    @property
    def active_days(self) -> int:
        return self.engagement.active_days

    @property
    def first_active(self) -> int | None:
        mask = self.engagement.day_mask
        return self.engagement.since + (mask & -mask).bit_length() - 1 if mask else None

    @property
    def last_active(self) -> int | None:
        mask = self.engagement.day_mask
        return self.engagement.since + mask.bit_length() - 1 if mask else None

    def feature_days(self, features: list[str]) -> dict[str, int]:
        """Days engaged with each feature; `features` names the bits."""
        days = self.engagement.days_per_bit
        return {name: days[bit] if bit < len(days) else 0 for bit, name in enumerate(features)}


#: the metrics of someone with no engagement in the period
NO_ENGAGEMENT = PersonMetrics(Engagement(0, 0, 0, ()), 0, 0, 0, 0.0, INACTIVE, False)


def by_person(by_user: Mapping[int, T], person_of: Mapping[int, str], people: Mapping,
              merge: Callable[[T, T], T]) -> tuple[dict[str, T], dict[int, T]]:
    """What each user has, grouped by the directory person they match (`merge`d for a person
    of several users), and that of the users it does not know."""
    mapped: dict[str, T] = {}
    unmapped: dict[int, T] = {}
    for user_id, value in by_user.items():
        person = person_of.get(user_id)
        if person is None or person not in people:
            unmapped[user_id] = value
        elif person in mapped:
            mapped[person] = merge(mapped[person], value)
        else:
            mapped[person] = value
    return mapped, unmapped


def person_metrics(engagement: Engagement, coverage: Coverage, thresholds: Thresholds
                   ) -> PersonMetrics:
    """The metrics of someone with active days (`engagement_by_person`)."""
    person_breadth = breadth(engagement.union, coverage.measured_in_p)
    weeks = active_weeks(engagement.day_mask, coverage.week_masks)
    person_consistency = consistency(weeks, coverage.weeks_in_period)
    return PersonMetrics(
        engagement, engagement.union, person_breadth, weeks, person_consistency,
        segment(engagement.active_days, person_breadth, person_consistency, thresholds),
        is_narrow(engagement.active_days, person_breadth))


def breadth(union: int, measured_in_p: int) -> int:
    """Features measured in P that the person engaged with on at least one day."""
    return (union & measured_in_p).bit_count()


def active_weeks(day_mask: int, week_masks: Iterable[int]) -> int:
    """ISO weeks with an active day (`Coverage.week_masks`: the days of each week)."""
    return sum(1 for week in week_masks if day_mask & week)


def consistency(weeks_active: int, weeks_in_period: int) -> float:
    return weeks_active / weeks_in_period


def segment(active_days: int, breadth: int, consistency: float, t: Thresholds) -> str:
    """The first rule that matches wins."""
    if active_days == 0:
        return INACTIVE
    if breadth >= t.champion_min_features and consistency >= t.champion_min_consistency:
        return CHAMPION
    if consistency < t.lagging_below_consistency:
        return LAGGING
    return REGULAR


def is_narrow(active_days: int, breadth: int) -> bool:
    """A candidate for feature training, whatever the segment."""
    return active_days >= 1 and breadth <= 1
