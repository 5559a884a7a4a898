"""`enrich fetch` against a GitHub-like server on loopback: what lands in the store."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
from conftest import fetch_config, seed_row
from fake_github import FakeGitHub, Reply

from enrich import job
from enrich.config import Config
from enrich.dates import Period, day_str, parse_day
from enrich.errors import ExitStatus
from enrich.store import Store

TODAY = parse_day("2026-01-10")
D1, D2, D3 = "2026-01-06", "2026-01-07", "2026-01-08"
SINCE = parse_day("2026-01-05")


def usage_row(day, login, uid, *, org=None, **flags):
    row = {"day": day, "user_id": uid, "user_login": login, "enterprise_id": "7",
           "totals_by_feature": [], **{f"used_{k}": v for k, v in flags.items()}}
    if org:
        row["organization_id"] = org
    return row


def lines(*rows) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


@pytest.fixture
def github():
    with FakeGitHub() as fake:
        yield fake


def make_config(tmp_path, github, monkeypatch, settings="  enterprise: acme\n") -> Config:
    """A configuration fetching from the fake GitHub; `settings` are more `github:` lines."""
    return fetch_config(tmp_path, github, monkeypatch, f"  seats: false\n{settings}")


@pytest.fixture
def config(tmp_path, github, monkeypatch):
    return make_config(tmp_path, github, monkeypatch)


def fetch(config, **options):
    waits = []
    result = job.fetch(config, today=TODAY, since=options.pop("since", SINCE),
                       client_options={"sleep": waits.append}, **options)
    return result, waits


def stored(config, since=D1, until=D3):
    with Store(config.get("store.path"), config.get("store.archive")) as store:
        names = store.feature_names()
        rows = {(uid, day_str(day)): {names[i] for i in range(len(names)) if bits >> i & 1}
                for uid, day, bits in store.engagement(Period.of(since, until))}
        coverage = {day_str(d): s for d, s in store.coverage(Period.of(since, until)).items()}
    return rows, coverage


def test_usage_metrics_days_the_store_lacks_are_fetched_once(config, github):
    github.add_report("enterprises", "users-1-day", D1,
                      lines(usage_row(D1, "ada", 11, cli=True)),
                      lines(usage_row(D1, "bob", 12, agent=True)))
    github.add_report("enterprises", "users-1-day", D3, b"")  # a report with no rows
    result, _ = fetch(config)
    assert result.status == ExitStatus.OK
    assert [day_str(d) for d in result.reported] == [D1]
    assert [day_str(d) for d in result.empty] == ["2026-01-05", D2, D3, "2026-01-09"]
    rows, coverage = stored(config)
    assert rows == {(11, D1): {"cli"}, (12, D1): {"agent"}}
    assert coverage == {D1: "reported", D2: "empty", D3: "empty"}

    # a second run asks for nothing: every day is covered
    before = len(github.api.requests)
    again, _ = fetch(config)
    assert (again.reported, again.empty, len(github.api.requests)) == ([], [], before)

    # --refresh fetches the last days again, and their rows merge without duplicates
    refreshed, _ = fetch(config, refresh=4)
    assert [day_str(d) for d in refreshed.reported] == [D1]
    assert stored(config)[0] == rows


def test_an_organization_day_without_data_answers_204(tmp_path, github, monkeypatch):
    config = make_config(tmp_path, github, monkeypatch, "  organization: acme-org\n")
    github.add_report("orgs", "users-1-day", D2,
                      lines(usage_row(D2, "ada", 11, org=1, cli=True),
                            usage_row(D2, "ada", 11, org=2, agent=True)))
    result, _ = fetch(config)
    assert [day_str(d) for d in result.reported] == [D2]
    rows, coverage = stored(config)
    assert rows == {(11, D2): {"cli", "agent"}}  # one user in two organizations: one row
    assert coverage == {D1: "empty", D2: "reported", D3: "empty"}


def test_expired_links_are_cured_by_asking_for_fresh_ones(config, github):
    paths = github.add_report("enterprises", "users-1-day", D2,
                              lines(usage_row(D2, "ada", 11, cli=True)),
                              lines(usage_row(D2, "bob", 12, cli=True)))
    # the second link expires between the listing and its download
    github.storage.script(paths[1], Reply(403, "Signature expired"))
    result, _ = fetch(config)
    assert result.status == ExitStatus.OK
    assert stored(config)[0] == {(11, D2): {"cli"}, (12, D2): {"cli"}}
    day_requests = [r for r in github.api.requests if r.query.get("day") == D2]
    assert len(day_requests) == 2


def test_a_day_that_keeps_failing_is_listed_and_the_others_are_kept(config, github):
    github.add_report("enterprises", "users-1-day", D1, lines(usage_row(D1, "ada", 11, cli=True)))
    paths = github.add_report("enterprises", "users-1-day", D2,
                              lines(usage_row(D2, "bob", 12, cli=True)))
    github.add_report("enterprises", "users-1-day", D3, lines(usage_row(D3, "cy", 13, cli=True)))
    github.storage.script(paths[0], *[Reply(500, "storage trouble")] * 6)
    result, waits = fetch(config)
    assert result.status == ExitStatus.PARTIAL_DATA
    assert list(result.failed) == [parse_day(D2)]
    assert "failed 6 times, last with 500" in result.failed[parse_day(D2)]
    assert len(waits) == 5  # backed off between the tries, without really sleeping
    rows, coverage = stored(config)
    assert set(rows) == {(11, D1), (13, D3)}
    assert coverage == {D1: "reported", D2: "missing", D3: "reported"}
    # the next run fetches the missing day only
    again, _ = fetch(config)
    assert [day_str(d) for d in again.reported] == [D2]
    assert stored(config)[1][D2] == "reported"


def test_a_crash_in_the_middle_of_a_day_loses_nothing(config, github, monkeypatch):
    github.add_report("enterprises", "users-1-day", D1,
                      lines(usage_row(D1, "ada", 11, cli=True)),
                      lines(usage_row(D1, "bob", 12, agent=True)))
    real_import = job.fetching.import_paths

    def crash_after_first_file(store, files, **options):
        real_import(store, files[:1], **{**options, "covers": None})
        raise KeyboardInterrupt  # killed after the first file of the day was committed

    monkeypatch.setattr(job.fetching, "import_paths", crash_after_first_file)
    with pytest.raises(KeyboardInterrupt):
        fetch(config)
    assert stored(config)[1][D1] == "reported"  # rows, but the day is not covered yet
    monkeypatch.setattr(job.fetching, "import_paths", real_import)
    result, _ = fetch(config)
    assert parse_day(D1) in result.reported
    assert stored(config)[0] == {(11, D1): {"cli"}, (12, D1): {"agent"}}


def test_user_engagement_blobs_and_empty_days(tmp_path, github, monkeypatch):
    config = make_config(tmp_path, github, monkeypatch,
                         "  enterprise: acme\n  source: user-engagement\n")
    github.add_engagement(D1, lines(seed_row(D1, "ada", 11, "cli", "panel_chat")))
    blob = github.add_engagement(D3, lines(seed_row(D3, "bob", 12, "code_review")))
    github.storage.script(blob, Reply(403, "expired"))
    result, _ = fetch(config, since=parse_day(D1))
    assert result.status == ExitStatus.OK
    rows, coverage = stored(config)
    assert rows == {(11, D1): {"cli", "panel_chat"}, (12, D3): {"code_review"}}
    assert coverage == {D1: "reported", D2: "empty", D3: "reported"}
    listing = [r.query for r in github.api.requests]
    # one listing for the range, then a fresh link for the expired day; never past yesterday
    assert listing == [{"since": D1, "until": "2026-01-09"}, {"since": D3, "until": D3}]


def test_user_engagement_looks_28_days_back_at_most(tmp_path, github, monkeypatch):
    fetch(make_config(tmp_path, github, monkeypatch,
                      "  enterprise: acme\n  source: user-engagement\n"), since=None)
    assert github.api.requests[0].query == {"since": "2025-12-13", "until": "2026-01-09"}


SEAT = {"assignee": {"login": "ada", "id": 11}, "organization": {"login": "acme-eng"},
        "created_at": "2025-06-01T00:00:00Z", "plan_type": "enterprise"}


def test_seats_are_read_page_by_page_into_one_snapshot(config, github):
    seats = [dict(SEAT, assignee={"login": f"user{i}", "id": 100 + i}) for i in range(230)]
    seats.append(dict(SEAT, organization={"login": "acme-labs"}))  # ada under a second org
    seats.append(SEAT)
    github.set_seats("enterprises", seats)
    result, _ = fetch(config.with_values(github__seats=True))
    assert result.seats == 232
    pages = [r for r in github.api.requests if r.path.endswith("/billing/seats")]
    assert [r.query.get("page", "1") for r in pages] == ["1", "2", "3"]
    with Store(config.get("store.path"), config.get("store.archive")) as store:
        holders = store.seat_holders(TODAY)
    assert len(holders) == 232 and len(set(holders)) == 231


def test_no_token_wrong_token_and_wrong_slug(run_cli, tmp_path, github, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    monkeypatch.delenv("TEST_GITHUB_TOKEN", raising=False)
    (tmp_path / "enrich.yaml").write_text(
        f"github:\n  api_url: {github.api.url}\n  enterprise: acme\n"
        "  token_env: TEST_GITHUB_TOKEN\n")
    result = run_cli("fetch", "--since", "2026-01-01")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr.splitlines()[0] == (
        "Error: the environment variable TEST_GITHUB_TOKEN is not set or empty; it must hold "
        "a GitHub token")

    monkeypatch.setenv("TEST_GITHUB_TOKEN", "ghp_wrong")
    result = run_cli("fetch", "--since", "2026-01-01")
    assert result.status == ExitStatus.SOURCE_UNREACHABLE
    assert result.stderr.splitlines()[-2].startswith(
        "Error: GET /enterprises/acme/copilot/metrics/reports/users-1-day?day=2026-01-01 "
        "answered 401 Unauthorized")
    assert "ghp_wrong" not in result.stderr + result.stdout

    monkeypatch.setenv("TEST_GITHUB_TOKEN", github.token)
    (tmp_path / "enrich.yaml").write_text(
        f"github:\n  api_url: {github.api.url}\n  enterprise: acme-typo\n"
        "  token_env: TEST_GITHUB_TOKEN\n")
    result = run_cli("fetch", "--since", "2026-01-01")
    assert result.status == ExitStatus.SOURCE_UNREACHABLE
    assert "answered 404 Not Found" in result.stderr.splitlines()[-2]


def test_enterprise_or_organization_is_required(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    result = run_cli("fetch")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr == ("Error: set exactly one of github.enterprise and "
                             "github.organization\n")


def test_until_bounds_the_days_asked_for(config, github):
    fetch(config, since=parse_day(D1), until=parse_day(D2))
    assert [r.query["day"] for r in github.api.requests] == [D1, D2]


def team_row(day, login, uid, team, slug):
    return {"user_id": uid, "user_login": login, "day": day, "enterprise_id": 7,
            "team_id": team, "slug": slug}


def test_team_memberships_are_fetched_per_day_when_asked_for(config, github):
    github.add_report("enterprises", "user-teams-1-day", D1,
                      lines(team_row(D1, "ada", 11, 501, "platform"),
                            team_row(D1, "ada", 11, 502, "security"),
                            team_row(D1, "bob", 12, 501, "platform")))
    github.add_report("enterprises", "users-1-day", D1, lines(usage_row(D1, "ada", 11, cli=True)))
    result, _ = fetch(config.with_values(github__teams=True), since=parse_day(D1),
                      until=parse_day(D2))
    assert [day_str(d) for d in result.team_days] == [D1, D2]
    with Store(config.get("store.path"), config.get("store.archive")) as store:
        assert store.team_memberships(parse_day(D1)) == [
            (11, 501, "platform", None), (11, 502, "security", None), (12, 501, "platform", None)]
        assert store.teams_covered_days(parse_day(D1), parse_day(D3)) == {
            parse_day(D1), parse_day(D2)}
    # teams were not asked for again, nor engagement
    before = len(github.api.requests)
    fetch(config.with_values(github__teams=True), since=parse_day(D1), until=parse_day(D2))
    assert len(github.api.requests) == before


def test_run_fetches_then_rolls_up(run_cli, tmp_path, github, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    monkeypatch.setenv("TEST_GITHUB_TOKEN", github.token)
    (tmp_path / "org.yaml").write_text(
        "units: [{id: eng, name: Engineering}]\n"
        "people: [{id: e1, name: Ada, unit: eng, github: ada}]\n")
    (tmp_path / "enrich.yaml").write_text(
        f"github:\n  api_url: {github.api.url}\n  enterprise: acme\n"
        "  token_env: TEST_GITHUB_TOKEN\n  seats: false\n"
        "directory:\n  sources: [{type: yaml, path: org.yaml}]\n"
        "run:\n  stages: [fetch, rollup]\n")
    # the run is about the previous month, and fetches up to yesterday
    month = Period.previous_month_of(datetime.now(timezone.utc).date())
    day = day_str(month.since + 2)
    github.add_report("enterprises", "users-1-day", day,
                      lines(usage_row(day, "ada", 11, cli=True)))
    result = run_cli("run")
    summary = json.loads((tmp_path / "out" / "run-summary.json").read_text())
    assert [s["stage"] for s in summary["stages"]] == ["fetch", "rollup"]
    assert summary["stages"][0]["reported"] == 1
    assert summary["stages"][1]["period"]["days"] == {
        "reported": 1, "empty": len(month) - 1, "missing": 0}
    assert result.status == ExitStatus.OK


def test_team_memberships_are_fetched_when_the_org_chart_is_built_on_them(config):
    from enrich.fetch import wants_teams
    assert not wants_teams(config)
    assert wants_teams(config.with_values(github__teams=True))
    assert wants_teams(config.with_values(directory__sources=[{"type": "github_teams"}]))


# -- a day that fails is listed, the others go on; the summary is always printed -------------

REPORTS = "/enterprises/acme/copilot/metrics/reports/users-1-day"
SEATS_PATH = "/enterprises/acme/copilot/billing/seats"


@pytest.fixture
def three_days(github):
    """D1, D2 and D3 each with a report of one row, and two seats; returns D2's blob paths."""
    for day, login, uid in ((D1, "ada", 11), (D3, "cy", 13)):
        github.add_report("enterprises", "users-1-day", day,
                          lines(usage_row(day, login, uid, cli=True)))
    github.set_seats("enterprises", [SEAT, dict(SEAT, assignee={"login": "bob", "id": 12})])
    return github.add_report("enterprises", "users-1-day", D2,
                             lines(usage_row(D2, "bob", 12, cli=True)))


