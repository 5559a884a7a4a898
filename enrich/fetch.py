"""`enrich fetch`: bring the store up to date from GitHub's API (SOURCES.md sections 1 to 4).

Only the days the store lacks are fetched: a day counts as had once a fetch or a complete
import covered it. Each day's files are downloaded, then imported through the same code as
`enrich import`, and the day is marked covered last: a crash or kill at any moment leaves
the day uncovered, and the next run fetches it again, its rows merging by OR without
duplicates. A day that fails is listed and the others are kept.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from enrich.config import Config
from enrich.dates import day_str, parse_day
from enrich.errors import ConfigError, ExitStatus
from enrich.importer import ImportSummary, import_paths
from enrich.logins import LoginBook
from enrich.progress import Progress
from enrich.sources.github import ExpiredLink, GitHubClient, GitHubError
from enrich.sources.parallel import ParsePool
from enrich.sources.records import records
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
#: answers that no other day would change: stop the fetch
_FATAL = {401, 403, 404, 422}


@dataclass
class FetchResult:
    #: days imported with rows, days that had none
    reported: list[int] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    #: day -> why it could not be fetched
    failed: dict[int, str] = field(default_factory=dict)
    #: days whose team memberships were stored (with or without any)
    team_days: list[int] = field(default_factory=list)
    rows: int = 0
    downloaded_bytes: int = 0
    seats: int | None = None

    @property
    def status(self) -> ExitStatus:
        return ExitStatus.PARTIAL_DATA if self.failed else ExitStatus.OK

    def as_json(self) -> dict:
        return {"reported": len(self.reported), "empty": len(self.empty),
                "failed": {day_str(d): why for d, why in sorted(self.failed.items())},
                "team_days": len(self.team_days),
                "rows": self.rows, "downloaded_bytes": self.downloaded_bytes,
                "seats": self.seats}


@dataclass(frozen=True)
class Scope:
    """The enterprise or the organization whose data is fetched."""

    kind: str  # "enterprises" | "orgs"
    slug: str

    @property
    def path(self) -> str:
        return f"/{self.kind}/{self.slug}"

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

    Days run from the oldest the API keeps (or `since`) to yesterday (or `until`)."""
    scope = Scope.of(config)
    source = config.get("github.source")
    with tempfile.TemporaryDirectory(prefix="enrich-fetch-") as folder, ParsePool() as pool:
        fetcher = _Fetcher(config, store, client, scope, Path(folder), pool, today)
        days = fetcher.wanted_days(source, refresh, since, until)
        team_days = (fetcher.wanted_days("usage-metrics", refresh, since, until, teams=True)
                     if wants_teams(config) else [])
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

    def wanted_days(self, source: str, refresh: int, since: int | None,
                    until: int | None, *, teams: bool = False) -> list[int]:
        """Days up to yesterday that the store lacks (engagement, or team memberships), from
        the oldest the API keeps."""
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
        covered = (self.store.teams_covered_days if teams else self.store.covered_days)(
            first, last)
        return [day for day in range(first, last + 1)
                if day not in covered or day > yesterday - refresh]

    # -- usage-metrics: one report a day, behind signed links ------------------------------

    def usage_metrics(self, days: list[int]) -> None:
        self._reports("users-1-day", days, self._import_engagement)

    def team_memberships(self, days: list[int]) -> None:
        self._reports("user-teams-1-day", days, self._import_teams)

    def _reports(self, report: str, days: list[int], store_day) -> None:
        endpoint = f"{self.scope.path}/copilot/metrics/reports/{report}"
        for day in days:
            if not self._server_down(day):
                self._one_day(day, lambda d=day: self._report_links(endpoint, d), store_day)

    def _report_links(self, endpoint: str, day: int) -> list[str]:
        body = self.client.get(endpoint, {"day": day_str(day)})
        links = (body or {}).get("download_links") or []
        if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
            raise GitHubError(f"GET {endpoint}?day={day_str(day)}: download_links is not a "
                              "list of links")
        return links

    # -- user-engagement: the seed API, one blob a day -------------------------------------

    def user_engagement(self, days: list[int]) -> None:
        if not days:
            return
        endpoint = f"{self.scope.path}/copilot/user-engagement"
        try:
            listed = self._blob_links(endpoint, days[0], days[-1])
        except GitHubError as exc:
            self._stop_if_fatal(exc)
            for day in days:
                self.result.failed[day] = exc.message
            return
        for day in days:
            if day not in listed:
                # inside a range GitHub answered for: no report means no engagement
                self._mark_empty(day)
            elif not self._server_down(day):
                self._one_day(day, lambda d=day: [self._blob_link(endpoint, listed, d)],
                              self._import_engagement)

    def _blob_link(self, endpoint: str, listed: dict[int, str | None], day: int) -> str:
        """The day's link as first listed; asked again when that one has been used (expired)."""
        url = listed.pop(day) if day in listed else self._blob_links(endpoint, day, day).get(day)
        if not url:
            raise GitHubError(f"GET {endpoint}: {day_str(day)} is listed without a blob_uri")
        return url

    def _blob_links(self, endpoint: str, since: int, until: int) -> dict[int, str | None]:
        body = self.client.get(endpoint, {"since": day_str(since), "until": day_str(until)})
        if not isinstance(body, list):
            raise GitHubError(f"GET {endpoint}: expected a list of {{date, blob_uri}}")
        listed = {}
        for entry in body:
            try:
                day = parse_day(entry["date"])
            except (TypeError, KeyError, ValueError):
                raise GitHubError(f"GET {endpoint}: an entry without a valid date: "
                                  f"{str(entry)[:80]}") from None
            listed[day] = entry.get("blob_uri") or None
        return listed

    # -- one day --------------------------------------------------------------------------

    def _one_day(self, day: int, links: Callable[[], list[str]],
                 store_day: Callable[[int, list[Path]], None]) -> None:
        """Download the day's files (asking for fresh links when they expire), and store
        them with `store_day`, which marks the day had last."""
        try:
            files = self._download_day(day, links)
        except GitHubError as exc:
            self._stop_if_fatal(exc)
            self._failures_in_a_row += 1
            self.result.failed[day] = exc.message
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
            self.result.failed[day] = summary.failed[0].error
        else:
            self.result.reported.append(day)
            self.result.rows += summary.total("read")

    def _import_teams(self, day: int, files: list[Path]) -> None:
        summary = self._import(files) if files else None
        if summary and summary.failed:
            self.result.failed[day] = summary.failed[0].error
            return
        with self.store.transaction():
            self.store.mark_teams_covered([day])
        self.result.team_days.append(day)

    def _download_day(self, day: int, links: Callable[[], list[str]]) -> list[Path]:
        renewals = 0
        while True:
            try:
                return self._download_all(day, links())
            except ExpiredLink:
                if renewals == LINK_RENEWALS:
                    raise
                renewals += 1
                log.info("links of %s expired: asking for fresh ones", day_str(day))

    def _download_all(self, day: int, urls: list[str]) -> list[Path]:
        """Every file of a day, or none: what was downloaded goes when a link fails."""
        files = []
        try:
            for i, url in enumerate(urls):
                path = self.folder / f"{day_str(day)}-{i}.json"
                self.result.downloaded_bytes += self.client.download(url, path)
                files.append(path)
        except BaseException:
            for path in files:
                path.unlink()
            raise
        return files

    def _import(self, files: list[Path], **options) -> ImportSummary:
        options.setdefault("seats_taken_on", self.today)
        return import_paths(self.store, files,
                            usage_rules=self.config.get("usage_metrics.features"),
                            pool=self.pool, logins=self.logins, **options)

    def _mark_empty(self, day: int) -> None:
        with self.store.transaction():
            self.store.mark_covered([day])
        self.result.empty.append(day)

    def _stop_if_fatal(self, exc: GitHubError) -> None:
        if exc.status in _FATAL:
            raise exc

    def _server_down(self, day: int) -> bool:
        if self._failures_in_a_row < FAILED_DAYS_IN_A_ROW:
            return False
        self.result.failed[day] = (f"not tried: the {FAILED_DAYS_IN_A_ROW} days before it "
                                   "failed")
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
        count = 0
        with open(path, "wb") as fh:
            for page in self.client.pages(f"{self.scope.path}/copilot/billing/seats"):
                fh.write(orjson.dumps(page) + b"\n")
                count += len(page.get("seats") or []) if isinstance(page, dict) else 0
        summary = self._import([path])
        if summary.failed:
            raise GitHubError(f"the seat list from GitHub is not valid: {summary.failed[0].error}")
        self.result.seats = count
