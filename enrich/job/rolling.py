"""`enrich rollup`: the per-unit metrics of a period, written as rollup files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period, day_ranges
from enrich.errors import ExitStatus
from enrich.job.org import DepthReads, Org
from enrich.job.period_check import require_data
from enrich.job.places import open_store, output_folder
from enrich.outputs.files import prepare_folders
from enrich.outputs.rollup_files import write_rollup
from enrich.wording import counted


@dataclass
class RollupResult:
    period: Period
    rollup: dict
    files: list[Path]
    org: Org | None = None

    @property
    def missing_days(self) -> list[str]:
        return self.rollup["period"]["missing_days"]

    @property
    def status(self) -> ExitStatus:
        return ExitStatus.PARTIAL_DATA if self.missing_days else ExitStatus.OK


def rollup(config: Config, period: Period, *, output: Path | None = None, as_of: int,
           keep_directory: bool = False) -> RollupResult:
    """`enrich rollup`: the per-unit metrics of a period, written as rollup files."""
    folder = output_folder(config, output)
    with open_store(config) as store:
        require_data(store, period, as_of)
        prepare_folders(folder)
        depth = DepthReads(store, period)  # while the org chart loads
        org = Org.load(config, store, as_of, keep_directory=keep_directory)
        result = org.roll_up(config, store, period, depth)
    files = write_rollup(result, folder.path)
    return RollupResult(period, result, files, org)


def print_rollup_result(result: RollupResult, out) -> None:
    days = result.rollup["period"]["days"]
    print(f"period {result.period.label()}: {counted(days['reported'], 'day')} reported, "
          f"{days['empty']} empty, {days['missing']} missing", file=out)
    if result.missing_days:
        print(f"missing days: {day_ranges(result.missing_days)}", file=out)
    enterprise = next(u for u in result.rollup["units"] if u["dimension"] == "enterprise")
    rate = enterprise["adoption_rate"]
    print(f"enterprise: {enterprise['engaged']} engaged of {enterprise['population']} "
          f"({'n/a' if rate is None else f'{rate:.1%}'}); "
          f"{counted(len(result.rollup['unmapped']), 'unmatched login')}", file=out)
    period = result.rollup["period"]
    if period["depth_note"]:
        print(f"note: {period['depth_note']}", file=out)
    else:
        print(f"depth of use: measured on {period['depth_days']} of the "
              f"{counted(days['reported'], 'reported day')}", file=out)
    for path in result.files:
        print(f"wrote {path}", file=out)
