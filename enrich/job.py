"""The stages of the monthly job, callable with plain arguments (the CLI is a thin layer)."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from enrich import fetch as fetching
from enrich.config import Config
from enrich.dates import Period, day_str, to_date
from enrich.directory import check as directory_check
from enrich.directory.check import CheckReport
from enrich.directory.identity import Matching, match_users
from enrich.directory.model import Directory, directory_json
from enrich.directory.sources import load_directory
from enrich.errors import ConfigError, EnrichError, ExitStatus
from enrich.fetch import FetchResult
from enrich.importer import ImportSummary, expand_paths, import_paths
from enrich.licenses import HeldSeat, Review, Summary, Terms, merge_holders, review_held
from enrich.licenses import review as review_seats
from enrich.licenses.review import window_start
from enrich.mail import DeliveryReport, Outbox, Outgoing, SmtpSettings, send_all
from enrich.outputs.digest import build_digests
from enrich.outputs.digest_mail import Letterhead, build_message
from enrich.outputs.files import atomic_open, write_text
from enrich.outputs.license_files import LicenseFiles, write_license_files
from enrich.outputs.report import Options as ReportOptions
from enrich.outputs.report import build_report
from enrich.outputs.report_files import Look, ReportFiles, write_report
from enrich.outputs.rollup_files import cell as neutral_cell
from enrich.outputs.rollup_files import write_rollup
from enrich.processes import forked
from enrich.progress import Progress
from enrich.rollup import PeriodInput, Thresholds, compute_rollup
from enrich.rollup.inputs import EMPTY, MISSING, REPORTED
from enrich.rollup.people import segments_of_people
from enrich.rollup.trend import MonthAdoption, enterprise_adoption, trend_months
from enrich.sample import SampleSpec, write_sample
from enrich.sources.seat_csv import read_seat_csv, resolve_user_ids
from enrich.sources.seats import Seat
from enrich.store import Store


def open_store(config: Config) -> Store:
    return Store(config.get("store.path"), config.get("store.archive"))


def import_files(config: Config, paths, *, covers=None, skip_bad_rows=False, rejects=None,
                 seats_taken_on: int, progress: bool = False) -> ImportSummary:
    """`enrich import`: files and folders into the store."""
    paths = [Path(p) for p in paths]
    if rejects is None:
        rejects = config.get("output") / "rejects.jsonl"
    files = expand_paths(paths)
    with open_store(config) as store, Progress(
            "importing", len(files), enabled=None if progress else False, unit=" files") as bar:
        return import_paths(store, files, usage_rules=config.get("usage_metrics.features"),
                            skip_bad_rows=skip_bad_rows, rejects=rejects, covers=covers,
                            seats_taken_on=seats_taken_on, progress=bar)


def import_status(summary: ImportSummary) -> ExitStatus:
    if summary.failed:
        return ExitStatus.BAD_INPUT
    if summary.total("rejected"):
        return ExitStatus.PARTIAL_DATA
    return ExitStatus.OK


def print_import_summary(summary: ImportSummary, out, err) -> None:
    for f in summary.files:
        if f.status == "rejected":
            print(f"Error: {f.error}", file=err)
        elif f.status == "already imported":
            print(f"skipped   {f.path}: already imported", file=out)
        else:
            print(f"imported  {f.path} ({f.kind}): {f.read} read, {f.stored} stored, "
                  f"{f.merged} merged, {f.rejected} rejected", file=out)
    totals = {k: summary.total(k) for k in ("read", "stored", "merged", "rejected")}
    imported = sum(1 for f in summary.files if f.status == "imported")
    print(f"{imported} of {len(summary.files)} files imported; rows: {totals['read']} read, "
          f"{totals['stored']} stored, {totals['merged']} merged, "
          f"{totals['rejected']} rejected", file=out)
    if summary.failed:
        print(f"{len(summary.failed)} file(s) rejected: nothing from them was stored. Fix them, "
              "or import with --skip-bad-rows to store their good rows.", file=err)
        if summary.covers and summary.covered is None:
            print("--covers was not applied, since the files are not all imported.", file=err)
    if summary.rejects_file:
        print(f"bad rows written to {summary.rejects_file}", file=out)


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


def period_input(store: Store, period: Period, excluded: set[int] = frozenset()) -> PeriodInput:
    rows = store.engagement(period)
    if excluded:
        rows = (row for row in rows if row[0] not in excluded)
    return PeriodInput(period=period, features=store.feature_names(),
                       status=store.coverage(period), measured=store.measured(period),
                       rows=rows)


def load_org_chart(config: Config, store: Store) -> Directory:
    return load_directory(config.get("directory.sources"),
                          overrides=config.get("directory.overrides"), store=store)


def seat_holders(seats: list[tuple[int, str]] | None, directory: Directory,
                 matching: Matching) -> set[str] | None:
    """Person ids holding a seat: from the latest seat snapshot, else from the directory."""
    if seats is not None:
        return {matching.person_of[uid] for uid, _ in seats if uid in matching.person_of}
    if directory.has_seat_data():
        return {p.id for p in directory.people.values() if p.seat}
    return None


def identify(config: Config, store: Store, directory: Directory, seats):
    """Every GitHub user the store knows (engaged or seated), matched to the directory;
    and the user_ids of the excluded accounts (bots, service accounts)."""
    users = store.logins()
    for uid, login in seats or ():
        users.setdefault(uid, [login])
    excluded = {uid for uid, logins in users.items()
                if any(login.lower() in directory.excluded_logins for login in logins)}
    for uid in excluded:
        del users[uid]
    matching = match_users(directory, users, match_email_local_part=config.get(
        "identity.match_email_local_part"))
    return users, matching, excluded


@dataclass
class Org:
    """The org chart of a run, with every GitHub user the store knows matched to it."""

    directory: Directory
    #: user_id -> every login, the display login first
    users: dict[int, list[str]]
    matching: Matching
    #: user_ids of excluded accounts (bots, service accounts)
    excluded: set[int]
    #: person ids holding a seat; None without seat data
    holders: set[str] | None

    @classmethod
    def load(cls, config: Config, store: Store, as_of: int, *,
             keep_directory: bool = False) -> Org:
        """With `keep_directory` (a run of the monthly job), the org chart is kept in the
        store as a dated snapshot."""
        directory = load_org_chart(config, store)
        if keep_directory:
            store.add_directory_snapshot(as_of, directory.source, directory_json(directory))
        if config.get("seats.csv") is None:
            seats = store.seat_holders(as_of)
        else:
            seats = [(seat.user_id, seat.login) for seat in load_seats(config, store, as_of)
                     if seat.user_id is not None]
        users, matching, excluded = identify(config, store, directory, seats)
        return cls(directory, users, matching, excluded,
                   seat_holders(seats, directory, matching))

    def roll_up(self, config: Config, store: Store, period: Period) -> dict:
        return compute_rollup(
            self.directory, self.matching.person_of,
            {uid: logins[0] for uid, logins in self.users.items()},
            period_input(store, period, self.excluded),
            period_input(store, period.previous(), self.excluded),
            seat_holders=self.holders, thresholds=Thresholds.from_config(config),
            parallel=True)


def rollup(config: Config, period: Period, *, output: Path | None = None, as_of: int,
           keep_directory: bool = False) -> RollupResult:
    """`enrich rollup`: the per-unit metrics of a period, written as rollup files."""
    with open_store(config) as store:
        org = Org.load(config, store, as_of, keep_directory=keep_directory)
        result = org.roll_up(config, store, period)
    files = write_rollup(result, output or config.get("output"))
    return RollupResult(period, result, files, org)


def print_rollup_result(result: RollupResult, out) -> None:
    days = result.rollup["period"]["days"]
    print(f"period {result.period.label()}: {days['reported']} days reported, "
          f"{days['empty']} empty, {days['missing']} missing", file=out)
    if result.missing_days:
        print(f"missing days: {', '.join(result.missing_days)}", file=out)
    enterprise = next(u for u in result.rollup["units"] if u["dimension"] == "enterprise")
    rate = enterprise["adoption_rate"]
    print(f"enterprise: {enterprise['engaged']} engaged of {enterprise['population']} "
          f"({'n/a' if rate is None else f'{rate:.1%}'}); "
          f"{len(result.rollup['unmapped'])} unmatched logins", file=out)
    for path in result.files:
        print(f"wrote {path}", file=out)


def monthly_trend(store: Store, org: Org, period: Period, rolled_up: dict
                  ) -> list[MonthAdoption]:
    """Enterprise adoption for each month of the trend, from the first month with data.

    The period and the one before it come from the rollup; the other months are counted from
    who was active in them.
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
        else:
            active = store.active_users(month.since, month.until) - org.excluded
            engaged, population = enterprise_adoption(org.directory, org.matching.person_of,
                                                      active, org.holders)
        months.append(MonthAdoption(month, days, engaged, population))
    return months


