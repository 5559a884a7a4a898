"""`enrich licenses`: the license review of the seats, for finance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period
from enrich.directory.identity import match_users
from enrich.directory.model import Directory
from enrich.errors import ConfigError, ExitStatus
from enrich.job.org import Org, load_dated_seats, load_seats
from enrich.job.period_check import require_data
from enrich.job.places import open_store, output_folder
from enrich.job.rolling import RollupResult
from enrich.licenses import HeldSeat, Review, Summary, Terms, merge_holders, review_held
from enrich.licenses import review as review_seats
from enrich.licenses.history import SeatHistory, month_seats, placements, reclaimed
from enrich.licenses.owners import cost_center_owners
from enrich.licenses.review import CostCenterReview, Holder, holder_of, window_start
from enrich.licenses.spend import Spend, attribute, engaged_by_cost_center, spend
from enrich.outputs.files import prepare_folders
from enrich.outputs.license_files import LicenseFiles, write_license_files
from enrich.outputs.render import cents
from enrich.outputs.report_files import Look
from enrich.processes import forked
from enrich.rollup.trend import trend_months
from enrich.sources.seat_csv import user_ids_of_logins
from enrich.store import BilledUsage, Store
from enrich.wording import counted


def license_review(config: Config, store: Store, org: Org, until: int, as_of: int
                   ) -> Review | None:
    """The license review of the seats (METRICS.md section 7), None without seat data."""
    terms = Terms.from_config(config)
    seats = held_seats(config, store, as_of, until, terms)
    if seats is None:
        return None
    held, last_active, taken_on = seats
    return review_held(held, org.directory, org.matching.person_of, until=until,
                       last_active=last_active, terms=terms, taken_on=taken_on)


def license_summary(config: Config, org: Org, period: Period, as_of: int
                    ) -> tuple[Summary, Spend] | None:
    """The license review's figures per cost center, and the spend of the period without
    its users.

    They depend on the holders' engagement only through whether it falls in the window, so
    reading the window's active users is enough, and far less than the whole history.
    """
    terms = Terms.from_config(config)
    with open_store(config) as store:
        seats = load_seats(config, store, as_of)
        if seats is None:
            return None
        in_window = window_activity(store, period.until, terms)
        summary = review_seats(seats, org.directory, org.matching.person_of,
                               until=period.until, last_active=in_window, terms=terms).summary
        spent = spend_review(config, store, org, period, summary.cost_centers,
                             summary.enterprise)
    return summary, replace(spent, users=[])


def spend_review(config: Config, store: Store, org: Org, period: Period,
                 cost_centers: list[CostCenterReview], enterprise: CostCenterReview) -> Spend:
    """What Copilot spent in the period per cost center (METRICS.md section 10): the seats
    of the license review at list price, and the usage billed in the period
    (`billed_attribution`)."""
    return spend_of(config, period, cost_centers, enterprise,
                    billed_usage(config, store, org, period))


def spend_of(config: Config, period: Period, cost_centers: list[CostCenterReview],
             enterprise: CostCenterReview, billed: BilledUsers) -> Spend:
    usage, holders, engaged = billed
    return spend(period, cost_centers, enterprise, Terms.from_config(config).currency,
                 attribute(usage, holders), engaged)


#: the usage billed in a period per user, where each user goes, and the engaged people of
#: each cost center (`billed_usage`)
BilledUsers = tuple[BilledUsage, dict[int, Holder], dict[str, int]]


def billed_usage(config: Config, store: Store, org: Org, period: Period) -> BilledUsers:
    """The usage billed in the period per user, who each user is in the org chart, and the
    engaged people of each cost center."""
    return billed_users(config, org, billed_reads(store, period))


#: what `billed_usage` reads of the store: the usage billed in a period summed per login,
#: and the users engaged in it
BilledReads = tuple[BilledUsage, set[int]]


def billed_reads(store: Store, period: Period) -> BilledReads:
    return store.billed_usage(period), store.active_users(period.since, period.until)


def _billed_reads_apart(config: Config, period: Period) -> BilledReads:
    """`billed_reads` in a forked process, through a connection of its own: it needs no org
    chart, and for a large enterprise takes as long as loading one."""
    with open_store(config) as store:
        return billed_reads(store, period)


def billed_users(config: Config, org: Org, reads: BilledReads) -> BilledUsers:
    """`billed_usage` of what it read. Each login is taken for the user the run knows by it
    (`user_ids_of_logins`), and placed by the run's matching (users it has not seen matched
    by the same rules)."""
    billed, active = reads
    logins = org.users  # the users the store knows, seat holders included
    ids = user_ids_of_logins({login for login, user_id, *_ in billed.totals
                              if login and user_id is None}, logins)
    totals = []
    for login, user_id, *rest in billed.totals:
        if login and user_id is None:
            user_id = ids[login.casefold()]
        # a user the store knows goes by its display login, whatever the rows spell
        totals.append((logins[user_id][0] if user_id in logins else login, user_id, *rest))
    users = {(user_id, login) for login, user_id, *_ in totals if user_id is not None}
    person_of = users_matched(config, org, users)
    places: dict = {}
    holders = {user_id: holder_of(user_id, org.directory, person_of, places)
               for user_id, _ in users}
    return (billed._replace(totals=totals), holders,
            engaged_by_cost_center(org.directory, org.matching.person_of,
                                   active - org.excluded))


def window_activity(store: Store, until: int, terms: Terms) -> dict[int, int]:
    """`last_active` for a review that needs no more than whether each holder engaged in the
    window (its figures and candidates, not the days since each seat was last used): the
    window's active users, as if last active on `until`."""
    return dict.fromkeys(store.active_users(window_start(until, terms), until), until)


