"""`enrich fetch` against a GitHub-like server on loopback: what lands in the store."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from conftest import seed_row
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
    monkeypatch.setenv("TEST_GITHUB_TOKEN", github.token)
    path = tmp_path / "enrich.yaml"
    path.write_text(f"github:\n  api_url: {github.api.url}\n  token_env: TEST_GITHUB_TOKEN\n"
                    f"  seats: false\n{settings}")
    return Config.load(path)


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
    assert result.stderr.startswith("Error: GET /enterprises/acme/copilot/metrics/reports/"
                                    "users-1-day?day=2026-01-01 answered 401 Unauthorized")
    assert "ghp_wrong" not in result.stderr + result.stdout

    monkeypatch.setenv("TEST_GITHUB_TOKEN", github.token)
    (tmp_path / "enrich.yaml").write_text(
        f"github:\n  api_url: {github.api.url}\n  enterprise: acme-typo\n"
        "  token_env: TEST_GITHUB_TOKEN\n")
    result = run_cli("fetch", "--since", "2026-01-01")
    assert result.status == ExitStatus.SOURCE_UNREACHABLE
    assert "answered 404 Not Found" in result.stderr.splitlines()[0]


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
