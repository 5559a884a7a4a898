"""`enrich fetch`: bring the store up to date from GitHub's API (SOURCES.md sections 1 to 4).

Only the days the store lacks are fetched: a day counts as had once a fetch or a complete
import covered it. Each day's files are downloaded, then imported through the same code as
`enrich import`, and the day is marked covered last: a crash or kill at any moment leaves
the day uncovered, and the next run fetches it again, its rows merging by OR without
duplicates.

A day that fails (a server that keeps failing, links that keep expiring, an answer that is
not what GitHub sends) is listed with its reason and the others go on. Only an API answer
that no other request would change (a wrong token, scope or slug) stops the fetch, and then
the days and the seats not fetched are listed as such.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from enrich.config import Config
from enrich.dates import day_str, parse_day
from enrich.errors import ConfigError, ExitStatus
from enrich.fetch_billing import BillingResult, fetch_billing
from enrich.importer import ImportSummary, import_paths
from enrich.logins import LoginBook
from enrich.outputs.files import atomic_open
from enrich.progress import Progress
from enrich.scratch import scratch_folder
from enrich.sources.billing import report_kind
from enrich.sources.github import (
    ExpiredLink,
    GitHubClient,
    GitHubError,
    redact,
    refuses_everything,
    status_text,
)
from enrich.sources.parallel import ParsePool
from enrich.sources.records import records
from enrich.sources.seats import is_seat_page
from enrich.store import Store

log = logging.getLogger("enrich")

#: the first day of the usage-metrics reports; they are kept about a year
USAGE_METRICS_START = parse_day("2025-10-10")
USAGE_METRICS_KEEP_DAYS = 365
#: the user-engagement API answers for at most this many days back
USER_ENGAGEMENT_DAYS = 28
#: fresh links asked for a day whose links expired before they were all downloaded
LINK_RENEWALS = 2
#: after this many days in a row fail, the server is taken to be down: the rest is not tried
FAILED_DAYS_IN_A_ROW = 3
@dataclass
class FetchResult:
    #: days imported with rows, days that had none
    reported: list[int] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    #: day -> why it could not be fetched (or was not tried)
    failed: dict[int, str] = field(default_factory=dict)
    #: days whose team memberships were stored (with or without any), and those that failed
    team_days: list[int] = field(default_factory=list)
    teams_failed: dict[int, str] = field(default_factory=dict)
    rows: int = 0
    downloaded_bytes: int = 0
    #: the seats stored, or why none were
    seats: int | None = None
    seats_failed: str | None = None
    #: the billed usage (`github.billing`): its days stored and failed
    billing: BillingResult = field(default_factory=lambda: BillingResult([], {}))
    #: the refusal that stopped the fetch
    stopped: GitHubError | None = None

    @property
    def status(self) -> ExitStatus:
        if self.stopped:
            return self.stopped.exit_status
        if self.failed or self.teams_failed or self.seats_failed or self.billing.failed:
            return ExitStatus.PARTIAL_DATA
        return ExitStatus.OK

    def as_json(self) -> dict:
        return {"reported": len(self.reported), "empty": len(self.empty),
                "failed": _by_day(self.failed),
                "team_days": len(self.team_days), "teams_failed": _by_day(self.teams_failed),
                "rows": self.rows, "downloaded_bytes": self.downloaded_bytes,
                "seats": self.seats, "seats_failed": self.seats_failed,
                "billing": {"days": len(self.billing.days),
                            "failed": _by_day(self.billing.failed),
                            "rows": self.billing.rows, "requests": self.billing.requests,
                            "unknown_logins": self.billing.unknown_logins},
                "stopped": self.stopped.message if self.stopped else None}


def _by_day(reasons: dict[int, str]) -> dict[str, str]:
    return {day_str(day): why for day, why in sorted(reasons.items())}


@dataclass(frozen=True)
class Scope:
    """The enterprise or the organization whose data is fetched."""

    kind: str  # "enterprises" | "orgs"
    slug: str

    @property
    def path(self) -> str:
        return f"/{self.kind}/{self.slug}"

    @property
    def billing_path(self) -> str:
        """Where its billing reports are: an organization's under `/organizations/`."""
        return f"/{'enterprises' if self.kind == 'enterprises' else 'organizations'}/{self.slug}"

    @classmethod
    def of(cls, config: Config) -> Scope:
        enterprise, org = config.get("github.enterprise"), config.get("github.organization")
        if bool(enterprise) == bool(org):
            raise ConfigError("set exactly one of github.enterprise and github.organization",
                              path=config.path)
        return cls("enterprises", enterprise) if enterprise else cls("orgs", org)