def held_seats(config: Config, store: Store, as_of: int, until: int, terms: Terms
               ) -> tuple[list[HeldSeat], dict[int, int], int | None] | None:
    """The seats merged per holder, each user's last active day up to `until`, and the day
    the seat list was taken (None for a seat CSV export); None without seat data."""
    dated = load_dated_seats(config, store, as_of)
    if dated is None:
        return None
    return merge_holders(dated[1], terms), store.last_active_days(until), dated[0]


def _held_seats_apart(config: Config, as_of: int, until: int, terms: Terms):
    """`held_seats` in a forked process, through a connection of its own."""
    with open_store(config) as store:
        return held_seats(config, store, as_of, until, terms)


def seat_history(config: Config, org: Org, until: int, holders_now: set[int]) -> SeatHistory:
    """The seats of each month of the trend up to `until`'s, from the stored snapshots, and
    what the reclaims proposed by the previous month's review saved: its candidates whose
    holder is not in `holders_now`, the user ids of this review's seats."""
    terms = Terms.from_config(config)
    months = trend_months(until)
    with open_store(config) as store:
        snapshots = store.snapshots_within(months)
        first = next((i for i, snapshot in enumerate(snapshots) if snapshot), len(months))
        plans = {i: store.snapshot_plans(snapshots[i][0])
                 for i in range(first, len(months)) if snapshots[i]}
        person_of = users_matched(config, org, ((user_id, login) for seats in plans.values()
                                                for user_id, login, _ in seats))
        placed = placements({user_id for seats in plans.values() for user_id, _, _ in seats
                             if user_id is not None}, org.directory, person_of)
        trend = [month_seats(month, snapshots[i] and snapshots[i][1], plans.get(i, ()),
                             placed, terms)
                 for i, month in enumerate(months) if i >= first]
        previous = len(months) - 2
        saved = None
        if previous in plans:
            # only the seats whose holder is gone can have been reclaimed: the review of
            # those is all the savings need, and a small part of a large enterprise's seats
            gone = [seat for seat in store.snapshot_seats(snapshots[previous][0])
                    if seat.user_id is not None and seat.user_id not in holders_now]
            review = previous_review(store, org.directory, person_of,
                                     merge_holders(gone, terms), months[previous].until, terms)
            saved = reclaimed(review, months[previous], snapshots[previous][1], holders_now)
    return SeatHistory(trend, saved)


