"""The license review's CSV files, for finance's spreadsheets: licenses.csv (every seat),
reclaim.csv (the candidates, the most worth reclaiming first), chargeback.csv (the spend per
cost center), spend.csv (the billed usage per user), licenses-trend.csv (the seats month by
month), and one reclaim-COSTCENTER.csv per cost center for its owner.

Billed amounts are written exactly as the source billed them (decimals, not rounded), so that
their sums reconcile to the cent; list-price estimates to the cent.

UTF-8 with a byte order mark, so that Excel reads names right; cells a spreadsheet would run
as a formula are neutralised. They name people: readable by their owner only.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from enrich.dates import day_str
from enrich.directory.model import Lead
from enrich.licenses import CostCenterReview, Review, ReviewedSeat
from enrich.licenses.history import NO_SEATS, SeatCount, SeatHistory
from enrich.licenses.review import LEAVER, NEVER_USED
from enrich.licenses.spend import CostCenterSpend, Spend
from enrich.outputs.files import atomic_open
from enrich.outputs.rollup_files import cell
from enrich.rollup.units import ENTERPRISE_ID, ENTERPRISE_NAME
from enrich.sources.billing import NO_AMOUNTS, Amounts, tidy

CSV_NAME, RECLAIM_NAME = "licenses.csv", "reclaim.csv"
CHARGEBACK_NAME, TREND_NAME, SPEND_NAME = "chargeback.csv", "licenses-trend.csv", "spend.csv"
#: billed usage, in each CSV that has it
USAGE_COLUMNS = ("usage_gross", "usage_discount", "usage_net", "billed_currency")
SEAT_COLUMNS = (
    "cost_center", "cost_center_name", "login", "user_id", "name", "person_id", "unit",
    "unit_name", "manager", "manager_name", "plan_type", "unknown_plan", "monthly_price",
    "organizations", "assigning_teams", "created_day", "last_engaged_day",
    "last_activity_day", "pending_cancellation_day", "in_use", "status", "reason",
    "days_since_last_use", "candidate", *USAGE_COLUMNS)
SPEND_COLUMNS = ("attribution", "cost_center", "cost_center_name", "login", "user_id", "name",
                 "person_id", "unit", "unit_name", "organization", *USAGE_COLUMNS)
#: the chargeback row of the usage no user is billed for
NOT_ATTRIBUTABLE = "(not attributable)"
TREND_COLUMNS = ("month", "snapshot_day", "cost_center", "cost_center_name", "seats",
                 "monthly_cost", "currency", "reclaimed_seats", "saved_monthly_cost")
#: the reasons, the surest first: a leaver's seat is idle whatever its use
_REASON_ORDER = {LEAVER: 0, NEVER_USED: 1}


def candidate_order(seat: ReviewedSeat) -> tuple:
    """The most worth reclaiming first: by reason (leavers, then seats never used, then seats
    not in use), then the longest since the last use, then the dearest; then by login
    (case-insensitive; seats without an assignee last) and user id."""
    held = seat.seat
    return (_REASON_ORDER.get(seat.reason, 2), -(seat.inactive_days or 0), -seat.price,
            held.login is None, (held.login or "").lower(), held.user_id or 0)


def reclaim_name(cost_center: str) -> str:
    return f"reclaim-{file_part(cost_center)}.csv"


def file_part(text: str) -> str:
    """`text` as part of a file name: letters, digits, `-`, `_` and `.` only."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("._") or "_"