@pytest.fixture
def fetch_cli(run_cli, tmp_path, github, monkeypatch):
    """`enrich fetch` of D1 to D3 through the CLI, on TODAY, with seats; retries wait 0 s."""
    from enrich import cli
    from enrich.sources import github as client_module
    monkeypatch.setattr(cli, "today", lambda: TODAY)
    monkeypatch.setattr(client_module, "BACKOFF_SECONDS", 0.0)
    config = make_config(tmp_path, github, monkeypatch)
    config.path.write_text(config.path.read_text().replace("seats: false", "seats: true"))

    def run():
        result = run_cli("fetch", "--config", config.path, "--since", D1, "--until", D3)
        said = result.stdout + result.stderr
        assert "Traceback" not in said
        for signature in github.storage.signatures:
            assert signature not in said
        assert "sig=" not in said
        # the summary, without the log of retries and renewals
        result.stderr = "".join(line for line in result.stderr.splitlines(keepends=True)
                                if line.startswith(("Error: ", "Hint: ", *"0123456789")))
        return result

    run.config = config
    return run


def test_11_7_a_day_whose_links_keep_expiring_fails_alone(fetch_cli, github, three_days):
    github.storage.script(three_days[0], *[Reply(403, "Signature expired")] * 3)
    result = fetch_cli()
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.stdout == ("fetched 2 days with engagement (2 rows, 0.0 MB) and 0 days "
                             "without\nstored a seat snapshot of 2 seats\n")
    assert result.stderr == (
        f"Error: {D2}: GET {github.storage.url}{three_days[0]}?<redacted> answered 403 "
        "Forbidden: the signed link has expired or is invalid, and so did the fresh links "
        "asked for 2 times\n"
        "1 day could not be fetched; the others are kept. Run `enrich fetch` again to "
        "fetch the missing days.\n")
    assert stored(fetch_cli.config)[1] == {D1: "reported", D2: "missing", D3: "reported"}


