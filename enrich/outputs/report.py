"""The leadership report's content, from a rollup: what the templates and CSVs show.

Plain data in (the rollup of METRICS.md section 8, the monthly trend, the licence summary),
plain data out. The privacy thresholds of section 6 are applied here, once, so the HTML, the
PDF and the CSV twins hide exactly the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from enrich import features as feature_names
from enrich.dates import Period, day_str
from enrich.licenses import CostCenterReview, Summary
from enrich.licenses.spend import CostCenterSpend, Spend
from enrich.outputs.depth import Use, depth_days, unit_depth
from enrich.outputs.privacy import hidden_by_period, hidden_units
from enrich.outputs.render import difference
from enrich.outputs.seats_and_people import SeatsAndPeople, seats_and_people
from enrich.rollup.inputs import Thresholds
from enrich.rollup.trend import MonthAdoption
from enrich.rollup.units import (
    COST_CENTER,
    ENTERPRISE,
    MANAGER,
    NO_COST_CENTER,
    TEAM,
    UNMAPPED,
    cost_center_order,
    depths,
    distinct_unit_names,
)

#: what people read for the units that stand for no org-chart unit
SPECIAL_NAMES = {UNMAPPED: "Not in the org chart", NO_COST_CENTER: "No cost center"}


@dataclass(frozen=True)
class Options:
    depth: int = 2
    show_names: bool = False
    min_group_size: int = 5
    thresholds: Thresholds = field(default_factory=Thresholds)

    @classmethod
    def from_config(cls, config) -> Options:
        return cls(depth=config.get("leadership.depth"),
                   show_names=config.get("leadership.show_names"),
                   min_group_size=config.get("metrics.min_group_size"),
                   thresholds=Thresholds.from_config(config))


def adoption_change(now: dict | None, before: dict | None) -> float | None:
    """Change of the adoption rate since the previous period, in percentage points, as the
    difference of the two rates as printed (`render.difference`); None when either period
    has no rate to show."""
    if now is None or before is None:
        return None
    return difference(_percent(now["adoption_rate"]), _percent(before["adoption_rate"]))


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


@dataclass(frozen=True)
class Row:
    """One unit in the report's tables; `hidden` says why it shows no metrics."""

    id: str
    #: the name readers tell it apart by: with its parents' where names repeat
    #: ("Engineering / Billing", `distinct_unit_names`)
    name: str
    dimension: str
    parent: str | None
    depth: int
    hidden: str | None
    metrics: dict | None
    #: the previous period's metrics, None when hidden, unknown or without data
    previous: dict | None
    #: its depth of use (METRICS.md section 9); None when not measured or not shown
    use: Use | None = None

    @property
    def change(self) -> float | None:
        return adoption_change(self.metrics, self.previous)

    def share(self, segment: str) -> float | None:
        if self.metrics is None or not self.metrics["population"]:
            return None
        return self.metrics["segments"][segment] / self.metrics["population"]

    @property
    def narrow_share(self) -> float | None:
        """Share of the engaged who used one feature at most."""
        if self.metrics is None or not self.metrics["engaged"]:
            return None
        return self.metrics["narrow"] / self.metrics["engaged"]


@dataclass(frozen=True)
class Coverage:
    period: Period
    days: dict[str, int]
    missing_days: list[str]
    previous: Period
    previous_days: dict[str, int] | None
    previous_missing_days: list[str]

    @property
    def incomplete(self) -> bool:
        return bool(self.missing_days)

    @property
    def previous_incomplete(self) -> bool:
        return bool(self.previous_missing_days)

    @property
    def days_with_data(self) -> int:
        """Reported and empty days (METRICS.md section 3): what active days are counted in."""
        return self.days["reported"] + self.days["empty"]


@dataclass(frozen=True)
class FeatureColumn:
    """A feature as the report shows it, with the reported days of the period that measure
    it: a feature measured on some of them only (the source changed during the period) is
    flagged wherever its figures appear."""

    name: str
    title: str
    days_measured: int
    days_reported: int

    @property
    def partial(self) -> bool:
        return self.days_measured < self.days_reported

    @property
    def measured_on(self) -> str | None:
        """The flag of a feature measured on part of the period."""
        return feature_names.measured_on(self.days_measured, self.days_reported)


@dataclass(frozen=True)
class Unmeasured(FeatureColumn):
    """A feature left out of breadth, segments and gaps: measured on fewer than half of the
    reported days of P (METRICS.md section 2). It is never the subject of a finding."""


