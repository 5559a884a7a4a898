"""Depth of use per unit (METRICS.md section 9): how much a unit's people use Copilot, from
the usage-metrics days of the period.

Each person's depth over the period (their users' rows summed, keys united) is tallied into
the cells of the org chart like the engagement counters (`enrich.rollup.tally`): the counts
of people and of keys packed into one int, the sums of the counts beside them in fields wide
enough for any sum, so that adding a cell to a unit is one addition. AI credits are not whole
numbers: they are added as exact multiples of a power of two small enough for each of them,
so that their sum is the same whatever the order of the additions, rounded once at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import compress, repeat
from operator import truediv
from typing import NamedTuple

from enrich.dates import day_ranges, day_str
from enrich.rollup.person import by_person
from enrich.rollup.tally import Part
from enrich.sources.depth import KINDS, LIST_BIT, key_union
from enrich.wording import counted

#: the sums of section 9, in the order of a UserDepth
SUMS = ("interactions", "generations", "acceptances", "loc_added")
_CREDITS = len(SUMS)
#: bits of the widest sum: a count of a row is at most 10**9 (enrich.sources.depth.MAX_COUNT)
_SUM_BITS = 128

UserDepth = tuple
"""A user's (or a person's) depth over D: `(interactions, generations, acceptances,
loc_added, ai_credits, lists, keys)`, a sum None when no row carries its field; `lists` the
bit (enrich.sources.depth.LIST_BIT) of each `totals_by_*` list some row carries, `keys` the
keys the rows list as a mask over the key numbers. A plain tuple: a large enterprise's go
from one process to another."""


def depth_by_user(rows: Iterable[tuple]) -> dict[int, UserDepth]:
    """The rows of `Store.depth`, their key masks united."""
    return {user_id: (*sums, lists, key_union(keys)) for user_id, *sums, lists, keys in rows}


def ai_credits(depth: UserDepth) -> float | None:
    return depth[_CREDITS]


def merged(a: UserDepth, b: UserDepth) -> UserDepth:
    """The depth of one person's two users: sums added, lists and keys united."""
    return (*map(_plus, a[:_CREDITS + 1], b[:_CREDITS + 1]), a[-2] | b[-2], a[-1] | b[-1])


def _plus(a, b):
    return b if a is None else a if b is None else a + b


def depth_by_person(by_user: Mapping[int, UserDepth], person_of: Mapping[int, str],
                    people: Mapping) -> tuple[dict[str, UserDepth], dict[int, UserDepth]]:
    """Users' depth grouped by the directory person they match, and the users it does not
    know: the rows of all a person's users are that person's rows."""
    return by_person(by_user, person_of, people, merged)


@dataclass(frozen=True)
class DepthPeriod:
    """Whether the period measures depth, and why not."""

    days: list[int]
    reported: int
    pending: list[int]

    @property
    def measured(self) -> bool:
        """Depth measured in P: usage-metrics rows on at least half of the reported days (and
        on one at least)."""
        return bool(self.days) and 2 * len(self.days) >= self.reported

    def note(self) -> str | None:
        """Why depth is not measured, or what it leaves out; None when nothing needs saying."""
        notes = []
        if not self.measured:
            notes.append(
                f"depth of use is not measured: {len(self.days)} of the "
                f"{counted(self.reported, 'reported day')} come from usage-metrics reports, "
                "the only source of it, and it takes half of them")
        if self.pending:
            notes.append(
                f"{counted(len(self.pending), 'usage-metrics day')} ("
                f"{day_ranges([day_str(day) for day in self.pending])}) imported before enrich "
                "kept depth of use: run `enrich rebuild depth` to derive it from the archive")
        return "; ".join(notes) or None

    def as_json(self) -> dict:
        return {"depth_days": len(self.days), "depth_note": self.note()}


# Spreading a mask's bits into 32-bit fields (bit i into field i) by way of its binary
# digits read as hexadecimal ones: C speed, whatever the number of keys.
_SPREAD = str.maketrans({"0": "00000000", "1": "00000001"})


def _spread(mask: int) -> int:
    return int(format(mask, "b").translate(_SPREAD), 16)


class DepthCounts(NamedTuple):
    """A unit's depth tally read back."""

    people: int
    #: members whose rows carry each sum's field, and ai_credits (SUMS order, then credits)
    carried: list[int]
    #: people of A whose rows carry each `totals_by_*` list (KINDS order)
    lists: list[int]
    #: people of A whose rows list each key, by key number
    keys: list[int]
    active_days: int
    sums: list[int]
    #: the AI credits of the members' rows (0.0 when none carries them: see `carried`)
    credits: float


