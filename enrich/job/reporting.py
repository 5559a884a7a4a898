"""`enrich report`: the leadership report, with its monthly trend and license summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period, day_ranges
from enrich.errors import ExitStatus
from enrich.job.licensing import license_summary
from enrich.job.org import Org, period_input
from enrich.job.period_check import require_data
from enrich.job.places import open_store, output_folder
from enrich.job.rolling import RollupResult
from enrich.outputs.depth import unit_depth
from enrich.outputs.files import prepare_folders
from enrich.outputs.report import Options as ReportOptions
from enrich.outputs.report import build_report
from enrich.outputs.report_files import Look, ReportFiles, write_report
from enrich.processes import forked
from enrich.rollup import Thresholds, enterprise_depth
from enrich.rollup.depth import depth_by_user
from enrich.rollup.inputs import EMPTY, MISSING, REPORTED
from enrich.rollup.trend import MonthAdoption, enterprise_adoption, trend_months
from enrich.store import Store
from enrich.wording import counted


def enterprise_depth_of_month(config: Config, store: Store, org: Org, month: Period
                              ) -> dict | None:
    """The enterprise's depth of use (METRICS.md section 9) in a month of the trend, as the
    rollup's enterprise unit would have it in `depth`; None when the month does not measure
    depth."""
    if not store.depth_days(month):
        return None  # (no usage-metrics day: nothing to read)
    users = depth_by_user(store.depth(month))
    return enterprise_depth(org.directory, org.matching.person_of,
                            period_input(store, month, org.excluded, users),
                            seat_holders=org.holders, thresholds=Thresholds.from_config(config))


def monthly_trend(config: Config, store: Store, org: Org, period: Period, rolled_up: dict
                  ) -> list[MonthAdoption]:
    """Enterprise adoption and depth of use for each month of the trend, from the first
    month with data.

    The period and the one before it come from the rollup; the other months are counted from
    who was active in them, and their depth is asked of the rollup
    (`enterprise_depth_of_month`).
    """
    enterprise = rolled_up["units"][0]
    known = {(period.since, period.until): enterprise,
             (period.previous().since, period.previous().until): enterprise["previous"]}
    months = []
    for month in trend_months(period.until):
        status = Counter(store.coverage(month).values())
        days = {kind: status[kind] for kind in (REPORTED, EMPTY)}
        days[MISSING] = len(month) - days[REPORTED] - days[EMPTY]
        if not months and not days[REPORTED] + days[EMPTY]:
            continue  # before the history starts
        figures = known.get((month.since, month.until))
        if figures is not None:
            engaged, population = figures["engaged"], figures["population"]
            depth = unit_depth(figures)
        else:
            active = store.active_users(month.since, month.until) - org.excluded
            engaged, population = enterprise_adoption(org.directory, org.matching.person_of,
                                                      active, org.holders)
            depth = enterprise_depth_of_month(config, store, org, month)
        months.append(MonthAdoption(month, days, engaged, population, depth))
    return months


@dataclass
class ReportResult:
    period: Period
    files: ReportFiles
    missing_days: list[str]

    @property
    def status(self) -> ExitStatus:
        return ExitStatus.PARTIAL_DATA if self.missing_days else ExitStatus.OK


def report(config: Config, period: Period, *, output: Path | None = None, as_of: int,
           rolled: RollupResult | None = None) -> ReportResult:
    """`enrich report`: the leadership report (HTML, PDF and the CSVs of its tables).

    `rolled` is the rollup of the same period when the job has just made it."""
    folder = output_folder(config, output)
    with open_store(config) as store:
        require_data(store, period, as_of)
        prepare_folders(folder)
        org = rolled.org if rolled else Org.load(config, store, as_of)
        # the license summary is worked out on the side, while the rollup takes its time
        licenses = forked(lambda: license_summary(config, org, period, as_of))
        rolled_up = rolled.rollup if rolled else org.roll_up(config, store, period)
        months = monthly_trend(config, store, org, period, rolled_up)
    licenses = licenses()
    content = build_report(rolled_up, period, months, ReportOptions.from_config(config),
                           licenses=licenses,
                           seat_holders=None if org.holders is None else len(org.holders))
    files = write_report(content, Look.from_config(config), folder.path)
    return ReportResult(period, files, rolled_up["period"]["missing_days"])


def print_report_result(result: ReportResult, out, err) -> None:
    if result.missing_days:
        print(f"warning: the report of {result.period.label()} misses "
              f"{counted(len(result.missing_days), 'day')} of data: "
              f"{day_ranges(result.missing_days)}",
              file=err)
    files = result.files
    for url in dict.fromkeys([*files.refused, *files.left_out]):
        left_out = ", and report.html leaves it out" if url in files.left_out else ""
        if url in files.refused or not url.startswith("file:"):
            print(f"warning: the templates refer to {url}, which was not fetched: a report "
                  f"reads only its own files{left_out}", file=err)
        else:  # a file of the template folders: the PDF embeds it, the HTML cannot
            print(f"warning: the templates refer to {url}, which report.html leaves out: it "
                  "holds only what it embeds", file=err)
    for path in (result.files.html, result.files.pdf, *result.files.csvs):
        print(f"wrote {path}", file=out)