def write_tables(review: Review, spent: Spend, history: SeatHistory, owners: dict[str, Lead],
                 folder: Path, *, per_cost_center: bool) -> list[Path]:
    """Every CSV of the review; with `per_cost_center`, one reclaim CSV per cost center."""
    candidates = sorted(review.candidates, key=candidate_order)
    # each user's usage columns, made once for the seat and the spend rows
    usage = {user.user_id: _usage(user.amounts, spent.billed_currency)
             for user in spent.users} if spent.has_usage else {}
    unused = _usage(NO_AMOUNTS if spent.has_usage else None, spent.billed_currency)

    def seat_row_with_usage(seat: ReviewedSeat) -> list:
        return [*seat_row(seat), *usage.get(seat.seat.user_id, unused)]

    paths = [write_csv(folder / CSV_NAME, SEAT_COLUMNS, map(seat_row_with_usage, review.seats)),
             write_csv(folder / RECLAIM_NAME, SEAT_COLUMNS,
                       map(seat_row_with_usage, candidates)),
             write_chargeback(folder / CHARGEBACK_NAME, review, spent, owners),
             write_csv(folder / SPEND_NAME, SPEND_COLUMNS, spend_rows(spent, usage)),
             write_trend(folder / TREND_NAME, history, review.terms.currency)]
    if per_cost_center:
        for center in review.cost_centers:
            mine = (seat for seat in candidates if seat.holder.cost_center == center.id)
            paths.append(write_csv(folder / reclaim_name(center.id), SEAT_COLUMNS,
                                   map(seat_row_with_usage, mine)))
    return paths


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable]) -> Path:
    with atomic_open(path, "w", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        # only text can read as a formula: the other cells are written as they are
        writer.writerows([cell(value) if value.__class__ in _TEXT else value for value in row]
                         for row in rows)
    return path


#: the cells `cell` may change
_TEXT = (str, list)


def seat_row(seat: ReviewedSeat) -> list:
    held, holder = seat.seat, seat.holder
    return [holder.cost_center, holder.cost_center_name, held.login, held.user_id,
            holder.name, holder.person, holder.unit, holder.unit_name, holder.manager,
            holder.manager_name, held.plan_type, seat.unknown_plan, seat.price,
            " ".join(held.organizations), " ".join(held.assigning_teams),
            _day(held.created_day), _day(seat.last_engaged_day), _day(held.last_activity_day),
            _day(held.pending_cancellation_day), seat.active, seat.status, seat.reason,
            seat.inactive_days, seat.candidate]


@functools.lru_cache(maxsize=8192)  # a few thousand days, written for each of 100,000 seats
def _day(day: int | None) -> str | None:
    return None if day is None else day_str(day)


def write_chargeback(path: Path, review: Review, spent: Spend, owners: dict[str, Lead]
                     ) -> Path:
    """One row per cost center that holds seats or has billed usage, then the usage no user
    is billed for: the rows' `usage_net` add up to the period's billed total. A column of
    seats for each plan of the prices, and of any other plan a seat holds."""
    plans = list(review.terms.prices) + sorted(
        set(review.enterprise.seats_by_plan) - set(review.terms.prices))
    header = ["cost_center", "cost_center_name", "owner", "owner_email", "seats",
              *(f"seats.{plan}" for plan in plans), "monthly_cost", "currency",
              "seats_in_use", "idle_cost", "seat_cost", *USAGE_COLUMNS, "total", "engaged",
              "usage_net_per_engaged", "usage_share"]
    seats = {center.id: center for center in review.cost_centers}
    rows = [chargeback_row(seats.get(center.id), center, owners.get(center.id), plans,
                           review.terms.currency, spent.billed_currency)
            for center in spent.cost_centers]
    if spent.has_usage:
        rows.append([NOT_ATTRIBUTABLE, "usage billed to no user", None, None, None,
                     *([None] * len(plans)), None, review.terms.currency, None, None, None,
                     *_usage(spent.not_attributable, spent.billed_currency),
                     _exact(spent.not_attributable.net) if spent.comparable else None, None,
                     None, _exact(spent.not_attributable_share, 6)])
    return write_csv(path, header, rows)


def chargeback_row(center: CostCenterReview | None, spent: CostCenterSpend,
                   owner: Lead | None, plans: list[str], currency: str,
                   billed_currency: str) -> list:
    """A cost center's seats (none when it holds none) and spend."""
    by_plan = center.seats_by_plan if center else {}
    return [spent.id, spent.name, owner.name if owner else None,
            owner.email if owner else None, spent.seats,
            *(by_plan.get(plan, 0) for plan in plans),
            money(center.monthly_cost if center else 0), currency,
            center.active if center else 0, money(center.idle_cost if center else 0),
            _exact(spent.seat_cost), *_usage(spent.usage, billed_currency),
            _exact(spent.total), spent.engaged, _exact(spent.usage_per_engaged, 6),
            _exact(spent.share, 6)]


def spend_rows(spent: Spend, usage: dict[int, list]) -> Iterable[list]:
    """Each user with billed usage (by cost center, then login), then the usage billed to no
    user, per organization: every billed amount of the period once. `usage` holds each
    user's usage columns."""
    for user in spent.users:
        holder = user.holder
        yield ["person" if holder.person else "unmapped", holder.cost_center,
               holder.cost_center_name, user.login, user.user_id if user.user_id > 0 else None,
               holder.name, holder.person, holder.unit, holder.unit_name, None,
               *usage[user.user_id]]
    for organization, amounts in spent.not_attributable_by_organization.items():
        yield ["not attributable", None, None, None, None, None, None, None, None,
               organization, *_usage(amounts, spent.billed_currency)]


def _usage(amounts: Amounts | None, currency: str) -> list:
    """The usage columns: empty without billed usage data for the period."""
    if amounts is None:
        return [None, None, None, currency]
    return [_exact(amounts.gross), _exact(amounts.discount), _exact(amounts.net), currency]


def _exact(value: Decimal | None, places: int | None = None) -> str | None:
    """A decimal as written in the CSV: an amount exactly (`tidy`), a ratio rounded to
    `places`."""
    if value is None:
        return None
    return format(tidy(value) if places is None else round(value, places), "f")



def money(amount: float) -> float | int:
    """An amount to the cent, without the noise of adding up floats."""
    rounded = round(amount, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def write_trend(path: Path, history: SeatHistory, currency: str) -> Path:
    return write_csv(path, TREND_COLUMNS, trend_rows(history, currency))


def trend_rows(history: SeatHistory, currency: str) -> Iterable[list]:
    """Each month: with a snapshot, every cost center of the trend (0 where it held no seat
    that month), then the enterprise; without one, the enterprise alone, without figures.
    What the previous month's reclaims saved goes on the last month's rows."""
    names = history.cost_center_names()
    for month in history.months:
        saved = history.reclaimed if month is history.months[-1] else None
        day = _day(month.taken_on)
        if month.taken_on is not None:
            counts = {count.id: count for count in month.cost_centers}
            savings = {count.id: count for count in saved.cost_centers} if saved else {}
            for cost_center, name in names.items():
                count = counts.get(cost_center, NO_SEATS)
                yield [month.label, day, cost_center, name, count.seats,
                       money(count.monthly_cost), currency,
                       *_saved(savings.get(cost_center, NO_SEATS) if saved else None)]
        e = month.enterprise
        yield [month.label, day, ENTERPRISE_ID, ENTERPRISE_NAME, e and e.seats,
               e and money(e.monthly_cost), currency,
               *_saved(saved.total if saved else None)]


def _saved(count: SeatCount | None) -> list:
    return [None, None] if count is None else [count.seats, money(count.monthly_cost)]