def load_seats(config: Config, store: Store, as_of: int) -> list[Seat] | None:
    """The seats: the configured seat CSV export, else the latest seat list stored on or
    before `as_of`; None without either."""
    path = config.get("seats.csv")
    if path is not None:
        return resolve_user_ids(read_seat_csv(path, config.get("seats.columns")),
                                store.logins())
    snapshot = store.seat_snapshot(as_of)
    return snapshot[1] if snapshot else None


def license_review(config: Config, store: Store, org: Org, until: int, as_of: int
                   ) -> Review | None:
    """The license review of the seats (METRICS.md section 7), None without seat data."""
    seats = load_seats(config, store, as_of)
    if seats is None:
        return None
    return review_seats(seats, org.directory, org.matching.person_of, until=until,
                        last_active=store.last_active_days(until),
                        terms=Terms.from_config(config))


def _license_summary(config: Config, org: Org, until: int, as_of: int) -> Summary | None:
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


def _held_seats(config: Config, as_of: int, until: int, terms: Terms
                ) -> tuple[list[HeldSeat] | None, dict[int, int]]:
    """The seats merged per holder, and each user's last active day up to `until`."""
    with open_store(config) as store:
        seats = load_seats(config, store, as_of)
        if seats is None:
            return None, {}
        return merge_holders(seats, terms), store.last_active_days(until)


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
    with open_store(config) as store:
        # For a large enterprise, reading and merging the seats with everyone's last active
        # day takes as long as loading the org chart: it is done on the side.
        seats = forked(lambda: _held_seats(config, as_of, period.until, terms))
        org = rolled.org if rolled else Org.load(config, store, as_of)
    held, last_active = seats()
    if held is None:
        raise ConfigError("no seat data: fetch the seats (github.seats: true), import a seat "
                          "list, or set seats.csv")
    review = review_held(held, org.directory, org.matching.person_of, until=period.until,
                         last_active=last_active, terms=terms)
    files = write_license_files(
        review, Look.from_config(config), Path(output or config.get("output")),
        rows=config.get("licenses.pdf_rows"), per_cost_center=config.get(
            "licenses.per_cost_center"), export=export)
    return LicensesResult(period, files, review)


