"""Talking to GitHub's REST API and to the storage host of its signed links (SOURCES.md 4).

`GitHubClient` sends API requests with the token, waits out rate limits, retries what is
transient (5xx answers, broken connections, truncated bodies) a bounded number of times, and
turns the rest into a `GitHubError` that names the request, the status and the likely fix.
Downloads go through a second session that never holds the token: a signed link carries its
own authorization, and a header set on a session would go with every request.

Exit statuses: every `GitHubError` (401, 403, 404, 422, a server that keeps failing, an
untrusted certificate) is `SOURCE_UNREACHABLE` (5), because `ExitStatus` defines it as a
source that "could not be reached or refused us", while `BAD_CONFIG` (3) is about the
configuration file, which was read fine. A missing token is found before any request, from
the environment variable the configuration names: that is a `ConfigError` (3). Callers that
keep the other days when one fails can tell errors apart by `GitHubError.status`, and
the storage host's answers (`DownloadError`) from the API's.

Answers are not trusted to be well formed: a link or redirect that cannot be followed, a
redirect loop, an API body too large or not JSON, pages that loop, a wait of more than an
hour all become a `GitHubError` naming the request, never a traceback, and never showing a
signed link's query string.
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson
import requests

from enrich import __version__
from enrich.errors import ConfigError, SourceUnreachable

log = logging.getLogger("enrich")

API_VERSION = "2022-11-28"
#: GitHub's largest page; fewer pages mean fewer requests against the rate limit
MAX_PER_PAGE = 100
#: seconds to connect, and to wait for the next bytes of an answer
TIMEOUT = (10, 120)
#: first wait after a 5xx answer or a broken connection, doubled on every further failure
BACKOFF_SECONDS = 1.0
#: a rate limit that does not say when it ends is waited out for at least this long
RATE_LIMIT_SECONDS = 60.0
CHUNK_BYTES = 1 << 20
#: the largest API answer read: a page of 100 seats is about 100 KB
MAX_API_BYTES = 16 << 20
#: a rate limit asking to wait longer than this is not waited out (GitHub's reset hourly)
MAX_WAIT_SECONDS = 3600.0
#: a connection that failed, timed out or broke before the end of the body
_NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout,
                   requests.exceptions.ChunkedEncodingError)
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
#: for an API answer that cannot be GitHub's
_NOT_GITHUB_HINT = ("check api_url: it must be GitHub's API (https://api.github.com, "
                    "https://api.SUBDOMAIN.ghe.com or https://HOST/api/v3)")

T = TypeVar("T")


class GitHubError(SourceUnreachable):
    """GitHub or its storage host refused a request or kept failing.

    The message names the method, the endpoint (signed links redacted) and the status;
    `status` is None when no answer came at all.
    """

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class DownloadError(GitHubError):
    """The storage host refused a signed link or kept failing, or the link is not one: this
    concerns the files of one day, never the API."""


#: API answers that no other request would change (token, scope, slug, policy): they stop
#: a fetch
_REFUSALS = {401, 403, 404, 422}


def refuses_everything(error: GitHubError) -> bool:
    """An API refusal stops a fetch; the storage host's answers concern one day's files."""
    return error.status in _REFUSALS and not isinstance(error, DownloadError)


class ExpiredLink(DownloadError):
    """The storage host refused a signed link (403): ask the API for fresh links."""


def redact(url: str) -> str:
    """`url` without the secrets it may carry: the query string and any user:password@."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a link that is not a valid URL>"
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" + ("?<redacted>" if parts.query else "")


def status_text(status: int | None) -> str:
    """`404 Not Found`, or the bare number of a status HTTP does not define."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


class _Transient(Exception):
    """A failure worth another try. `wait` is how long the server asked us to wait."""

    def __init__(self, reason: str, *, status: int | None = None, wait: float | None = None,
                 rate_limited: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.wait, self.rate_limited = reason, status, wait, rate_limited


class _Bearer(requests.auth.AuthBase):
    """The token, set per request. As a session's `auth` it also keeps requests from putting
    ~/.netrc credentials in its place, and unlike a header its repr never shows the token."""

    def __init__(self, token: str):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(<redacted>)"


def _anonymous(request):
    """The download session's `auth`: without one, requests would read ~/.netrc and could send
    credentials to the storage host."""
    return request


class _RedactQueryStrings(logging.Filter):
    """urllib3 logs every request line at debug level, signed query string included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_target(arg) for arg in record.args)
        return True


def _redact_target(value):
    if isinstance(value, str) and "?" in value:
        return value.partition("?")[0] + "?<redacted>"
    return value


