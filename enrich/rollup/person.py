"""Per-person metrics over a period (METRICS.md section 4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from operator import or_
from typing import NamedTuple, TypeVar

from enrich.rollup.coverage import Coverage
from enrich.rollup.inputs import Thresholds

INACTIVE = "inactive"
CHAMPION = "champion"
LAGGING = "lagging"
REGULAR = "regular"
#: the order in which reports list segments
SEGMENTS = (CHAMPION, REGULAR, LAGGING, INACTIVE)

DayBits = dict[int, int]
T = TypeVar("T")


class PersonMetrics(NamedTuple):
    #: each active day -> the features engaged that day
    day_bits: DayBits
    #: features engaged on at least one day
    union: int
    breadth: int
    active_weeks: int
    consistency: float
    segment: str
    narrow: bool

    @property
    def active_days(self) -> int:
        return len(self.day_bits)

    @property
    def first_active(self) -> int | None:
        return min(self.day_bits, default=None)

    @property
    def last_active(self) -> int | None:
        return max(self.day_bits, default=None)

    def feature_days(self, features: list[str]) -> dict[str, int]:
        """Days engaged with each feature; `features` names the bits."""
        return {name: sum(1 for bits in self.day_bits.values() if bits >> bit & 1)
                for bit, name in enumerate(features)}


#: the metrics of someone with no engagement in the period
NO_ENGAGEMENT = PersonMetrics({}, 0, 0, 0, 0.0, INACTIVE, False)


def engagement_by_user(rows: Iterable[tuple[int, int, int]]) -> dict[int, DayBits]:
    """Each user's active days and the features engaged on each.

    Several rows of one user and day are OR-ed. A row without engagement says no more than
    no row at all (METRICS.md section 1), so it is left out: every day kept is active.
    """
    by_user: defaultdict[int, DayBits] = defaultdict(dict)
    # The hot loop of the rollup (a million rows a month): kept to the bare dict operations.
    for user_id, day, bits in rows:
        if not bits:
            continue
        days = by_user[user_id]
        if day in days:
            days[day] |= bits
        else:
            days[day] = bits
    return by_user


def engagement_by_person(by_user: Mapping[int, DayBits], person_of: Mapping[int, str],
                         people: Mapping) -> tuple[dict[str, DayBits], dict[int, DayBits]]:
    """Users grouped by the directory person they match, and the users it does not know.

    The user_ids of one person merge by OR per day, so a day never counts twice.
    """
    return by_person(by_user, person_of, people, merged)


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


def merged(a: DayBits, b: DayBits) -> DayBits:
    result = dict(a)
    for day, bits in b.items():
        result[day] = result.get(day, 0) | bits
    return result


def person_metrics(day_bits: DayBits, coverage: Coverage, thresholds: Thresholds
                   ) -> PersonMetrics:
    """`day_bits` as made by `engagement_by_user`: active days only."""
    union = reduce(or_, day_bits.values(), 0)
    person_breadth = breadth(union, coverage.measured_in_p)
    weeks = active_weeks(day_bits, coverage.week_of_day)
    person_consistency = consistency(weeks, coverage.weeks_in_period)
    return PersonMetrics(
        day_bits, union, person_breadth, weeks, person_consistency,
        segment(len(day_bits), person_breadth, person_consistency, thresholds),
        is_narrow(len(day_bits), person_breadth))


def breadth(union: int, measured_in_p: int) -> int:
    """Features measured in P that the person engaged with on at least one day."""
    return (union & measured_in_p).bit_count()


def active_weeks(active: Iterable[int], week_of_day: Mapping[int, int]) -> int:
    """ISO weeks with an active day; `week_of_day` is `week_of` over the period, looked up
    rather than computed because this runs for every active day of everyone."""
    return len(set(map(week_of_day.__getitem__, active)))


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