def redirect_loop(github, path):
    """Replies that send every request for `path` back to itself."""
    return [Reply(302, headers={"Location": f"{github.storage.url}{path}?sig=again"})] * 40


# each bad answer to D2: where it is scripted, the reply (a function of the fake GitHub and
# D2's blob path), and how the day's error reads after "Error: 2026-01-07: "
BAD_ANSWERS = {
    "a JSON list for an object": (
        "api", lambda g, blob: Reply(200, [{"download_links": []}]),
        f"GET {REPORTS}?day={D2} answered a list; expected an object with download_links"),
    "a body that is not JSON": (
        "api", lambda g, blob: Reply(200, "<html>Sign in</html>"),
        f"GET {REPORTS}?day={D2} answered 200 OK with a body that is not JSON"),
    "JSON nested too deep": (
        "api", lambda g, blob: Reply(200, b"[" * 5000 + b"]" * 5000),
        f"GET {REPORTS}?day={D2} answered 200 OK with a body that is not JSON"),
    "no download_links": (
        "api", lambda g, blob: Reply(200, {"report_day": D2}),
        f"GET {REPORTS}?day={D2} answered an object without download_links"),
    "download_links that are not a list": (
        "api", lambda g, blob: Reply(200, {"download_links": g.storage.sign(blob)}),
        f"GET {REPORTS}?day={D2} answered download_links that are a string; expected a list "
        "of links"),
    "download_links holding a number": (
        "api", lambda g, blob: Reply(200, {"download_links": [g.storage.sign(blob), 7]}),
        f"GET {REPORTS}?day={D2} answered download_links holding a number; expected links"),
    "a huge body": (
        "api", lambda g, blob: Reply(200, b" " * (17 << 20)),
        f"GET {REPORTS}?day={D2} answered 200 OK with a body of more than 16 MB; GitHub's "
        "answers are far smaller"),
    "an API redirect loop": (
        "api", lambda g, blob: [Reply(302, headers={"Location": f"{g.api.url}{REPORTS}?day={D2}"})]
        * 40,
        f"GET {REPORTS}?day={D2}: redirected again and again (a redirect loop); not following "
        "it"),
    "a link of another scheme": (
        "api", lambda g, blob: Reply(200, {"download_links": [
            g.storage.sign(blob).replace("http://", "ftp://")]}),
        f"GET ftp://127.0.0.1:PORT{'{blob}'}?<redacted>: the download link is not an https:// "
        "link; not following it"),
    "a link that is no URL": (
        "api", lambda g, blob: Reply(200, {"download_links": ["http://[::1/x?sig=secret"]}),
        "GET <a link that is not a valid URL>: the download link is not an https:// link; "
        "not following it"),
    "a download redirect loop": (
        "storage", lambda g, blob: redirect_loop(g, blob),
        "GET STORAGE{blob}?<redacted>: redirected again and again (a redirect loop); not "
        "following it"),
    "a download redirected to another scheme": (
        "storage", lambda g, blob: Reply(302, headers={"Location": "ftp://127.0.0.1/x?sig=secret"}),
        "GET STORAGE{blob}?<redacted>: redirected to a link that is not http(s)://; not "
        "following it"),
    "a download that is not a report": (
        "storage", lambda g, blob: Reply(200, "<html>Sign in</html>"),
        "GET STORAGE{blob}?<redacted> answered a file that is not valid: line 1: invalid JSON: "
        "unexpected character, expected a JSON value"),
    "a download that is not there": (
        "storage", lambda g, blob: Reply(404, "<Error><Code>BlobNotFound</Code></Error>"),
        "GET STORAGE{blob}?<redacted> answered 404 Not Found"),
}


