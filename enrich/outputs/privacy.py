"""Privacy thresholds for outputs meant for a wide audience (METRICS.md section 6).

A unit whose population is below `min_group_size` shows no metrics. Where exactly one sibling
is hidden, a second (the smallest other) is hidden too, so that the hidden one cannot be
recovered from the parent by subtraction; a unit hidden as a complement is not left to be
recovered as the sum of its own children either.

The `(unmapped)` unit is hidden when small, but is never a reason to hide another: its people
are GitHub accounts nobody in the org chart, each of them engaged by definition and counted
in the report's appendix, so there is nothing to protect that subtraction would give away,
and hiding a large unit beside it (the top manager's whole tree, a whole division) would hide
figures of hundreds of people to protect none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from enrich.rollup.units import UNMAPPED

#: why a unit shows no metrics
SMALL = "small"
COMPLEMENT = "complement"


def hidden_units(units: Iterable[dict], min_group_size: int) -> dict[str, str]:
    """unit id -> SMALL or COMPLEMENT, for the units of one dimension that show no metrics.

    `units` are the units of one period as rollup.json has them (`id`, `parent`,
    `population`); a unit without metrics for the period (None) is left out by the caller.
    Siblings share a parent; the top-level units (and every unit of a flat dimension) are
    siblings. A unit with nobody in its population has nothing to hide: it is neither hidden
    nor a reason to hide another.
    """
    families: dict[str | None, list[dict]] = defaultdict(list)
    for unit in units:
        families[unit["parent"]].append(unit)
    hidden: dict[str, str] = {}
    for siblings in families.values():
        small = [u for u in siblings if 0 < u["population"] < min_group_size]
        hidden.update((u["id"], SMALL) for u in small)
        if len(small) == 1 and small[0]["id"] != UNMAPPED:
            others = [u for u in siblings if u is not small[0] and u["population"]]
            if others:
                smallest = min(others, key=lambda u: (u["population"], u["id"]))
                hidden[smallest["id"]] = COMPLEMENT
    _hide_below_complements(families, hidden)
    return hidden


def _own_people(whole: int | None, children: list[dict]) -> int:
    """The people of a parent in none of its children (0 when the parent is not known)."""
    return 0 if whole is None else whole - sum(c["population"] for c in children)


def _hide_below_complements(families: dict, hidden: dict[str, str]) -> None:
    """A unit hidden as a complement would be given away by its children when they all show
    and hold all its people (it has no member of its own): then the smallest two of them
    (or its only one) are hidden too, and so on down."""
    population = {u["id"]: u["population"] for family in families.values() for u in family}
    waiting = [unit for unit, why in hidden.items() if why == COMPLEMENT]
    while waiting:
        unit = waiting.pop()
        children = [c for c in families.get(unit, ()) if c["population"]]
        if not children or _own_people(population[unit], children) or any(
                c["id"] in hidden for c in children):
            continue
        for child in sorted(children, key=lambda c: (c["population"], c["id"]))[:2]:
            hidden[child["id"]] = COMPLEMENT
            waiting.append(child["id"])


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
