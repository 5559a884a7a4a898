"""The licence review (METRICS.md section 7): which seats are used, which can be reclaimed,
and what they cost per cost center.

Plain data in, plain data out: the seat objects of one snapshot, the directory, the identity
matching and each user's last active day, so every figure can be checked by hand.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from enrich.directory.model import Directory, Person
from enrich.licenses.holders import HeldSeat, Terms, merge_holders
from enrich.rollup.units import (
    ENTERPRISE_ID,
    ENTERPRISE_NAME,
    NO_COST_CENTER,
    UNMAPPED,
    cost_center_order,
)
from enrich.sources.seats import Seat

# A seat's status: what the review does with it. Exactly one applies, in this order. A seat
# is "in use" or "not in use" (METRICS.md's active and inactive seat): "inactive" is a
# segment of people in the reports.
#: a pending_cancellation_date is set: already being reclaimed, whatever its use
PENDING = "pending"
#: the holder has left: a reclaim candidate
LEAVER = "leaver"
ACTIVE = "in use"
#: unused but younger than the grace period: listed apart, not reclaimed yet
GRACE = "grace"
#: unused: a reclaim candidate
INACTIVE = "not in use"
CANDIDATE_STATUSES = (LEAVER, INACTIVE)

# The reason a seat is, or would be, reclaimed (None for an active seat of a non-leaver).
NEVER_USED = "never used"


@dataclass(slots=True)  # one per seat: slotted, several times faster to make than frozen
class Holder:
    """Who holds a seat, as the directory knows them; all None (and cost center `(unmapped)`)
    for a seat without an assignee or whose holder the directory does not know."""

    person: str | None = None
    name: str | None = None
    unit: str | None = None
    unit_name: str | None = None
    manager: str | None = None
    manager_name: str | None = None
    cost_center: str = UNMAPPED
    cost_center_name: str = UNMAPPED
    left: bool = False


UNKNOWN_HOLDER = Holder()


@dataclass(slots=True)  # one per seat: see HeldSeat
class ReviewedSeat:
    seat: HeldSeat
    holder: Holder
    #: monthly price of the seat's plan
    price: float
    #: the plan has no configured price and is priced as business
    unknown_plan: bool
    #: the holder's last active day on or before `until`, from the store
    last_engaged_day: int | None
    #: the holder used the seat in the window (section 7 "active seat")
    active: bool
    status: str
    #: LEAVER, NEVER_USED, INACTIVE, or None for an active seat of a non-leaver
    reason: str | None
    #: days from the last use to `until`, for an unused seat that was used once
    inactive_days: int | None
    candidate: bool


@dataclass(frozen=True)
class CostCenterReview:
    """The seats of one cost center (or of the enterprise) and what they cost a month."""

    id: str
    name: str
    seats: int
    #: plan type -> seats, by plan type
    seats_by_plan: dict[str, int]
    monthly_cost: float
    #: active + inactive = seats: section 7 defines both by use alone, so a leaver's seat
    #: counts by its use like any other (leavers show in `candidates`)
    active: int
    inactive: int
    candidates: int
    #: the monthly cost of the reclaim candidates
    idle_cost: float
    in_grace: int
    pending: int


@dataclass(frozen=True)
class Summary:
    """The review without its seats: the figures per cost center and for the enterprise."""

    terms: Terms
    since: int
    until: int
    cost_centers: list[CostCenterReview]
    enterprise: CostCenterReview
    #: the people of the org chart who hold the seats (a person with seats under two GitHub
    #: accounts holds two seats)
    known_holders: int


@dataclass(frozen=True)
class Review:
    terms: Terms
    #: the window `[since, until]` in which a seat must have been used to be active
    since: int
    until: int
    #: by cost center (in the order of `cost_centers`), then login
    seats: list[ReviewedSeat]
    #: the cost centers that hold seats: by id, then `(none)`, then `(unmapped)`
    cost_centers: list[CostCenterReview]
    enterprise: CostCenterReview
    #: the day the seat list was taken, when known (a seat CSV export carries none)
    taken_on: int | None = None

    @property
    def summary(self) -> Summary:
        holders = {seat.holder.person for seat in self.seats if seat.holder.person is not None}
        return Summary(self.terms, self.since, self.until, self.cost_centers, self.enterprise,
                       len(holders))

    @property
    def candidates(self) -> list[ReviewedSeat]:
        return [seat for seat in self.seats if seat.candidate]

    @property
    def pending(self) -> list[ReviewedSeat]:
        return [seat for seat in self.seats if seat.status == PENDING]

    @property
    def in_grace(self) -> list[ReviewedSeat]:
        return [seat for seat in self.seats if seat.status == GRACE]


def review(seats: Iterable[Seat], directory: Directory, person_of: Mapping[int, str], *,
           until: int, last_active: Mapping[int, int], terms: Terms) -> Review:
    """The licence review of a seat snapshot on `until`.

    `person_of` maps user_id -> directory person id; `last_active` user_id -> the last active
    day on or before `until`, over the whole history (`Store.last_active_days(until)`).
    """
    return review_held(merge_holders(seats, terms), directory, person_of, until=until,
                       last_active=last_active, terms=terms)


def review_held(held_seats: Iterable[HeldSeat], directory: Directory,
                person_of: Mapping[int, str], *, until: int, last_active: Mapping[int, int],
                terms: Terms, taken_on: int | None = None) -> Review:
    """`review` of seats already merged per holder (`merge_holders`), which needs neither
    the directory nor the engagement: a large enterprise merges them on the side.
    `taken_on` is the day the seat list was taken, when known."""
    since = window_start(until, terms)
    places: dict = {}
    reviewed = sorted(
        (review_seat(held, holder_of(held.user_id, directory, person_of, places), last_active,
                     since, until, terms) for held in held_seats),
        key=seat_order)
    return Review(terms, since, until, reviewed, cost_center_reviews(reviewed),
                  summarize(ENTERPRISE_ID, ENTERPRISE_NAME, reviewed), taken_on)


def window_start(until: int, terms: Terms) -> int:
    return until - terms.inactive_after_days + 1


def holder_of(user_id: int | None, directory: Directory, person_of: Mapping[int, str],
              places: dict | None = None) -> Holder:
    """Who a GitHub user is in the org chart: a seat's holder, or whom usage was billed to.

    `places`, kept by a caller that asks for many users, holds what it found of each
    place in the org chart (the unit's name, the cost center), which many people share."""
    person = person_holding(user_id, directory, person_of)
    if person is None:
        return UNKNOWN_HOLDER
    where = (person.unit, person.cost_center)
    place = places.get(where) if places is not None else None
    if place is None:
        place = (directory.units[person.unit].name, *cost_center_named(directory, person))
        if places is not None:
            places[where] = place
    unit_name, cost_center, cost_center_name = place
    return Holder(person.id, person.name, person.unit, unit_name,
                  person.manager, directory.people[person.manager].name if person.manager else None,
                  cost_center, cost_center_name, person.left)


def person_holding(user_id: int | None, directory: Directory, person_of: Mapping[int, str]
                   ) -> Person | None:
    """The org chart's person of a seat's assignee; None when it knows nobody (or there is no
    assignee)."""
    person_id = person_of.get(user_id) if user_id is not None else None
    return directory.people.get(person_id) if person_id is not None else None


def cost_center_named(directory: Directory, person: Person) -> tuple[str, str]:
    """The cost center a holder's seat counts in, and its name: `(none)` without one."""
    cost_center = directory.cost_center_of(person) or NO_COST_CENTER
    return cost_center, directory.cost_centers.get(cost_center, cost_center)


def review_seat(held: HeldSeat, holder: Holder, last_active: Mapping[int, int], since: int,
                until: int, terms: Terms) -> ReviewedSeat:
    last_engaged = last_active.get(held.user_id) if held.user_id is not None else None
    active = is_active(last_engaged, held.last_activity_day, since)
    status = status_of(held, holder, active, until, terms)
    return ReviewedSeat(
        seat=held, holder=holder, price=terms.price_of(held.plan_type),
        unknown_plan=not terms.knows(held.plan_type), last_engaged_day=last_engaged,
        active=active, status=status,
        reason=reason_of(holder, active, last_engaged, held.last_activity_day),
        inactive_days=None if active else inactive_days(last_engaged, held.last_activity_day,
                                                        until),
        candidate=status in CANDIDATE_STATUSES)


def is_active(last_engaged: int | None, last_activity_day: int | None, since: int) -> bool:
    """Engaged in the window, or GitHub saw activity on or after its first day: activity
    reported after `until` also proves use. `last_engaged` is never after `until`."""
    return (last_engaged is not None and last_engaged >= since) or (
        last_activity_day is not None and last_activity_day >= since)


def status_of(held: HeldSeat, holder: Holder, active: bool, until: int, terms: Terms) -> str:
    # A pending cancellation comes first, even for an active seat: it is already being
    # reclaimed, so it is listed apart and costs nothing idle (section 7 excludes it from
    # the candidates).
    if held.pending_cancellation_day is not None:
        return PENDING
    if holder.left:
        # "whatever its activity and whatever its age": no grace for a leaver.
        return LEAVER
    if active:
        return ACTIVE
    return GRACE if in_grace(held.created_day, until, terms) else INACTIVE


def in_grace(created_day: int | None, until: int, terms: Terms) -> bool:
    """A seat whose creation is unknown has no grace: nothing shows it is new."""
    return created_day is not None and until - created_day < terms.grace_days


def reason_of(holder: Holder, active: bool, last_engaged: int | None,
              last_activity_day: int | None) -> str | None:
    if holder.left:
        return LEAVER
    if active:
        return None
    return NEVER_USED if last_engaged is None and last_activity_day is None else INACTIVE


def inactive_days(last_engaged: int | None, last_activity_day: int | None,
                  until: int) -> int | None:
    """Days from the last use (the later of both) to `until`; None when never used."""
    used = [day for day in (last_engaged, last_activity_day) if day is not None]
    return until - max(used) if used else None


def seat_order(seat: ReviewedSeat) -> tuple:
    """By cost center, then login (case-insensitive, as GitHub treats logins); seats without
    an assignee last, by what their objects name (a full tie keeps the snapshot's order)."""
    held = seat.seat
    return (_cost_center_order(seat.holder.cost_center), held.login is None,
            (held.login or "").lower(), held.login or "", held.user_id or 0,
            held.organizations, held.assigning_teams, held.plan_type)


#: `cost_center_order` of each cost center once, rather than for each of 100,000 seats
_cost_center_order = functools.cache(cost_center_order)


def cost_center_reviews(seats: list[ReviewedSeat]) -> list[CostCenterReview]:
    by_cost_center: dict[str, list[ReviewedSeat]] = {}
    for seat in seats:
        by_cost_center.setdefault(seat.holder.cost_center, []).append(seat)
    return [summarize(cost_center, group[0].holder.cost_center_name, group)
            for cost_center, group in sorted(by_cost_center.items(),
                                             key=lambda item: cost_center_order(item[0]))]


def summarize(cost_center: str, name: str, seats: list[ReviewedSeat]) -> CostCenterReview:
    candidates = [seat for seat in seats if seat.candidate]
    statuses = Counter(seat.status for seat in seats)
    active = sum(seat.active for seat in seats)
    return CostCenterReview(
        id=cost_center, name=name, seats=len(seats),
        seats_by_plan=dict(sorted(Counter(seat.seat.plan_type for seat in seats).items())),
        monthly_cost=sum(seat.price for seat in seats),
        active=active,
        inactive=len(seats) - active,
        candidates=len(candidates),
        idle_cost=sum(seat.price for seat in candidates),
        in_grace=statuses[GRACE],
        pending=statuses[PENDING])
