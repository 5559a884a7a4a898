"""Each person's engagement over a period, aggregated by DuckDB from the period's facts.

The rows of a user and day are OR-ed, then the user_ids of one directory person merge by OR
per day, so a day never counts twice; a row without engagement says no more than no row at
all (METRICS.md section 1), so every day counted is active. What the per-person metrics need
of the days comes back per person as a few integers (the active days as a bit mask, the
union of features, the days of each feature) instead of a dictionary of days: a month of a
hundred thousand people is aggregated in parallel columns, not a million Python rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import pyarrow as pa

from enrich.facts import FactRows, connect
from enrich.rollup.coverage import Coverage

#: days per word of the mask of active days: DuckDB's BIGINT holds 63 bits and a sign
_WORD = 63


class Engagement(NamedTuple):
    """A person's (or an unmatched user's) active days in a period."""

    #: the period's first day: bit i of `day_mask` is the day `since + i`
    since: int
    day_mask: int
    #: features engaged on at least one day
    union: int
    #: per feature bit, the days engaged with it
    days_per_bit: tuple[int, ...]

    @property
    def active_days(self) -> int:
        return self.day_mask.bit_count()


def engagement_by_person(rows: Iterable[tuple[int, int, int]], coverage: Coverage,
                         person_of: Mapping[int, str], people: Mapping
                         ) -> tuple[dict[str, Engagement], dict[int, Engagement]]:
    """The engagement of each directory person with an active day in `coverage.period`, and
    that of each user it does not know (matched to no one, or to someone `people` lacks).

    `rows` are `(user_id, day, bits)`: the store's `FactRows`, read where they lie, or any
    others (handed to DuckDB as columns).
    """
    period, bits = coverage.period, len(coverage.features)
    persons = sorted({person for person in person_of.values() if person in people})
    index = {person: i for i, person in enumerate(persons)}
    matched = [(uid, index[person]) for uid, person in person_of.items() if person in index]
    con = connect()
    try:
        con.register("person_of", pa.table({
            "user_id": pa.array([uid for uid, _ in matched], pa.int64()),
            "person": pa.array([i for _, i in matched], pa.int32())}))
        source = _source(con, rows)
        words = range((len(period) + _WORD - 1) // _WORD)
        aggregates = ["bit_or(bits)", *(
            f"bit_or(CASE WHEN day_index // {_WORD} = {w} THEN CAST(1 AS BIGINT) << "
            f"(day_index % {_WORD}) ELSE 0 END)" for w in words),
            *(f"sum((bits >> {bit}) & 1)" for bit in range(bits))]
        found = con.execute(f"""
            WITH days AS (
                SELECT p.person, CASE WHEN p.person IS NULL THEN e.user_id END AS user_id,
                       e.day - {period.since} AS day_index, bit_or(e.bits) AS bits
                FROM {source} e LEFT JOIN person_of p ON p.user_id = e.user_id
                WHERE e.day BETWEEN {period.since} AND {period.until} AND e.bits <> 0
                GROUP BY ALL)
            SELECT person, user_id, {', '.join(aggregates)} FROM days
            GROUP BY person, user_id""").fetchall()
    finally:
        con.close()
    mapped: dict[str, Engagement] = {}
    unmapped: dict[int, Engagement] = {}
    masks = slice(3, 3 + len(words))
    for row in found:
        mask = sum(word << _WORD * w for w, word in enumerate(row[masks]))
        engagement = Engagement(period.since, mask, row[2], tuple(row[masks.stop:]))
        if row[0] is None:
            unmapped[row[1]] = engagement
        else:
            mapped[persons[row[0]]] = engagement
    return mapped, unmapped


def _source(con, rows: Iterable[tuple[int, int, int]]) -> str:
    """`rows` as a DuckDB table expression of `(day, user_id, bits)`."""
    if isinstance(rows, FactRows):
        return rows.source()
    user_ids, days, bits = [], [], []
    for user_id, day, value in rows:
        user_ids.append(user_id)
        days.append(day)
        bits.append(value)
    con.register("period_rows", pa.table({"day": pa.array(days, pa.int32()),
                                          "user_id": pa.array(user_ids, pa.int64()),
                                          "bits": pa.array(bits, pa.int64())}))
    return "period_rows"
