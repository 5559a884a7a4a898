"""Depth of use per unit (METRICS.md section 9): how much a unit's people use Copilot, from
the usage-metrics days of the period.

Each person's depth over the period (their users' rows summed, keys united) is tallied into
the cells of the org chart like the engagement counters (`enrich.rollup.tally`): the counts
of people and of keys packed into one int, the sums of the counts beside them in fields wide
enough for any sum, so that adding a cell to a unit is one addition. AI credits are not whole
numbers, and are added up apart.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from itertools import repeat
from operator import or_
from typing import NamedTuple

from enrich.dates import day_ranges, day_str
from enrich.rollup.person import by_person
from enrich.rollup.tally import Part
from enrich.sources.depth import KINDS, LIST_BIT
from enrich.wording import counted

#: the sums of section 9, in the order of a UserDepth
SUMS = ("interactions", "generations", "acceptances", "loc_added")
_CREDITS = len(SUMS)
#: bits of the widest sum: a count of a row is at most 10**9 (enrich.sources.depth.MAX_COUNT)
_SUM_BITS = 128


class UserDepth(NamedTuple):
    """A user's (or a person's) depth over D; a sum is None when no row carries its field."""

    interactions: int | None
    generations: int | None
    acceptances: int | None
    loc_added: int | None
    ai_credits: float | None
    #: the bit (enrich.sources.depth.LIST_BIT) of each `totals_by_*` list some row carries
    lists: int
    #: the keys the rows list, as a mask over the key numbers
    keys: int


def depth_by_user(rows: Iterable[tuple]) -> dict[int, UserDepth]:
    """The rows of `Store.depth`, their key masks united."""
    return {user_id: UserDepth(*sums, lists, reduce(or_, map(int, keys.split(), repeat(16)), 0))
            for user_id, *sums, lists, keys in rows}


def merged(a: UserDepth, b: UserDepth) -> UserDepth:
    """The depth of one person's two users: sums added, lists and keys united."""
    return UserDepth(*map(_plus, a[:_CREDITS + 1], b[:_CREDITS + 1]), a.lists | b.lists,
                     a.keys | b.keys)


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


class DepthLayout:
    """Where each counter sits in the depth tallies of one period."""

    def __init__(self, key_count: int):
        self._counts = Part(0, 32, ("people", 1), ("carried", len(SUMS) + 1),
                             ("lists", len(KINDS)), ("keys", key_count))
        self._days = Part(self._counts.end, 64, ("active_days", 1))
        self._sums_shift = self._days.end
        self._key_count = key_count
        self._person = self._counts.one("people")
        self._keys_shift = self._counts.one("keys").bit_length() - 1
        self._carried = [self._counts.one("carried", i) for i in range(len(SUMS) + 1)]
        self._sum_shift = [self._sums_shift + i * _SUM_BITS for i in range(len(SUMS))]
        self._lists = [sum(self._counts.one("lists", i) for i, kind in enumerate(KINDS)
                           if lists & LIST_BIT[kind]) for lists in range(1 << len(KINDS))]

    def person(self, depth: UserDepth | None, active_days: int) -> int:
        """The tally of one member: the sums of their rows, and with `active_days` (their
        active days in D) their counts in A."""
        tally = 0
        if depth is not None:
            for value, carried, shift in zip(depth, self._carried, self._sum_shift, strict=False):
                if value is not None:
                    tally += carried + (value << shift)
            if depth.ai_credits is not None:
                tally += self._carried[_CREDITS]
        if active_days:
            tally += self._person + (active_days << self._days.shift)
            if depth is not None:
                tally += self._lists[depth.lists] + (_spread(depth.keys) << self._keys_shift)
        return tally

    def unpack(self, tally: int) -> DepthCounts:
        data = (tally & ((1 << self._sums_shift) - 1)).to_bytes(self._days.end // 8,
                                                                  sys.byteorder)
        counts, fields = self._counts, self._counts.read(data)
        sums = tally >> self._sums_shift
        mask = (1 << _SUM_BITS) - 1
        return DepthCounts(
            people=counts.take(fields, "people")[0],
            carried=counts.take(fields, "carried", len(SUMS) + 1),
            lists=counts.take(fields, "lists", len(KINDS)),
            keys=counts.take(fields, "keys", self._key_count),
            active_days=self._days.read(data)[0],
            sums=[sums >> (i * _SUM_BITS) & mask for i in range(len(SUMS))],
        )


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

    def __call__(self, c: DepthCounts, credits: float) -> dict:
        sums = {name: value if carried else None
                for name, value, carried in zip(SUMS, c.sums, c.carried, strict=False)}
        people = c.people
        ai_credits = credits if c.carried[_CREDITS] else None
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
        then by name; None when no row of A carries the kind's list."""
        if not lists:
            return None
        present = [number for number in self._by_kind[kind] if c.keys[number]]
        present.sort(key=lambda number: -c.keys[number])
        return {self._names[number]: c.keys[number] / c.people for number in present}


def acceptance_rate(acceptances: int | None, generations: int | None) -> float | None:
    """Σ acceptances / Σ generations; null when Σ generations is 0, or either field is
    carried by no row."""
    if acceptances is None or not generations:
        return None
    return acceptances / generations


def per(total: float | None, count: int) -> float | None:
    """`total / count`: null when the total is not measured, or the count is 0."""
    return None if total is None or not count else total / count
