"""What Copilot spends per cost center (METRICS.md section 10).

Two kinds of figures, never added up under one name without saying so: the **seat cost**, a
list-price estimate of the seats (section 7: the monthly price of each plan, in
`licenses.currency`), and the **usage cost**, the premium requests and AI credits GitHub
billed beyond the seats' allowance (gross, discount and net exactly as the billing source
gives them, in its currency, USD). Each billed amount goes to the person of its GitHub user
(the identity rules, as the rollup matches users) and so to that person's cost center and
unit, as the org chart has them (not GitHub's own cost centers); a user the org chart does
not know goes to `(unmapped)`, and usage no user is billed for is `not attributable`, never
spread. The attributed amounts and the not attributable ones add up exactly to the source's
total: `reconciles` checks it.

Plain data in, plain data out, so that every figure can be checked by hand.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from enrich.dates import Period, to_date
from enrich.directory.model import Directory
from enrich.licenses.review import CostCenterReview, Holder
from enrich.rollup.trend import engaged_of
from enrich.rollup.units import (
    ENTERPRISE_ID,
    ENTERPRISE_NAME,
    NO_COST_CENTER,
    UNMAPPED,
    cost_center_order,
)
from enrich.sources.billing import (
    BILLED_CURRENCY,
    NO_AMOUNTS,
    SOURCE_NAMES,
    SOURCE_ORDER,
    Amounts,
    from_nanos,
)
from enrich.store import BilledUsage


class UserUsage(NamedTuple):
    """The usage billed to one GitHub user in the period, and who the user is in the org
    chart (the cost center `(unmapped)` for a user it does not know)."""

    user_id: int
    login: str
    holder: Holder
    amounts: Amounts


@dataclass(frozen=True)
class CostCenterSpend:
    """A cost center's spend over the period (or the enterprise's)."""

    id: str
    name: str
    seats: int
    #: the seats' list price over the period, in the seat currency: an estimate
    seat_cost: Decimal
    #: billed usage, in the billed currency; None without billed usage data for the period
    usage: Amounts | None
    #: GitHub users with billed usage (people of the org chart, or unknown logins)
    users: int
    #: people with at least one active day in the period (METRICS.md section 4)
    engaged: int
    #: the seat currency and the billed currency are the same: the two add up
    comparable: bool
    #: the share of the enterprise's billed net usage this one's covers
    share: Decimal | None = None

    @property
    def total(self) -> Decimal | None:
        """Seat list price + billed net usage; None when they cannot be added up (no billed
        data, or two currencies)."""
        if self.usage is None or not self.comparable:
            return None
        return self.seat_cost + self.usage.net

    @property
    def usage_per_engaged(self) -> Decimal | None:
        """Billed net usage per engaged person."""
        if self.usage is None or not self.engaged:
            return None
        return self.usage.net / self.engaged


@dataclass(frozen=True)
class Spend:
    period: Period
    #: the months of seat cost the period holds (1 for a calendar month)
    seat_months: Fraction
    seat_currency: str
    billed_currency: str
    #: by cost center (`cost_center_order`): every cost center with seats or billed usage
    cost_centers: list[CostCenterSpend]
    #: seats and seat cost of every seat, billed usage of the whole source
    enterprise: CostCenterSpend
    #: each user with billed usage, by cost center then login
    users: list[UserUsage]
    not_attributable: Amounts
    #: the not attributable usage per organization (None: none named)
    not_attributable_by_organization: dict[str | None, Amounts]
    #: what the source billed in the period: every row counted
    source_total: Amounts
    #: the sources the period's rows come from (`SOURCE_NAMES`)
    sources: list[str]
    #: days of the period with billed usage
    days: int

    @property
    def has_usage(self) -> bool:
        return self.enterprise.usage is not None

    @property
    def comparable(self) -> bool:
        return self.enterprise.comparable

    @property
    def attributed(self) -> Amounts:
        """The usage attributed to users: their cost centers', `(unmapped)` included."""
        return sum((c.usage for c in self.cost_centers if c.usage), NO_AMOUNTS)

    @property
    def not_attributable_share(self) -> Decimal | None:
        return _share(self.not_attributable, self.source_total)

    @property
    def reconciles(self) -> bool:
        """Attributed + not attributable = the source's total, exactly."""
        return self.attributed + self.not_attributable == self.source_total


def seat_months(period: Period) -> Fraction:
    """The months of seat cost in a period: each calendar month it touches counts for the
    share of its days the period holds (1 for a calendar month, 2 for two)."""
    months = Fraction(0)
    day = period.since
    while day <= period.until:
        date = to_date(day)
        length = calendar.monthrange(date.year, date.month)[1]
        last = min(period.until, day + length - date.day)
        months += Fraction(last - day + 1, length)
        day = last + 1
    return months


def seat_cost(monthly: float, months: Fraction) -> Decimal:
    """A monthly list-price cost over `months`, to the cent."""
    cents = Decimal(str(round(monthly, 2))) * months.numerator / months.denominator
    return cents.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Attribution:
    """The usage billed in a period, user by user (`attribute`)."""

    #: each user with billed usage, by cost center then login
    users: list[UserUsage]
    #: the usage billed to no user, per organization (None: none named)
    not_attributable_by_organization: dict[str | None, Amounts]
    #: source -> the days of the period it gave
    days: dict[str, int]