def wants_teams(config: Config) -> bool:
    """Team memberships are fetched when asked for, or when the org chart is built on them."""
    return config.get("github.teams") or any(
        source["type"] == "github_teams" for source in config.get("directory.sources"))


def open_client(config: Config, **options) -> GitHubClient:
    token_env = config.get("github.token_env")
    return GitHubClient(config.get("github.api_url"), os.environ.get(token_env),
                        token_env=token_env, ca_bundle=config.get("github.ca_bundle"),
                        **options)


def fetch(config: Config, store: Store, client: GitHubClient, *, today: int,
          refresh: int = 0, since: int | None = None, until: int | None = None,
          progress: bool = False) -> FetchResult:
    """Fetch the engagement days the store lacks (and the last `refresh` days), and seats.

    Days run from the oldest the API keeps (or `since`) to yesterday (or `until`). A day that
    fails is listed in the result; a refusal that concerns every request stops the fetch, and
    is the result's `stopped`."""
    scope = Scope.of(config)
    source = config.get("github.source")
    with scratch_folder(store) as folder, ParsePool() as pool:
        fetcher = _Fetcher(config, store, client, scope, folder, pool, today)
        days = fetcher.wanted_days(source, refresh, since, until)
        team_days = (fetcher.wanted_days("usage-metrics", refresh, since, until, teams=True)
                     if wants_teams(config) else [])
        billing_days = (fetcher.wanted_days("usage-metrics", refresh, since, until,
                                            billing=True)
                        if config.get("github.billing") else [])
        try:
            with Progress("fetching", len(days) + len(team_days),
                          enabled=None if progress else False, unit=" days") as bar:
                fetcher.progress = bar
                if source == "user-engagement":
                    fetcher.user_engagement(days)
                else:
                    fetcher.usage_metrics(days)
                fetcher.team_memberships(team_days)
            if config.get("github.seats"):
                fetcher.seats()
            fetcher.billing(billing_days, progress)
        except GitHubError as refusal:  # only refusals get this far
            fetcher.stop(refusal, days, team_days, billing_days,
                         seats=config.get("github.seats"))
    store.summarize_depth()  # of the months of every day fetched, once
    return fetcher.result


def _has_records(path: Path) -> bool:
    """Whether a downloaded report holds any row (GitHub may send an empty one)."""
    return any(not (isinstance(record, bytes) and not record.strip())
               for _, record in records(path))