@pytest.mark.parametrize("case", BAD_ANSWERS)
def test_11_7_a_bad_answer_fails_its_day_with_a_clear_error(fetch_cli, github, three_days, case):
    where, reply, message = BAD_ANSWERS[case]
    replies = reply(github, three_days[0])
    replies = replies if isinstance(replies, list) else [replies]
    if where == "api":
        github.api.script(f"{REPORTS}?day={D2}", *replies)
    else:
        github.storage.script(three_days[0], *replies)
    result = fetch_cli()
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.stdout == ("fetched 2 days with engagement (2 rows, 0.0 MB) and 0 days "
                             "without\nstored a seat snapshot of 2 seats\n")
    expected = (message.replace("STORAGE", github.storage.url).replace("{blob}", three_days[0])
                .replace("127.0.0.1:PORT", github.storage.url.partition("//")[2]))
    assert result.stderr.splitlines()[0] == f"Error: {D2}: {expected}"
    assert len(result.stderr.splitlines()) == 2
    assert "secret" not in result.stderr


@pytest.mark.parametrize("answer, message", [
    ({"date": D2}, "answered a list; expected"),
    ([{"date": D2, "blob_uri": 7}], f"answered a blob_uri of {D2} that is a number; expected a "
                                    "link"),
    ([{"day": D2, "blob_uri": "https://x.example/b?sig=secret"}],
     "answered an entry without a valid date (an object whose date is null)"),
    (["https://x.example/b?sig=secret"],
     "answered an entry without a valid date (a string whose date is null)"),
])
def test_11_7_a_bad_user_engagement_listing_is_a_clear_error(
        tmp_path, github, monkeypatch, answer, message):
    config = make_config(tmp_path, github, monkeypatch,
                         "  enterprise: acme\n  source: user-engagement\n")
    if isinstance(answer, dict):
        message = "answered an object; expected a list of {date, blob_uri}"
    github.api.script("/enterprises/acme/copilot/user-engagement", Reply(200, answer))
    result, _ = fetch(config, since=parse_day(D1), until=parse_day(D3))
    assert result.status == ExitStatus.PARTIAL_DATA
    request = f"GET /enterprises/acme/copilot/user-engagement?since={D1}&until={D3}"
    assert set(result.failed.values()) == {f"{request} {message}"}
    assert len(result.failed) == 3


