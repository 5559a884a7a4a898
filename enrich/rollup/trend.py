"""The enterprise's adoption month by month, for a trend over up to a year.

The same definitions as the rollup's enterprise unit (METRICS.md section 5), computed from
who was active in each month only: that is all adoption needs, and it keeps a year of
history cheap to read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta

from enrich.dates import Period, to_date
from enrich.directory.model import Directory
from enrich.rollup.units import in_population, is_member

#: months in the trend, the period's month included
TREND_MONTHS = 12


@dataclass(frozen=True)
class MonthAdoption:
    month: Period
    #: days reported, empty and missing (METRICS.md section 3)
    days: dict[str, int]
    engaged: int | None
    population: int | None
    #: the enterprise's depth of use (METRICS.md section 9); None when not measured
    depth: dict | None = None

    @property
    def has_data(self) -> bool:
        return self.days["reported"] + self.days["empty"] > 0

    @property
    def incomplete(self) -> bool:
        return self.has_data and self.days["missing"] > 0

    @property
    def adoption_rate(self) -> float | None:
        if not self.has_data or not self.population:
            return None
        return self.engaged / self.population


def trend_months(until: int, count: int = TREND_MONTHS) -> list[Period]:
    """The `count` calendar months up to the one holding `until`, oldest first; the last is
    cut at `until`."""
    months = []
    last = to_date(until)
    for _ in range(count):
        month = Period.month(f"{last.year:04d}-{last.month:02d}")
        months.append(month)
        last = to_date(month.since) - timedelta(days=1)
    months.reverse()
    end = months[-1]
    if end.until > until:
        months[-1] = Period(end.since, until)
    return months


def enterprise_adoption(directory: Directory, person_of: Mapping[int, str],
                        active_users: Collection[int],
                        seat_holders: Collection[str] | None) -> tuple[int, int]:
    """`(engaged, population)` of the enterprise unit, given the user_ids active in a period.

    Users the directory does not know count once each, as in the `(unmapped)` unit.
    """
    engaged_people, unmapped = engaged_of(directory, person_of, active_users)
    population = unmapped
    for person in directory.people.values():
        engaged = person.id in engaged_people
        if is_member(person, engaged, seat_holders) and in_population(person, engaged,
                                                                       seat_holders):
            population += 1
    return len(engaged_people) + unmapped, population


def engaged_of(directory: Directory, person_of: Mapping[int, str],
               active_users: Collection[int]) -> tuple[set[str], int]:
    """The people of the directory among the user_ids active in a period (engaged: at least
    one active day, METRICS.md section 4), and how many of those users it does not know."""
    engaged_people = set()
    unmapped = 0
    for user_id in active_users:
        person = person_of.get(user_id)
        if person is None or person not in directory.people:
            unmapped += 1
        else:
            engaged_people.add(person)
    return engaged_people, unmapped
