"""The seats month by month, and what the previous month's reclaims saved.

Each month of the trend counts the seats of the latest snapshot taken in it (on or before
its last day), per cost center as the org chart of the run places their holders. What the
reclaims saved compares the previous month's review with the seats of this one: the seats
that review proposed to reclaim whose holder holds no seat any more.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from enrich.dates import Period, to_date
from enrich.directory.model import Directory
from enrich.licenses.holders import Terms, dearest_plan
from enrich.licenses.review import Review, ReviewedSeat, cost_center_named, person_holding
from enrich.rollup.units import ENTERPRISE_ID, ENTERPRISE_NAME, UNMAPPED, cost_center_order


@dataclass(frozen=True)
class SeatCount:
    """Seats and what they cost a month, in one cost center or in the enterprise."""

    id: str
    name: str
    seats: int
    monthly_cost: float


NO_SEATS = SeatCount("", "", 0, 0.0)


@dataclass(frozen=True)
class MonthSeats:
    """One month of the trend."""

    month: Period
    #: the day of the snapshot counted; None for a month without one
    taken_on: int | None
    #: by cost center (empty without a snapshot)
    cost_centers: list[SeatCount]
    #: None without a snapshot
    enterprise: SeatCount | None

    @property
    def label(self) -> str:
        """The month as `YYYY-MM`, even when the period cuts it short."""
        return to_date(self.month.since).strftime("%Y-%m")


@dataclass(frozen=True)
class Reclaimed:
    """The reclaim candidates of the previous month's review that hold no seat now."""

    #: the previous month, and the day of the snapshot its review counted
    month: Period
    taken_on: int
    #: by cost center, as the previous review placed them; only those with a seat reclaimed
    cost_centers: list[SeatCount]
    total: SeatCount


@dataclass(frozen=True)
class SeatHistory:
    #: the months of the trend, oldest first: from the first with a snapshot, at most 12
    months: list[MonthSeats]
    #: None when the previous month has no snapshot to review
    reclaimed: Reclaimed | None

    def cost_center_names(self) -> dict[str, str]:
        """Every cost center that held seats in a month of the trend, or had seats reclaimed,
        in review order, with its latest name."""
        names = {count.id: count.name for count in self.reclaimed.cost_centers
                 } if self.reclaimed else {}
        for month in self.months:
            names.update((count.id, count.name) for count in month.cost_centers)
        return {cc: names[cc] for cc in sorted(names, key=cost_center_order)}


def placements(user_ids: Iterable[int], directory: Directory, person_of: Mapping[int, str]
               ) -> dict[int, tuple[str, str]]:
    """user_id -> the cost center (and its name) where the review counts that holder's seat:
    worked out once for every month of the trend, whose holders are mostly the same."""
    unmapped = (UNMAPPED, UNMAPPED)
    by_placement: dict[tuple, tuple[str, str]] = {}
    result = {}
    for user_id in user_ids:
        person = person_holding(user_id, directory, person_of)
        if person is None:
            result[user_id] = unmapped
            continue
        key = (person.cost_center, person.unit)
        if key not in by_placement:
            by_placement[key] = cost_center_named(directory, person)
        result[user_id] = by_placement[key]
    return result


def month_seats(month: Period, taken_on: int | None, plans: Iterable[tuple],
                placed: Mapping[int, tuple[str, str]], terms: Terms) -> MonthSeats:
    """The seats of a month's snapshot, given as `(user_id, login, plan_type)` per seat
    object: one seat per holder at the dearest plan, as the review merges them (each object
    without an assignee a seat of its own), in the cost center `placed` gives, and in
    total."""
    if taken_on is None:
        return MonthSeats(month, None, [], None)
    plan_of: dict[int, str] = {}
    seats: dict[tuple[str, str], list] = {}
    for user_id, _, plan in plans:
        if user_id is None:
            _add(seats, (UNMAPPED, UNMAPPED), terms.price_of(plan))
        elif user_id in plan_of:
            plan_of[user_id] = dearest_plan([plan_of[user_id], plan], terms)
        else:
            plan_of[user_id] = plan
    for user_id, plan in plan_of.items():
        _add(seats, placed[user_id], terms.price_of(plan))
    counts = [SeatCount(cc, name, n, cost) for (cc, name), (n, cost) in
              sorted(seats.items(), key=lambda item: cost_center_order(item[0][0]))]
    return MonthSeats(month, taken_on, counts, total(counts))


def _add(seats: dict[tuple[str, str], list], cost_center: tuple[str, str], price: float) -> None:
    group = seats.get(cost_center)
    if group is None:
        seats[cost_center] = [1, price]
    else:
        group[0] += 1
        group[1] += price


def total(counts: Collection[SeatCount]) -> SeatCount:
    return SeatCount(ENTERPRISE_ID, ENTERPRISE_NAME, sum(c.seats for c in counts),
                     sum(c.monthly_cost for c in counts))


def reclaimed(previous: Review, month: Period, taken_on: int,
              holders_now: Collection[int]) -> Reclaimed:
    """The candidates of `previous` (the review of the month before, on its own snapshot,
    of at least the seats whose holder is gone) whose holder (by GitHub user id) is not in
    `holders_now`, the user ids of this review's seats. A seat without an assignee cannot be
    followed from one snapshot to the next: it never counts as reclaimed."""
    gone = [seat for seat in previous.candidates
            if seat.seat.user_id is not None and seat.seat.user_id not in holders_now]
    by_cost_center: dict[str, list[ReviewedSeat]] = {}
    for seat in gone:
        by_cost_center.setdefault(seat.holder.cost_center, []).append(seat)
    counts = [SeatCount(cc, group[0].holder.cost_center_name, len(group),
                        sum(seat.price for seat in group))
              for cc, group in sorted(by_cost_center.items(),
                                      key=lambda item: cost_center_order(item[0]))]
    return Reclaimed(month, taken_on, counts, total(counts))
