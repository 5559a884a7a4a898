"""The facts and the rollup of a period as Arrow tables, in the schema `enrich export` writes
(README.md, "Parquet export"): one row per user and day (engagement, depth), per billed usage
row (spend), per unit (rollup), each fact with the person the org chart maps its user to.

Columns have fixed types whatever the values of one month, so that a warehouse reads every
month's file as one table: a null-only column is still typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

import pyarrow as pa
import pyarrow.compute as pc

from enrich.rollup.depth import key_union
from enrich.sources.billing import AMOUNT_PLACES
from enrich.sources.depth import KINDS, LIST_BIT

#: amounts are kept in whole 10**-9 of the currency: exact as decimals of 9 places
AMOUNT = pa.decimal128(38, AMOUNT_PLACES)
DAY = pa.date32()

#: who a GitHub user is: the columns every fact carries beside its user id
IDENTITY = pa.schema([("user_id", pa.int64()), ("login", pa.string()),
                      ("person_id", pa.string()), ("unit", pa.string()),
                      ("cost_center", pa.string())])


@dataclass(frozen=True)
class Identities:
    """Every GitHub user an export knows, with the org chart's person of each (None where
    it maps the user to nobody), as a table to look users up in by their id."""

    table: pa.Table

    @classmethod
    def of(cls, users: Mapping[int, tuple[str | None, str | None, str | None, str | None]]
           ) -> Identities:
        """`users`: user_id -> (login, person_id, unit, cost_center)."""
        ids = sorted(users)
        columns = [ids, *zip(*(users[uid] for uid in ids), strict=True)] if ids else \
            [[] for _ in IDENTITY]
        return cls(pa.table(columns, schema=IDENTITY))

    def beside(self, user_ids: pa.Array) -> list[pa.Array]:
        """The identity columns of each of these user ids (all null for an unknown one)."""
        at = pc.index_in(user_ids, value_set=self.table["user_id"])
        return [user_ids, *(self.table[name].take(at) for name in IDENTITY.names[1:])]


def _with_identity(fields: Sequence[pa.Field], after: int = 1) -> pa.Schema:
    """A fact's schema: its own first `after` fields, the identity, then the rest."""
    return pa.schema([*fields[:after], *IDENTITY, *fields[after:]])


def engagement_schema(features: Sequence[str]) -> pa.Schema:
    return _with_identity([pa.field("day", DAY), pa.field("active", pa.bool_()),
                           *(pa.field(feature, pa.bool_()) for feature in features)])


def engagement_table(rows: Iterable[tuple[int, int, int]], features: Sequence[str],
                     measured: Mapping[int, int], identities: Identities,
                     excluded: Iterable[int]) -> pa.Table:
    """`Store.engagement` rows `(user_id, day, bits)` (`features[i]` is bit `1 << i`), a
    feature null on a day that does not measure it (`measured`: day -> mask)."""
    columns = list(zip(*rows, strict=True)) or [(), (), ()]
    user_ids, days, bits = (pa.array(column, pa.int64()) for column in columns)
    keep = pc.invert(pc.is_in(user_ids, value_set=pa.array(sorted(excluded), pa.int64())))
    user_ids, days, bits = (column.filter(keep) for column in (user_ids, days, bits))
    masks = pc.index_in(days, value_set=pa.array(sorted(measured), pa.int64()))
    masks = pa.array([measured[day] for day in sorted(measured)], pa.int64()).take(masks)
    flags = []
    for bit in range(len(features)):
        used = pc.not_equal(pc.bit_wise_and(bits, 1 << bit), 0)
        known = pc.not_equal(pc.bit_wise_and(masks, 1 << bit), 0)
        flags.append(pc.if_else(pc.fill_null(known, False), used, pa.nulls(len(used),
                                                                              pa.bool_())))
    schema = engagement_schema(features)
    return _sorted(pa.table([days.cast(pa.int32()).cast(DAY), *identities.beside(user_ids),
                             pc.not_equal(bits, 0), *flags], schema=schema))


#: the counts of METRICS.md section 9 per person and day, in `Store.daily_depth` order
DEPTH_COUNTS = ("interactions", "generations", "acceptances", "loc_suggested_add",
                "loc_suggested_delete", "loc_added", "loc_deleted")
