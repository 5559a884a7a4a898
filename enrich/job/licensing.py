"""`enrich licenses`: the license review of the seats, for finance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period
from enrich.errors import ConfigError, ExitStatus
from enrich.job.org import Org, load_seats
from enrich.job.period_check import require_data
from enrich.job.places import open_store, output_folder
from enrich.job.rolling import RollupResult
from enrich.licenses import HeldSeat, Review, Summary, Terms, merge_holders, review_held
from enrich.licenses import review as review_seats
from enrich.licenses.review import window_start
from enrich.outputs.files import prepare_folders
from enrich.outputs.license_files import LicenseFiles, write_license_files
from enrich.outputs.report_files import Look
from enrich.processes import forked
from enrich.store import Store
from enrich.wording import counted


def license_review(config: Config, store: Store, org: Org, until: int, as_of: int
                   ) -> Review | None:
    """The license review of the seats (METRICS.md section 7), None without seat data."""
    terms = Terms.from_config(config)
    held, last_active = held_seats(config, store, as_of, until, terms)
    if held is None:
        return None
    return review_held(held, org.directory, org.matching.person_of, until=until,
                       last_active=last_active, terms=terms)


def license_summary(config: Config, org: Org, until: int, as_of: int) -> Summary | None:
    """The license review's figures per cost center.

    They depend on the holders' engagement only through whether it falls in the window, so
    reading the window's active users is enough, and far less than the whole history.
    """
    terms = Terms.from_config(config)
    with open_store(config) as store:
        seats = load_seats(config, store, as_of)
        if seats is None:
            return None
        in_window = dict.fromkeys(store.active_users(window_start(until, terms), until), until)
    return review_seats(seats, org.directory, org.matching.person_of, until=until,
                        last_active=in_window, terms=terms).summary


def held_seats(config: Config, store: Store, as_of: int, until: int, terms: Terms
               ) -> tuple[list[HeldSeat] | None, dict[int, int]]:
    """The seats merged per holder, and each user's last active day up to `until`."""
    seats = load_seats(config, store, as_of)
    if seats is None:
        return None, {}
    return merge_holders(seats, terms), store.last_active_days(until)


def _held_seats_apart(config: Config, as_of: int, until: int, terms: Terms):
    """`held_seats` in a forked process, through a connection of its own."""
    with open_store(config) as store:
        return held_seats(config, store, as_of, until, terms)


@dataclass
class LicensesResult:
    period: Period
    files: LicenseFiles
    review: Review

    @property
    def status(self) -> ExitStatus:
        return ExitStatus.OK


def licenses(config: Config, period: Period, *, as_of: int, output: Path | None = None,
             export: bool = False, rolled: RollupResult | None = None) -> LicensesResult:
    """`enrich licenses`: the license review of the seats on the period's last day."""
    terms = Terms.from_config(config)
    folder = output_folder(config, output)
    with open_store(config) as store:
        require_data(store, period, as_of)
        prepare_folders(folder)
        # For a large enterprise, reading and merging the seats with everyone's last active
        # day takes as long as loading the org chart: it is done on the side.
        seats = forked(lambda: _held_seats_apart(config, as_of, period.until, terms))
        org = rolled.org if rolled else Org.load(config, store, as_of)
    held, last_active = seats()
    if held is None:
        raise ConfigError("no seat data: fetch the seats (github.seats: true), import a seat "
                          "list, or set seats.csv")
    review = review_held(held, org.directory, org.matching.person_of, until=period.until,
                         last_active=last_active, terms=terms)
    files = write_license_files(
        review, Look.from_config(config), folder.path,
        rows=config.get("licenses.pdf_rows"), per_cost_center=config.get(
            "licenses.per_cost_center"), export=export)
    return LicensesResult(period, files, review)


def print_licenses_result(result: LicensesResult, out, err) -> None:
    e, currency = result.review.enterprise, result.review.terms.currency
    print(f"{counted(e.seats, 'seat')}, {e.monthly_cost:,.0f} {currency} a month; "
          f"{e.inactive:,} not in use; {e.candidates:,} to reclaim, {e.idle_cost:,.0f} "
          f"{currency} a month", file=out)
    for url in result.files.refused:
        print(f"warning: the templates refer to {url}, which was not fetched: a document "
              "reads only its own files", file=err)
    for path in result.files.all:
        print(f"wrote {path}", file=out)
