"""The sample enterprise: well formed, deterministic, and showing what the reports must show.

The checks read the written files back with plain json/yaml and count on their own, so they do
not lean on the generator's internals.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from enrich.sample import SampleSpec, write_sample

ROOT = Path(__file__).resolve().parents[1]
SPEC = SampleSpec(last_month="2025-03", people=120, months=2, seed=11)
SEED_COLUMNS = {
    "cli", "code_completion", "code_review", "dotcom_chat", "inline_chat",
    "knowledge_base_chat", "mobile_chat", "panel_chat", "pull_request_summary",
}
DEPRECATED = {
    "docs_chat": "knowledge_base_chat", "ios_chat": "mobile_chat",
    "android_chat": "mobile_chat", "diff_chat": "pull_request_summary",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("sample"), SPEC)


@pytest.fixture(scope="module")
def org(sample):
    return yaml.safe_load(sample.org.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seats(sample):
    """The seat list's pages as one body: pages of at most 100 seats, as the API gives."""
    pages = json.loads(sample.seats.read_text())
    assert all(len(page["seats"]) <= 100 for page in pages)
    assert len({page["total_seats"] for page in pages}) == 1
    return {"total_seats": pages[0]["total_seats"],
            "seats": [seat for page in pages for seat in page["seats"]]}


def read_rows(path: Path) -> list[dict]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if path.suffix == ".json":
        return json.loads(data)
    return [json.loads(line) for line in data.splitlines()]


def features_of(row: dict) -> set[str]:
    """Engaged features of a row of either format (METRICS.md section 2)."""
    if "user_login" in row:
        by_feature = {entry["feature"]: entry for entry in row["totals_by_feature"]}
        engaged = {name for name, flag in (("cli", "used_cli"), ("agent", "used_agent"),
                                           ("code_review", "used_copilot_code_review_active"))
                   if row[flag]}
        if by_feature.get("code_completion", {}).get("code_acceptance_activity_count", 0):
            engaged.add("code_completion")
        if by_feature.get("chat_inline", {}).get("user_initiated_interaction_count", 0):
            engaged.add("inline_chat")
        if any(name.startswith("chat_panel_") and entry["user_initiated_interaction_count"]
               for name, entry in by_feature.items()):
            engaged.add("panel_chat")
        return engaged
    return {DEPRECATED.get(column[:-11], column[:-11]) for column, value in row.items()
            if column.endswith("_engagement") and value == 1}


def to_day(text: str) -> date:
    return date.fromisoformat(text[:10])


@pytest.fixture(scope="module")
def activity(sample):
    """(user_id, day) -> engaged features, and user_id -> logins seen."""
    engaged, logins = defaultdict(set), defaultdict(set)
    for path in sample.engagement:
        for row in read_rows(path):
            login = row.get("login") or row["user_login"]
            engaged[row["user_id"], to_day(row["day"])] |= features_of(row)
            logins[row["user_id"]].add((to_day(row["day"]), login))
    return engaged, logins


def emu(username: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "-", username) + "_acme"


def test_same_spec_gives_the_same_bytes(sample, tmp_path):
    again = write_sample(tmp_path, SPEC)
    first = {p.relative_to(sample.folder): p.read_bytes() for p in sample.folder.rglob("*")
             if p.is_file()}
    second = {p.relative_to(again.folder): p.read_bytes() for p in again.folder.rglob("*")
              if p.is_file()}
    assert first.keys() == second.keys()
    assert first == second


def test_config_is_the_demo_configuration(sample):
    assert sample.config.read_text() == (
        "company:\n  name: Acme Corporation\nstore:\n  path: enrich.db\ninbox: inbox\n"
        "output: out\ndirectory:\n  sources:\n    - type: yaml\n      path: org.yaml\n")


def test_org_chart_references_resolve(org):
    units = {unit["id"]: unit for unit in org["units"]}
    people = {person["id"]: person for person in org["people"]}
    assert org["emu_short_code"] == "acme"
    assert len(people) == SPEC.people
    for unit in units.values():
        assert unit["parent"] is None or unit["parent"] in units
        assert unit.get("cost_center") is None or unit["cost_center"] in org["cost_centers"]
        assert unit["lead"]["email"] in {person["email"] for person in people.values()}
    for person in people.values():
        assert person["unit"] in units
        assert person["manager"] is None or person["manager"] in people
        assert person.get("cost_center") is None or person["cost_center"] in org["cost_centers"]
        assert person["status"] in ("active", "left") and isinstance(person["seat"], bool)
    assert all(person_id in people for person_id in org["aliases"].values())
    assert len({person["email"] for person in people.values()}) == len(people)