def print_licenses_result(result: LicensesResult, out, err) -> None:
    e, currency = result.review.enterprise, result.review.terms.currency
    print(f"{e.seats:,} seats, {e.monthly_cost:,.0f} {currency} a month; {e.inactive:,} not in "
          f"use; {e.candidates:,} to reclaim, {e.idle_cost:,.0f} {currency} a month", file=out)
    for url in result.files.refused:
        print(f"warning: the templates refer to {url}, which was not fetched: a document "
              "reads only its own files", file=err)
    for path in result.files.all:
        print(f"wrote {path}", file=out)


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
    with open_store(config) as store:
        org = rolled.org if rolled else Org.load(config, store, as_of)
        # the license summary is worked out on the side, while the rollup takes its time
        licenses = forked(lambda: _license_summary(config, org, period.until, as_of))
        rolled_up = rolled.rollup if rolled else org.roll_up(config, store, period)
        months = monthly_trend(store, org, period, rolled_up)
    licenses = licenses()
    content = build_report(rolled_up, period, months, ReportOptions.from_config(config),
                           licenses=licenses)
    files = write_report(content, Look.from_config(config), output or config.get("output"))
    return ReportResult(period, files, rolled_up["period"]["missing_days"])


def print_report_result(result: ReportResult, out, err) -> None:
    if result.missing_days:
        print(f"warning: the report of {result.period.label()} misses "
              f"{len(result.missing_days)} days of data: {', '.join(result.missing_days)}",
              file=err)
    for url in result.files.refused:
        print(f"warning: the templates refer to {url}, which was not fetched: a report reads "
              "only its own files", file=err)
    for path in (result.files.html, result.files.pdf, *result.files.csvs):
        print(f"wrote {path}", file=out)


