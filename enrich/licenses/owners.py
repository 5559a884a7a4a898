"""Who owns a cost center, as far as the org chart tells.

The org chart has no owner field: a cost center set on a unit belongs to that unit, and so
to its lead. Where several units name the same cost center, the one nearest the top of the
tree decides; several at the same height with different leads leave the owner unknown
rather than pick one.
"""

from __future__ import annotations

from enrich.directory.model import Directory, Lead
from enrich.rollup.units import depths


def cost_center_owners(directory: Directory) -> dict[str, Lead]:
    """cost center id -> the lead who owns it, for the cost centers with a known owner."""
    depth = depths({unit.id: unit.parent for unit in directory.units.values()})
    candidates: dict[str, tuple[int, set[Lead | None]]] = {}
    for unit in directory.units.values():
        if not unit.cost_center:
            continue
        best = candidates.get(unit.cost_center)
        if best is None or depth[unit.id] < best[0]:
            candidates[unit.cost_center] = (depth[unit.id], {unit.lead})
        elif depth[unit.id] == best[0]:
            best[1].add(unit.lead)
    return {cost_center: next(iter(leads)) for cost_center, (_, leads) in candidates.items()
            if len(leads) == 1 and None not in leads}