def test_tree_is_three_levels_and_managers_form_one_tree(org):
    units = {unit["id"]: unit for unit in org["units"]}

    def depth(unit_id):
        return 1 if units[unit_id]["parent"] is None else 1 + depth(units[unit_id]["parent"])

    assert max(depth(unit_id) for unit_id in units) == 3
    managers = {person["id"]: person["manager"] for person in org["people"]}
    assert [person_id for person_id, boss in managers.items() if boss is None] == ["e1000"]
    for person_id in managers:
        seen = set()
        while person_id is not None:
            assert person_id not in seen, "management loop"
            seen.add(person_id)
            person_id = managers[person_id]


def test_logins_are_emu_normalized_usernames(org, seats):
    seated = {seat["assignee"]["login"] for seat in seats["seats"] if seat["assignee"]}
    aliased = set(org["aliases"].values())
    plain = [person for person in org["people"] if person["seat"] and "github" not in person
             and person["id"] not in aliased]
    assert all(emu(person["username"]) in seated for person in plain)
    usernames = [person["username"] for person in org["people"]]
    assert "zoë.brontë" in usernames and "jane.o'neil" in usernames
    assert emu("jane.o'neil") == "jane-o-neil_acme" and "jane-o-neil_acme" in seated
    assert any(not username.isascii() for username in usernames)
    assert sum("github" in person for person in org["people"]) >= 2
    assert len(org["aliases"]) == 2


def test_user_ids_are_distinct_and_one_user_was_renamed(activity, seats):
    _, logins = activity
    ids = [seat["assignee"]["id"] for seat in seats["seats"] if seat["assignee"]]
    assert all(10_000_000 <= user_id < 1_000_000_000 for user_id in ids)
    by_login = defaultdict(set)
    for user_id, seen in logins.items():
        for _, login in seen:
            by_login[login].add(user_id)
    assert all(len(user_ids) == 1 for user_ids in by_login.values())
    renamed = [seen for seen in logins.values() if len({login for _, login in seen}) == 2]
    assert len(renamed) == 1
    old = max(day for day, login in renamed[0] if login not in seated_logins(seats))
    new = min(day for day, login in renamed[0] if login in seated_logins(seats))
    assert old < new and old.month == 2


def seated_logins(seats) -> set[str]:
    return {seat["assignee"]["login"] for seat in seats["seats"] if seat["assignee"]}


def test_seed_rows_hold_only_zero_and_one(sample):
    for path in sample.engagement:
        if path.name.startswith("user-engagement-"):
            for row in read_rows(path):
                values = [v for k, v in row.items() if k.endswith("_engagement")]
                assert set(values) <= {0, 1} and 1 in values
                assert row["day"].endswith("T00:00:00.0000000Z")
    assert any(path.suffix == ".gz" for path in sample.engagement)


def test_one_early_day_uses_the_deprecated_columns(sample):
    deprecated = [path for path in sample.engagement
                  if "docs_chat_engagement" in read_rows(path)[0]]
    assert len(deprecated) == 1 and deprecated[0] == sample.engagement[0]
    columns = set(read_rows(deprecated[0])[0])
    assert {"ios_chat_engagement", "android_chat_engagement", "diff_chat_engagement",
            "custom_model_engagement"} <= columns
    assert not {"mobile_chat_engagement", "knowledge_base_chat_engagement",
                "pull_request_summary_engagement"} & columns


def usage_files(sample) -> list[Path]:
    return [path for path in sample.engagement if path.name.startswith("users-1-day-")]