@dataclass
class DigestResult:
    period: Period
    outbox: list[Path]
    missing_days: list[str]
    delivery: DeliveryReport | None = None

    @property
    def status(self) -> ExitStatus:
        statuses = [ExitStatus.PARTIAL_DATA if self.missing_days else ExitStatus.OK]
        if self.delivery is not None:
            statuses.append(self.delivery.status)
        return max(statuses)


def digest(config: Config, period: Period, *, as_of: int, output: Path | None = None,
           send: bool = False, resend: bool = False, rolled: RollupResult | None = None,
           sleep=time.sleep) -> DigestResult:
    """`enrich digest`: one e-mail per lead into the outbox; with `send`, through SMTP too,
    each recipient at most once per content (the ledger in the store)."""
    settings = SmtpSettings.from_config(config) if send else None  # before any work
    head = Letterhead.from_config(config, period.title())
    with open_store(config) as store:
        org = rolled.org if rolled else Org.load(config, store, as_of)
        rolled_up = rolled.rollup if rolled else org.roll_up(config, store, period)
        segments = segments_of_people(org.directory, org.matching.person_of,
                                      period_input(store, period, org.excluded),
                                      org.holders, Thresholds.from_config(config))
    letters = build_digests(org.directory, rolled_up, segments, config.get("digest.audience"))
    written = datetime(*to_date(as_of).timetuple()[:3], tzinfo=timezone.utc)
    outbox = Outbox(config.get("digest.outbox") or Path(output or config.get("output")) / "outbox")

    def messages():  # one at a time, into the outbox and on to the server
        for letter in letters:
            item = Outgoing(letter.recipient.address, letter.recipient.name,
                            *build_message(letter, head, written))
            outbox.add(item)
            yield item

    delivery = None
    if send:
        with open_store(config) as store:
            delivery = send_all(messages(), settings, store, period=period.label(),
                                resend=resend, sleep=sleep)
    else:
        deque(messages(), maxlen=0)
    return DigestResult(period, outbox.finish(), rolled_up["period"]["missing_days"],
                        delivery)


def print_digest_result(result: DigestResult, out, err) -> None:
    if result.missing_days:
        print(f"warning: {len(result.missing_days)} days of {result.period.label()} have no "
              "data; the digests say so", file=err)
    folder = result.outbox[0].parent if result.outbox else None
    print(f"wrote {len(result.outbox)} digests to {folder}" if folder else
          "no digest to write: nobody in the audience has an e-mail address", file=out)
    if result.delivery is not None:
        result.delivery.print_summary(out)


