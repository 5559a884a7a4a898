"""`enrich fetch` of the billed usage (github.billing) against a GitHub-like server on
loopback: what lands in the store, how few requests it takes, and its faults."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest
from conftest import fetch_config
from fake_github import FakeGitHub, Reply

from enrich import job
from enrich.config import Config
from enrich.dates import Period, day_str, parse_day
from enrich.errors import ExitStatus
from enrich.sources.billing import NO_AMOUNTS, Amounts, from_nanos
from enrich.store import Store

TODAY = parse_day("2026-01-10")
SINCE = parse_day("2026-01-06")
D1, D2, D3 = "2026-01-06", "2026-01-07", "2026-01-08"
BILLING = "/enterprises/acme/settings/billing/premium_request/usage"


def seat(login: str, uid: int) -> dict:
    return {"assignee": {"login": login, "id": uid}, "organization": {"login": "acme-eng"},
            "plan_type": "business", "created_at": "2025-01-01T00:00:00Z"}


@pytest.fixture
def github():
    with FakeGitHub() as fake:
        fake.set_seats("enterprises", [seat("ada", 11), seat("bob", 12), seat("cy", 13)])
        fake.add_billing("premium_request", D1, "ada", "GPT-5", 10, "0.40", "0.40")
        fake.add_billing("premium_request", D1, "ada", "Claude Sonnet 4", 2.5, "0.10", "0.10")
        fake.add_billing("premium_request", D2, "bob", "GPT-5", 3, "0.12", "0")
        fake.add_billing("premium_request", D2, None, "GPT-5", 1, "0.04", "0")
        yield fake


def make_config(tmp_path, github, monkeypatch, scope="  enterprise: acme\n") -> Config:
    return fetch_config(tmp_path, github, monkeypatch, f"  billing: true\n{scope}")


@pytest.fixture
def config(tmp_path, github, monkeypatch):
    return make_config(tmp_path, github, monkeypatch)


def fetch(config, **options):
    waits = []
    result = job.fetch(config, today=TODAY, since=SINCE,
                       client_options={"sleep": waits.append, "now": lambda: 1_000_000.0},
                       **options)
    return result, waits


def stored(config) -> list[tuple]:
    """(day, login, gross, discount, net) of every row of the store, sorted; "" for no
    login."""
    with Store(config.get("store.path"), config.get("store.archive")):
        pass  # made, or migrated
    db = sqlite3.connect(config.get("store.path"))
    try:
        rows = db.execute("SELECT day, login, gross_nanos, discount_nanos, net_nanos "
                          "FROM billing_usage").fetchall()
    finally:
        db.close()
    return sorted((day_str(day), login or "", *map(from_nanos, amounts))
                  for day, login, *amounts in rows)


def billing_requests(github) -> list[dict]:
    return [seen.query for seen in github.api.requests if seen.path == BILLING]


EXPECTED = [(D1, "ada", *map(Decimal, ("0.1", "0.1", "0"))),
            (D1, "ada", *map(Decimal, ("0.4", "0.4", "0"))),
            (D2, "", *map(Decimal, ("0.04", "0", "0.04"))),
            (D2, "bob", *map(Decimal, ("0.12", "0", "0.12")))]


def test_12_6_billed_usage_is_stored_per_user_and_day_with_few_requests(config, github):
    result, _ = fetch(config)
    assert result.status == ExitStatus.OK
    assert [day_str(d) for d in result.billing.days] == [D1, D2, D3, "2026-01-09"]
    # the usage without a user is what the day's total has beyond its users' rows
    assert stored(config) == EXPECTED
    queries = billing_requests(github)
    # four day totals, a month report for each of the three seat holders, then only the
    # days with usage of the two logins with usage, until their month is found
    assert len(queries) == 4 + 3 + 1 + 2
    assert {"year": "2026", "month": "1", "user": "cy"} in queries
    assert not any(q.get("user") == "cy" and "day" in q for q in queries)
    assert result.billing.requests == len(queries)

    # a second run asks for nothing more; --refresh fetches days again, storing them once
    again, _ = fetch(config)
    assert again.billing.days == [] and len(billing_requests(github)) == len(queries)
    refreshed, _ = fetch(config, refresh=4)
    assert len(refreshed.billing.days) == 4
    assert stored(config) == EXPECTED


def test_12_6_the_billed_usage_of_an_organization(tmp_path, github, monkeypatch):
    config = make_config(tmp_path, github, monkeypatch, "  organization: acme-org\n")
    github.set_seats("orgs", github.seats["enterprises"])
    result, _ = fetch(config)
    assert result.status == ExitStatus.OK
    assert {seen.path for seen in github.api.requests if "billing/premium" in seen.path} == {
        "/organizations/acme-org/settings/billing/premium_request/usage"}
    assert stored(config) == EXPECTED


def test_12_6_a_billing_day_that_keeps_failing_is_listed_and_the_others_go_on(config, github):
    github.api.script(f"{BILLING}?year=2026&month=1&day=7", *[Reply(502, "bad gateway")] * 6)
    result, waits = fetch(config)
    assert result.status == ExitStatus.PARTIAL_DATA
    assert list(result.billing.failed) == [parse_day(D2)]
    assert "failed 6 times, last with 502 Bad Gateway" in result.billing.failed[parse_day(D2)]
    assert len(waits) == 5
    assert stored(config) == EXPECTED[:2]
    again, _ = fetch(config)
    assert [day_str(d) for d in again.billing.days] == [D2]
    assert stored(config) == EXPECTED


def test_12_6_a_user_report_that_fails_fails_its_month(config, github):
    target = f"{BILLING}?year=2026&month=1&user=bob"
    github.api.script(target, *[Reply(500, "oops")] * 6)
    result, _ = fetch(config)
    assert sorted(day_str(d) for d in result.billing.failed) == [D1, D2, D3, "2026-01-09"]
    assert "failed 6 times, last with 500 Internal Server Error" in result.billing.failed[
        parse_day(D1)]
    assert stored(config) == []


def test_12_6_billing_rate_limits_are_waited_out(config, github):
    day = f"{BILLING}?year=2026&month=1&day=6"
    limited = {"message": "API rate limit exceeded", "documentation_url": "x"}
    github.api.script(day, Reply(429, limited, {"retry-after": "7"}),
                      Reply(403, limited, {"x-ratelimit-remaining": "0",
                                           "x-ratelimit-reset": "1000030"}))
    result, waits = fetch(config)
    assert result.status == ExitStatus.OK
    assert waits == [7.0, 30.0]
    assert stored(config) == EXPECTED


@pytest.mark.parametrize(("status", "said"), [
    (401, "401 Unauthorized: Bad credentials"),
    (403, "403 Forbidden: No access to premium request usage."),
    (404, "404 Not Found"),
])
def test_12_6_a_billing_refusal_stops_the_fetch(config, github, run_cli, status, said):
    github.api.script(BILLING, Reply(status, {"message": {401: "Bad credentials",
                                                          403: "No access to premium request "
                                                               "usage.",
                                                          404: "Not Found"}[status]}))
    result = run_cli("--config", config.path, "fetch", "--since", D1, "--until", "2026-01-08")
    assert result.status == ExitStatus.SOURCE_UNREACHABLE
    assert ("Error: billed usage of 2026-01-06 to 2026-01-08 (3 days): not fetched: the fetch "
            f"stopped at {status}") in result.stderr
    assert f"Error: GET {BILLING}?year=2026&month=1&day=6 answered {said}\n" in result.stderr
    assert "Hint: " in result.stderr
    assert github.token not in result.stdout + result.stderr


def test_12_6_a_login_the_billing_report_does_not_know_has_no_usage(config, github):
    github.set_seats("enterprises", [*github.seats["enterprises"], seat("gone", 14)])
    github.api.script(f"{BILLING}?year=2026&month=1&user=gone",
                      Reply(404, {"message": "Not Found"}))
    result, _ = fetch(config)
    assert result.status == ExitStatus.OK
    assert result.billing.unknown_logins == 1
    assert stored(config) == EXPECTED


def test_12_6_an_answer_for_another_day_is_refused_not_stored(config, github):
    github.api.script(f"{BILLING}?year=2026&month=1&day=7",
                      Reply(200, {"timePeriod": {"year": 2026, "month": 1, "day": 8},
                                  "usageItems": [
                          {"product": "Copilot", "sku": "Copilot Premium Request",
                           "grossQuantity": 99, "grossAmount": 3.96, "discountAmount": 0,
                           "netAmount": 3.96}]}),
                      Reply(200, {"timePeriod": {"year": 2026, "month": 1, "day": 7},
                                  "usageItems": [{"sku": "x", "grossAmount": "1"}]}))
    result, _ = fetch(config)
    assert result.billing.failed == {parse_day(D2): (
        f"GET {BILLING}?year=2026&month=1&day=7 answered the usage of another period than "
        "the one asked for")}
    again, _ = fetch(config)
    assert again.billing.failed == {parse_day(D2): (
        f"GET {BILLING}?year=2026&month=1&day=7 answered usageItems[0] without "
        "grossQuantity")}
    assert stored(config) == EXPECTED[:2]


def test_12_5_fetched_usage_goes_to_people_and_its_rest_is_not_attributable(
        tmp_path, github, monkeypatch):
    (tmp_path / "org.yaml").write_text(
        "cost_centers: {CC-1: One}\nunits: [{id: u, name: U, cost_center: CC-1}]\n"
        "people: [{id: a, name: Ada, github: ada, unit: u}, {id: b, name: Bob, github: bob, "
        "unit: u}]\n")
    config = make_config(tmp_path, github, monkeypatch, "  enterprise: acme\ndirectory:\n"
                         "  sources: [{type: yaml, path: org.yaml}]\n")
    row = {"day": D1, "user_id": 11, "user_login": "ada", "enterprise_id": "7",
           "totals_by_feature": [], "used_agent": True}
    github.add_report("enterprises", "users-1-day", D1, json.dumps(row).encode() + b"\n")
    assert fetch(config)[0].status == ExitStatus.OK
    period = Period.of(D1, "2026-01-09")
    spent = job.licenses(config, period, as_of=TODAY, output=tmp_path / "out").spend
    assert spent.sources == ["premium-request usage report (API)"]
    (one, unmapped) = spent.cost_centers
    assert (one.id, one.usage, one.engaged) == ("CC-1", Amounts(
        Decimal("0.62"), Decimal("0.5"), Decimal("0.12")), 1)
    # cy holds a seat, is not in the org chart and used nothing
    assert (unmapped.id, unmapped.seats, unmapped.usage) == ("(unmapped)", 1, NO_AMOUNTS)
    assert spent.not_attributable == Amounts(Decimal("0.04"), Decimal("0"), Decimal("0.04"))
    assert spent.reconciles and spent.source_total.net == Decimal("0.16")