def test_usage_metrics_days_close_the_last_month(sample):
    usage = usage_files(sample)
    # March 2025 has 21 weekdays: the usage-metrics reports from the middle on, at least half
    # of the reported days, so that the month measures depth of use (METRICS.md section 9)
    assert len(usage) == 11 and usage == list(sample.engagement[-11:])
    assert usage[0].name == "users-1-day-2025-03-17.json"
    assert [path.suffix for path in usage].count(".json") == 1
    fields = {"day", "user_id", "user_login", "enterprise_id", "used_cli", "used_agent",
              "used_chat", "used_copilot_code_review_active", "used_copilot_code_review_passive",
              "user_initiated_interaction_count", "code_generation_activity_count",
              "code_acceptance_activity_count", "totals_by_feature", "totals_by_ide"}
    for path in usage:
        for row in read_rows(path):
            assert fields <= set(row)
            by_feature = row["totals_by_feature"]
            for count in ("user_initiated_interaction_count", "code_acceptance_activity_count"):
                assert row[count] == sum(entry[count] for entry in by_feature)
            chat = [e for e in by_feature if e["feature"].startswith("chat_")]
            assert row["used_chat"] == any(e["user_initiated_interaction_count"] for e in chat)
            for entry in by_feature:
                assert entry["code_acceptance_activity_count"] <= entry[
                    "code_generation_activity_count"]


COUNTS = ("user_initiated_interaction_count", "code_generation_activity_count",
          "code_acceptance_activity_count", "loc_suggested_to_add_sum",
          "loc_suggested_to_delete_sum", "loc_added_sum", "loc_deleted_sum")
#: the `feature` values of SOURCES.md section 2
FEATURE_VALUES = {"code_completion", "chat_inline", "chat_panel_ask_mode", "chat_panel_edit_mode",
                  "chat_panel_agent_mode", "chat_panel_plan_mode", "chat_panel_custom_mode",
                  "chat_panel_unknown_mode", "agent_edit"}