#: the column of each kind of key: the names the person's rows list
KEY_COLUMNS = {"ide": "ides", "feature": "features", "language": "languages",
               "model": "models"}
DEPTH = _with_identity([pa.field("day", DAY),
                        *(pa.field(name, pa.int64()) for name in DEPTH_COUNTS),
                        pa.field("ai_credits", pa.float64()),
                        *(pa.field(KEY_COLUMNS[kind], pa.list_(pa.string())) for kind in KINDS)])


def depth_table(rows: Iterable[tuple], keys: Sequence[tuple[str, str]],
                identities: Identities, excluded: Iterable[int]) -> pa.Table:
    """`Store.daily_depth` rows; `keys` the store's `(kind, name)` of each key bit. A kind's
    list is null where no row carries its `totals_by_*` list (not measured), else the
    names, sorted."""
    excluded = set(excluded)
    columns: list[list] = [[] for _ in range(2 + len(DEPTH_COUNTS) + 1 + len(KINDS))]
    for day, user_id, *counts, credits, lists, masks in rows:
        if user_id in excluded:
            continue
        values = [day, user_id, *counts, credits, *_key_names(lists, key_union(masks), keys)]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    days, user_ids, *rest = columns
    return _sorted(pa.table([pa.array(days, pa.int32()).cast(DAY),
                             *identities.beside(pa.array(user_ids, pa.int64())), *rest],
                            schema=DEPTH))


def _key_names(lists: int, mask: int, keys: Sequence[tuple[str, str]]) -> list[list | None]:
    names: dict[str, list[str] | None] = {kind: [] if lists & LIST_BIT[kind] else None
                                          for kind in KINDS}
    number = 0
    while mask:
        if mask & 1:
            kind, name = keys[number]
            names[kind].append(name)
        mask >>= 1
        number += 1
    return [None if found is None else sorted(found) for found in names.values()]


SPEND = _with_identity([pa.field("day", DAY), pa.field("source", pa.string()),
                        pa.field("organization", pa.string()), pa.field("product", pa.string()),
                        pa.field("sku", pa.string()), pa.field("model", pa.string()),
                        pa.field("unit_type", pa.string()),
                        pa.field("price_per_unit", pa.string()),
                        pa.field("quantity", pa.string()),
                        pa.field("gross_amount", AMOUNT), pa.field("discount_amount", AMOUNT),
                        pa.field("net_amount", AMOUNT), pa.field("currency", pa.string())], 2)


def spend_table(rows: Iterable[tuple], identities: Identities) -> pa.Table:
    """`(day, source, user_id, login, organization, product, sku, model, unit_type,
    price_per_unit, quantity, gross_nanos, discount_nanos, net_nanos, currency)` rows, the
    user id None for usage billed to no user, the login the row's where the export knows
    no user by it."""
    columns = list(zip(*rows, strict=True)) or [() for _ in range(15)]
    day, source, user_ids, logins, *rest = columns
    identity = identities.beside(pa.array(user_ids, pa.int64()))
    identity[1] = pc.coalesce(identity[1], pa.array(logins, pa.string()))
    *text, gross, discount, net, currency = rest
    return pa.table([pa.array(day, pa.int32()).cast(DAY), pa.array(source, pa.string()),
                     *identity, *(pa.array(column, pa.string()) for column in text),
                     *(_amounts(column) for column in (gross, discount, net)),
                     pa.array(currency, pa.string())], schema=SPEND)


def _amounts(nanos: Sequence[int]) -> pa.Array:
    """Whole 10**-9 as exact decimals: a decimal's bytes are its unscaled value (a cast from
    an integer would scale it)."""
    data = b"".join(value.to_bytes(16, "little", signed=True) for value in nanos)
    return pa.Array.from_buffers(AMOUNT, len(nanos), [None, pa.py_buffer(data)])


#: the rows of a fact made into one table at a time (a row group of the file): enough that
#: Arrow works on long columns, few enough that a month's facts are never all in memory
CHUNK = 250_000


def chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    """The rows, `CHUNK` at a time."""
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _sorted(table: pa.Table) -> pa.Table:
    """By day then user: the order a warehouse clusters facts in, and one a diff can read."""
    return table.sort_by([("day", "ascending"), ("user_id", "ascending")])
