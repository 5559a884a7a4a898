"""The HTTP layer against a GitHub-like server on loopback: headers, rate limits, retries,
downloads, the messages a user sees, and where the token and signed links never go."""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess

import pytest
import requests
from fake_github import RESET, TRUNCATE, FakeGitHub, Reply

from enrich.errors import ConfigError, ExitStatus
from enrich.sources.github import ExpiredLink, GitHubClient, GitHubError, redact

NOW = 1_800_000_000.0
ENGAGEMENT = "/enterprises/acme/copilot/user-engagement"
JANUARY = {"since": "2026-01-01", "until": "2026-01-28"}
SHOWN = f"{ENGAGEMENT}?since=2026-01-01&until=2026-01-28"
BLOB = b"".join(b'{"day": "2026-01-05T00:00:00.0000000Z", "login": "user%d"}\n' % i
                for i in range(3000))
FAILING_HINT = ("GitHub, its storage host or the network is in trouble, or the rate limit is "
                "used up (https://www.githubstatus.com); run again later: what was already "
                "fetched is kept")


@pytest.fixture
def github():
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def waits():
    """What the client slept, in seconds; it never really sleeps."""
    return []


@pytest.fixture
def client(github, waits):
    with GitHubClient(github.api.url, github.token, token_env="ENRICH_GITHUB_TOKEN",
                      sleep=waits.append, now=lambda: NOW) as client:
        yield client


def fresh_link(client, day="2026-01-05"):
    return {e["date"]: e["blob_uri"] for e in client.get(ENGAGEMENT, JANUARY)}[day]


def test_api_requests_carry_githubs_headers_and_the_token(github, client):
    github.add_engagement("2026-01-05", BLOB)
    entries = client.get(ENGAGEMENT, JANUARY)
    assert [e["date"] for e in entries] == ["2026-01-05"]
    headers = github.api.requests[0].headers
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    assert headers["user-agent"] == "enrich/0.1.0"
    assert headers["authorization"] == f"Bearer {github.token}"
    assert github.api.requests[0].query == JANUARY


def test_an_organization_day_without_data_is_none(client):
    assert client.get("/orgs/acme-org/copilot/metrics/reports/users-1-day",
                      {"day": "2026-01-05"}) is None


def test_429_waits_exactly_retry_after(github, client, waits):
    github.api.script(ENGAGEMENT, Reply(429, {"message": "slow down"}, {"Retry-After": "7"}))
    assert client.get(ENGAGEMENT, JANUARY) == []
    assert waits == [7.0]
    assert len(github.api.requests) == 2


