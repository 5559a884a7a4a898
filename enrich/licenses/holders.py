"""Seat holders and what their seats cost (METRICS.md section 7).

The seats API returns one seat object per granting organization or team; a holder who appears
in several is one seat, merged here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from enrich.config import SETTINGS
from enrich.dates import parse_day
from enrich.sources.seats import Seat

#: the plan an unknown plan type is priced as
BUSINESS = "business"


@dataclass(frozen=True)
class Terms:
    """The `licenses.*` settings."""

    inactive_after_days: int
    grace_days: int
    #: plan type -> monthly price; holds at least `business`
    prices: dict[str, float]
    currency: str

    @classmethod
    def from_config(cls, config) -> Terms:
        """The settings of a `enrich.config.Config`; configured prices are merged over the
        default ones, so configuring `business` alone keeps the default `enterprise` price."""
        return cls(
            inactive_after_days=config.get("licenses.inactive_after_days"),
            grace_days=config.get("licenses.grace_days"),
            prices={**SETTINGS["licenses.prices"].default, **config.get("licenses.prices")},
            currency=config.get("licenses.currency"),
        )

    def knows(self, plan: str) -> bool:
        return plan in self.prices

    def price_of(self, plan: str) -> float:
        """An unknown plan is priced as business (and flagged by the review)."""
        return self.prices.get(plan, self.prices[BUSINESS])


# A review makes one of each of these per seat, a hundred thousand for a large enterprise;
# a named tuple is quick to make and to send from the process that merges them.
class HeldSeat(NamedTuple):
    """One holder's seat, merged from all the seat objects that name them.

    Timestamps are reduced to their UTC day (section 1): the review only uses days, and the
    UTC day of the latest instant is the latest of the UTC days, so the days merge exactly as
    the instants would.
    """

    #: None for a seat object without an assignee, which is never merged with another
    user_id: int | None
    login: str | None
    plan_type: str
    created_day: int | None
    last_activity_day: int | None
    pending_cancellation_day: int | None
    organizations: tuple[str, ...]
    assigning_teams: tuple[str, ...]


def merge_holders(seats: Iterable[Seat], terms: Terms) -> list[HeldSeat]:
    """One HeldSeat per holder (by user_id, in user_id order), then one per seat object
    without an assignee, in their order."""
    by_holder: dict[int, list[Seat]] = {}
    unassigned: list[HeldSeat] = []
    for seat in seats:
        if seat.user_id is None:
            unassigned.append(merge_objects([seat], terms))
        else:
            by_holder.setdefault(seat.user_id, []).append(seat)
    return [merge_objects(by_holder[uid], terms) for uid in sorted(by_holder)] + unassigned


def merge_objects(objects: list[Seat], terms: Terms) -> HeldSeat:
    """The dearest plan, the earliest creation, the latest activity (section 7)."""
    if len(objects) == 1:
        return _only(objects[0])
    return HeldSeat(
        user_id=objects[0].user_id,
        login=objects[0].login,
        plan_type=dearest_plan([seat.plan_type for seat in objects], terms),
        created_day=min(_days(seat.created_at for seat in objects), default=None),
        last_activity_day=max(_days(seat.last_activity_at for seat in objects), default=None),
        pending_cancellation_day=pending_cancellation(objects),
        organizations=_names(seat.organization for seat in objects),
        assigning_teams=_names(seat.assigning_team for seat in objects),
    )


def _only(seat: Seat) -> HeldSeat:
    """The seat of a holder with one seat object: most holders, so kept short."""
    return HeldSeat(
        user_id=seat.user_id, login=seat.login, plan_type=seat.plan_type,
        created_day=_day(seat.created_at), last_activity_day=_day(seat.last_activity_at),
        pending_cancellation_day=_day(seat.pending_cancellation_date),
        organizations=(seat.organization,) if seat.organization is not None else (),
        assigning_teams=(seat.assigning_team,) if seat.assigning_team is not None else (),
    )


def _day(text: str | None) -> int | None:
    return None if text is None else parse_day(text)


def dearest_plan(plans: list[str], terms: Terms) -> str:
    """On equal prices a known plan wins over an unknown one priced the same, so the seat is
    not flagged for a plan it also holds under a known name; then the name decides."""
    return max(plans, key=lambda plan: (terms.price_of(plan), terms.knows(plan), plan))


def pending_cancellation(objects: list[Seat]) -> int | None:
    """Only when every object is being cancelled is the holder's seat; it then lasts, and
    costs, until the last of them ends, so the latest date is the seat's."""
    dates = [seat.pending_cancellation_date for seat in objects]
    if any(date is None for date in dates):
        return None
    return max(_days(dates))


def _days(texts: Iterable[str | None]) -> list[int]:
    return [parse_day(text) for text in texts if text is not None]


def _names(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({name for name in names if name is not None}))
