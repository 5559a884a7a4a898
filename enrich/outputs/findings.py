"""Findings: a few plain sentences that the figures of a report support.

Each finding reads only what the report shows (hidden units stay hidden), and is left out
when the data cannot support it. Only features measured in the period are their subjects,
and one measured on part of it says so.
"""

from __future__ import annotations

from enrich.outputs.render import pct
from enrich.outputs.report import Report, Row
from enrich.rollup.units import UNMAPPED

MAX_FINDINGS = 5


def findings(report: Report) -> list[str]:
    sentences = [
        _widest_gap(report),
        _moved_most(report),
        _champions(report),
        _lagging(report),
        _narrow(report),
    ]
    return [s for s in sentences if s][:MAX_FINDINGS]


def _divisions(report: Report) -> list[Row]:
    """The top-level units that show figures and have engaged people."""
    return [row for row in report.teams
            if row.depth == 0 and row.id != UNMAPPED and row.metrics
            and row.metrics["engaged"]]


def _widest_gap(report: Report) -> str | None:
    metrics = report.enterprise.metrics
    adoption = {f.name: metrics["feature_adoption"].get(f.name) for f in report.features}
    adoption = {name: share for name, share in adoption.items() if share is not None}
    if not adoption:
        return None
    feature = min(adoption, key=lambda name: (adoption[name], name))
    column = next(f for f in report.features if f.name == feature)
    sentence = (f"{column.title} is the least known feature: {pct(adoption[feature])} of "
                "engaged people used it")
    if column.partial:
        sentence += f" ({column.measured_on})"
    divisions = _divisions(report)
    sharing = [row for row in divisions if feature in row.metrics["awareness_gaps"]]
    if divisions:
        sentence += (f", and it is an awareness gap in {len(sharing)} of {len(divisions)} "
                     f"division{'s' if len(divisions) != 1 else ''}")
    return sentence + "."


def _moved_most(report: Report) -> str | None:
    moved = [row for row in report.teams if row.change is not None and row.id != UNMAPPED]
    if not moved:
        return None
    row = max(moved, key=lambda r: (abs(r.change), r.name))
    if round(row.change, 1) == 0:
        return "No unit's adoption changed since the previous period."
    before = row.previous["adoption_rate"]
    now = row.metrics["adoption_rate"]
    verb = "rose" if row.change > 0 else "fell"
    return (f"{row.name} moved most: its adoption {verb} from {pct(before)} to {pct(now)} "
            f"({row.change:+.1f} points).")


def _champions(report: Report) -> str | None:
    metrics = report.enterprise.metrics
    if not metrics["population"]:
        return None
    count = metrics["segments"]["champion"]
    t = report.options.thresholds
    share = pct(count / metrics["population"])
    sentence = (f"{count:,} champion{'s' if count != 1 else ''} ({share}"
                f" of the population) used at least {t.champion_min_features} features in "
                f"{t.champion_min_consistency:.0%} of the weeks or more")
    divisions = [row for row in _divisions(report) if row.metrics["population"]]
    if count and len(divisions) > 1:
        best = max(divisions, key=lambda r: (r.share("champion"), r.name))
        sentence += f"; {best.name} has the most ({pct(best.share('champion'))})"
    return sentence + "."


def _lagging(report: Report) -> str | None:
    metrics = report.enterprise.metrics
    engaged = metrics["engaged"]
    if not engaged:
        return None
    lagging = metrics["segments"]["lagging"]
    below = report.options.thresholds.lagging_below_consistency
    return (f"{lagging:,} of {engaged:,} engaged people ({pct(lagging / engaged)}) are lagging: "
            f"active in fewer than {below:.0%} of the weeks.")


def _narrow(report: Report) -> str | None:
    metrics = report.enterprise.metrics
    if not metrics["engaged"] or not metrics["narrow"]:
        return None
    narrow = metrics["narrow"]
    return (f"{narrow:,} engaged {'people' if narrow != 1 else 'person'} "
            f"({pct(narrow / metrics['engaged'])}) used one feature at most: "
            "candidates for training on the others.")