def test_12_7_the_demos_usage_metrics_rows_carry_depth_that_adds_up(sample):
    usage = usage_files(sample)
    ides, languages, models, credited = defaultdict(set), set(), set(), set()
    generated = accepted = 0
    for path in usage:
        for row in read_rows(path):
            if not row["totals_by_feature"]:
                continue
            for name in ("totals_by_feature", "totals_by_ide", "totals_by_model_feature"):
                for count in COUNTS:
                    assert row[count] == sum(entry[count] for entry in row[name]), (name, count)
            for entry in row["totals_by_language_feature"] + row["totals_by_model_feature"]:
                assert entry["feature"] in FEATURE_VALUES
                assert entry["code_acceptance_activity_count"] <= entry[
                    "code_generation_activity_count"]
            ides[row["user_id"]] |= {entry["ide"] for entry in row["totals_by_ide"]}
            languages |= {entry["language"] for entry in row["totals_by_language_feature"]}
            models |= {entry["model"] for entry in row["totals_by_model_feature"]}
            if "ai_credits_used" in row:
                assert row["ai_credits_used"] >= 0
                credited.add(path)
            generated += row["code_generation_activity_count"]
            accepted += row["code_acceptance_activity_count"]
    # ai_credits_used is newer than the other fields: the later half of the days carry it
    assert credited == set(usage[len(usage) // 2:])
    assert 0.2 < accepted / generated < 0.8
    assert {"vscode", "intellij"} <= set().union(*ides.values())
    assert any(len(used) > 1 for used in ides.values())  # someone works in two IDEs
    assert len(languages) >= 5 and len(models) >= 4


def test_weekends_have_no_files(sample):
    days = [to_day(re.search(r"\d{4}-\d{2}-\d{2}", p.name)[0]) for p in sample.engagement]
    assert days and all(day.weekday() < 5 for day in days)
    assert days == sorted(days) and days[0] == date(2025, 2, 3) and days[-1] == date(2025, 3, 31)


def test_seats_body_shape(seats, org, activity):
    assert seats["total_seats"] == len(seats["seats"])
    logins = [seat["assignee"]["login"] for seat in seats["seats"] if seat["assignee"]]
    assert sum(seat["assignee"] is None for seat in seats["seats"]) == 1
    twice = [login for login in set(logins) if logins.count(login) == 2]
    assert len(twice) == 2
    assert sum(seat["pending_cancellation_date"] is not None for seat in seats["seats"]) == 1
    assert sum(seat["created_at"] >= "2025-03-25" for seat in seats["seats"]) == 1
    assert {seat["plan_type"] for seat in seats["seats"]} == {"business", "enterprise"}
    engaged, _ = activity
    last_day = {}
    for user_id, day in engaged:
        last_day[user_id] = max(day, last_day.get(user_id, day))
    for seat in seats["seats"]:
        if seat["assignee"] and seat["assignee"]["id"] in last_day:
            assert seat["last_activity_at"] is not None
            assert to_day(seat["last_activity_at"]) <= last_day[seat["assignee"]["id"]]
    seat_holders = sum(person["seat"] for person in org["people"])
    assert len(set(logins)) == seat_holders + 1  # and one contractor the directory lacks


def month_segments(engaged, user_ids, month: int) -> dict[int, str]:
    """METRICS.md section 4 over one month of 2025, counted directly from the rows."""
    first = date(2025, month, 1)
    last = date(2025, month + 1, 1) - timedelta(days=1)
    weeks = {(first + timedelta(days=i)).isocalendar()[:2] for i in range((last - first).days + 1)}
    days, features = defaultdict(set), defaultdict(set)
    for (user_id, day), engaged_features in engaged.items():
        if first <= day <= last and engaged_features:
            days[user_id].add(day)
            features[user_id] |= engaged_features - {"agent", "custom_model"}
    segments = {}
    for user_id in user_ids:
        consistency = len({day.isocalendar()[:2] for day in days[user_id]}) / len(weeks)
        if not days[user_id]:
            segments[user_id] = "inactive"
        elif len(features[user_id]) >= 3 and consistency >= 0.75:
            segments[user_id] = "champion"
        elif consistency < 0.5:
            segments[user_id] = "lagging"
        else:
            segments[user_id] = "regular"
        if days[user_id] and len(features[user_id]) <= 1:
            segments[user_id] += "+narrow"
    return segments


def test_personas_show_every_segment(activity, seats):
    engaged, _ = activity
    holders = {seat["assignee"]["id"] for seat in seats["seats"] if seat["assignee"]}
    segments = list(month_segments(engaged, holders, 3).values())
    for segment in ("champion", "regular", "lagging", "inactive"):
        assert sum(s.startswith(segment) for s in segments) >= 3, segment
    assert sum(s.endswith("+narrow") for s in segments) >= 3


def test_adoption_grows_and_divisions_differ(activity, seats, org):
    engaged, _ = activity
    holders = {seat["assignee"]["id"]: seat["assignee"]["login"]
               for seat in seats["seats"] if seat["assignee"]}
    before = month_segments(engaged, holders, 2)
    after = month_segments(engaged, holders, 3)
    assert sum(s != "inactive" for s in after.values()) > sum(
        s != "inactive" for s in before.values())

    person_of = {emu(p["username"]): p for p in org["people"]}
    person_of |= {p["github"][0]: p for p in org["people"] if "github" in p}
    person_of |= {login: next(p for p in org["people"] if p["id"] == person_id)
                  for login, person_id in org["aliases"].items()}
    adoption = defaultdict(list)
    for user_id, login in holders.items():
        if login in person_of:
            division = person_of[login]["unit"].split("-")[0]
            adoption[division].append(after[user_id] != "inactive")
    rate = {division: sum(flags) / len(flags) for division, flags in adoption.items()}
    assert rate["eng"] > rate["ops"] + 0.15


def test_rare_features_are_awareness_gaps(activity):
    engaged, _ = activity
    users = defaultdict(set)
    for (user_id, _), features in engaged.items():
        for feature in features:
            users[feature].add(user_id)
    everyone = {user_id for user_id, _ in engaged}
    assert len(users["knowledge_base_chat"]) < 0.1 * len(everyone)
    assert len(users["mobile_chat"]) < 0.1 * len(everyone)
    assert len(users["code_completion"]) > 0.8 * len(everyone)


def test_bench_profile_writes_seed_files_only(tmp_path):
    spec = SampleSpec(last_month="2025-03", people=400, months=1, days=9, profile="bench")
    files = write_sample(tmp_path, spec)
    names = [path.name for path in files.engagement]
    assert len(names) == 9  # weekends have some activity in the benchmark
    assert all(re.fullmatch(r"user-engagement-2025-03-0\d\.jsonl", name) for name in names)
    weekday = len(read_rows(tmp_path / "inbox" / "user-engagement-2025-03-03.jsonl"))
    weekend = len(read_rows(tmp_path / "inbox" / "user-engagement-2025-03-08.jsonl"))
    assert 0.45 * spec.people < weekday < 0.75 * spec.people and weekend < weekday / 5
    units = yaml.safe_load(files.org.read_text(encoding="utf-8"))["units"]
    assert max(unit["id"].count("-") for unit in units) == 4  # five levels


def test_bench_script(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), str(tmp_path), "--people", "300",
         "--days", "3", "--month", "2025-03"],
        capture_output=True, text=True, check=True)
    assert "300 people" in result.stdout
    names = {p.name for p in (tmp_path / "inbox").iterdir()}
    assert {"user-engagement-2025-02-03.jsonl", "user-engagement-2025-03-03.jsonl"} <= names
    assert all(re.fullmatch(r"user-engagement-2025-0[23]-0[123]\.jsonl", name) for name in names)