def _redact_urllib3_logs() -> None:
    pool_log = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactQueryStrings) for f in pool_log.filters):
        pool_log.addFilter(_RedactQueryStrings())


class GitHubClient:
    """GitHub's REST API with a token, and downloads of signed links without it.

    `sleep` and `now` are injectable so tests wait for nothing; `max_tries` bounds the
    attempts at one request, whatever made them fail. Close it (or use `with`) when done.
    """

    def __init__(self, api_url: str, token: str | None, *, token_env: str = "GITHUB_TOKEN",
                 ca_bundle: str | os.PathLike | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.time, max_tries: int = 6,
                 user_agent: str = f"enrich/{__version__}"):
        if not token:
            raise ConfigError(
                f"the environment variable {token_env} is not set or empty; it must hold a "
                "GitHub token",
                hint=f"create a personal access token (classic) with the manage_billing:copilot "
                     f"or read:enterprise scope (read:org for an organization) and export "
                     f"{token_env}=<token>")
        self.api_url = checked_api_url(api_url)
        self.token_env = token_env
        self.max_tries = max(1, max_tries)
        self._sleep, self._now = sleep, now
        # a path, not True, so that REQUESTS_CA_BUNDLE cannot replace the configured bundle;
        # never False: verification is not something a setting can turn off
        self._verify = str(ca_bundle) if ca_bundle else True
        self._api = _session(user_agent, _Bearer(token))
        self._api.headers.update({"Accept": "application/vnd.github+json",
                                  "X-GitHub-Api-Version": API_VERSION})
        self._downloads = _session(user_agent, _anonymous)
        _redact_urllib3_logs()

    def close(self) -> None:
        self._api.close()
        self._downloads.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- the API

    def get(self, path: str, params: dict | None = None) -> Any:
        """The decoded JSON body of `GET {api_url}{path}`, or None for 204 No Content."""
        return self._api_get(self.api_url + path, params)[0]

    def pages(self, path: str, params: dict | None = None) -> Iterator[Any]:
        """The decoded body of every page, following the `Link` header's `rel="next"`."""
        url, params = self.api_url + path, {"per_page": MAX_PER_PAGE, **(params or {})}
        read = set()
        while url:
            body, response = self._api_get(url, params)
            read.add(response.url)
            yield body
            url, params = response.links.get("next", {}).get("url"), None
            if url and not url.startswith(self.api_url + "/"):
                # the token goes with every API request: never to a server we were not given
                raise GitHubError(f"GET {self._shown(response.url)}: the next page is on "
                                  f"another server ({redact(url)}); not following it")
            if url in read:
                raise GitHubError(f"GET {self._shown(response.url)}: the next page is one "
                                  "already read; not following the pages round in a loop")

    def _api_get(self, url: str, params: dict | None) -> tuple[Any, requests.Response]:
        def attempt():
            with self._send(self._api, url, params=params, stream=True) as response:
                body = self._api_body(response)
                self._check_api_answer(response, body)
                return body, response

        body, response = self._retrying(f"GET {self._shown(url, params)}", attempt)
        if response.status_code == HTTPStatus.NO_CONTENT:
            return None, response
        try:
            return orjson.loads(body), response
        except orjson.JSONDecodeError:
            raise GitHubError(
                f"GET {self._shown(response.url)} answered {status_text(response.status_code)} "
                "with a body that is not JSON", status=response.status_code,
                hint=_NOT_GITHUB_HINT) from None

    def _api_body(self, response: requests.Response) -> bytes:
        """The whole body of an API answer, refused beyond `MAX_API_BYTES`."""
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > MAX_API_BYTES:
            raise self._too_large(response)
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > MAX_API_BYTES:
                    raise self._too_large(response)
        except _NETWORK_ERRORS as exc:
            raise _Transient(_describe_network_error(exc)) from None
        _check_complete(response)
        return bytes(body)

    def _too_large(self, response: requests.Response) -> GitHubError:
        return GitHubError(
            f"GET {self._shown(response.url)} answered {status_text(response.status_code)} "
            f"with a body of more than {MAX_API_BYTES >> 20} MB; GitHub's answers are far "
            "smaller", status=response.status_code, hint=_NOT_GITHUB_HINT)

    def _check_api_answer(self, response: requests.Response, body: bytes) -> None:
        status = response.status_code
        if status < 400:
            return
        if _is_rate_limit(response, body):
            raise _Transient(f"{status_text(status)} (rate limited)", status=status,
                             wait=self._rate_limit_wait(response), rate_limited=True)
        if status >= 500:
            raise _Transient(status_text(status), status=status)
        said = _github_message(body)
        answered = f"GET {self._shown(response.url)} answered {status_text(status)}"
        # GitHub's message adds something unless it only repeats the status ("Not Found")
        if said and not answered.lower().endswith(said.lower()):
            answered += f": {said}"
        raise GitHubError(answered, status=status, hint=self._hint_for(status))

    def _rate_limit_wait(self, response: requests.Response) -> float | None:
        """Seconds the answer says to wait, or None when it does not say."""
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            return float(retry_after)
        reset = response.headers.get("x-ratelimit-reset", "")
        if response.headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            # at least a second: our clock may run ahead of GitHub's
            return max(float(reset) - self._now(), 1.0)
        return None

    def _hint_for(self, status: int) -> str | None:
        return {
            401: f"the token in {self.token_env} is wrong, expired or revoked: create a new "
                 f"one and put it in {self.token_env}",
            403: "the token needs the manage_billing:copilot or read:enterprise scope "
                 "(read:org for an organization), and its owner must be an enterprise owner "
                 "or billing manager (an organization owner for an organization)",
            404: f"check the enterprise or organization slug and api_url ({self.api_url}); "
                 "GitHub also answers 404 when the token's owner may not see the enterprise, "
                 "and a server may not offer this endpoint (user-engagement was closed on "
                 "github.com on 2026-03-02: use the usage-metrics source)",
            422: "the dates are outside what the API keeps (user-engagement: at most 28 days "
                 "back and up to yesterday; usage-metrics: from 2025-10-10, about a year "
                 "back), or the Copilot metrics API policy is disabled: an enterprise owner "
                 "can enable it in the enterprise's Copilot policies",
        }.get(status)

    # -- signed links

    def download(self, url: str, dest: Path) -> int:
        """Saves the body of a signed link as `dest`; returns its size in bytes.

        The body goes to a temporary file beside `dest`, renamed only once complete, so a
        crash never leaves half a file under the real name.
        """
        _check_link(url)

        def attempt():
            with self._send(self._downloads, url, stream=True, error=DownloadError) as response:
                _check_storage_answer(response)
                return _save_body(response, Path(dest))

        return self._retrying(f"GET {redact(url)}", attempt, error=DownloadError)

    # -- retries

    def _send(self, session: requests.Session, url: str, *, params: dict | None = None,
              stream: bool = False, error: type[GitHubError] = GitHubError) -> requests.Response:
        """One GET; a broken connection becomes a `_Transient`, any other failure an `error`
        that says what happened: requests' own text would show the signed URL."""
        try:
            response = session.get(url, params=params, stream=stream, timeout=TIMEOUT,
                                   verify=self._verify)
        except requests.exceptions.SSLError:
            # not transient: say what it means instead
            raise error(f"GET {self._shown(url, params)}: the server's TLS certificate "
                        "is not trusted",
                        hint="if the server uses a private certificate authority, set "
                             "ca_bundle to its PEM file") from None
        except _NETWORK_ERRORS as exc:
            raise _Transient(_describe_network_error(exc)) from None
        except requests.RequestException as exc:
            raise error(f"GET {self._shown(url, params)}: {_describe_request_error(exc)}") \
                from None
        log.debug("GET %s -> %s", self._shown(response.url), response.status_code)
        return response

    def _retrying(self, request: str, attempt: Callable[[], T], *,
                  error: type[GitHubError] = GitHubError) -> T:
        """`attempt()`, tried again after each `_Transient` failure, up to `max_tries` times."""
        for tries in range(1, self.max_tries + 1):
            try:
                return attempt()
            except _Transient as failure:
                last = failure
            if tries < self.max_tries:
                wait = self._wait_after(last, tries)
                if wait > MAX_WAIT_SECONDS:
                    raise error(f"{request} answered {last.reason}, asking to wait {wait:.0f} s "
                                f"(more than {MAX_WAIT_SECONDS / 3600:.0f} hour)",
                                status=last.status, hint="run again later: what was already "
                                                         "fetched is kept")
                log.info("%s: %s; trying again in %.0f s", request, last.reason, wait)
                self._sleep(wait)
        raise error(
            f"{request} failed {self.max_tries} times, last with {last.reason}",
            status=last.status,
            hint="GitHub, its storage host or the network is in trouble, or the rate limit is "
                 "used up (https://www.githubstatus.com); run again later: what was already "
                 "fetched is kept")

    def _wait_after(self, failure: _Transient, tries: int) -> float:
        if failure.wait is not None:
            return failure.wait
        if failure.rate_limited:
            return RATE_LIMIT_SECONDS * 2 ** (tries - 1)
        # jitter, so that parallel downloads hit by the same outage do not retry in step
        return BACKOFF_SECONDS * 2 ** (tries - 1) * (1 + random.random())

    def _shown(self, url: str, params: dict | None = None) -> str:
        """How a request's URL appears in messages: API paths with their (unsecret) query,
        anything else redacted."""
        if not url.startswith(self.api_url + "/"):
            return redact(url)
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, params)
        return prepared.url[len(self.api_url):]