def attribute(billed: BilledUsage, holders: Mapping[int, Holder]) -> Attribution:
    """The usage billed in a period (`Store.billed_usage`, each login's user id resolved),
    to each user, who is `holders[user_id]` in the org chart (`holder_of`), and apart what
    no user was billed for."""
    # the nanos are summed as integers, exactly, and made amounts once per user
    by_user: dict[int, list] = {}  # user_id -> [login, gross, discount, net]
    by_organization: dict[str | None, list] = {}  # organization -> [gross, discount, net]
    for login, user_id, organization, gross, discount, net in billed.totals:
        if user_id is None:
            entry = by_organization.setdefault(organization, [0, 0, 0])
            entry[0] += gross
            entry[1] += discount
            entry[2] += net
        else:
            entry = by_user.setdefault(user_id, [login, 0, 0, 0])
            entry[1] += gross
            entry[2] += discount
            entry[3] += net
    orders = {}  # cost center -> its place (`cost_center_order`)
    users = sorted((UserUsage(user_id, login, holders[user_id], _amounts(nanos))
                    for user_id, (login, *nanos) in by_user.items()),
                   key=lambda u: (orders.get(u.holder.cost_center) or orders.setdefault(
                       u.holder.cost_center, cost_center_order(u.holder.cost_center)),
                       u.login.lower(), u.user_id))
    return Attribution(users, {organization: _amounts(nanos) for organization, nanos in sorted(
        by_organization.items(), key=lambda item: (item[0] is None, item[0] or ""))},
        billed.days)


def _amounts(nanos: list[int]) -> Amounts:
    """Amounts summed from the store's nanos: the same decimals (9 places) as adding up
    each row's amounts gives."""
    return Amounts(*map(from_nanos, nanos))


def spend(period: Period, cost_centers: Iterable[CostCenterReview],
          enterprise: CostCenterReview, seat_currency: str, billed: Attribution,
          engaged: Mapping[str, int]) -> Spend:
    """The spend review of `period`: the seats of the license review's cost centers (their
    monthly cost), the usage billed in the period (`attribute`), and the engaged people of
    each cost center (`engaged_by_cost_center`, with the enterprise's under
    `ENTERPRISE_ID`)."""
    months = seat_months(period)
    comparable = seat_currency.strip().upper() == BILLED_CURRENCY
    not_attributable = sum(billed.not_attributable_by_organization.values(), NO_AMOUNTS)
    total = sum((user.amounts for user in billed.users), not_attributable)
    has_usage = bool(billed.days)
    centers = _cost_centers(cost_centers, billed.users, months, engaged, comparable,
                            has_usage, total)
    return Spend(
        period=period, seat_months=months, seat_currency=seat_currency,
        billed_currency=BILLED_CURRENCY, cost_centers=centers,
        enterprise=CostCenterSpend(
            ENTERPRISE_ID, ENTERPRISE_NAME, enterprise.seats,
            seat_cost(enterprise.monthly_cost, months), total if has_usage else None,
            len(billed.users), engaged.get(ENTERPRISE_ID, 0), comparable,
            _share(total, total) if has_usage else None),
        users=billed.users, not_attributable=not_attributable,
        not_attributable_by_organization=billed.not_attributable_by_organization,
        source_total=total,
        sources=[SOURCE_NAMES[source] for source in SOURCE_ORDER if source in billed.days],
        days=sum(billed.days.values()))


def _cost_centers(reviews: Iterable[CostCenterReview], users: list[UserUsage],
                  months: Fraction, engaged: Mapping[str, int], comparable: bool,
                  has_usage: bool, total: Amounts) -> list[CostCenterSpend]:
    seats = {c.id: c for c in reviews}
    names = {c.id: c.name for c in seats.values()}
    usage: dict[str, Amounts] = {}
    people: dict[str, set] = {}
    for user in users:
        center = user.holder.cost_center
        names.setdefault(center, user.holder.cost_center_name)
        usage[center] = usage.get(center, NO_AMOUNTS) + user.amounts
        people.setdefault(center, set()).add(user.holder.person or user.user_id)
    result = []
    for center in sorted(names, key=cost_center_order):
        review = seats.get(center)
        used = usage.get(center, NO_AMOUNTS) if has_usage else None
        result.append(CostCenterSpend(
            center, names[center], review.seats if review else 0,
            seat_cost(review.monthly_cost, months) if review else Decimal("0.00"),
            used, len(people.get(center, ())), engaged.get(center, 0), comparable,
            _share(used, total) if used is not None else None))
    return result


def _share(part: Amounts, total: Amounts) -> Decimal | None:
    return part.net / total.net if total.net else None


def engaged_by_cost_center(directory: Directory, person_of: Mapping[int, str],
                           active_users: Iterable[int]) -> dict[str, int]:
    """The engaged people of each cost center (the users the org chart does not know under
    `(unmapped)`), and of the enterprise under `ENTERPRISE_ID`."""
    people, unmapped = engaged_of(directory, person_of, set(active_users))
    counts: dict[str, int] = {}
    for person_id in people:
        center = directory.cost_center_of(directory.people[person_id]) or NO_COST_CENTER
        counts[center] = counts.get(center, 0) + 1
    if unmapped:
        counts[UNMAPPED] = unmapped
    counts[ENTERPRISE_ID] = len(people) + unmapped
    return counts
