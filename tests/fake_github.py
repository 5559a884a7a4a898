"""A GitHub-like API server and a storage server for its signed links, on loopback, for tests.

    with FakeGitHub() as github:                    # both servers run until the block ends
        github.add_engagement("2026-01-05", blob_bytes)              # seed user-engagement
        github.add_report("orgs", "users-1-day", "2026-01-05", part1, part2)
        github.add_report("enterprises", "user-teams-1-day", "2026-01-05", teams)
        github.set_seats("enterprises", [seat, seat, ...])
        github.add_billing("premium_request", "2026-01-05", "ada", "GPT-5", 10, "0.4", "0.4")
        github.api.script("/enterprises/acme/copilot/user-engagement", Reply(500), Reply(500))
        github.storage.script("/blobs/2026-01-05-0.json", Reply(200, data, action=RESET))
        github.storage.expire("/blobs/2026-01-05-0.json")
        github.api.delay = github.storage.delay = 0.02   # seconds before each answer
        client = GitHubClient(github.api.url, github.token)
        ...
        github.api.requests        # every request seen: Seen(method, path, query, headers)

The API answers, for the enterprise `github.enterprise` ("acme") and the organization
`github.org` ("acme-org"); another slug or path gets 404, a wrong token 401:

- `GET /enterprises/{e}/copilot/user-engagement?since&until`: `[{date, blob_uri}]` for the
  days added with `add_engagement` in that range (422 when `since` is after `until`);
- `GET /{enterprises|orgs}/{slug}/copilot/metrics/reports/{users|user-teams}-1-day?day=`:
  `{download_links, report_day}`; a day without a report is 204 for an organization and an
  empty `download_links` for the enterprise;
- `GET /{enterprises|orgs}/{slug}/copilot/billing/seats?page&per_page`: `{total_seats, seats}`
  with a `Link` header (first, prev, next, last);
- `GET /{enterprises|organizations}/{slug}/settings/billing/{premium_request|ai_credit}/usage
  ?year&month&day&user`: the billed usage added with `add_billing`, summed per product, SKU
  and model over the period and the user asked for, as GitHub's billing usage reports are
  (`{timePeriod, enterprise|organization, user?, usageItems}`); a `user` that is in no
  billing row and holds no seat answers 404.

Every listing signs fresh links. The storage server serves blobs by path, only with a valid
signature (`?se=...&sig=...`, else 403, as does a link issued before `expire(path)`), and
fails the request (500) and records a violation whenever it sees an `Authorization` header;
leaving the `with` block raises AssertionError if there was any.

`server.script(target, *replies)` queues replies for a path (or an exact `path?query`): each
request to it takes the next one, and the normal answers resume when the queue is empty.
`Reply(status, body, headers, action)`: a body of bytes, text, or anything else as JSON;
`action=RESET` sends half the body then resets the connection, `action=TRUNCATE` sends half
the body under the full Content-Length then closes.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import ssl
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RESET = "reset"
TRUNCATE = "truncate"
DOCS = "https://docs.github.com/rest"


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: str | None = None

    def encoded(self) -> tuple[bytes | Path, str]:
        """The body to send and its content type."""
        if isinstance(self.body, bytes | Path):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json; charset=utf-8"


@dataclass
class Seen:
    """A request as the server received it; header names in lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    target: str


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 (a free port) answering with `respond(seen)`,
    unless a scripted reply is waiting for the path."""

    def __init__(self, respond: Callable[[Seen], Reply], *,
                 ssl_context: ssl.SSLContext | None = None):
        self._respond = respond
        self.requests: list[Seen] = []
        #: seconds to wait before answering, so that a test can stop a client mid-way
        self.delay = 0.0
        # deque.popleft is atomic, so handler threads need no lock to take scripted replies
        self._scripts: dict[str, deque[Reply]] = {}
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        if ssl_context:
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"
        # a short poll interval: stop() waits for the loop to notice, once per server
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,),
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def script(self, target: str, *replies: Reply) -> None:
        self._scripts.setdefault(target, deque()).extend(replies)

    def paths(self) -> list[str]:
        """The paths requested, in order."""
        return [seen.path for seen in self.requests]

    def reply_to(self, seen: Seen) -> Reply:
        for target in (seen.target, seen.path):
            queue = self._scripts.get(target)
            if queue:
                return queue.popleft()
        return self._respond(seen)


class Storage(FakeServer):
    """Blobs by path behind signed links, like a cloud storage host."""

    def __init__(self, **kwargs):
        super().__init__(self._serve_blob, **kwargs)
        self.blobs: dict[str, bytes | Path] = {}
        self.violations: list[str] = []
        self._links: dict[str, str] = {}  # signature -> path, while the link is valid
        #: every signature issued, for tests that check none is shown
        self.signatures: list[str] = []

    def put(self, path: str, data: bytes | Path) -> None:
        self.blobs[path] = data

    def sign(self, path: str) -> str:
        """A fresh signed link to `path`."""
        signature = secrets.token_urlsafe(16)
        self._links[signature] = path
        self.signatures.append(signature)
        return f"{self.url}{path}?sv=2023-01-03&se={int(time.time()) + 3600}&sp=r&sig={signature}"

    def expire(self, path: str) -> None:
        """Every link to `path` issued so far now answers 403; later links work."""
        self._links = {sig: p for sig, p in self._links.items() if p != path}

    def reply_to(self, seen: Seen) -> Reply:
        if "authorization" in seen.headers:
            self.violations.append(f"Authorization header sent to the storage host: "
                                   f"{seen.method} {seen.path}")
            return Reply(500, "a signed link must not get an Authorization header")
        return super().reply_to(seen)

    def _serve_blob(self, seen: Seen) -> Reply:
        if self._links.get(seen.query.get("sig", "")) != seen.path or "se" not in seen.query:
            return Reply(403, "<Error><Code>AuthenticationFailed</Code></Error>",
                         {"Content-Type": "application/xml"})
        if seen.path not in self.blobs:
            return Reply(404, "<Error><Code>BlobNotFound</Code></Error>",
                         {"Content-Type": "application/xml"})
        return Reply(200, self.blobs[seen.path])


_ROUTE = re.compile(r"/(?P<scope>enterprises|orgs)/(?P<slug>[^/]+)/copilot/(?P<endpoint>.+)")
_REPORTS = re.compile(r"metrics/reports/(?P<report>users-1-day|user-teams-1-day)")
_BILLING = re.compile(r"/(?P<scope>enterprises|organizations)/(?P<slug>[^/]+)/settings/billing/"
                      r"(?P<kind>premium_request|ai_credit)/usage")
NOT_FOUND = Reply(404, {"message": "Not Found", "documentation_url": DOCS})


class FakeGitHub:
    """The API and storage servers together; see the module's docstring."""

    def __init__(self, *, token: str = "ghp_fake_token_0123456789", enterprise: str = "acme",
                 org: str = "acme-org", ssl_context: ssl.SSLContext | None = None):
        self.token, self.enterprise, self.org = token, enterprise, org
        self.api = FakeServer(self._respond, ssl_context=ssl_context)
        self.storage = Storage(ssl_context=ssl_context)
        self.engagement: dict[str, str] = {}  # day -> blob path
        self.reports: dict[tuple[str, str, str], list[str]] = {}  # (scope, report, day) -> paths
        self.seats: dict[str, list[dict]] = {"enterprises": [], "orgs": []}
        #: (kind, day, login or None, product, sku, model, quantity, gross, discount, net)
        self.billing: list[tuple] = []

    def __enter__(self) -> FakeGitHub:
        self.api.start()
        self.storage.start()
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        self.api.stop()
        self.storage.stop()
        if exc_type is None and self.storage.violations:
            raise AssertionError("\n".join(self.storage.violations))

    def add_engagement(self, day: str, data: bytes | Path) -> str:
        """A user-engagement blob for `day`; returns its storage path."""
        path = f"/engagement/{day}.json"
        self.storage.put(path, data)
        self.engagement[day] = path
        return path

    def add_report(self, scope: str, report: str, day: str, *files: bytes | Path) -> list[str]:
        """A usage-metrics report (`users-1-day` or `user-teams-1-day`) of `scope`
        (`enterprises` or `orgs`) for `day`, one download link per file; returns the paths."""
        paths = [f"/reports/{scope}/{report}/{day}-{i}.json" for i in range(len(files))]
        for path, data in zip(paths, files, strict=True):
            self.storage.put(path, data)
        self.reports[(scope, report, day)] = paths
        return paths

    def set_seats(self, scope: str, seats: list[dict]) -> None:
        self.seats[scope] = seats

    def add_billing(self, kind: str, day: str, login: str | None, model: str, quantity,
                    gross: str, discount: str, *, product: str = "Copilot",
                    sku: str | None = None) -> None:
        """Billed usage of `kind` (`premium_request` or `ai_credit`) on `day` by `login`
        (None: no user); the net amount is gross less discount."""
        sku = sku or {"premium_request": "Copilot Premium Request",
                      "ai_credit": "Copilot AI Credits"}[kind]
        self.billing.append((kind, day, login, product, sku, model, Decimal(str(quantity)),
                             Decimal(gross), Decimal(discount),
                             Decimal(gross) - Decimal(discount)))

    def _respond(self, seen: Seen) -> Reply:
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"message": "Bad credentials", "documentation_url": DOCS})
        billing = _BILLING.fullmatch(seen.path)
        if billing:
            return self._billing(billing["scope"], billing["slug"], billing["kind"], seen.query)
        route = _ROUTE.fullmatch(seen.path)
        if not route or route["slug"] != {"enterprises": self.enterprise,
                                          "orgs": self.org}[route["scope"]]:
            return NOT_FOUND
        scope, endpoint = route["scope"], route["endpoint"]
        report = _REPORTS.fullmatch(endpoint)
        if endpoint == "user-engagement" and scope == "enterprises":
            return self._engagement(seen.query)
        if report:
            return self._report(scope, report["report"], seen.query.get("day", ""))
        if endpoint == "billing/seats":
            return self._seats(scope, seen)
        return NOT_FOUND

    def _engagement(self, query: dict[str, str]) -> Reply:
        since, until = query.get("since", ""), query.get("until", "9999-12-31")
        if since > until:
            return Reply(422, {"message": "The since date must be before the until date.",
                               "documentation_url": DOCS})
        return Reply(200, [{"date": day, "blob_uri": self.storage.sign(path)}
                           for day, path in sorted(self.engagement.items())
                           if since <= day <= until])

    def _report(self, scope: str, report: str, day: str) -> Reply:
        paths = self.reports.get((scope, report, day))
        if paths is None and scope == "orgs":
            return Reply(204)
        return Reply(200, {"download_links": [self.storage.sign(p) for p in paths or []],
                           "report_day": day})

    def _billing(self, scope: str, slug: str, kind: str, query: dict[str, str]) -> Reply:
        if slug != {"enterprises": self.enterprise, "organizations": self.org}[scope]:
            return NOT_FOUND
        period = {key: int(query[key]) for key in ("year", "month", "day") if key in query}
        user = query.get("user")
        known = {row[2].lower() for row in self.billing if row[2]} | {
            seat["assignee"]["login"].lower() for seats in self.seats.values() for seat in seats
            if seat.get("assignee")}
        if user is not None and user.lower() not in known:
            return NOT_FOUND
        prefix = "-".join(f"{period[key]:0{width}d}" for key, width in
                          (("year", 4), ("month", 2), ("day", 2)) if key in period)
        sums: dict[tuple, list[Decimal]] = {}
        for row in self.billing:
            if row[0] == kind and row[1].startswith(prefix) and (
                    user is None or (row[2] or "").lower() == user.lower()):
                totals = sums.setdefault(row[3:6], [Decimal(0)] * 4)
                for i, value in enumerate(row[6:]):
                    totals[i] += value
        items = [{"product": product, "sku": sku, "model": model,
                  "unitType": "requests" if kind == "premium_request" else "ai-credits",
                  "pricePerUnit": 0.04 if kind == "premium_request" else 0.01,
                  "grossQuantity": float(quantity), "grossAmount": float(gross),
                  "discountQuantity": 0.0, "discountAmount": float(discount),
                  "netQuantity": 0.0, "netAmount": float(net)}
                 for (product, sku, model), (quantity, gross, discount, net) in sums.items()]
        body = {"timePeriod": period,
                {"enterprises": "enterprise", "organizations": "organization"}[scope]: slug,
                **({"user": user} if user else {}), "usageItems": items}
        return Reply(200, body)

    def _seats(self, scope: str, seen: Seen) -> Reply:
        seats = self.seats[scope]
        per_page = min(int(seen.query.get("per_page", 50)), 100)
        page = int(seen.query.get("page", 1))
        last = max(1, -(-len(seats) // per_page))
        links = ([("first", 1), ("prev", page - 1)] if page > 1 else []) + (
            [("next", page + 1), ("last", last)] if page < last else [])
        header = ", ".join(f'<{self.api.url}{seen.path}?per_page={per_page}&page={n}>; '
                           f'rel="{rel}"' for rel, n in links)
        body = {"total_seats": len(seats),
                "seats": seats[(page - 1) * per_page:page * per_page]}
        return Reply(200, body, {"Link": header} if header else {})


class _HTTPServer(ThreadingHTTPServer):
    fake: FakeServer

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up is normal here (the tests reset connections)."""
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        split = urlsplit(self.path)
        seen = Seen("GET", split.path, dict(parse_qsl(split.query)),
                    {name.lower(): value for name, value in self.headers.items()}, self.path)
        fake = self.server.fake
        fake.requests.append(seen)
        time.sleep(fake.delay)
        self._send(fake.reply_to(seen))

    def _send(self, reply: Reply) -> None:
        body, content_type = reply.encoded()
        self.send_response(reply.status)
        size = body.stat().st_size if isinstance(body, Path) else len(body)
        if reply.status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(size))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if isinstance(body, Path):
            with body.open("rb") as file:
                shutil.copyfileobj(file, self.wfile)
        elif reply.action is None:
            self.wfile.write(body)
        else:
            self.wfile.write(body[:len(body) // 2])
            if reply.action == RESET:
                # linger 0: close() sends a TCP reset instead of an orderly end
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()

    def log_message(self, format, *args) -> None:
        """Quiet: the tests read `requests`, not the server's log."""
