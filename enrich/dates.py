"""Days and periods (METRICS.md section 1).

A day is held as an int: days since 1970-01-01 (UTC). That keeps the store compact and makes
ranges, weeks and differences plain arithmetic.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
#: a timestamp already in UTC: its day is its date
_UTC_STAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?([Zz]|\+00:00)")
# 1970-01-01 was a Thursday: Monday-based week numbers are (day + 3) // 7.
_MONDAY_SHIFT = 3


def from_date(d: date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def utc_today() -> int:
    """The current day in UTC."""
    return from_date(datetime.now(timezone.utc).date())


def to_date(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def day_str(day: int) -> str:
    return to_date(day).isoformat()


def parse_day(text: str) -> int:
    """A `YYYY-MM-DD` date or an ISO timestamp, reduced to its UTC day.

    Raises ValueError with a readable reason for anything else.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a date string, got {type(text).__name__}")
    if _UTC_STAMP.fullmatch(text):  # the common case, kept fast: seat lists hold many
        try:
            return _day_of_date(text[:10])
        except ValueError:
            raise ValueError(f"not a date or timestamp: {text!r}") from None
    if len(text) == 10 and _DATE.fullmatch(text):
        return _day_of_date(text)
    if len(text) > 10 and text[10] in "T " and _DATE.fullmatch(text[:10]):
        rest = text[11:]
        if rest.endswith("Z") or rest.endswith("z"):
            rest = rest[:-1] + "+00:00"
        # Python < 3.11 accepts at most six fractional digits; GitHub writes seven.
        rest = re.sub(r"(\.\d{6})\d+", r"\1", rest)
        try:
            moment = datetime.fromisoformat(f"{text[:10]}T{rest}")
        except ValueError:
            raise ValueError(f"not a date or timestamp: {text!r}") from None
        if moment.tzinfo is not None:
            try:
                moment = moment.astimezone(timezone.utc)
            except OverflowError:  # 0001-01-01T00:00:00+01:00 is a day before the calendar's
                raise ValueError(f"before year 1 or after year 9999 in UTC: {text!r}") from None
        return from_date(moment.date())
    try:
        return from_date(date.fromisoformat(text))
    except ValueError:
        raise ValueError(f"not a date or timestamp: {text!r}") from None


@functools.lru_cache(maxsize=4096)
def _day_of_date(text: str) -> int:
    try:
        return from_date(date.fromisoformat(text))
    except ValueError:
        raise ValueError(f"not a date or timestamp: {text!r}") from None


#: dates and UTC timestamps (`_UTC_STAMP` without its groups, ASCII digits only), one a line
_PLAIN_DAYS = re.compile(r"(?:\d{4}-\d{2}-\d{2}(?:[T ](?:[01]\d|2[0-3]):[0-5]\d"
                         r"(?::[0-5]\d(?:\.\d+)?)?(?:[Zz]|\+00:00))?\n)*", re.ASCII)


def all_plain_days(texts: list) -> bool:
    """Whether `parse_day` reads every one of `texts` the quick way, as a date or a UTC
    timestamp of a real day: checked for all of them at once, for the hundreds of thousands
    of timestamps of a seat list. False says nothing of a text: `parse_day` tells."""
    if not set(map(type, texts)) <= {str}:
        return False
    if not texts:
        return True
    text = "\n".join(texts) + "\n"
    # a text holding a line break would pass for two
    if text.count("\n") != len(texts) or not _PLAIN_DAYS.fullmatch(text):
        return False
    try:
        for day in {text[:10] for text in texts}:
            _day_of_date(day)
    except ValueError:
        return False
    return True


#: the days a command may be asked about: Copilot's data starts in 2021, so a date outside is
#: a typo (and the year 9999 has no next month to compare with)
FIRST_DAY, LAST_DAY = from_date(date(2000, 1, 1)), from_date(date(2099, 12, 31))
#: the longest period a command may be asked about, ten years: the rollup's tallies hold a
#: counter per day, and grow with the square of the period's length
LONGEST_PERIOD = 3653


def check_plausible(text: str, since: int, until: int) -> None:
    """Raise a ValueError naming `text` when its days reach outside FIRST_DAY..LAST_DAY."""
    if since < FIRST_DAY or until > LAST_DAY:
        raise ValueError(f"{text} is not between {day_str(FIRST_DAY)} and {day_str(LAST_DAY)}")


def _last_of_month(first: date) -> date:
    # the calendar, rather than adding days, which overflows in December of 9999
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def day_ranges(days) -> str:
    """ISO days as people read a list of them: runs of consecutive days as "A to B"."""
    numbers = sorted(parse_day(day) for day in days)
    runs: list[list[int]] = []
    for day in numbers:
        if runs and day == runs[-1][1] + 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return ", ".join(day_str(a) if a == b else f"{day_str(a)} to {day_str(b)}" for a, b in runs)


def week_of(day: int) -> int:
    """Number of the ISO week (Monday to Sunday) that holds `day`."""
    return (day + _MONDAY_SHIFT) // 7


@dataclass(frozen=True)
class Period:
    """The inclusive range of days `[since, until]`."""

    since: int
    until: int
    #: True when the period is exactly one calendar month
    calendar_month: bool = False

    def __post_init__(self):
        if self.since > self.until:
            raise ValueError(
                f"the period starts ({day_str(self.since)}) after it ends ({day_str(self.until)})")

    @classmethod
    def of(cls, since: str, until: str) -> Period:
        return cls.between(parse_day(since), parse_day(until))

    @classmethod
    def between(cls, start: int, end: int) -> Period:
        """The days `start` to `end`, known as a calendar month when they are one."""
        first = to_date(start)
        is_month = first.day == 1 and to_date(end) == _last_of_month(first)
        return cls(start, end, is_month)

    @classmethod
    def month(cls, text: str) -> Period:
        m = _MONTH.fullmatch(text or "")
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) == 0:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        first = date(int(m.group(1)), int(m.group(2)), 1)
        return cls(from_date(first), from_date(_last_of_month(first)), True)

    @classmethod
    def previous_month_of(cls, today: date) -> Period:
        last = today.replace(day=1) - timedelta(days=1)
        return cls.month(f"{last.year:04d}-{last.month:02d}")

    @property
    def days(self) -> range:
        return range(self.since, self.until + 1)

    def __len__(self) -> int:
        return self.until - self.since + 1

    def previous(self) -> Period:
        """The previous calendar month for a month, else the `len(P)` days before `since`."""
        if self.calendar_month:
            last = to_date(self.since) - timedelta(days=1)
            return Period.month(f"{last.year:04d}-{last.month:02d}")
        return Period(self.since - len(self), self.since - 1)

    def weeks(self) -> range:
        """The ISO weeks that intersect the period."""
        return range(week_of(self.since), week_of(self.until) + 1)

    def label(self) -> str:
        if self.calendar_month:
            return to_date(self.since).strftime("%Y-%m")
        return f"{day_str(self.since)}..{day_str(self.until)}"

    def title(self) -> str:
        """As people read it: "October 2026", or "1 October 2026 to 15 October 2026"."""
        if self.calendar_month:
            return to_date(self.since).strftime("%B %Y")
        return " to ".join(f"{d.day} {d.strftime('%B %Y')}"
                           for d in (to_date(self.since), to_date(self.until)))

    def as_json(self) -> dict:
        return {"since": day_str(self.since), "until": day_str(self.until)}
