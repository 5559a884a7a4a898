"""The leadership report's files: report.html, report.pdf and the CSV twins of its tables.

Every file shows exactly what the report shows: hidden units stay hidden in the CSVs too.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from enrich.outputs import charts, depth
from enrich.outputs.files import atomic_open, write_bytes, write_text
from enrich.outputs.findings import findings
from enrich.outputs.render import (
    difference,
    logo_uri,
    month_name,
    render_html,
    self_contained,
)
from enrich.outputs.report import FeatureColumn, Report, Row
from enrich.outputs.rollup_files import MEAN_DIGITS, RATE_DIGITS, cell
from enrich.rollup.person import SEGMENTS
from enrich.rollup.trend import MonthAdoption

HTML_NAME = "report.html"
PDF_NAME = "report.pdf"
#: the note a CSV row of a hidden unit carries instead of figures
HIDDEN_NOTES = {"small": "fewer than {n} people",
                "complement": "hidden so that a smaller unit cannot be worked out"}


@dataclass(frozen=True)
class Look:
    """What the configuration says about how rendered documents look."""

    company: str
    logo: Path | None
    color: str
    accent: str
    page_size: str
    templates: Path | None

    @classmethod
    def from_config(cls, config) -> Look:
        return cls(config.get("company.name"), config.get("company.logo"),
                   config.get("company.color"), config.get("company.accent_color"),
                   config.get("leadership.page_size"), config.get("templates"))

    def colors(self) -> dict[str, str]:
        return {"main": self.color, "main_light": charts.heat_color(0.55, self.color),
                "main_pale": charts.heat_color(0.08, self.color), "accent": self.accent,
                "accent_pale": charts.heat_color(0.12, self.accent)}

    def segment_colors(self) -> dict[str, str]:
        return {"champion": self.color, "regular": charts.heat_color(0.45, self.color),
                "lagging": self.accent, "inactive": "#c9ced8"}


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path
    csvs: list[Path]
    #: URLs a template referred to that were not fetched for the PDF (only local files are)
    refused: list[str]
    #: what report.html leaves out, so that it opens without the network: every reference
    #: outside the file itself
    left_out: list[str] = field(default_factory=list)


def write_report(report: Report, look: Look, folder: Path, *, licenses_context=None
                 ) -> ReportFiles:
    folder = Path(folder)
    html = render_report_html(report, look)
    standalone, left_out = self_contained(html)
    html_path = write_text(folder / HTML_NAME, standalone)
    from enrich.outputs.pdf import render_pdf  # see its module: loaded when needed
    # the PDF embeds what it reads: the files of the template folders too
    pdf, refused = render_pdf(
        html, folders=[look.templates] if look.templates else [],
        created=report.coverage.period.until,
        title=f"{look.company}: GitHub Copilot adoption, {_title(report)}")
    pdf_path = write_bytes(folder / PDF_NAME, pdf)
    return ReportFiles(html_path, pdf_path, write_report_csvs(report, folder), refused,
                       left_out)


def _title(report: Report) -> str:
    return report.coverage.period.title()


def render_report_html(report: Report, look: Look) -> str:
    colors = look.colors()
    segment_colors = look.segment_colors()
    previous = report.coverage.previous
    context = {
        "report": report,
        "findings": findings(report),
        "company": {"name": look.company, "logo": logo_uri(look.logo)},
        "colors": colors,
        "page_size": look.page_size,
        "period_title": _title(report),
        "previous_title": previous.title(),
        "previous_short": month_name(previous.since).split()[0] if previous.calendar_month
        else f"the previous {len(previous)} days",
        "licenses": report.licenses,
        "charts": {
            "daily": charts.daily_line(report.daily, width=640, height=180,
                                       color=look.color),
            "monthly": charts.monthly_adoption(
                [(m.month.label()[:7], m.adoption_rate, m.incomplete) for m in report.months],
                width=640, height=190, color=look.color, accent=look.accent)
            if sum(m.has_data for m in report.months) > 1 else None,
            "depth_months": _depth_month_charts(report.months, look),
        },
        "depth": _depth_context(),
        "segment_legend": charts.segment_legend(segment_colors),
        "segment_bar": lambda counts: charts.segment_bar(counts, width=190, height=14,
                                                         colors=segment_colors),
        "bar": lambda value: charts.bar(value, width=60, height=8, color=look.color),
        "short_bar": lambda value: charts.bar(value, width=34, height=8, color=look.color),
        "heat_color": lambda share: charts.heat_color(share, look.color),
        "text_color_on": charts.text_color_on,
    }
    return render_html("report.html", context, look.templates)


#: keys of a mix shown by name: for the enterprise, and in the table of units
TOP_KEYS, UNIT_TOP_KEYS = 5, 2


def _depth_context() -> dict:
    shared = depth.measured_features()
    return {"figures": depth.FIGURES, "mixes": depth.MIXES, "measured_features": shared,
            "unmeasured_features": [f for f in depth.SHARED_FEATURES if f not in shared],
            "top_keys": TOP_KEYS, "unit_top_keys": UNIT_TOP_KEYS}


def _depth_month_charts(months: list[MonthAdoption], look: Look
                        ) -> list[tuple[str, Markup]] | None:
    """Acceptance and agent mode month by month, side by side, over the months of the
    adoption trend; none when no month measures depth."""
    if len(months) < 2 or not any(m.depth for m in months):
        return None
    series = (("Acceptance rate", lambda d: d["acceptance_rate"]),
              ("Agent mode, share of engaged people",
               lambda d: depth.feature_share(d, "agent")))
    return [(title, charts.monthly_adoption(
        [(m.month.label()[:7], figure(m.depth) if m.depth else None, m.incomplete)
         for m in months], width=315, height=170, color=look.color, accent=look.accent,
        label=f"{title} by month", unknown="not measured")) for title, figure in series]


# The CSV twins: one per table of the report, their rates and means rounded as rollup CSVs
# round them, and each change the difference of the two rates as written.

def write_report_csvs(report: Report, folder: Path) -> list[Path]:
    n = report.options.min_group_size
    tables = {
        "report-teams.csv": _unit_rows([report.enterprise, *report.teams], n),
        "report-cost-centers.csv": _unit_rows([report.enterprise, *report.cost_centers], n),
        "report-features.csv": _feature_rows(report.tables, report.features, n),
        "report-segments.csv": _segment_rows(report.tables, n),
        "report-months.csv": _month_rows(report),
        "report-depth.csv": _depth_rows(report.tables, report.depth_days, n),
        "report-days.csv": (("day", "active_people"), *report.daily),
    }
    if report.managers:
        tables["report-managers.csv"] = _unit_rows([report.enterprise, *report.managers], n)
    return [_write_csv(folder / name, rows) for name, rows in tables.items()]


def _note(row: Row, n: int) -> str:
    return HIDDEN_NOTES[row.hidden].format(n=n) if row.hidden else ""


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, RATE_DIGITS)


def _mean(value: float | None) -> float | None:
    return None if value is None else round(value, MEAN_DIGITS)


def _change_points(row: Row) -> float | None:
    """The change in points between the two rates as the CSV writes them."""
    now = row.metrics["adoption_rate"] if row.metrics else None
    before = row.previous["adoption_rate"] if row.previous else None
    change = difference(now, before, RATE_DIGITS)
    return None if change is None else round(change * 100, RATE_DIGITS - 2)


def _unit_rows(rows: list[Row], n: int) -> Iterable[tuple]:
    yield ("dimension", "id", "name", "parent", "population", "engaged", "adoption_rate",
           "previous_adoption_rate", "mean_active_days", "median_active_days",
           "change_points", "note")
    for row in rows:
        m = row.metrics or {}
        yield (row.dimension, row.id, row.name, row.parent, m.get("population"),
               m.get("engaged"), _rate(m.get("adoption_rate")),
               _rate(row.previous["adoption_rate"]) if row.previous else None,
               _mean(m.get("mean_active_days")), _mean(m.get("median_active_days")),
               _change_points(row), _note(row, n))


def _feature_rows(rows: list[Row], features: list[FeatureColumn], n: int) -> Iterable[tuple]:
    """Each feature's share of the engaged; then, as in rollup CSVs, the reported days and
    how many of them measure each feature: a feature measured on part of the period is
    flagged on every row."""
    names = [f.name for f in features]
    days_reported = features[0].days_reported if features else None
    yield ("dimension", "id", "name", "engaged", *names, "awareness_gaps", "days_reported",
           *(f"measured_days.{name}" for name in names), "note")
    for row in rows:
        m = row.metrics
        shares = [_rate(m["feature_adoption"].get(f)) for f in names] if m else [None] * len(names)
        yield (row.dimension, row.id, row.name, m["engaged"] if m else None, *shares,
               " ".join(m["awareness_gaps"]) if m else None, days_reported,
               *(f.days_measured for f in features), _note(row, n))


def _segment_rows(rows: list[Row], n: int) -> Iterable[tuple]:
    yield ("dimension", "id", "name", "population", *SEGMENTS, "narrow", "note")
    for row in rows:
        m = row.metrics
        counts = [m["segments"][s] for s in SEGMENTS] if m else [None] * len(SEGMENTS)
        yield (row.dimension, row.id, row.name, m["population"] if m else None, *counts,
               m["narrow"] if m else None, _note(row, n))


def _month_rows(report: Report) -> Iterable[tuple]:
    yield ("month", "population", "engaged", "adoption_rate", "days_reported", "days_empty",
           "days_missing", "acceptance_rate", "agent_share")
    for month in report.months:
        yield (month.month.label()[:7], month.population, month.engaged,
               _rate(month.adoption_rate),
               month.days["reported"], month.days["empty"], month.days["missing"],
               _rate(month.depth["acceptance_rate"]) if month.depth else None,
               _rate(depth.feature_share(month.depth, "agent")))


#: how each kind of depth figure is rounded in the CSV
_DEPTH_DIGITS = {depth.SHARE: RATE_DIGITS, depth.DECIMAL: MEAN_DIGITS, depth.WHOLE: MEAN_DIGITS}


def _depth_rows(rows: list[Row], depth_days: int, n: int) -> Iterable[tuple]:
    """Each unit's depth of use with its changes (a share's in points), the shares of the
    features depth measures, and each mix's top keys with the number of the others and the
    largest share among them."""
    features = [f for f, _ in depth.measured_features()]
    header = ("dimension", "id", "name", "depth_days", "engaged",
              *(column for key, _, kind in depth.FIGURES
                for column in (key, _change_column(key, kind))),
              *(column for f in features
                for column in (f"{f}_share", f"{f}_share_change_points")),
              *(column for key in depth.MIXES
                for column in (_mix_column(key), f"{_mix_column(key)}_other",
                               f"{_mix_column(key)}_other_most")),
              "note")
    yield header
    for row in rows:
        start = (row.dimension, row.id, row.name)
        if row.use is None:
            yield (*start, *[None] * (len(header) - 4), _depth_note(row, n))
            continue
        use = row.use
        figures = [use.figure(key, kind) for key, _, kind in depth.FIGURES]
        figures += [use.feature(f) for f in features]
        yield (*start, depth_days, use.people,
               *(value for f in figures for value in _figure_cells(f)),
               *(value for key in depth.MIXES for value in _mix_cells(use.mix(key, TOP_KEYS))),
               "")


def _change_column(key: str, kind: str) -> str:
    return f"{key}_change_points" if kind == depth.SHARE else f"{key}_change"


def _mix_column(key: str) -> str:
    """"ides", "languages", "models"."""
    return depth.MIXES[key][2].lower()


def _figure_cells(figure: depth.Figure) -> tuple:
    """A figure as written, and its change: the difference of the two figures as written (a
    share's in points)."""
    digits = _DEPTH_DIGITS[figure.kind]
    now, before = (None if v is None else round(v, digits)
                   for v in (figure.value, figure.previous))
    change = difference(now, before, digits)
    if figure.kind == depth.SHARE and change is not None:
        change = round(change * 100, RATE_DIGITS - 2)
    return now, change


def _mix_cells(mix: depth.Mix) -> tuple:
    top = "; ".join(f"{k.key}={round(k.share, RATE_DIGITS)}" for k in mix.shown)
    most = None if mix.other_most is None else round(mix.other_most, RATE_DIGITS)
    return top or None, mix.other_keys, most


def _depth_note(row: Row, n: int) -> str:
    """Why a unit shows no depth."""
    if row.hidden:
        return _note(row, n)
    return "not measured"


def _write_csv(path: Path, rows: Iterable[tuple]) -> Path:
    with atomic_open(path, "w") as fh:
        csv.writer(fh).writerows([cell(v) for v in row] for row in rows)
    return path
