"""Whether a period has figures to publish, checked before any output is written or sent.

A period that is not over yet, or that has no reported day in the store (an empty store, a
month never imported, days covered but without engagement), would give a report of zeros
that reads like a fact. Every command that writes figures refuses it with one message that
names the period and what the store holds (METRICS.md section 3: days with data are the
reported and the empty ones; a period without a reported day has no engagement row at all).
A period with some days missing is still published, and says so.
"""

from __future__ import annotations

from collections import Counter

from enrich.dates import Period, day_str
from enrich.errors import NoData
from enrich.store import EMPTY, MISSING, REPORTED, Store

NO_DATA_HINT = "run `enrich fetch` or `enrich import` first, or choose a period the store has"
NOT_OVER_HINT = ("a period can be reported on once its last day has ended; without --month or "
                 "--since/--until a command takes the previous month")


def require_over(period: Period, today: int) -> None:
    """Refuse a period whose last day is today or later (UTC): its figures would change."""
    if period.until >= today:
        raise NoData(f"{period.label()} is not over yet: it ends on {day_str(period.until)} and "
                     f"today is {day_str(today)} (UTC)", hint=NOT_OVER_HINT)


def require_data(store: Store, period: Period, today: int) -> None:
    """Refuse a period that is not over, or has no reported day in the store."""
    require_over(period, today)
    days = Counter(store.coverage(period).values())
    if days[REPORTED]:
        return
    span = store.reported_span()
    if span is None:
        why = "the store holds no engagement at all yet"
    else:
        why = (f"{_why(days)}; the store has reported days from {day_str(span[0])} to "
               f"{day_str(span[1])}")
    raise NoData(f"no data for {period.label()}: {why}", hint=NO_DATA_HINT)


def _why(days: Counter) -> str:
    if not days[EMPTY]:
        return "no day of it was reported"
    if not days[MISSING]:
        return "its days are covered, but no engagement was reported"
    return (f"no day of it was reported ({days[EMPTY]} covered but empty, {days[MISSING]} "
            "missing)")