def test_11_7_seats_failing_for_good_still_list_the_days(fetch_cli, github, three_days):
    github.storage.script(three_days[0], *[Reply(500)] * 6)
    github.api.script(SEATS_PATH, *[Reply(500)] * 6)
    result = fetch_cli()
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.stdout == "fetched 2 days with engagement (2 rows, 0.0 MB) and 0 days without\n"
    assert result.stderr.splitlines() == [
        f"Error: {D2}: GET {github.storage.url}{three_days[0]}?<redacted> failed 6 times, last "
        "with 500 Internal Server Error",
        f"Error: seats: GET {SEATS_PATH}?per_page=100 failed 6 times, last with 500 Internal "
        "Server Error",
        "1 day could not be fetched; the others are kept. Run `enrich fetch` again to fetch "
        "the missing days."]


def test_11_7_a_refusal_of_the_seats_comes_after_the_summary(fetch_cli, github, three_days):
    github.storage.script(three_days[0], *[Reply(403, "expired")] * 3)
    github.api.script(SEATS_PATH, Reply(403, {"message": "Resource not accessible by personal "
                                                         "access token"}))
    result = fetch_cli()
    assert result.status == ExitStatus.SOURCE_UNREACHABLE
    assert result.stdout == "fetched 2 days with engagement (2 rows, 0.0 MB) and 0 days without\n"
    lines_ = result.stderr.splitlines()
    assert lines_[0].startswith(f"Error: {D2}: GET {github.storage.url}")
    assert lines_[1:4] == [
        "Error: seats: not fetched: the fetch stopped at 403 Forbidden",
        "1 day could not be fetched; the others are kept. The fetch stopped at this error:",
        f"Error: GET {SEATS_PATH}?per_page=100 answered 403 Forbidden: Resource not accessible "
        "by personal access token"]
    assert lines_[4].startswith("Hint: the token needs the manage_billing:copilot")