def fetch(config: Config, *, today: int, refresh: int = 0, since: int | None = None,
          until: int | None = None, progress: bool = False,
          client_options: dict | None = None) -> FetchResult:
    """`enrich fetch`: the days the store lacks, from GitHub's API, and the seats."""
    fetching.Scope.of(config)  # a configuration without one says so before anything else
    with open_store(config) as store, fetching.open_client(config, **(client_options or {})) \
            as client:
        return fetching.fetch(config, store, client, today=today, refresh=refresh, since=since,
                              until=until, progress=progress)


def print_fetch_result(result: FetchResult, out, err) -> None:
    print(f"fetched {len(result.reported)} days with engagement ({result.rows} rows, "
          f"{result.downloaded_bytes / 1e6:.1f} MB) and {len(result.empty)} days without",
          file=out)
    if result.seats is not None:
        print(f"stored a seat snapshot of {result.seats} seats", file=out)
    for day, why in sorted(result.failed.items()):
        print(f"Error: {day_str(day)}: {why}", file=err)
    if result.failed:
        print(f"{len(result.failed)} day(s) could not be fetched; the others are kept. Run "
              "`enrich fetch` again to fetch the missing days.", file=err)


def _fetch_stage(config, period, output, as_of, progress, state) -> dict:
    result = fetch(config, today=as_of, progress=progress)
    return {"stage": "fetch", "status": result.status.name.lower(), **result.as_json()}


def _import_stage(config, period, output, as_of, progress, state) -> dict:
    inbox = config.get("inbox")
    summary = import_files(config, [inbox] if inbox.exists() else [], seats_taken_on=as_of,
                           progress=progress, rejects=output / "rejects.jsonl")
    return {"stage": "import", "status": import_status(summary).name.lower(),
            **summary.as_json()}


def _rollup_stage(config, period, output, as_of, progress, state) -> dict:
    result = rollup(config, period, output=output, as_of=as_of, keep_directory=True)
    state["rollup"] = result
    return {"stage": "rollup", "status": result.status.name.lower(),
            "period": result.rollup["period"],
            "missing_days": result.missing_days, "files": [str(p) for p in result.files]}


def _digest_stage(config, period, output, as_of, progress, state) -> dict:
    result = digest(config, period, as_of=as_of, output=output, rolled=state.get("rollup"))
    return {"stage": "digest", "status": result.status.name.lower(),
            "messages": len(result.outbox),
            "outbox": str(result.outbox[0].parent) if result.outbox else None}


def _licenses_stage(config, period, output, as_of, progress, state) -> dict:
    result = licenses(config, period, as_of=as_of, output=output, rolled=state.get("rollup"))
    return {"stage": "licenses", "status": result.status.name.lower(),
            "files": [str(p) for p in result.files.all]}


def _report_stage(config, period, output, as_of, progress, state) -> dict:
    result = report(config, period, output=output, as_of=as_of, rolled=state.get("rollup"))
    files = result.files
    return {"stage": "report", "status": result.status.name.lower(),
            "files": [str(p) for p in (files.html, files.pdf, *files.csvs)],
            "refused_urls": len(files.refused)}


_STAGES = {"fetch": _fetch_stage, "import": _import_stage, "rollup": _rollup_stage,
           "report": _report_stage, "digest": _digest_stage, "licenses": _licenses_stage}


@dataclass
class RunResult:
    summary: dict
    path: Path
    status: ExitStatus


def run(config: Config, period: Period, *, output: Path | None = None, as_of: int,
        progress: bool = False) -> RunResult:
    """`enrich run`: the configured stages of the monthly job, then a run summary (JSON)."""
    output = Path(output or config.get("output"))
    stages: list[dict] = []
    state: dict = {}  # what a stage hands to the next: the rollup, for the report
    for stage in config.get("run.stages"):
        try:
            stages.append(_STAGES[stage](config, period, output, as_of, progress, state))
        except EnrichError as exc:
            # a failed stage is reported in the summary; the stages after it need its output
            stages.append({"stage": stage, "status": exc.exit_status.name.lower(),
                           "error": exc.message})
            break
    statuses = [ExitStatus[s["status"].upper()] for s in stages]
    worst = max(statuses, default=ExitStatus.OK)
    summary = {"period": period.as_json(), "status": worst.name.lower(), "stages": stages}
    path = output / "run-summary.json"
    write_text(path, json.dumps(summary, indent=2) + "\n")
    return RunResult(summary, path, worst)


