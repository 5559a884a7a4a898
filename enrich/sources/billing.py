"""Billed Copilot usage: premium requests and AI credits beyond the seats (SOURCES.md 3b).

Rows come from two sources: the reports of GitHub's billing usage REST API (fetched by
`enrich.fetch_billing`) and the usage report CSV that GitHub's billing pages export
(`enrich.sources.usage_report`). Both become `UsageRow`s: one day, one user (or none), one
product, SKU and model, with its quantity and its gross, discount and net amounts exactly as
the source gives them (METRICS.md section 10: never recomputed). Amounts are `Decimal`s, never
floats, so that sums reconcile to the cent.

What GitHub's REST documentation ("Billing usage", API versions 2022-11-28 and 2026-03-10)
and its OpenAPI description say about the two reports, and what is not confirmed:

- `GET {api}/enterprises/{enterprise}/settings/billing/premium_request/usage` and
  `GET {api}/enterprises/{enterprise}/settings/billing/ai_credit/usage`; for an organization
  `GET {api}/organizations/{org}/settings/billing/...` (`/organizations/`, not `/orgs/`).
  Enterprise owners and billing managers only (an organization's owners); classic tokens:
  fine-grained tokens and GitHub Apps are refused on the enterprise endpoints. 24 months are
  kept. Premium requests are reported from 2025-10-01 on; AI credits bill Copilot from
  2026-06-01 on (before that, premium requests did).
- Query (all optional): `year` (default: the current year), `month` (1-12; default the
  current month), `day` (1-31), `user` (a login, case-insensitive), `model`, `product`; the
  enterprise endpoints also take `organization` and `cost_center_id` (`user` and
  `organization` together answer 400). An organization that delegates billing to its
  enterprise answers 403 to a `user` filter.
- Answer: one object, no pages: `{"timePeriod": {"year", "month"?, "day"?}, "enterprise"
  (or "organization"), "user"?, "organization"?, "product"?, "model"?, "costCenter"?:
  {"id", "name"}, "usageItems": [...]}`, each item `{"product", "sku", "model", "unitType",
  "pricePerUnit", "grossQuantity", "grossAmount", "discountQuantity", "discountAmount",
  "netQuantity", "netAmount"}`. Items are summed per product, SKU and model over the period
  and the filters asked for: **an item carries neither a user nor a day**. Amounts are in
  USD (no currency field). A day's figures per user therefore take one request per user
  and day (`enrich.fetch_billing` says how it keeps their number down).
- Not confirmed, so handled defensively: whether an unknown `user` answers 404, 400, 422 or
  an empty report (all are taken as "no usage billed to that login"); whether older answers
  name the quantity `quantity` rather than `grossQuantity` (both are read); whether
  `usageItems` may be absent (taken as no usage); whether `timePeriod` is always echoed (when
  it is, it must be the day asked for, or the answer is refused rather than stored as that
  day's); fields not listed here are ignored. An item without a product or SKU is taken to
  be the report's own (`Copilot`, and the report's kind).
- The asynchronous usage report exports (`POST {api}/enterprises/{enterprise}/settings/
  billing/reports` with `report_type` `premium_request` or `ai_credit`, then a CSV to
  download) give every user and day in one file: that file is what `enrich import` reads.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from enrich.dates import parse_day

#: GitHub bills in US dollars; neither its reports nor its CSV export name a currency
BILLED_CURRENCY = "USD"

# Sources of billed usage, as the store keeps them: a usage report CSV first, then the API's
# AI-credit report, then its premium-request report (`SOURCE_ORDER`). A day counts from the
# first source that holds rows for it, never from two.
USAGE_REPORT = "usage_report"
AI_CREDIT = "ai_credit"
PREMIUM_REQUEST = "premium_request"
SOURCE_ORDER = (USAGE_REPORT, AI_CREDIT, PREMIUM_REQUEST)
SOURCE_NAMES = {USAGE_REPORT: "usage report CSV", AI_CREDIT: "AI-credit usage report (API)",
                PREMIUM_REQUEST: "premium-request usage report (API)"}
#: Copilot's usage-based billing starts: days before it bill premium requests, days from it
#: AI credits
AI_CREDIT_BILLING_START = parse_day("2026-06-01")

ZERO = Decimal(0)

# What a usage report row is, by its product and SKU: Copilot usage is spend (section 10);
# Copilot seat licences are left to the seat cost of section 7, which prices the seats
# itself; other products (Actions, Packages, ...) are no Copilot spend at all.
USAGE, SEAT_LICENCE, OTHER_PRODUCT = "usage", "seat licence", "other product"


def report_kind(day: int) -> str:
    """The billing API report that bills Copilot usage on `day`."""
    return AI_CREDIT if day >= AI_CREDIT_BILLING_START else PREMIUM_REQUEST


@functools.lru_cache(maxsize=256)
def kind_of(product: str, sku: str) -> str:
    """USAGE, SEAT_LICENCE or OTHER_PRODUCT. Usage is a Copilot SKU of premium requests or AI
    credits, however spelt (`copilot_premium_request`, `Copilot AI Credits`); any other
    Copilot SKU (`copilot_for_business`, `copilot_enterprise`, billed per user-month) is a
    seat licence."""
    if product.strip().lower() != "copilot":
        return OTHER_PRODUCT
    name = "_".join(sku.lower().replace("-", " ").split())
    return USAGE if "premium_request" in name or "ai_credit" in name else SEAT_LICENCE


@dataclass(frozen=True, slots=True)
class Amounts:
    """Billed amounts: gross, the discount GitHub applied (the included allowance) and net."""

    gross: Decimal = ZERO
    discount: Decimal = ZERO
    net: Decimal = ZERO

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.gross + other.gross, self.discount + other.discount,
                       self.net + other.net)

    def __bool__(self) -> bool:
        return bool(self.gross or self.discount or self.net)


NO_AMOUNTS = Amounts()


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One row of billed usage, as a source gives it."""

    day: int
    #: the user's login; None for usage no user is billed for (an organization's)
    login: str | None
    user_id: int | None
    organization: str | None
    product: str
    sku: str
    model: str | None
    unit_type: str | None
    price_per_unit: Decimal | None
    quantity: Decimal
    amounts: Amounts