def test_11_7_a_refusal_lists_the_days_not_tried(fetch_cli, github, three_days):
    github.api.script(f"{REPORTS}?day={D2}", Reply(401, {"message": "Bad credentials"}))
    result = fetch_cli()
    assert result.status == ExitStatus.SOURCE_UNREACHABLE
    assert result.stdout == "fetched 1 day with engagement (1 row, 0.0 MB) and 0 days without\n"
    assert result.stderr.splitlines()[:4] == [
        f"Error: {D2} to {D3} (2 days): not fetched: the fetch stopped at 401 Unauthorized",
        "Error: seats: not fetched: the fetch stopped at 401 Unauthorized",
        "2 days could not be fetched; the others are kept. The fetch stopped at this error:",
        f"Error: GET {REPORTS}?day={D2} answered 401 Unauthorized: Bad credentials"]
    assert stored(fetch_cli.config)[1] == {D1: "reported", D2: "missing", D3: "missing"}


def test_11_7_three_days_failing_in_a_row_leave_the_rest_untried(config, github):
    for day in ("2026-01-05", D1, D2):
        github.api.script(f"{REPORTS}?day={day}", *[Reply(502)] * 6)
    result, _ = fetch(config, until=parse_day("2026-01-09"))
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.failed[parse_day(D3)] == "not tried: the 3 days before it failed"
    from enrich.job.inputs import _grouped
    assert _grouped(result.failed)[-1] == (f"{D3} to 2026-01-09 (2 days)",
                                           "not tried: the 3 days before it failed")