def print_run_result(result: RunResult, out) -> None:
    for stage in result.summary["stages"]:
        print(f"{stage['stage']}: {stage['status']}", file=out)
    print(f"wrote {result.path}", file=out)


#: months of history in the demo: enough for a trend
DEMO_MONTHS = 6


def demo(folder: Path, *, month: str, seed: int = 7, people: int = 300, out=None,
         progress: bool = False) -> ExitStatus:
    """`enrich demo`: a sample enterprise written to `folder`, imported, rolled up and
    reported on.

    Deterministic for a seed and a month: the seat list counts as taken the day after the
    month, and the run happens that day.
    """
    folder = Path(folder)
    period = Period.month(month)
    spec = SampleSpec(last_month=month, people=people, seed=seed, months=DEMO_MONTHS)
    sample = write_sample(folder, spec)
    print(f"wrote a sample enterprise of {people} people to {folder}: {sample.org.name}, "
          f"{sample.seats.name}, {len(sample.engagement)} engagement files in "
          f"{sample.inbox.name}/", file=out)
    config = Config.load(sample.config)
    run_day = period.until + 1
    generated = spec.generated_days()
    summary = import_files(config, [sample.inbox, sample.seats],
                           covers=(generated[0], generated[-1]), seats_taken_on=run_day,
                           progress=progress)
    rows = sum(f.read for f in summary.files if f.kind != "seats")
    print(f"imported {rows} engagement rows from {len(sample.engagement)} files, and "
          "the seat list", file=out)
    result = rollup(config, period, as_of=run_day)
    print_rollup_result(result, out)
    made = report(config, period, as_of=run_day, rolled=result)
    print_report_result(made, out, out)
    digests = digest(config, period, as_of=run_day, rolled=result)
    print_digest_result(digests, out, out)
    reviewed = licenses(config, period, as_of=run_day, rolled=result, export=True)
    print_licenses_result(reviewed, out, out)
    return max(import_status(summary), result.status, made.status, digests.status,
               reviewed.status)


def check_directory(config: Config, *, today: int) -> tuple[CheckReport, Path]:
    """`enrich directory check`: the report, also written as a CSV in the output folder."""
    with open_store(config) as store:
        report = directory_check.check_directory(
            config.get("directory.sources"), config.get("directory.overrides"), store,
            today=today, match_email_local_part=config.get("identity.match_email_local_part"))
    path = config.get("output") / "directory-check.csv"
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(("severity", "kind", "subject", "detail"))
        writer.writerows((f.severity, f.kind, neutral_cell(f.subject), neutral_cell(f.detail))
                         for f in report.findings)
    return report, path


def print_directory_check(report: CheckReport, path: Path, out, err) -> None:
    for name, people, units in report.layers:
        print(f"{name}: {people} people, {units} units", file=out)
    if report.layers:
        print(f"after layering and overrides: {report.people} people, {report.units} units",
              file=out)
    for finding in report.errors:
        print(f"Error: {finding.detail}", file=err)
    warnings = Counter(f.kind for f in report.findings if f.severity == "warning")
    for kind, count in sorted(warnings.items()):
        print(f"warning: {count} {kind}", file=out)
    unmatched = [f for f in report.findings if f.kind == directory_check.UNMATCHED]
    for finding in unmatched[:10]:
        print(f"  {finding.subject}: {finding.detail}", file=out)
    if len(unmatched) > 10:
        print(f"  ... and {len(unmatched) - 10} more", file=out)
    print(f"wrote {path}", file=out)
