"""Privacy thresholds for outputs meant for a wide audience (METRICS.md section 6).

A unit whose population is below `min_group_size` shows no metrics. Its figures must not be
recoverable by subtraction either: a parent's figures less those of every shown child are
the figures of the people no shown child holds. When those people are exactly one hidden
unit, a second unit is hidden beside it, the smallest that will do; when they include
others (a second hidden sibling, or people of the parent who are in none of its children,
such as a top manager, who is in nobody's reporting tree), the hidden unit is blended with
them already and nothing more is hidden. A unit hidden as a complement is not left to be
recovered as the sum of its own children either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

#: why a unit shows no metrics
SMALL = "small"
COMPLEMENT = "complement"


def hidden_units(units: Iterable[dict], min_group_size: int, *,
                 total: int | None = None) -> dict[str, str]:
    """unit id -> SMALL or COMPLEMENT, for the units of one dimension that show no metrics.

    `units` are the units of one period as rollup.json has them (`id`, `parent`,
    `population`); a unit without metrics for the period (None) is left out by the caller.
    Siblings share a parent; the top-level units (and every unit of a flat dimension) are the
    siblings under the enterprise, which is always shown and whose population is `total`
    (None: the sum of the top-level units, as when everyone is in exactly one of them).
    A unit with nobody in its population has nothing to hide: it is neither hidden nor a
    reason to hide another.
    """
    families: dict[str | None, list[dict]] = defaultdict(list)
    for unit in units:
        families[unit["parent"]].append(unit)
    population = {u["id"]: u["population"] for family in families.values() for u in family}
    hidden: dict[str, str] = {}
    for parent, siblings in families.items():
        small = [u for u in siblings if 0 < u["population"] < min_group_size]
        hidden.update((u["id"], SMALL) for u in small)
        whole = total if parent is None else population.get(parent)
        if len(small) == 1 and not _own_people(whole, siblings):
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


def hidden_by_period(units: list[dict], min_group_size: int,
                     enterprise: dict | None = None) -> tuple[dict, dict]:
    """The hidden units of one dimension in the period and in the previous period.

    `enterprise` is the rollup's enterprise unit, the parent of the top-level units (None:
    the top-level units hold everyone). Each period is judged on its own population: a unit
    shown now may have been too small before, and its change then stays hidden.
    """
    previous = enterprise["previous"] if enterprise else None
    now = hidden_units(units, min_group_size,
                       total=enterprise["population"] if enterprise else None)
    before = hidden_units(
        ({"id": u["id"], "parent": u["parent"], "population": u["previous"]["population"]}
         for u in units if u["previous"] is not None), min_group_size,
        total=previous["population"] if previous else None)
    return now, before