@pytest.mark.parametrize("page, why", [
    ([SEAT], "answered a list; expected an object with a list of seats"),
    ({"total_seats": 1, "seats": [{"assignee": {"login": "ada", "id": "eleven"}}]},
     "answered a file that is not valid: line 1: seats[0].assignee.id is 'eleven'; expected "
     "a positive integer"),
])
def test_11_7_a_seat_list_that_is_not_one_fails_the_seats_only(fetch_cli, github, three_days,
                                                               page, why):
    github.api.script(SEATS_PATH, Reply(200, page))
    result = fetch_cli()
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.stdout == ("fetched 3 days with engagement (3 rows, 0.0 MB) and 0 days "
                             "without\n")
    assert result.stderr == f"Error: seats: GET {SEATS_PATH} {why}\n"


def test_11_7_team_memberships_that_fail_are_listed_apart(config, github):
    github.add_report("enterprises", "users-1-day", D1, lines(usage_row(D1, "ada", 11, cli=True)))
    teams = github.add_report("enterprises", "user-teams-1-day", D1,
                              lines(team_row(D1, "ada", 11, 501, "platform")))
    github.storage.script(teams[0], *[Reply(403, "expired")] * 3)
    result, _ = fetch(config.with_values(github__teams=True), since=parse_day(D1),
                      until=parse_day(D1))
    assert result.status == ExitStatus.PARTIAL_DATA
    assert (result.reported, result.failed) == ([parse_day(D1)], {})
    assert list(result.teams_failed) == [parse_day(D1)]
    out, err = io.StringIO(), io.StringIO()
    job.print_fetch_result(result, out, err)
    assert err.getvalue().startswith(f"Error: team memberships of {D1}: GET {github.storage.url}")


def test_14_2_a_run_whose_fetch_stops_tells_what_the_fetch_command_tells(
        run_cli, tmp_path, github, monkeypatch):
    """The days not fetched, then the refusal and its hint, as `enrich fetch` prints them."""
    from enrich import cli
    monkeypatch.setattr(cli, "today", lambda: TODAY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    monkeypatch.setenv("TEST_GITHUB_TOKEN", "ghp_wrong")
    (tmp_path / "enrich.yaml").write_text(
        f"github:\n  api_url: {github.api.url}\n  enterprise: acme\n"
        "  token_env: TEST_GITHUB_TOKEN\n  seats: false\nrun:\n  stages: [fetch, rollup]\n")
    result = run_cli("run", "--month", "2025-12")
    assert result.status == ExitStatus.SOURCE_UNREACHABLE
    assert result.stdout.splitlines()[0] == "fetch: source_unreachable"
    told = result.stderr.splitlines()
    assert told[0] == ("Error: 2025-10-10 to 2026-01-09 (92 days): not fetched: the fetch "
                       "stopped at 401 Unauthorized")
    assert told[1] == ("92 days could not be fetched; the others are kept. The fetch stopped "
                       "at this error:")
    assert told[2].startswith(f"Error: GET {REPORTS}?day=2025-10-10 answered 401 Unauthorized")
    assert told[3].startswith("Hint: ")
    summary = json.loads((tmp_path / "out" / "run-summary.json").read_text())
    assert summary["stages"][0]["error"] == told[2][len("Error: "):]
