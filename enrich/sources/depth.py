"""The depth fields of a usage-metrics row: how much someone used Copilot on a day, not only
whether (METRICS.md section 9, SOURCES.md section 2).

A row's depth is its counts, its AI credits, which of the four `totals_by_*` lists it carries
and the keys those lists name (IDEs, features and modes, languages, models). A field the row
lacks (or gives as null) is not measured for that row: None, never 0. A field of the wrong
type is a bad row, like any other row check. The keys become one bit mask over numbers that
the store gives each `(kind, name)`, so that a person's keys over a period are an OR away.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import repeat
from operator import or_

from enrich.sources.engagement import MAX_ID, RowError, show_value

#: the counts of METRICS.md section 9: the store's name of each, and the row's field
COUNTS = (
    ("interactions", "user_initiated_interaction_count"),
    ("generations", "code_generation_activity_count"),
    ("acceptances", "code_acceptance_activity_count"),
    ("loc_suggested_add", "loc_suggested_to_add_sum"),
    ("loc_suggested_delete", "loc_suggested_to_delete_sum"),
    ("loc_added", "loc_added_sum"),
    ("loc_deleted", "loc_deleted_sum"),
)
COUNT_FIELDS = tuple(field for _, field in COUNTS)
AI_CREDITS_FIELD = "ai_credits_used"
#: the keys of METRICS.md section 9: (kind, the row's list, the field naming each entry's key)
KEY_LISTS = (
    ("ide", "totals_by_ide", "ide"),
    ("feature", "totals_by_feature", "feature"),
    ("language", "totals_by_language_feature", "language"),
    ("model", "totals_by_model_feature", "model"),
)
KINDS = tuple(kind for kind, _, _ in KEY_LISTS)
#: the bit of each kind in a row's `lists`: the `totals_by_*` lists it carries
LIST_BIT = {kind: 1 << i for i, kind in enumerate(KINDS)}
#: The most a count, or the AI credits, of one row may be: a person's day is thousands at
#: most. Far above any real figure, and low enough that the sums of years of a large
#: enterprise stay exact in the store's 64-bit integers.
MAX_COUNT = 1_000_000_000
#: the organization id of an enterprise report's rows, which carry none
ENTERPRISE_SCOPE = 0

_INT = {int}


class KeyNumbers:
    """`(kind, name)` -> the key's bit in a row's mask.

    It starts from the numbers the store has given (`known`, in number order) and numbers a
    key new to it next, in the order keys appear: the store gives a key new to it the same
    number, unless another parse numbered a different key first (`keys` tells the numbers
    used, so the store can tell).
    """

    def __init__(self, known: Iterable[tuple[str, str]] = ()):
        self.keys: list[tuple[str, str]] = []
        self.bits: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
        for key in known:
            self.number(*key)

    def number(self, kind: str, name: str) -> int:
        """The key's bit, numbering it if it is new."""
        bits = self.bits[kind]
        bit = bits.get(name)
        if bit is None:
            bit = bits[name] = 1 << len(self.keys)
            self.keys.append((kind, name))
        return bit


class DepthFields:
    """Reads the depth of usage-metrics rows; keeps the key numbers across rows."""

    def __init__(self, known_keys: Iterable[tuple[str, str]] = ()):
        self.keys = KeyNumbers(known_keys)
        self._lists = [(LIST_BIT[kind], kind, field, key, self.keys.bits[kind])
                       for kind, field, key in KEY_LISTS]

    def of(self, row: dict) -> tuple:
        """`(scope, *counts, ai_credits, lists, keys)` of a row, `keys` the hex of its key
        mask; RowError for a wrong type.

        Runs once per row: the usual row (every count a small whole number, the lists made
        of entries that name their key) takes a path of few checks; anything else the full
        one, which says what is wrong.
        """
        get = row.get
        a, b, c, d, e, f, g = counts = tuple(map(get, COUNT_FIELDS))
        if not (type(a) is int and type(b) is int and type(c) is int and type(d) is int
                and type(e) is int and type(f) is int and type(g) is int
                and min(counts) >= 0 and max(counts) <= MAX_COUNT):
            counts = tuple(map(_count, COUNT_FIELDS, counts))
        credits = get(AI_CREDITS_FIELD)
        if credits is not None and (type(credits) not in (int, float)
                                    or not 0 <= credits <= MAX_COUNT):
            raise RowError(f'"{AI_CREDITS_FIELD}" is {show_value(credits)}; expected a '
                           f"number from 0 to {MAX_COUNT:,}")
        organization = get("organization_id")
        scope = ENTERPRISE_SCOPE if organization is None else _scope(organization)
        lists = mask = 0
        for bit, kind, field, key, bits in self._lists:
            entries = get(field)
            if entries is None:
                continue
            lists |= bit
            try:
                for entry in entries:
                    mask |= bits[entry[key]]
            except (TypeError, KeyError):  # a key new to the parse, or a list that is none
                mask |= self._keys(kind, field, key, entries)
        return (scope, *counts, credits, lists, format(mask, "x"))

    def _keys(self, kind: str, field: str, key: str, entries) -> int:
        """The bits of a list's keys, numbering new ones; RowError for a list that is not
        one of entries naming their key."""
        if not isinstance(entries, list):
            raise RowError(f'"{field}" is {show_value(entries)}; expected a list')
        mask = 0
        for i, entry in enumerate(entries):
            name = entry.get(key) if isinstance(entry, dict) else None
            if not isinstance(name, str):
                raise RowError(f'"{field}[{i}]" has no "{key}" name')
            mask |= self.keys.number(kind, name)
        return mask


