"""Privacy thresholds for outputs meant for a wide audience (METRICS.md section 6).

A unit whose population is below `min_group_size` shows no metrics. Where exactly one unit
among siblings is hidden, the smallest other sibling is hidden too: otherwise the hidden one
could be recovered by subtracting the shown siblings from their parent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

#: why a unit shows no metrics
SMALL = "small"
COMPLEMENT = "complement"


def hidden_units(units: Iterable[dict], min_group_size: int) -> dict[str, str]:
    """unit id -> SMALL or COMPLEMENT, for the units of one dimension that show no metrics.

    `units` are the units of one period as rollup.json has them (`id`, `parent`,
    `population`); a unit without metrics for the period (None) is left out by the caller.
    Siblings share a parent; the top-level units (and every unit of a flat dimension) are the
    siblings under the enterprise, which is always shown. A unit with nobody in its population
    has nothing to hide: it is neither hidden nor a reason to hide another.
    """
    families: dict[str | None, list[dict]] = defaultdict(list)
    for unit in units:
        families[unit["parent"]].append(unit)
    hidden: dict[str, str] = {}
    for siblings in families.values():
        small = [u for u in siblings if 0 < u["population"] < min_group_size]
        hidden.update((u["id"], SMALL) for u in small)
        if len(small) == 1 and len(siblings) > 1:
            others = [u for u in siblings if u is not small[0] and u["population"]]
            if others:
                smallest = min(others, key=lambda u: (u["population"], u["id"]))
                hidden[smallest["id"]] = COMPLEMENT
    return hidden


def hidden_by_period(units: list[dict], min_group_size: int) -> tuple[dict, dict]:
    """The hidden units of one dimension in the period and in the previous period.

    Each period is judged on its own population: a unit shown now may have been too small
    before, and its change then stays hidden.
    """
    now = hidden_units(units, min_group_size)
    before = hidden_units(
        ({"id": u["id"], "parent": u["parent"], "population": u["previous"]["population"]}
         for u in units if u["previous"] is not None), min_group_size)
    return now, before