@dataclass(frozen=True)
class Population:
    """How the population adds up (METRICS.md section 5): people of the org chart holding a
    seat, people of the org chart who used Copilot without one, and the accounts that used
    it but match nobody in the org chart."""

    total: int
    #: people of the org chart holding a seat; None without seat data
    seat_holders: int | None
    unmapped: int

    @property
    def without_seat(self) -> int | None:
        if self.seat_holders is None:
            return None
        return self.total - self.seat_holders - self.unmapped


@dataclass(frozen=True)
class LicenseRow:
    """A cost center's seats and spend; `hidden` when it holds too few seats (or, without
    seats, too few people with billed usage) to show."""

    cost_center: CostCenterReview
    spend: CostCenterSpend | None
    hidden: str | None


@dataclass(frozen=True)
class Licenses:
    """The licence review in short, for the report: per cost center, no individual."""

    currency: str
    inactive_after_days: int
    enterprise: CostCenterReview
    rows: list[LicenseRow]
    #: how seats, seats in use, population and engaged relate
    relation: SeatsAndPeople
    #: what the cost centers spent: seats at list price, usage as billed
    spend: Spend


@dataclass
class Report:
    options: Options
    coverage: Coverage
    enterprise: Row
    teams: list[Row]
    cost_centers: list[Row]
    managers: list[Row]
    features: list[FeatureColumn]
    unmeasured: list[Unmeasured]
    daily: list[tuple[str, int | None]]
    months: list[MonthAdoption]
    unmatched_logins: int
    population: Population
    licenses: Licenses | None = None
    #: the reported days of the period that measure depth of use
    depth_days: int = 0

    @property
    def suppressed(self) -> list[tuple[str, list[Row]]]:
        """The units shown without figures, per table."""
        tables = [("teams", self.teams), ("cost centers", self.cost_centers),
                  ("management chains", self.managers)]
        return [(name, hidden) for name, rows in tables
                if (hidden := [row for row in rows if row.hidden])]

    @property
    def tables(self) -> list[Row]:
        """The rows of the feature and segment sections: the enterprise, then the teams."""
        return [self.enterprise, *self.teams]


def build_report(rollup: dict, period: Period, months: Sequence[MonthAdoption],
                 options: Options, *, licenses=None, seat_holders: int | None = None
                 ) -> Report:
    """The report's content. `licenses` is the license review's summary
    (`enrich.licenses.Summary`), or None without seat data; `seat_holders` the number of
    people of the org chart who hold a seat (None without seat data)."""
    by_dimension = _by_dimension(rollup["units"])
    coverage = _coverage(period, rollup["period"])
    if not options.show_names:
        by_dimension.pop(MANAGER, None)  # named after people: never shown
    enterprise_unit = by_dimension[ENTERPRISE][0]
    rows = {dim: _rows(units, options)
            for dim, units in by_dimension.items()}
    enterprise = rows[ENTERPRISE][0]
    teams = _tree_order(rows.get(TEAM, []), options.depth)
    managers = _tree_order(rows.get(MANAGER, []), options.depth) if options.show_names else []
    cost_centers = sorted(rows.get(COST_CENTER, []), key=lambda row: cost_center_order(row.id))
    report = Report(
        options=options, coverage=coverage, enterprise=enterprise, teams=teams,
        cost_centers=cost_centers, managers=managers,
        features=[_feature(FeatureColumn, f, rollup) for f in rollup["features"]],
        unmeasured=_unmeasured(rollup),
        daily=_daily(rollup["units"][0], coverage),
        months=list(months),
        unmatched_logins=len(rollup["unmapped"]),
        population=Population(enterprise_unit["population"], seat_holders,
                              len(rollup["unmapped"])),
        licenses=_licenses(licenses, options.min_group_size, rollup) if licenses else None,
        depth_days=depth_days(rollup["period"]))
    return report