def _count(field: str, value) -> int | None:
    if value is None or (type(value) is int and 0 <= value <= MAX_COUNT):
        return value
    raise RowError(f'"{field}" is {show_value(value)}; expected a count (a whole number from 0 '
                   f"to {MAX_COUNT:,})")


def _scope(organization) -> int:
    """An organization report's organization id: a positive integer, which GitHub may write
    as a string of digits."""
    if type(organization) is str and organization.isascii() and organization.isdigit():
        organization = int(organization)
    if type(organization) is not int or not 0 < organization <= MAX_ID:
        raise RowError(f'"organization_id" is {show_value(organization)}; expected an '
                       "organization id (a positive integer)")
    return organization


#: the marks of the days of depth rows (`Store.mark_depth`): the day has depth rows; it has
#: an enterprise report's; it has an organization report's
DEPTH_DAY, ENTERPRISE_DAY, ORGANIZATION_DAY = 1, 2, 4


@dataclass
class DepthColumns:
    """Depth rows `(day, user_id, scope, *counts, ai_credits, lists, keys)` by column, for the
    trip from a parse worker: a column of whole numbers as an array, which travels as its
    bytes; any other (one with a None: not measured) as a tuple."""

    columns: list
    #: the `(kind, name)` of each key number the rows' masks use
    keys: tuple[tuple[str, str], ...]
    #: the days of the rows, with their marks (DEPTH_DAY, ENTERPRISE_DAY, ORGANIZATION_DAY)
    days: dict[int, int]

    @classmethod
    def of(cls, rows: list[tuple], keys: tuple[tuple[str, str], ...]) -> DepthColumns:
        columns = [_packed(column) for column in zip(*rows, strict=True)]
        days: dict[int, int] = {}
        for day, scope in set(zip(columns[0], columns[2], strict=True)) if rows else ():
            days[day] = days.get(day, 0) | DEPTH_DAY | (
                ENTERPRISE_DAY if scope == ENTERPRISE_SCOPE else ORGANIZATION_DAY)
        return cls(columns, keys, days)

    def stored(self, bits: Sequence[int]) -> list:
        """The columns in the order of the store's depth files (`enrich.facts.DEPTH_SCHEMA`:
        day, scope, user_id, ...), each mask's key number i made bit `bits[i]` (the store's
        numbers)."""
        day, user_id, scope, *counts, keys = self.columns
        if not all(bit == 1 << number for number, bit in enumerate(bits)):
            keys = [format(renumbered(int(mask, 16), bits), "x") for mask in keys]
        return [day, scope, user_id, *counts, keys]


def _packed(column: tuple):
    if set(map(type, column)) == _INT:
        try:
            return array("q", column)
        except OverflowError:  # a whole number past 64 bits: none is, after the checks
            pass
    return column


def key_union(masks: str) -> int:
    """The union of key masks written in hex, space-separated."""
    return reduce(or_, map(int, masks.split(), repeat(16)), 0)


def renumbered(mask: int, bits: Sequence[int]) -> int:
    """A mask whose key number i becomes the bit `bits[i]`."""
    result = 0
    number = 0
    while mask:
        if mask & 1:
            result |= bits[number]
        mask >>= 1
        number += 1
    return result