class DepthLayout:
    """Where each counter sits in the depth tallies of one period. A tally is two ints, which
    groups add up one by one. The core: the counts of people (32-bit fields), their active
    days (64 bits), the sums (128 bits each), then the AI credits in units of
    2**-`credit_shift` (enough for every float to add up exactly). The keys: a 32-bit field
    per key number."""

    def __init__(self, key_count: int, credit_shift: int):
        self._counts = Part(0, 32, ("people", 1), ("carried", len(SUMS) + 1),
                            ("lists", len(KINDS)))
        self._days = Part(self._counts.end, 64, ("active_days", 1))
        self._keys = Part(0, 32, ("keys", key_count))
        self._sums_shift = self._days.end
        self._credits_shift = self._sums_shift + len(SUMS) * _SUM_BITS
        self._credit_shift = credit_shift
        self._bytes = (self._credits_shift + credit_shift + _SUM_BITS + 7) // 8
        self._person = self._counts.one("people")
        # the ones of each set of fields carried, by the bits of `carried` in `person`
        self._carried = [sum(self._counts.one("carried", i) for i in range(len(SUMS) + 1)
                             if bits >> i & 1) for bits in range(1 << (len(SUMS) + 1))]
        self._lists = [sum(self._counts.one("lists", i) for i, kind in enumerate(KINDS)
                           if lists & LIST_BIT[kind]) for lists in range(1 << len(KINDS))]

    def person(self, depth: UserDepth | None, active_days: int) -> tuple[int, int]:
        """The tally of one member: the sums of their rows, and with `active_days` (their
        active days in D) their counts in A. Runs for everyone: few operations, on ints
        small but for the keys."""
        if depth is None:
            return (self._person + (active_days << self._days.shift), 0) if active_days \
                else (0, 0)
        interactions, generations, acceptances, loc_added, credits, lists, keys = depth
        carried = ((interactions is not None) | (generations is not None) << 1
                   | (acceptances is not None) << 2 | (loc_added is not None) << 3
                   | (credits is not None) << 4)
        core = self._carried[carried] + ((
            (interactions or 0) | (generations or 0) << _SUM_BITS
            | (acceptances or 0) << 2 * _SUM_BITS | (loc_added or 0) << 3 * _SUM_BITS
            | exact(credits or 0.0, self._credit_shift) << 4 * _SUM_BITS) << self._sums_shift)
        if not active_days:
            return core, 0
        return (core + self._person + self._lists[lists] + (active_days << self._days.shift),
                _spread(keys))

    def unpack(self, core: int, keys: int) -> DepthCounts:
        data = core.to_bytes(self._bytes, sys.byteorder)
        counts, fields = self._counts, self._counts.read(data)
        first, width = self._sums_shift // 8, _SUM_BITS // 8
        keys = keys.to_bytes(self._keys.end // 8, sys.byteorder)
        return DepthCounts(
            people=counts.take(fields, "people")[0],
            carried=counts.take(fields, "carried", len(SUMS) + 1),
            lists=counts.take(fields, "lists", len(KINDS)),
            keys=self._keys.read(keys),
            active_days=self._days.read(data)[0],
            sums=[int.from_bytes(data[first + i * width:first + (i + 1) * width],
                                 sys.byteorder) for i in range(len(SUMS))],
            credits=int.from_bytes(data[self._credits_shift // 8:], sys.byteorder)
            / (1 << self._credit_shift),
        )


def credit_shift(values: Iterable[float | None]) -> int:
    """The fewest binary places that write each of these floats as a whole number of
    2**-places."""
    return max((value.as_integer_ratio()[1].bit_length() - 1 for value in values if value),
               default=0)


def exact(value: float, shift: int) -> int:
    """A float as a whole number of 2**-shift (`shift` from `credit_shift`)."""
    numerator, denominator = value.as_integer_ratio()
    return numerator << (shift + 1 - denominator.bit_length())


class UnitDepth:
    """The depth object of section 9 for the units of one period."""

    def __init__(self, period: DepthPeriod, keys: list[tuple[str, str]]):
        self._days = len(period.days)
        # per kind: the key numbers in the order of their names, which a stable sort by
        # share keeps among equal shares
        self._by_kind = {kind: sorted((number for number, key in enumerate(keys)
                                       if key[0] == kind), key=lambda n: keys[n][1])
                         for kind in KINDS}
        self._names = [name for _, name in keys]

    def __call__(self, c: DepthCounts) -> dict:
        sums = {name: value if carried else None
                for name, value, carried in zip(SUMS, c.sums, c.carried, strict=False)}
        people = c.people
        ai_credits = c.credits if c.carried[_CREDITS] else None
        return {
            "days": self._days,
            "people": people,
            "acceptance_rate": acceptance_rate(sums["acceptances"], sums["generations"]),
            "interactions_per_active_day": per(sums["interactions"], c.active_days),
            "loc_added_per_engaged": per(sums["loc_added"], people),
            "ai_credits": ai_credits,
            "ai_credits_per_engaged": per(ai_credits, people),
            **{f"{kind}_share": self._shares(kind, c, lists)
               for kind, lists in zip(KINDS, c.lists, strict=True)},
        }

    def _shares(self, kind: str, c: DepthCounts, lists: int) -> dict[str, float] | None:
        """For each key of the kind, the share of A whose rows list it, in descending share,
        then by name; None when no row of A carries the kind's list. (C speed: a large
        enterprise has tens of thousands of units, each with dozens of keys.)"""
        if not lists:
            return None
        numbers, count = self._by_kind[kind], c.keys.__getitem__
        # a stable sort, also reversed: equal shares keep the order of the names
        present = sorted(compress(numbers, map(count, numbers)), key=count, reverse=True)
        return dict(zip(map(self._names.__getitem__, present),
                        map(truediv, map(count, present), repeat(c.people)), strict=True))


def acceptance_rate(acceptances: int | None, generations: int | None) -> float | None:
    """Σ acceptances / Σ generations; null when Σ generations is 0, or either field is
    carried by no row."""
    if acceptances is None or not generations:
        return None
    return acceptances / generations


def per(total: float | None, count: int) -> float | None:
    """`total / count`: null when the total is not measured, or the count is 0."""
    return None if total is None or not count else total / count