def users_matched(config: Config, org: Org, users: Iterable[tuple[int | None, str | None]]
                  ) -> Mapping[int, str]:
    """The run's matching, and the `(user_id, login)` users it has never seen (holders of
    earlier seat lists who have given their seat back and never engaged, logins of billed
    usage), matched by the same rules; excluded accounts stay unmatched."""
    unseen = {user_id: [login] for user_id, login in users
              if user_id is not None and login is not None and user_id not in org.users
              and user_id not in org.excluded
              and login.lower() not in org.directory.excluded_logins}
    if not unseen:
        return org.matching.person_of
    found = match_users(org.directory, unseen, match_email_local_part=config.get(
        "identity.match_email_local_part")).person_of
    return {**org.matching.person_of, **found}


def previous_review(store: Store, directory: Directory, person_of: Mapping[int, str],
                    held: list[HeldSeat], until: int, terms: Terms) -> Review:
    """The review of an earlier month's seats as this run's org chart sees them, for its
    candidates (`window_activity`)."""
    return review_held(held, directory, person_of, until=until,
                       last_active=window_activity(store, until, terms), terms=terms)


@dataclass
class LicensesResult:
    period: Period
    files: LicenseFiles
    review: Review
    spend: Spend

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
        # day, and summing the period's billed usage per user, each take as long as loading
        # the org chart: they are done on the side.
        seats = forked(lambda: _held_seats_apart(config, as_of, period.until, terms))
        reads = forked(lambda: _billed_reads_apart(config, period))
        org = rolled.org if rolled else Org.load(config, store, as_of)
    seats = seats()
    if seats is None:
        reads()
        raise ConfigError("no seat data: fetch the seats (github.seats: true), import a seat "
                          "list, or set seats.csv")
    read = reads()
    # placing the billed users in the org chart goes on beside the review
    billed = forked(lambda: billed_users(config, org, read))
    held, last_active, taken_on = seats
    holders_now = {seat.user_id for seat in held if seat.user_id is not None}
    history = forked(lambda: seat_history(config, org, period.until, holders_now))
    review = review_held(held, org.directory, org.matching.person_of, until=period.until,
                         last_active=last_active, terms=terms, taken_on=taken_on)
    spent = spend_of(config, period, review.cost_centers, review.enterprise, billed())
    files = write_license_files(
        review, spent, history(), cost_center_owners(org.directory), Look.from_config(config),
        folder.path,
        rows=config.get("licenses.pdf_rows"), per_cost_center=config.get(
            "licenses.per_cost_center"), export=export)
    return LicensesResult(period, files, review, spent)


def print_licenses_result(result: LicensesResult, out, err) -> None:
    e, currency = result.review.enterprise, result.review.terms.currency
    print(f"{counted(e.seats, 'seat')}, {e.monthly_cost:,.0f} {currency} a month at list "
          f"price; {e.inactive:,} not in use; {e.candidates:,} to reclaim, "
          f"{e.idle_cost:,.0f} {currency} a month", file=out)
    print(spend_line(result.spend), file=out)
    files = result.files
    for url in dict.fromkeys([*files.refused, *files.left_out]):
        left_out = ", and licenses.html leaves it out" if url in files.left_out else ""
        print(f"warning: the templates refer to {url}, which was not fetched: a document "
              f"reads only its own files{left_out}", file=err)
    for path in result.files.all:
        print(f"wrote {path}", file=out)


def spend_line(spent: Spend) -> str:
    """The spend of the period in a line: seats at list price, billed usage, and their total
    when they can be added up."""
    seats = f"seats {cents(spent.enterprise.seat_cost, spent.seat_currency)} at list price"
    if not spent.has_usage:
        return (f"spend of {spent.period.label()}: {seats}; no billed usage in the store for "
                "the period")
    total, currency = spent.source_total, spent.billed_currency
    line = (f"spend of {spent.period.label()}: {seats}; usage billed "
            f"{cents(total.net, currency)} net, {cents(total.gross, currency)} gross "
            f"({cents(spent.not_attributable.net, currency)} net not attributable)")
    if spent.comparable:
        return f"{line}; total {cents(spent.enterprise.total, spent.seat_currency)} " \
               "(seat list price + billed usage)"
    return f"{line}; not added up: two currencies"