def test_403_with_no_requests_left_waits_until_the_reset(github, client, waits):
    github.api.script(ENGAGEMENT, Reply(403, {"message": "API rate limit exceeded"}, {
        "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 90)}))
    assert client.get(ENGAGEMENT, JANUARY) == []
    assert waits == [90.0]


def test_a_rate_limit_that_does_not_say_when_waits_a_minute_then_backs_off(github, client,
                                                                          waits):
    secondary = Reply(403, {"message": "You have exceeded a secondary rate limit."})
    github.api.script(ENGAGEMENT, secondary, secondary, secondary)
    assert client.get(ENGAGEMENT, JANUARY) == []
    assert waits == [60.0, 120.0, 240.0]


def test_5xx_is_retried_with_growing_jittered_waits(github, client, waits):
    github.api.script(ENGAGEMENT, Reply(500), Reply(500))
    assert client.get(ENGAGEMENT, JANUARY) == []
    assert len(github.api.requests) == 3
    assert 1 <= waits[0] < 2 <= waits[1] < 4


def test_an_api_answer_cut_short_is_retried(github, client, waits):
    github.api.script(ENGAGEMENT, Reply(200, [{"date": "2026-01-05"}] * 50, action=TRUNCATE),
                      Reply(200, [{"date": "2026-01-05"}] * 50, action=RESET))
    assert client.get(ENGAGEMENT, JANUARY) == []
    assert len(waits) == 2


def test_a_server_that_keeps_failing(github, client, waits):
    github.api.script(ENGAGEMENT, *[Reply(502)] * 6)
    with pytest.raises(GitHubError) as failure:
        client.get(ENGAGEMENT, JANUARY)
    assert str(failure.value) == f"GET {SHOWN} failed 6 times, last with 502 Bad Gateway"
    assert failure.value.hint == FAILING_HINT
    assert failure.value.status == 502
    assert failure.value.exit_status == ExitStatus.SOURCE_UNREACHABLE
    assert len(waits) == 5


def test_a_server_that_does_not_answer(waits):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with GitHubClient(f"http://127.0.0.1:{port}", "t", sleep=waits.append, max_tries=3) as c, \
            pytest.raises(GitHubError) as failure:
        c.get(ENGAGEMENT)
    assert str(failure.value) == f"GET {ENGAGEMENT} failed 3 times, last with a connection error"
    assert failure.value.status is None
    assert len(waits) == 2


def test_a_reset_and_a_truncated_download_are_retried(github, client, waits, tmp_path):
    path = github.add_engagement("2026-01-05", BLOB)
    github.storage.script(path, Reply(200, BLOB, action=RESET), Reply(200, BLOB, action=TRUNCATE))
    dest = tmp_path / "2026-01-05.json"
    assert client.download(fresh_link(client), dest) == len(BLOB)
    assert dest.read_bytes() == BLOB
    assert [p.name for p in tmp_path.iterdir()] == [dest.name]  # no partial file left
    assert len(waits) == 2
    assert len(github.storage.requests) == 3


def test_a_download_that_keeps_breaking_leaves_no_file(github, client, tmp_path):
    path = github.add_engagement("2026-01-05", BLOB)
    github.storage.script(path, *[Reply(200, BLOB, action=TRUNCATE)] * 6)
    link = fresh_link(client)
    with pytest.raises(GitHubError) as failure:
        client.download(link, tmp_path / "day.json")
    assert str(failure.value) == (f"GET {github.storage.url}{path}?<redacted> failed 6 times, "
                                  "last with a connection broken mid-body")
    assert list(tmp_path.iterdir()) == []


def test_an_expired_link_asks_for_fresh_links(github, client, waits, tmp_path):
    path = github.add_engagement("2026-01-05", BLOB)
    stale = fresh_link(client)
    github.storage.expire(path)
    with pytest.raises(ExpiredLink) as failure:
        client.download(stale, tmp_path / "day.json")
    assert str(failure.value) == (f"GET {github.storage.url}{path}?<redacted> answered "
                                  "403 Forbidden: the signed link has expired or is invalid")
    assert failure.value.hint == "ask the API for fresh links: fetch again"
    assert failure.value.exit_status == ExitStatus.SOURCE_UNREACHABLE
    assert waits == []
    assert client.download(fresh_link(client), tmp_path / "day.json") == len(BLOB)


def test_a_redirected_download_is_followed(github, client, tmp_path):
    path = github.add_engagement("2026-01-05", BLOB)
    github.storage.script("/moved.json", Reply(302, headers={"Location": fresh_link(client)}))
    assert client.download(f"{github.storage.url}/moved.json?sig=x", tmp_path / "d") == len(BLOB)
    assert github.storage.paths() == ["/moved.json", path]


def test_the_token_never_goes_to_the_storage_host(github, client, tmp_path):
    github.add_engagement("2026-01-05", BLOB)
    client.download(fresh_link(client), tmp_path / "day.json")
    assert [seen for seen in github.storage.requests if "authorization" in seen.headers] == []
    assert github.storage.requests[0].headers["user-agent"] == "enrich/0.1.0"


def test_the_fake_storage_fails_loudly_on_a_token(github):
    answer = requests.get(f"{github.storage.url}/any.json", headers={"Authorization": "x"})
    assert answer.status_code == 500
    assert github.storage.violations == ["Authorization header sent to the storage host: "
                                         "GET /any.json"]
    github.storage.violations.clear()  # seen: let the fixture end cleanly


def test_401_names_the_token_variable(github, waits):
    with GitHubClient(github.api.url, "wrong", token_env="ENRICH_GITHUB_TOKEN",
                      sleep=waits.append) as client, pytest.raises(GitHubError) as failure:
        client.get(ENGAGEMENT, JANUARY)
    assert str(failure.value) == f"GET {SHOWN} answered 401 Unauthorized: Bad credentials"
    assert failure.value.hint == ("the token in ENRICH_GITHUB_TOKEN is wrong, expired or "
                                  "revoked: create a new one and put it in ENRICH_GITHUB_TOKEN")
    assert failure.value.exit_status == ExitStatus.SOURCE_UNREACHABLE
    assert waits == []


def test_403_for_missing_scopes_is_not_a_rate_limit(github, client, waits):
    github.api.script(ENGAGEMENT, Reply(
        403, {"message": "Resource not accessible by personal access token"},
        {"x-ratelimit-remaining": "4999", "x-ratelimit-reset": str(int(NOW) + 900)}))
    with pytest.raises(GitHubError) as failure:
        client.get(ENGAGEMENT, JANUARY)
    assert str(failure.value) == (f"GET {SHOWN} answered 403 Forbidden: "
                                  "Resource not accessible by personal access token")
    assert failure.value.hint == (
        "the token needs the manage_billing:copilot or read:enterprise scope (read:org for an "
        "organization), and its owner must be an enterprise owner or billing manager (an "
        "organization owner for an organization)")
    assert failure.value.status == 403
    assert waits == []


def test_404_for_a_wrong_slug(github, client):
    with pytest.raises(GitHubError) as failure:
        client.get("/enterprises/acme-typo/copilot/user-engagement")
    assert str(failure.value) == ("GET /enterprises/acme-typo/copilot/user-engagement "
                                  "answered 404 Not Found")
    assert failure.value.hint == (
        f"check the enterprise or organization slug and api_url ({github.api.url}); GitHub "
        "also answers 404 when the token's owner may not see the enterprise, and a server may "
        "not offer this endpoint (user-engagement was closed on github.com on 2026-03-02: use "
        "the usage-metrics source)")
    assert failure.value.exit_status == ExitStatus.SOURCE_UNREACHABLE


def test_422_shows_githubs_message(client):
    with pytest.raises(GitHubError) as failure:
        client.get(ENGAGEMENT, {"since": "2026-02-01", "until": "2026-01-01"})
    assert str(failure.value) == (
        f"GET {ENGAGEMENT}?since=2026-02-01&until=2026-01-01 answered 422 Unprocessable "
        "Entity: The since date must be before the until date.")
    assert failure.value.hint == (
        "the dates are outside what the API keeps (user-engagement: at most 28 days back and "
        "up to yesterday; usage-metrics: from 2025-10-10, about a year back), or the Copilot "
        "metrics API policy is disabled: an enterprise owner can enable it in the "
        "enterprise's Copilot policies")


def test_an_answer_that_is_not_json_points_at_the_api_url(github, client):
    github.api.script(ENGAGEMENT, Reply(200, "<html>Sign in</html>"))
    with pytest.raises(GitHubError) as failure:
        client.get(ENGAGEMENT)
    assert str(failure.value) == f"GET {ENGAGEMENT} answered 200 OK with a body that is not JSON"
    assert failure.value.hint.startswith("check api_url: it must be GitHub's API")


@pytest.mark.parametrize("token", [None, ""])
def test_no_token(token):
    with pytest.raises(ConfigError) as failure:
        GitHubClient("https://api.github.com", token, token_env="ENRICH_GITHUB_TOKEN")
    assert str(failure.value) == ("the environment variable ENRICH_GITHUB_TOKEN is not set or "
                                  "empty; it must hold a GitHub token")
    assert failure.value.hint == (
        "create a personal access token (classic) with the manage_billing:copilot or "
        "read:enterprise scope (read:org for an organization) and export "
        "ENRICH_GITHUB_TOKEN=<token>")
    assert failure.value.exit_status == ExitStatus.BAD_CONFIG


def test_the_token_never_travels_unencrypted():
    with pytest.raises(ConfigError) as failure:
        GitHubClient("http://github.example.com/api/v3", "t")
    assert str(failure.value) == ("the API URL http://github.example.com/api/v3 does not "
                                  "start with https://")


def test_seats_follow_the_link_header_over_three_pages(github, client):
    seats = [{"assignee": {"login": f"user{i}", "id": i}} for i in range(250)]
    github.set_seats("orgs", seats)
    pages = list(client.pages("/orgs/acme-org/copilot/billing/seats"))
    assert [len(page["seats"]) for page in pages] == [100, 100, 50]
    assert [s for page in pages for s in page["seats"]] == seats
    assert [seen.query for seen in github.api.requests] == [
        {"per_page": "100"}, {"per_page": "100", "page": "2"}, {"per_page": "100", "page": "3"}]


def test_a_next_page_on_another_server_is_not_followed(github, client):
    github.api.script("/orgs/acme-org/copilot/billing/seats", Reply(
        200, {"total_seats": 1, "seats": []},
        {"Link": f'<{github.storage.url}/steal?token=1>; rel="next"'}))
    with pytest.raises(GitHubError) as failure:
        list(client.pages("/orgs/acme-org/copilot/billing/seats"))
    assert str(failure.value) == (
        "GET /orgs/acme-org/copilot/billing/seats?per_page=100: the next page is on another "
        f"server ({github.storage.url}/steal?<redacted>); not following it")
    assert github.storage.requests == []


def test_no_token_or_signature_in_logs_or_messages(github, client, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    path = github.add_engagement("2026-01-05", BLOB)
    github.storage.script(path, Reply(500), Reply(200, BLOB, action=RESET))
    github.api.script(ENGAGEMENT, Reply(502))
    link = fresh_link(client)
    client.download(link, tmp_path / "day.json")
    github.storage.expire(path)
    with pytest.raises(ExpiredLink) as expired:
        client.download(link, tmp_path / "day.json")
    signature = link.partition("?")[2]
    said = [caplog.text, str(expired.value), expired.value.hint]
    assert "?<redacted>" in caplog.text
    for text in said:
        assert github.token not in text
        assert signature not in text and "sig=" not in text


def test_redact_keeps_scheme_host_and_path():
    assert redact("https://u:p@blob.example.com:8443/r/1.json?sv=1&sig=abc#x") == \
        "https://blob.example.com:8443/r/1.json?<redacted>"
    assert redact("https://api.github.com/enterprises/acme") == \
        "https://api.github.com/enterprises/acme"


@pytest.fixture
def self_signed(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, context


def test_tls_is_verified_against_the_ca_bundle(self_signed, waits):
    cert, context = self_signed
    with FakeGitHub(ssl_context=context) as github:
        with GitHubClient(github.api.url, github.token, sleep=waits.append) as client, \
                pytest.raises(GitHubError) as failure:
            client.get(ENGAGEMENT)
        assert str(failure.value) == (f"GET {ENGAGEMENT}: the server's TLS certificate is "
                                      "not trusted")
        assert waits == []
        with GitHubClient(github.api.url, github.token, ca_bundle=cert) as client:
            assert client.get(ENGAGEMENT) == []


def test_11_7_pages_that_loop_are_not_followed(github, client):
    seats = "/orgs/acme-org/copilot/billing/seats"
    github.api.script(seats, Reply(200, {"total_seats": 1, "seats": []}, {
        "Link": f'<{github.api.url}{seats}?per_page=100>; rel="next"'}))
    with pytest.raises(GitHubError) as failure:
        list(client.pages(seats))
    assert str(failure.value) == (f"GET {seats}?per_page=100: the next page is one already "
                                  "read; not following the pages round in a loop")


def test_11_7_a_wait_of_more_than_an_hour_is_not_waited_out(github, client, waits):
    github.api.script(ENGAGEMENT, Reply(429, {"message": "slow down"},
                                        {"Retry-After": "999999999"}))
    with pytest.raises(GitHubError) as failure:
        client.get(ENGAGEMENT, JANUARY)
    assert str(failure.value) == (f"GET {SHOWN} answered 429 Too Many Requests (rate limited), "
                                  "asking to wait 999999999 s (more than 1 hour)")
    assert waits == []