class _Fetcher:
    def __init__(self, config: Config, store: Store, client: GitHubClient, scope: Scope,
                 folder: Path, pool: ParsePool, today: int):
        self.config, self.store, self.client, self.scope = config, store, client, scope
        self.folder, self.pool, self.today = folder, pool, today
        self.logins = LoginBook(store)
        self.result = FetchResult()
        self.progress: Progress | None = None
        self._failures_in_a_row = 0
        #: each downloaded file -> where it came from, as messages show it
        self._sources: dict[Path, str] = {}

    def wanted_days(self, source: str, refresh: int, since: int | None,
                    until: int | None, *, teams: bool = False,
                    billing: bool = False) -> list[int]:
        """Days up to yesterday that the store lacks (engagement, team memberships or billed
        usage), from the oldest the API keeps."""
        yesterday = self.today - 1
        last = yesterday if until is None else min(until, yesterday)
        if source == "user-engagement":
            if self.scope.kind != "enterprises":
                raise ConfigError("the user-engagement source needs github.enterprise: the "
                                  "API exists for enterprises only", path=self.config.path)
            oldest = self.today - USER_ENGAGEMENT_DAYS
        else:
            oldest = max(USAGE_METRICS_START, self.today - USAGE_METRICS_KEEP_DAYS)
        first = max(oldest, since) if since is not None else oldest
        if billing:
            covered = {day for kind in {report_kind(first), report_kind(last)}
                       for day in self.store.billing_days(kind, first, last)
                       if report_kind(day) == kind}
        else:
            covered = (self.store.teams_covered_days if teams else self.store.covered_days)(
                first, last)
        return [day for day in range(first, last + 1)
                if day not in covered or day > yesterday - refresh]

    # -- usage-metrics: one report a day, behind signed links ------------------------------

    def usage_metrics(self, days: list[int]) -> None:
        self._reports("users-1-day", days, self._import_engagement, self.result.failed)

    def team_memberships(self, days: list[int]) -> None:
        self._reports("user-teams-1-day", days, self._import_teams, self.result.teams_failed)

    def _reports(self, report: str, days: list[int], store_day, failed: dict[int, str]) -> None:
        endpoint = f"{self.scope.path}/copilot/metrics/reports/{report}"
        for day in days:
            if not self._server_down(day, failed):
                self._one_day(day, lambda d=day: self._report_links(endpoint, d), store_day,
                              failed)

    def _report_links(self, endpoint: str, day: int) -> list[str]:
        body = self.client.get(endpoint, {"day": day_str(day)})
        if body is None:  # 204 No Content: an organization's day without a report
            return []
        request = f"GET {endpoint}?day={day_str(day)}"
        if not isinstance(body, dict):
            raise GitHubError(f"{request} answered {_kind(body)}; expected an object with "
                              "download_links")
        if "download_links" not in body:
            raise GitHubError(f"{request} answered an object without download_links")
        links = body["download_links"]
        if not isinstance(links, list):
            raise GitHubError(f"{request} answered download_links that are {_kind(links)}; "
                              "expected a list of links")
        odd = [link for link in links if not isinstance(link, str)]
        if odd:
            raise GitHubError(f"{request} answered download_links holding {_kind(odd[0])}; "
                              "expected links")
        return links

    # -- user-engagement: the seed API, one blob a day -------------------------------------

    def user_engagement(self, days: list[int]) -> None:
        if not days:
            return
        endpoint = f"{self.scope.path}/copilot/user-engagement"
        try:
            listed = self._blob_links(endpoint, days[0], days[-1])
        except GitHubError as exc:
            self._stop_if_refused(exc)
            for day in days:
                self.result.failed[day] = exc.message
            return
        for day in days:
            if day not in listed:
                # inside a range GitHub answered for: no report means no engagement
                self._mark_empty(day)
            elif not self._server_down(day, self.result.failed):
                self._one_day(day, lambda d=day: [self._blob_link(endpoint, listed, d)],
                              self._import_engagement, self.result.failed)

    def _blob_link(self, endpoint: str, listed: dict[int, str | None], day: int) -> str:
        """The day's link as first listed; asked again when that one has been used (expired)."""
        url = listed.pop(day) if day in listed else self._blob_links(endpoint, day, day).get(day)
        if not url:
            raise GitHubError(f"GET {endpoint}: {day_str(day)} is listed without a blob_uri")
        return url

    def _blob_links(self, endpoint: str, since: int, until: int) -> dict[int, str | None]:
        body = self.client.get(endpoint, {"since": day_str(since), "until": day_str(until)})
        request = f"GET {endpoint}?since={day_str(since)}&until={day_str(until)}"
        if not isinstance(body, list):
            raise GitHubError(f"{request} answered {_kind(body)}; expected a list of "
                              "{date, blob_uri}")
        listed = {}
        for entry in body:
            # never shown whole: its blob_uri is a signed link
            date = entry.get("date") if isinstance(entry, dict) else None
            try:
                day = parse_day(date)
            except (TypeError, ValueError):
                raise GitHubError(f"{request} answered an entry without a valid date "
                                  f"({_kind(entry)} whose date is {_kind(date)})") from None
            link = entry.get("blob_uri")
            if link is not None and not isinstance(link, str):
                raise GitHubError(f"{request} answered a blob_uri of {date} that is "
                                  f"{_kind(link)}; expected a link")
            listed[day] = link or None
        return listed

    # -- one day --------------------------------------------------------------------------

    def _one_day(self, day: int, links: Callable[[], list[str]],
                 store_day: Callable[[int, list[Path]], None], failed: dict[int, str]) -> None:
        """Download the day's files (asking for fresh links when they expire), and store
        them with `store_day`, which marks the day had last; a failure goes to `failed`."""
        try:
            files = self._download_day(day, links)
        except GitHubError as exc:
            self._stop_if_refused(exc)
            self._failures_in_a_row += 1
            failed[day] = exc.message
            return
        finally:
            if self.progress:
                self.progress.advance(1, f"{self.result.downloaded_bytes / 1e6:.1f} MB")
        self._failures_in_a_row = 0
        try:
            store_day(day, [path for path in files if _has_records(path)])
        finally:
            for path in files:
                path.unlink()

    def _import_engagement(self, day: int, files: list[Path]) -> None:
        if not files:
            self._mark_empty(day)
            return
        summary = self._import(files, covers=(day, day))
        if summary.failed:
            self.result.failed[day] = self._refused_file(summary)
        else:
            self.result.reported.append(day)
            self.result.rows += summary.total("read")

    def _import_teams(self, day: int, files: list[Path]) -> None:
        summary = self._import(files) if files else None
        if summary and summary.failed:
            self.result.teams_failed[day] = self._refused_file(summary)
            return
        with self.store.transaction():
            self.store.mark_teams_covered([day])
        self.result.team_days.append(day)

    def _download_day(self, day: int, links: Callable[[], list[str]]) -> list[Path]:
        renewals = 0
        while True:
            try:
                return self._download_all(day, links())
            except ExpiredLink as exc:
                if renewals == LINK_RENEWALS:
                    raise ExpiredLink(f"{exc.message}, and so did the fresh links asked for "
                                      f"{LINK_RENEWALS} times", status=exc.status,
                                      hint=exc.hint) from None
                renewals += 1
                log.info("links of %s expired: asking for fresh ones", day_str(day))

    def _download_all(self, day: int, urls: list[str]) -> list[Path]:
        """Every file of a day, or none: what was downloaded goes when a link fails."""
        files = []
        try:
            for i, url in enumerate(urls):
                path = self.folder / f"{day_str(day)}-{i}.json"
                self._sources[path] = redact(url)
                self.result.downloaded_bytes += self.client.download(url, path)
                files.append(path)
        except BaseException:
            for path in files:
                path.unlink()
            raise
        return files

    def _import(self, files: list[Path], **options) -> ImportSummary:
        options.setdefault("seats_taken_on", self.today)
        options.setdefault("today", self.today)
        return import_paths(self.store, files,
                            usage_rules=self.config.get("usage_metrics.features"),
                            pool=self.pool, logins=self.logins, summarize=False, **options)

    def _refused_file(self, summary: ImportSummary) -> str:
        """Why the import refused a downloaded file, naming where it came from rather than
        the work file, gone by now."""
        refused = summary.failed[0]
        why = refused.error.removeprefix(str(refused.path)).lstrip(", :")
        return f"GET {self._sources[refused.path]} answered a file that is not valid: {why}"

    def _mark_empty(self, day: int) -> None:
        with self.store.transaction():
            self.store.mark_covered([day])
        self.result.empty.append(day)

    def _stop_if_refused(self, exc: GitHubError) -> None:
        if refuses_everything(exc):
            raise exc

    def stop(self, refusal: GitHubError, days: list[int], team_days: list[int],
             billing_days: list[int], *, seats: bool) -> None:
        """After a refusal, every day not fetched yet (the one refused among them) and the
        seats are listed as not fetched."""
        result = self.result
        result.stopped = refusal
        why = f"not fetched: the fetch stopped at {status_text(refusal.status)}"
        done = {*result.reported, *result.empty, *result.failed}
        for day in days:
            if day not in done:
                result.failed[day] = why
        for day in team_days:
            if day not in result.team_days:
                result.teams_failed.setdefault(day, why)
        if seats and result.seats is None:
            result.seats_failed = why
        for day in billing_days:
            if day not in result.billing.days:
                result.billing.failed.setdefault(day, why)

    def _server_down(self, day: int, failed: dict[int, str]) -> bool:
        if self._failures_in_a_row < FAILED_DAYS_IN_A_ROW:
            return False
        failed[day] = f"not tried: the {FAILED_DAYS_IN_A_ROW} days before it failed"
        if self.progress:
            self.progress.advance(1)
        return True

    # -- seats ----------------------------------------------------------------------------

    def seats(self) -> None:
        """Every page of the seat assignments, stored as one dated snapshot.

        All seat objects are kept, one per granting organization or team: the license review
        merges them per holder (METRICS.md section 7), and the rollup counts holders.
        """
        path = self.folder / "seats.json"
        self._sources[path] = f"{self.scope.path}/copilot/billing/seats"
        try:
            count = self._download_seats(path)
        except GitHubError as exc:
            self._stop_if_refused(exc)
            self.result.seats_failed = exc.message
            return
        summary = self._import([path])
        if summary.failed:
            self.result.seats_failed = self._refused_file(summary)
        else:
            self.result.seats = count

    def _download_seats(self, path: Path) -> int:
        endpoint = f"{self.scope.path}/copilot/billing/seats"
        count = 0
        with atomic_open(path, "wb") as fh:  # private: it holds logins
            for page in self.client.pages(endpoint):
                if not is_seat_page(page):
                    raise GitHubError(f"GET {endpoint} answered {_kind(page)}; expected an "
                                      "object with a list of seats")
                fh.write(orjson.dumps(page) + b"\n")
                count += len(page["seats"])
        return count


    # -- billed usage ---------------------------------------------------------------------

    def billing(self, days: list[int], progress: bool) -> None:
        """The billed usage of each day, per user (`enrich.fetch_billing`)."""
        if not days:
            return
        with Progress("fetching billed usage", len(days),
                      enabled=None if progress else False, unit=" days") as bar:
            fetch_billing(self.store, self.client, self.scope.billing_path, days,
                          self.billing_logins, self.result.billing,
                          advance=lambda: bar.advance(1))

    def billing_logins(self, first: int, last: int) -> list[str]:
        """Who may have used premium requests or AI credits on these days: the holders of
        the latest seat list, and the users engaged on them, by their current login."""
        names = {login.lower(): login for _, login in self.store.seat_holders(self.today) or ()
                 if login}
        logins = self.store.logins()
        for user_id in self.store.active_users(first, last):
            if logins.get(user_id):
                names.setdefault(logins[user_id][0].lower(), logins[user_id][0])
        return sorted(names.values(), key=str.lower)


_KINDS = ((bool, "true or false"), (dict, "an object"), (list, "a list"), (str, "a string"),
          (int | float, "a number"))


def _kind(value) -> str:
    """What a JSON value is, for a message: never the value, which may be a signed link."""
    return next((words for kind, words in _KINDS if isinstance(value, kind)), "null")