#: the store keeps amounts as whole numbers of 10**-9 of the currency: exact for every amount
#: of up to 9 decimal places (GitHub's have 4 at most), and summed exactly by SQLite
AMOUNT_PLACES = 9
_NANO = Decimal(1).scaleb(-AMOUNT_PLACES)
#: the largest amount a row may have, so that the sums of any period stay in 64 bits
MAX_AMOUNT = Decimal(10) ** 8
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,8}(\.[0-9]{1,9})?")


def decimal_of(text: str) -> Decimal:
    """A decimal written in a file; a ValueError that says what was expected unless it is
    a finite number."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("a decimal number") from None
    if not value.is_finite():
        raise ValueError("a decimal number")
    return value


def amount_of(text: str) -> Decimal:
    """An amount written in a file; a ValueError that says what was expected unless the
    store can keep it exactly."""
    if _PLAIN_AMOUNT.fullmatch(text):  # nearly every amount: written plainly, and in range
        return Decimal(text)
    value = decimal_of(text)
    if abs(value) >= MAX_AMOUNT:
        raise ValueError(f"an amount below {MAX_AMOUNT:,}")
    if value.as_tuple().exponent < -AMOUNT_PLACES and value != value.quantize(_NANO):
        raise ValueError(f"at most {AMOUNT_PLACES} decimal places")
    return value


def decimal_of_json(value, *, amount: bool = False) -> Decimal:
    """A JSON number as a `Decimal`: a float by its shortest representation, which is the
    text GitHub wrote for any amount of up to 15 significant digits; an `amount` to 9
    decimal places (a JSON number is a binary float: what lies beyond is its noise)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    result = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if not result.is_finite() or amount and abs(result) >= MAX_AMOUNT:
        raise ValueError("not a finite number")
    return result.quantize(_NANO, rounding=ROUND_HALF_EVEN) if amount else result


def nanos(value: Decimal) -> int:
    """An amount as the store keeps it (`amount_of`, `decimal_of_json` made it exact)."""
    return int(value.scaleb(AMOUNT_PLACES))


def from_nanos(count: int) -> Decimal:
    """An amount the store kept (with its 9 decimal places: `tidy` it to show it)."""
    return Decimal(count).scaleb(-AMOUNT_PLACES)


def tidy(amount: Decimal) -> Decimal:
    """The same amount to the cent at least, without trailing zeros beyond: 2.05, 0.7333."""
    amount = amount.normalize()
    return amount.quantize(Decimal("0.01")) if amount.as_tuple().exponent > -2 else amount


def text_of(value: Decimal | None) -> str | None:
    """How the store keeps a quantity or a price: exactly, as text."""
    return None if value is None else format(value, "f")
