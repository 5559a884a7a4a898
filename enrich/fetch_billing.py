"""`enrich fetch` of the billed Copilot usage, per user and day (SOURCES.md section 3b).

GitHub's billing usage reports (`enrich.sources.billing` says what they are) sum their items
over the period and the filters asked for, and never name a user or a day in an item: the
usage of one user on one day is one request. To keep the requests few, a month of days is
fetched in three steps:

1. each day's report for everyone: the day's total, per product, SKU and model;
2. when more than one day of the month is fetched, one report of the whole month for each
   candidate login (the month's seat holders and the users engaged on its days): a login
   without usage in the month is asked nothing more;
3. for each login with usage, its report of each day whose total has usage, until the days
   fetched hold its whole month's usage.

A day's rows are its users' rows, and what the day's total has beyond them, stored without a
user (usage no user is billed for: `not attributable` in the review). A day is stored only
when its total and all its users' reports are in, replacing what an earlier fetch stored for
it. Days before 2026-06-01 come from the premium-request report, later ones from the
AI-credit report: the one that bills them.

A day that fails (a server that keeps failing, an answer that is not what GitHub documents)
is listed with its reason and the other days go on; a month whose users could not all be
asked fails whole. A refusal that concerns every request (a wrong token, scope or slug)
stops the fetch. An unknown login (400, 404 or 422 to a `user` filter) is taken as one
without usage, and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from itertools import groupby

from enrich.dates import from_date, to_date
from enrich.errors import InputError
from enrich.sources.billing import (
    NO_AMOUNTS,
    USAGE,
    ZERO,
    Amounts,
    UsageRow,
    decimal_of_json,
    kind_of,
    report_kind,
)
from enrich.sources.github import GitHubClient, GitHubError, refuses_everything
from enrich.store import Store

log = logging.getLogger("enrich")

#: after this many requests in a row fail, the server is taken to be down
FAILED_REQUESTS_IN_A_ROW = 3
#: what GitHub answers to a `user` filter naming a login it has no billing for
_UNKNOWN_USER = {400, 404, 422}
#: the report's own product, for an item that does not say
COPILOT = "Copilot"


@dataclass
class BillingResult:
    #: days whose billed usage was stored (with or without rows), and those that failed
    days: list[int]
    failed: dict[int, str]
    rows: int = 0
    requests: int = 0
    #: logins the billing report did not know
    unknown_logins: int = 0


class BillingFetch:
    """Fetches the billed usage of days for the reports of `scope_path` (`/enterprises/E`
    or `/organizations/O`); `logins(first, last)` are the candidate logins of those days."""

    def __init__(self, store: Store, client: GitHubClient, scope_path: str,
                 logins: Callable[[int, int], list[str]], result: BillingResult,
                 advance: Callable[[], None] = lambda: None):
        self.store, self.client, self.scope_path = store, client, scope_path
        self.logins, self.result, self.advance = logins, result, advance
        self._failures_in_a_row = 0
        self._unknown: set[str] = set()

    def run(self, days: list[int]) -> None:
        months = groupby(sorted(days), key=lambda day: (report_kind(day), _month_of(day)))
        for (kind, _), month in months:
            self._month(kind, list(month))
        self.result.unknown_logins = len(self._unknown)

    # -- one month --------------------------------------------------------------------------

    def _month(self, kind: str, days: list[int]) -> None:
        totals: dict[int, list[UsageRow]] = {}
        for day in days:
            try:
                totals[day] = self._report(kind, day=day)
            except GitHubError as exc:
                self._failed([day], exc)
        with_usage = [day for day, rows in totals.items() if any(r.amounts for r in rows)]
        try:
            users = self._users_of(kind, days, with_usage)
        except GitHubError as exc:
            self._failed(list(totals), exc)
            return
        by_day: dict[int, list[UsageRow]] = {day: [] for day in totals}
        for login, month_usage in users:
            self._user_days(kind, login, month_usage, with_usage, by_day)
        for day, rows in by_day.items():
            if day in self.result.failed:
                continue
            rows += _not_attributable(day, totals[day], rows)
            with self.store.transaction():
                self.store.drop_billing_days(kind, [day])
                self.result.rows += self.store.add_billing_rows(kind, rows)
            self.result.days.append(day)
            self.advance()

    def _users_of(self, kind: str, days: list[int], with_usage: list[int]
                  ) -> list[tuple[str, Amounts | None]]:
        """The logins to ask about each day with usage, each with its usage over the whole
        month (None when the month was not asked: a month of a single day)."""
        if not with_usage:
            return []
        logins = self.logins(days[0], days[-1])
        if len(days) == 1:
            return [(login, None) for login in logins]
        users = []
        for login in logins:
            rows = self._report(kind, month_of=days[0], user=login)
            used = sum((row.amounts for row in rows), NO_AMOUNTS)
            if used:
                users.append((login, used))
        return users

    def _user_days(self, kind: str, login: str, month_usage: Amounts | None,
                   with_usage: list[int], by_day: dict[int, list[UsageRow]]) -> None:
        """The login's rows of each day with usage, until they hold its month's usage."""
        found = NO_AMOUNTS
        for day in with_usage:
            if month_usage is not None and found == month_usage:
                return
            if day in self.result.failed:
                continue
            try:
                rows = self._report(kind, day=day, user=login)
            except GitHubError as exc:
                self._failed([day], exc)
                continue
            by_day[day] += rows
            found = sum((row.amounts for row in rows), found)

    # -- requests ---------------------------------------------------------------------------

    def _report(self, kind: str, *, day: int | None = None, month_of: int | None = None,
                user: str | None = None) -> list[UsageRow]:
        """The Copilot usage of one report: of `day`, or of the month of `month_of` (rows of
        its first day), of everyone or of `user` (none for a login the report does not
        know). A refusal of every request is raised as `_Refused`."""
        if self._failures_in_a_row >= FAILED_REQUESTS_IN_A_ROW:
            raise GitHubError(f"not tried: the {FAILED_REQUESTS_IN_A_ROW} requests before it "
                              "failed")
        date = to_date(day if day is not None else month_of)
        params = {"year": date.year, "month": date.month}
        if day is not None:
            params["day"] = date.day
        if user is not None:
            params["user"] = user
        endpoint = f"{self.scope_path}/settings/billing/{kind}/usage"
        self.result.requests += 1
        try:
            rows = parse_report(self.client.get(endpoint, params), f"GET {endpoint}", params)
        except GitHubError as exc:
            if user is not None and exc.status in _UNKNOWN_USER:
                self._unknown.add(user.lower())
                log.info("the billing report knows no login %s: %s", user, exc.message)
                return []
            if refuses_everything(exc):
                raise _Refused(exc) from None
            self._failures_in_a_row += 1
            raise
        self._failures_in_a_row = 0
        return rows

    def _failed(self, days: list[int], exc: GitHubError) -> None:
        for day in days:
            if day not in self.result.failed:
                self.result.failed[day] = exc.message
                self.advance()


class _Refused(Exception):
    """A refusal of every request, on its way out of the fetch past the days that fail."""

    def __init__(self, refusal: GitHubError):
        super().__init__(refusal.message)
        self.refusal = refusal


def _month_of(day: int) -> str:
    return to_date(day).strftime("%Y-%m")


def fetch_billing(store: Store, client: GitHubClient, scope_path: str, days: list[int],
                  logins: Callable[[int, int], list[str]], result: BillingResult,
                  advance: Callable[[], None] = lambda: None) -> None:
    """Fetch the billed usage of `days` into the store (see the module's docstring); a
    refusal of every request is raised."""
    try:
        BillingFetch(store, client, scope_path, logins, result, advance).run(days)
    except _Refused as refused:
        raise refused.refusal from None


# -- the answers --------------------------------------------------------------------------

def parse_report(body, request: str, params: dict) -> list[UsageRow]:
    """The Copilot usage of a report's answer to `params`, as rows of the day asked for (or
    of the first day of the month) and of the user asked for (or none); GitHubError when the
    answer is not what GitHub documents (never showing its values, which name people)."""
    shown = f"{request}?" + "&".join(f"{k}={v}" for k, v in params.items())
    if not isinstance(body, dict):
        raise GitHubError(f"{shown} answered something other than an object with usageItems")
    period = body.get("timePeriod")
    if isinstance(period, dict) and any(period[key] != params.get(key)
                                        for key in ("year", "month", "day") if key in period):
        raise GitHubError(f"{shown} answered the usage of another period than the one asked "
                          "for")
    user = body.get("user")
    if "user" in params and isinstance(user, str) and user.lower() != params["user"].lower():
        raise GitHubError(f"{shown} answered the usage of another user than the one asked for")
    items = body.get("usageItems")
    if items is None:
        return []
    if not isinstance(items, list):
        raise GitHubError(f"{shown} answered usageItems that are not a list")
    day = from_date(date(params["year"], params["month"], params.get("day", 1)))
    rows = []
    for index, item in enumerate(items):
        try:
            rows.append(_row(day, params.get("user"), item))
        except InputError as exc:
            raise GitHubError(f"{shown} answered usageItems[{index}] {exc.message}") from None
    return [row for row in rows if kind_of(row.product, row.sku) == USAGE]


def _row(day: int, login: str | None, item) -> UsageRow:
    if not isinstance(item, dict):
        raise InputError("that is not an object")
    product = _text(item, "product") or COPILOT
    quantity = "quantity" if "grossQuantity" not in item and "quantity" in item else \
        "grossQuantity"
    price = item.get("pricePerUnit")
    return UsageRow(day=day, login=login, user_id=None, organization=None, product=product,
                    sku=_text(item, "sku") or product, model=_text(item, "model"),
                    unit_type=_text(item, "unitType"),
                    price_per_unit=None if price is None else _number(item, "pricePerUnit"),
                    quantity=_number(item, quantity),
                    amounts=Amounts(*(_number(item, key, amount=True) for key in
                                      ("grossAmount", "discountAmount", "netAmount"))))


def _text(item: dict, key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"with a {key} that is not text")
    return value or None


def _number(item: dict, key: str, *, amount: bool = False) -> Decimal:
    if key not in item:
        raise InputError(f"without {key}")
    try:
        return decimal_of_json(item[key], amount=amount)
    except ValueError:
        raise InputError(f"with a {key} that is not a number") from None


def _not_attributable(day: int, total: list[UsageRow], users: list[UsageRow]
                      ) -> Iterator[UsageRow]:
    """What the day's total has beyond its users' rows, per product, SKU and model, as rows
    without a user."""
    quantity: dict[tuple, Decimal] = {}
    amounts: dict[tuple, Amounts] = {}
    for row in users:
        key = _key(row)
        quantity[key] = quantity.get(key, ZERO) + row.quantity
        amounts[key] = amounts.get(key, NO_AMOUNTS) + row.amounts
    for row in total:
        used = amounts.get(_key(row), NO_AMOUNTS)
        rest = Amounts(row.amounts.gross - used.gross, row.amounts.discount - used.discount,
                       row.amounts.net - used.net)
        rest_quantity = row.quantity - quantity.get(_key(row), ZERO)
        if rest or rest_quantity:
            yield replace(row, quantity=rest_quantity, amounts=rest)


def _key(row: UsageRow) -> tuple:
    return row.product, row.sku, row.model