def _session(user_agent: str, auth) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.auth = auth
    return session


def checked_api_url(api_url: str) -> str:
    parts = urlsplit(api_url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise ConfigError(f"the API URL {redact(api_url)} does not start with https://",
                          hint="the token must not travel unencrypted: use https://api.github.com,"
                               " https://api.SUBDOMAIN.ghe.com or https://HOST/api/v3")
    return api_url.rstrip("/")


def _is_rate_limit(response: requests.Response, body: bytes) -> bool:
    """429, or a 403 that says it is one: a 403 for missing scopes carries none of this."""
    if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
        return True
    headers = response.headers
    return response.status_code == HTTPStatus.FORBIDDEN and (
        "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"
        or "rate limit" in (_github_message(body) or "").lower())


def _github_message(body: bytes) -> str | None:
    """The `message` of GitHub's JSON error body, on one line and not too long."""
    try:
        message = orjson.loads(body).get("message")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return " ".join(message.split())[:300] if isinstance(message, str) else None


def _describe_network_error(exc: Exception) -> str:
    """Words for a failed connection; requests' own text would show the signed URL."""
    if isinstance(exc, requests.Timeout):
        return "a timeout"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "a connection broken mid-body"
    return "a connection error"


def _describe_request_error(exc: requests.RequestException) -> str:
    """Words for a request that could not be made or followed, without its URL."""
    if isinstance(exc, requests.TooManyRedirects):
        return "redirected again and again (a redirect loop); not following it"
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return "redirected to a link that is not http(s)://; not following it"
    if isinstance(exc, requests.exceptions.MissingSchema | requests.exceptions.InvalidURL):
        return "redirected to a link that is not a valid URL; not following it"
    return f"the request could not be made ({type(exc).__name__})"


def _check_link(url: str) -> None:
    """A download link must be https (http on this machine, for tests); anything else is not
    sent, since a signed link's query string is its password."""
    try:
        parts = urlsplit(url)
        sendable = bool(parts.hostname) and (
            parts.scheme == "https" or parts.scheme == "http" and parts.hostname in _LOOPBACK)
    except ValueError:
        sendable = False
    if not sendable:
        raise DownloadError(f"GET {redact(url)}: the download link is not an https:// link; "
                            "not following it")


def _check_storage_answer(response: requests.Response) -> None:
    status = response.status_code
    if status == HTTPStatus.FORBIDDEN:
        raise ExpiredLink(f"GET {redact(response.url)} answered {status_text(status)}: the "
                          "signed link has expired or is invalid", status=status,
                          hint="ask the API for fresh links: fetch again")
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500:
        retry_after = response.headers.get("retry-after", "")
        raise _Transient(status_text(status), status=status,
                         wait=float(retry_after) if retry_after.isdigit() else None)
    if status >= 400:
        raise DownloadError(f"GET {redact(response.url)} answered {status_text(status)}",
                            status=status, hint="ask the API for fresh links: fetch again")


def _save_body(response: requests.Response, dest: Path) -> int:
    """Streams the body into a temporary file beside `dest`, then renames it to `dest`."""
    fd, part = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                for chunk in response.iter_content(CHUNK_BYTES):
                    out.write(chunk)
            except _NETWORK_ERRORS as exc:
                raise _Transient(_describe_network_error(exc)) from None
            size = out.tell()
        _check_complete(response)
        os.replace(part, dest)
        return size
    except BaseException:
        os.unlink(part)
        raise


def _check_complete(response: requests.Response) -> None:
    """urllib3 1.x does not enforce Content-Length: compare the bytes that came over the wire
    (before any Content-Encoding is undone) with what the server announced."""
    announced = response.headers.get("Content-Length", "")
    received = response.raw.tell()
    if announced.isdigit() and received < int(announced):
        raise _Transient(f"a body truncated at {received} of {announced} bytes",
                         status=response.status_code)