@pytest.mark.parametrize("change, message", [
    ({"last_month": "2025-13"}, "not a month"),
    ({"people": 10}, "at least 47 people"),
    ({"profile": "huge"}, "unknown profile"),
    ({"months": 0}, "months must be at least 1"),
])
def test_bad_specs_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        SampleSpec(**{"last_month": "2025-03", **change})


@pytest.mark.parametrize(("profile", "least"), [("demo", 47), ("bench", 191)])
def test_14_7_the_smallest_sample_is_the_least_that_staffs_its_tree(tmp_path, profile, least):
    """One person fewer cannot staff the smallest tree; the least can, whatever the seed."""
    with pytest.raises(ValueError, match=f"a sample needs at least {least} people, got "
                                         f"{least - 1}"):
        SampleSpec(last_month="2025-03", people=least - 1, profile=profile)
    for seed in (1, 2):
        spec = SampleSpec(last_month="2025-03", people=least, months=1, days=2, seed=seed,
                          profile=profile)
        org = yaml.safe_load(write_sample(tmp_path / f"{seed}", spec).org.read_text())
        assert len(org["people"]) == least


@pytest.mark.parametrize("people", [120, 300])
def test_14_5_every_unit_of_the_demo_has_a_name_of_its_own(tmp_path, people):
    sample = write_sample(tmp_path, SampleSpec(last_month="2025-03", people=people, months=1))
    org = yaml.safe_load(sample.org.read_text(encoding="utf-8"))
    names = [unit["name"] for unit in org["units"]]
    assert len(names) == len(set(names))
    cost_centers = list(org["cost_centers"].values())
    assert len(cost_centers) == len(set(cost_centers))


def test_12_7_the_sample_bills_usage_beyond_the_seats(sample, seats):
    """Each month's usage report: premium requests of seated people on days they used chat
    or the agent, most within their allowance (discount = gross), a minority paying for
    more, a few rows without a user, and rows of other products and seat licences."""
    import csv
    from decimal import Decimal
    assert [path.name for path in sample.billing] == ["usage-report-2025-02.csv",
                                                      "usage-report-2025-03.csv"]
    with open(sample.billing[-1], encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    usage = [row for row in rows if row["sku"] == "copilot_premium_request"]
    seated = {seat["assignee"]["login"] for seat in seats["seats"] if seat["assignee"]}
    net: dict[str, Decimal] = defaultdict(Decimal)
    for row in usage:
        gross, discount = Decimal(row["gross_amount"]), Decimal(row["discount_amount"])
        assert Decimal(row["net_amount"]) == gross - discount >= 0
        assert row["date"].startswith("2025-03")
        if row["username"]:
            net[row["username"]] += Decimal(row["net_amount"])
    assert set(net) <= seated | {login for login in net if login not in seated and
                                 login.startswith("ext")} and len(net) > 30
    paying = [login for login, amount in net.items() if amount > 0]
    assert 0 < len(paying) < len(net) / 3
    assert sum(1 for row in usage if not row["username"]) == 3
    assert {row["product"] for row in rows} == {"copilot", "actions"}
    assert any(row["sku"] == "copilot_for_business" for row in rows)
