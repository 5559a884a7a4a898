"""The counters of a group of people, packed into one int so that groups add up in one step.

Every unit figure of METRICS.md section 5 derives from sums over people: members, population,
engaged, segments, a histogram of active days (for the mean and the median), users and
user-days per feature, active people per day. A tally holds all the counters of a group in one
Python int, each in its own bit field. Adding a person to a group, or a team to its parent, is
then one integer addition instead of a loop over a hundred counters, which is what keeps the
rollup of a 100,000-person enterprise within seconds.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

from enrich.rollup.coverage import Coverage
from enrich.rollup.person import INACTIVE, SEGMENTS, PersonMetrics

#: struct format of a field, by width: to read the fields back
_FORMAT = {32: "I", 64: "Q"}


class Counts(NamedTuple):
    """A tally read back."""

    members: int
    population: int
    engaged: int
    narrow: int
    segments: dict[str, int]
    #: active_days[k] = engaged people active on k days
    active_days: list[int]
    #: per feature with data, in report order (`Coverage.features_with_data`)
    feature_users: list[int]
    feature_user_days: list[int]
    #: per day of the period, from its first day
    daily_active: list[int]


class Part:
    """Named groups of fields of one width, built from bit 0 and shifted into place whole.

    Small ints add faster: a person's per-day ones are summed a dozen times per person, so
    they are summed in a part of their own and shifted once. Counters of people fit in 32
    bits; only person-days need 64.
    """

    def __init__(self, shift: int, field_bits: int, *groups: tuple[str, int]):
        self.shift = shift
        self.field_bits = field_bits
        self._first: dict[str, int] = {}
        self.fields = 0
        for name, size in groups:
            self._first[name] = self.fields
            self.fields += size

    @property
    def end(self) -> int:
        """The first bit after the part."""
        return self.shift + self.fields * self.field_bits

    def one(self, name: str, index: int = 0) -> int:
        """A one in a field, before the shift."""
        return 1 << (self._first[name] + index) * self.field_bits

    def read(self, tally: bytes) -> list[int]:
        """The part's fields, from the bytes of a whole tally."""
        return memoryview(tally)[self.shift // 8:self.end // 8].cast(
            _FORMAT[self.field_bits]).tolist()

    def take(self, fields: list[int], name: str, size: int = 1) -> list[int]:
        first = self._first[name]
        return fields[first:first + size]


class _PerFeature(dict):
    """Feature bits -> a one in the field of each feature set in them, made on first use.

    Bits of features that no day with data measures have no field: they are not engagement.
    """

    def __init__(self, part: Part, name: str, field_of_bit: dict[int, int]):
        super().__init__()
        self._ones = {bit: part.one(name, index) for bit, index in field_of_bit.items()}

    def __missing__(self, bits: int) -> int:
        value = sum(one for bit, one in self._ones.items() if bits >> bit & 1)
        self[bits] = value
        return value


class Layout:
    """Where each counter sits in the tallies of one period."""

    def __init__(self, coverage: Coverage):
        period = coverage.period
        n_days, n_features = len(period), len(coverage.features_with_data)
        self._days = Part(0, 32, ("daily_active", n_days))
        self._user_days = Part(self._days.end, 64, ("feature_user_days", n_features))
        self._people = Part(self._user_days.end, 32, ("members", 1), ("population", 1),
                             ("engaged", 1), ("narrow", 1), ("segments", len(SEGMENTS)),
                             ("active_days", n_days + 1), ("feature_users", n_features))
        self._n_days, self._n_features = n_days, n_features

        #: per byte of a mask of active days, each value's ones in the daily_active fields
        self._daily_active = [
            [sum(self._days.one("daily_active", 8 * byte + i) for i in range(8)
                 if value >> i & 1 and 8 * byte + i < n_days) for value in range(256)]
            for byte in range((n_days + 7) // 8)]
        field_of_bit = {bit: index for index, (_, bit) in enumerate(coverage.features_with_data)}
        #: per feature bit, a one in its feature_user_days field (0: a bit without data)
        self._user_day_ones = [
            self._user_days.one("feature_user_days", field_of_bit[bit])
            if bit in field_of_bit else 0 for bit in range(len(coverage.features))]
        self._feature_users = _PerFeature(self._people, "feature_users", field_of_bit)
        self._active_days = [self._people.one("active_days", k) for k in range(n_days + 1)]
        self._segment = {name: self._people.one("segments", i) for i, name in enumerate(SEGMENTS)}
        self._narrow = self._people.one("narrow")
        in_population = self._people.one("members") + self._people.one("population")
        self._member = self._people.one("members") << self._people.shift
        self._inactive = (in_population + self._segment[INACTIVE]) << self._people.shift
        self._engaged = in_population + self._people.one("engaged")

    def person(self, m: PersonMetrics, in_population: bool) -> int:
        """The tally of one member; whoever engaged is in the population."""
        if not in_population:
            return self._member
        mask = m.engagement.day_mask
        if not mask:
            return self._inactive
        days = 0
        for ones in self._daily_active:
            days += ones[mask & 255]
            mask >>= 8
            if not mask:
                break
        user_days = sum(one * count for one, count in
                        zip(self._user_day_ones, m.engagement.days_per_bit, strict=True)
                        if count)
        person = (self._engaged + self._active_days[m.active_days] + self._segment[m.segment]
                  + self._feature_users[m.union] + (self._narrow if m.narrow else 0))
        return days + (user_days << self._user_days.shift) + (person << self._people.shift)

    def unpack(self, tally: int) -> Counts:
        data = tally.to_bytes(self._people.end // 8, sys.byteorder)
        people, fields = self._people, self._people.read(data)
        return Counts(
            members=people.take(fields, "members")[0],
            population=people.take(fields, "population")[0],
            engaged=people.take(fields, "engaged")[0],
            narrow=people.take(fields, "narrow")[0],
            segments=dict(zip(SEGMENTS, people.take(fields, "segments", len(SEGMENTS)),
                              strict=True)),
            active_days=people.take(fields, "active_days", self._n_days + 1),
            feature_users=people.take(fields, "feature_users", self._n_features),
            feature_user_days=self._user_days.read(data),
            daily_active=self._days.read(data),
        )