def _licenses(reviewed: tuple[Summary, Spend], min_group_size: int, rollup: dict
              ) -> Licenses:
    """Cost centers with fewer seats than the smallest group shown are hidden, as units are;
    one without seats but with billed usage, by its people with billed usage."""
    review, spent = reviewed
    seats = {c.id: c for c in review.cost_centers}
    spending = {c.id: c for c in spent.cost_centers}
    centers = [seats.get(c.id) or _no_seats(c.id, c.name) for c in spent.cost_centers] + [
        c for c in review.cost_centers if c.id not in spending]
    centers.sort(key=lambda c: cost_center_order(c.id))
    hidden = hidden_units(({"id": c.id, "parent": None, "population": c.seats or (
        spending[c.id].users if c.id in spending else 0)} for c in centers), min_group_size)
    return Licenses(review.terms.currency, review.terms.inactive_after_days, review.enterprise,
                    [LicenseRow(c, spending.get(c.id), hidden.get(c.id)) for c in centers],
                    seats_and_people(review, rollup), spent)


def _no_seats(cost_center: str, name: str) -> CostCenterReview:
    """The seats of a cost center that holds none."""
    return CostCenterReview(cost_center, name, 0, {}, 0.0, 0, 0, 0, 0.0, 0, 0)


def _by_dimension(units: list[dict]) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for unit in units:
        result.setdefault(unit["dimension"], []).append(unit)
    return result


def _coverage(period: Period, rolled_up: dict) -> Coverage:
    previous = rolled_up["previous"]
    return Coverage(
        period=period, days=rolled_up["days"], missing_days=rolled_up["missing_days"],
        previous=period.previous(),
        previous_days=previous["days"] if previous else None,
        previous_missing_days=previous["missing_days"] if previous else [])


def _rows(units: list[dict], options: Options) -> list[Row]:
    """The units' rows; the unit of users the directory does not know only when there are
    some."""
    units = [u for u in units if u["id"] != UNMAPPED or u["members"]]
    hidden_now, hidden_before = hidden_by_period(units, options.min_group_size)
    depth = depths({u["id"]: u["parent"] for u in units})
    names = distinct_unit_names(units)
    rows = []
    for unit in units:
        shown = unit["dimension"] == ENTERPRISE  # never hidden
        hidden = None if shown else hidden_now.get(unit["id"])
        previous = unit["previous"]
        if hidden or (unit["id"] in hidden_before and not shown):
            previous = None
        # depth is hidden where the unit's figures are (METRICS.md section 9)
        use = None if hidden else _use(unit, previous)
        rows.append(Row(
            id=unit["id"], name=SPECIAL_NAMES.get(unit["id"], names[unit["id"]]),
            dimension=unit["dimension"], parent=unit["parent"], depth=depth[unit["id"]],
            hidden=hidden,
            metrics=None if hidden else _metrics(unit), previous=previous,
            use=use))
    return rows


def _use(unit: dict, previous: dict | None) -> Use | None:
    """A shown unit's depth of use, with the previous period's where that is shown too
    (`previous`: None where it is hidden)."""
    now = unit_depth(unit)
    if now is None:
        return None
    return Use(now, unit_depth(previous))


def _metrics(unit: dict) -> dict:
    return {key: value for key, value in unit.items()
            if key not in ("dimension", "id", "name", "parent", "previous", "depth")}


def _tree_order(rows: list[Row], max_depth: int) -> list[Row]:
    """Parents before their children, siblings by name; the unmapped unit last."""
    children: dict[str | None, list[Row]] = defaultdict(list)
    for row in rows:
        children[row.parent].append(row)
    ordered: list[Row] = []

    def visit(parent: str | None) -> None:
        for row in sorted(children[parent], key=lambda r: (r.id == UNMAPPED, r.name, r.id)):
            if row.depth < max_depth:  # depth 0 is the top
                ordered.append(row)
                visit(row.id)

    visit(None)
    return ordered


def _unmeasured(rollup: dict) -> list[Unmeasured]:
    """Features with data on some days of the period but not measured in it, and the
    canonical features no day of the period measures."""
    measured = set(rollup["features"])
    enterprise = rollup["units"][0]
    with_data = set(enterprise["feature_users"])
    names = feature_names.feature_order(
        (set(feature_names.CANONICAL) | with_data) - measured)
    return [_feature(Unmeasured, f, rollup) for f in names]


def _feature(kind: type[FeatureColumn], name: str, rollup: dict) -> FeatureColumn:
    period = rollup["period"]
    return kind(name, feature_names.title(name), period["measured_days"].get(name, 0),
                period["days"]["reported"])


def _daily(enterprise: dict, coverage: Coverage) -> list[tuple[str, int | None]]:
    """Active users of each day of the period; None on a missing day."""
    active = enterprise["daily_active"]
    return [(day, active.get(day)) for day in map(day_str, coverage.period.days)]
