"""Importing engagement files and seat lists into the store (METRICS.md sections 1-3)."""

import gzip
import json
import os

import pytest
import zstandard
from conftest import seed_row, write_jsonl

from enrich.dates import Period, parse_day
from enrich.errors import StoreError
from enrich.features import USAGE_METRICS_DEFAULT
from enrich.importer import import_paths
from enrich.sources.parallel import ParsePool
from enrich.store import MIGRATIONS, Store

D1, D2 = "2025-01-06", "2025-01-07"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "enrich.db", tmp_path / "archive") as s:
        yield s


def load(store, *paths, **options):
    options.setdefault("usage_rules", USAGE_METRICS_DEFAULT)
    options.setdefault("seats_taken_on", parse_day("2025-02-01"))
    return import_paths(store, paths, **options)


def features_of(store, bits):
    names = store.feature_names()
    return {names[i] for i in range(len(names)) if bits >> i & 1}


def engagement(store, since=D1, until=D2):
    return {(uid, day): features_of(store, bits)
            for uid, day, bits in store.engagement(Period.of(since, until))}


def test_seed_rows_are_stored_with_their_features(store, tmp_path):
    path = write_jsonl(tmp_path / "d1.jsonl", [
        seed_row(D1, "ada", 11, "code_completion", "panel_chat"),
        seed_row(D1, "bob", 12),
    ])
    summary = load(store, path)
    assert summary.as_json()["rows"] == {"read": 2, "stored": 2, "merged": 0, "rejected": 0}
    day = parse_day(D1)
    assert engagement(store) == {(11, day): {"code_completion", "panel_chat"}, (12, day): set()}
    assert features_of(store, store.measured(Period.of(D1, D1))[day]) == {
        "cli", "code_completion", "code_review", "dotcom_chat", "inline_chat",
        "knowledge_base_chat", "mobile_chat", "panel_chat", "pull_request_summary"}


def test_json_array_gzip_and_the_code_completions_spelling(store, tmp_path):
    rows = [{"day": D1, "login": "ada", "user_id": 11, "code_completions_engagement": 1}]
    path = tmp_path / "d1.json.gz"
    path.write_bytes(gzip.compress(json.dumps(rows, indent=2).encode()))
    load(store, path)
    assert engagement(store) == {(11, parse_day(D1)): {"code_completion"}}


def test_deprecated_columns_map_to_their_features(store, tmp_path):
    path = write_jsonl(tmp_path / "old.jsonl", [
        {"day": D1, "login": "ada", "user_id": 11, "ios_chat_engagement": 0,
         "android_chat_engagement": 1, "diff_chat_engagement": 1,
         "pull_request_summary_engagement": 0, "docs_chat_engagement": 1,
         "custom_model_engagement": 1},
        {"day": D1, "login": "bob", "user_id": 12, "ios_chat_engagement": 1,
         "android_chat_engagement": 0, "diff_chat_engagement": 0,
         "pull_request_summary_engagement": 0, "docs_chat_engagement": 0,
         "custom_model_engagement": 0},
    ])
    load(store, path)
    day = parse_day(D1)
    assert engagement(store) == {
        (11, day): {"mobile_chat", "pull_request_summary", "knowledge_base_chat", "custom_model"},
        (12, day): {"mobile_chat"}}
    measured = features_of(store, store.measured(Period.of(D1, D1))[day])
    assert measured == {"mobile_chat", "pull_request_summary", "knowledge_base_chat",
                        "custom_model"}


def test_a_new_engagement_column_is_a_new_feature(store, tmp_path):
    load(store, write_jsonl(tmp_path / "d.jsonl", [
        seed_row(D1, "ada", 11, "cli", agent_engagement=1, space_walk_engagement=1)]))
    assert engagement(store)[(11, parse_day(D1))] == {"cli", "agent", "space_walk"}
    assert store.feature_names()[-1] == "space_walk"


def usage_row(day, login, uid, **fields):
    row = {"day": day, "user_id": uid, "user_login": login, "enterprise_id": "1",
           "used_cli": False, "used_agent": False, "used_chat": False,
           "used_copilot_code_review_active": False, "used_copilot_code_review_passive": False,
           "totals_by_feature": [], "some_future_field": {"x": 1}}
    row.update(fields)
    return row


def test_usage_metrics_rows_follow_the_mapping_and_leave_other_features_unmeasured(
        store, tmp_path):
    rows = [
        usage_row(D1, "ada", 11, used_cli=True, totals_by_feature=[
            {"feature": "code_completion", "code_acceptance_activity_count": 3,
             "user_initiated_interaction_count": 0},
            {"feature": "chat_panel_agent_mode", "user_initiated_interaction_count": 2},
            {"feature": "chat_inline", "user_initiated_interaction_count": 0}]),
        # generated but never accepted: not code completion engagement
        usage_row(D1, "bob", 12, used_copilot_code_review_active=True, totals_by_feature=[
            {"feature": "code_completion", "code_acceptance_activity_count": 0,
             "code_generation_activity_count": 9}]),
    ]
    load(store, write_jsonl(tmp_path / "users-1-day.jsonl", rows))
    day = parse_day(D1)
    assert engagement(store) == {(11, day): {"cli", "code_completion", "panel_chat"},
                                 (12, day): {"code_review"}}
    measured = features_of(store, store.measured(Period.of(D1, D1))[day])
    assert measured == {"cli", "code_completion", "code_review", "inline_chat", "panel_chat",
                        "agent"}
    assert "dotcom_chat" not in measured and "mobile_chat" not in measured


def test_usage_metrics_mapping_is_configurable(store, tmp_path):
    rules = {"dotcom_chat": {"flag": "used_chat"}}
    load(store, write_jsonl(tmp_path / "u.jsonl", [usage_row(D1, "ada", 11, used_chat=True)]),
         usage_rules=rules)
    day = parse_day(D1)
    assert engagement(store) == {(11, day): {"dotcom_chat"}}
    assert features_of(store, store.measured(Period.of(D1, D1))[day]) == {"dotcom_chat"}


def test_rows_of_one_user_day_merge_by_or_and_never_count_twice(store, tmp_path):
    # an organization-level report lists a user once per organization
    rows = [usage_row(D1, "ada", 11, used_cli=True, organization_id=1),
            usage_row(D1, "ada", 11, used_agent=True, organization_id=2)]
    summary = load(store, write_jsonl(tmp_path / "orgs.jsonl", rows))
    assert summary.as_json()["rows"] == {"read": 2, "stored": 1, "merged": 1, "rejected": 0}
    assert engagement(store) == {(11, parse_day(D1)): {"cli", "agent"}}


def test_importing_the_same_file_or_day_twice_changes_nothing(store, tmp_path):
    rows = [seed_row(D1, "ada", 11, "cli"), seed_row(D2, "ada", 11, "code_review")]
    first = write_jsonl(tmp_path / "a.jsonl", rows)
    load(store, first)
    before = engagement(store)
    again = load(store, first)
    assert [f.status for f in again.files] == ["already imported"]
    # the same rows in another file (a blob fetched twice) merge into what is there
    copy = write_jsonl(tmp_path / "b.jsonl", rows + [seed_row(D2, "ada", 11)])
    summary = load(store, copy)
    assert summary.as_json()["rows"] == {"read": 3, "stored": 0, "merged": 3, "rejected": 0}
    assert engagement(store) == before


def test_covers_turns_days_without_rows_into_empty_days(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [seed_row(D1, "ada", 11, "cli")])
    load(store, path)
    week = Period.of("2025-01-05", "2025-01-08")
    assert list(store.coverage(week).values()) == ["missing", "reported", "missing", "missing"]
    load(store, write_jsonl(tmp_path / "e.jsonl", [seed_row(D2, "bob", 12, "cli")]),
         covers=(parse_day("2025-01-05"), parse_day(D2)))
    assert list(store.coverage(week).values()) == ["empty", "reported", "reported", "missing"]


def test_a_renamed_login_keeps_its_history_with_the_latest_login_first(store, tmp_path):
    load(store, write_jsonl(tmp_path / "d.jsonl", [
        seed_row(D2, "ada-new", 11, "cli"), seed_row(D1, "ada-old", 11, "cli"),
        seed_row(D1, "bob", 12)]))
    assert store.logins() == {11: ["ada-new", "ada-old"], 12: ["bob"]}


def test_raw_files_are_archived_compressed_under_their_content_address(store, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [seed_row(D1, "ada", 11, "cli")])
    load(store, path)
    archived = list((tmp_path / "archive").rglob("*.zst"))
    assert len(archived) == 1
    assert zstandard.ZstdDecompressor().decompressobj().decompress(
        archived[0].read_bytes()) == path.read_bytes()
    import hashlib
    assert archived[0].name == hashlib.sha256(path.read_bytes()).hexdigest() + ".zst"
    assert os.stat(archived[0]).st_mode & 0o777 == 0o600


SEATS = {"total_seats": 3, "seats": [
    {"assignee": {"login": "ada", "id": 11, "type": "User"}, "organization": {"login": "acme"},
     "assigning_team": {"slug": "devs"}, "created_at": "2024-05-01T10:00:00Z",
     "last_activity_at": "2025-01-06T09:00:00Z", "last_activity_editor": "vscode",
     "last_authenticated_at": "2025-01-06T09:00:00Z", "pending_cancellation_date": None,
     "plan_type": "business"},
    {"assignee": {"login": "ada", "id": 11}, "organization": {"login": "acme-labs"},
     "created_at": "2024-06-01T10:00:00Z", "plan_type": "enterprise"},
    {"assignee": None, "created_at": "2024-06-01T10:00:00Z", "plan_type": "business"},
]}


def test_a_seat_list_becomes_a_dated_snapshot(store, tmp_path):
    path = tmp_path / "seats.json"
    path.write_text(json.dumps(SEATS, indent=2))
    summary = load(store, path, seats_taken_on=parse_day("2025-01-31"))
    assert summary.files[0].kind == "seats"
    assert store.seat_snapshot(parse_day("2025-01-30")) is None
    taken_on, seats = store.seat_snapshot(parse_day("2025-02-15"))
    assert taken_on == parse_day("2025-01-31")
    assert [(s.user_id, s.organization, s.plan_type) for s in seats] == [
        (11, "acme", "business"), (11, "acme-labs", "enterprise"), (None, None, "business")]
    assert seats[0].assigning_team == "devs"


def test_several_pages_of_seats_make_one_snapshot(store, tmp_path):
    page1 = {"total_seats": 3, "seats": SEATS["seats"][:2]}
    page2 = {"total_seats": 3, "seats": SEATS["seats"][2:]}
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(page1, indent=1) + "\n" + json.dumps(page2, indent=1))
    load(store, path)
    assert len(store.seat_snapshot(parse_day("2030-01-01"))[1]) == 3


# -- bad input ------------------------------------------------------------------------------

BAD_ROWS = [
    ('{"day": "2025-01-06", "login": "x", "user_id": 3, "cli_engagement": 2}',
     '"cli_engagement" is 2; expected 0 or 1'),
    ('{"day": "2025-01-06", "login": "x", "user_id": 3, "cli_engagement": true}',
     '"cli_engagement" is true; expected 0 or 1'),
    ('{"day": "2025-01-06", "login": "x", "user_id": 3, "cli_engagement": "1"}',
     '"cli_engagement" is \'1\'; expected 0 or 1'),
    ('{"login": "x", "user_id": 3, "cli_engagement": 1}', 'missing "day"'),
    ('{"day": "06/01/2025", "login": "x", "user_id": 3, "cli_engagement": 1}',
     "\"day\" is '06/01/2025': not a date or timestamp: '06/01/2025'"),
    ('{"day": "2025-01-06", "login": "x", "cli_engagement": 1}', 'missing "user_id"'),
    ('{"day": "2025-01-06", "login": "x", "user_id": "3", "cli_engagement": 1}',
     '"user_id" is \'3\'; expected a positive integer'),
    ('{"day": "2025-01-06", "login": "bad login", "user_id": 3, "cli_engagement": 1}',
     '"login" is \'bad login\'; expected a GitHub login'),
    ('{"day": "2025-01-06", "login": null, "user_id": 3, "cli_engagement": 1}',
     'missing "login"'),
    ('{"day": "2025-01-06", "login": "x", "user_id": 3, "cli_engagement": 1',
     "invalid JSON: unexpected end of data"),
    ('[1, 2]', "expected a JSON object"),
]


@pytest.mark.parametrize("line,reason", BAD_ROWS)
def test_a_bad_row_rejects_the_whole_file_and_names_line_and_reason(store, tmp_path, line,
                                                                     reason):
    good = json.dumps(seed_row(D1, "ada", 11, "cli"))
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{good}\n{good}\n{line}\n")
    summary = load(store, path)
    assert [f.status for f in summary.files] == ["rejected"]
    assert summary.files[0].error == f"{path}, line 3: {reason}"
    assert engagement(store) == {}
    assert store.logins() == {}
    assert store.coverage(Period.of(D1, D1))[parse_day(D1)] == "missing"
    assert not [p for p in (tmp_path / "archive").rglob("*") if p.is_file()]


def test_skip_bad_rows_stores_the_rest_and_writes_the_rejects(store, tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps(seed_row(D1, "ada", 11, "cli"))] + [line for line, _ in BAD_ROWS[:3]]
    path.write_text("\n".join(lines) + "\n")
    rejects = tmp_path / "out" / "rejects.jsonl"
    summary = load(store, path, skip_bad_rows=True, rejects=rejects)
    assert summary.as_json()["rows"] == {"read": 4, "stored": 1, "merged": 0, "rejected": 3}
    assert engagement(store) == {(11, parse_day(D1)): {"cli"}}
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["reason"]) for r in written] == [
        (n, reason) for n, (_, reason) in zip((2, 3, 4), BAD_ROWS[:3], strict=True)]
    assert os.stat(rejects).st_mode & 0o777 == 0o600


def test_a_rejected_file_does_not_stop_the_others_nor_gets_coverage(store, tmp_path):
    bad = tmp_path / "a.jsonl"
    bad.write_text(BAD_ROWS[0][0] + "\n")
    good = write_jsonl(tmp_path / "b.jsonl", [seed_row(D2, "ada", 11, "cli")])
    summary = load(store, bad, good, covers=(parse_day(D1), parse_day(D2)))
    assert [f.status for f in summary.files] == ["rejected", "imported"]
    assert summary.covered is None
    assert list(store.coverage(Period.of(D1, D2)).values()) == ["missing", "reported"]


def test_a_file_of_something_else_is_refused(store, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"name": "not engagement"}\n')
    summary = load(store, path)
    assert summary.files[0].error.startswith(f"{path}, line 1: not an engagement row nor a seat")


def test_a_bad_seat_names_the_seat(store, tmp_path):
    path = tmp_path / "seats.json"
    path.write_text(json.dumps({"seats": [SEATS["seats"][0], {"assignee": {"login": "x"}}]}))
    summary = load(store, path)
    assert summary.files[0].error == (
        f"{path}, line 1: seats[1].assignee.id is null; expected a positive integer")
    assert store.seat_snapshot(parse_day("2030-01-01")) is None


def test_folders_are_searched_for_data_files(store, tmp_path):
    write_jsonl(tmp_path / "in" / "a.jsonl", [seed_row(D1, "ada", 11, "cli")])
    write_jsonl(tmp_path / "in" / "sub" / "b.jsonl.gz", [seed_row(D2, "ada", 11, "cli")],
                compress=True)
    (tmp_path / "in" / "notes.txt").write_text("not data")
    summary = load(store, tmp_path / "in")
    assert [f.path.name for f in summary.files] == ["a.jsonl", "b.jsonl.gz"]


def test_usage_metrics_bad_values_are_named(store, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [
        usage_row(D1, "ada", 11, used_cli="yes")])
    assert load(store, path).files[0].error == (
        f"{path}, line 1: \"used_cli\" is 'yes'; expected true or false")
    path = write_jsonl(tmp_path / "v.jsonl", [usage_row(D1, "ada", 11, totals_by_feature=[
        {"feature": "chat_inline", "user_initiated_interaction_count": -1}])])
    assert load(store, path).files[0].error == (
        f"{path}, line 1: \"totals_by_feature[0].user_initiated_interaction_count\" is -1; "
        "expected a count")


def test_a_rename_found_in_a_later_import_keeps_the_latest_login_for_display(store, tmp_path):
    load(store, write_jsonl(tmp_path / "jan.jsonl", [
        seed_row(f"2025-01-{d:02d}", "ada-old", 11, "cli") for d in range(1, 20)]))
    load(store, write_jsonl(tmp_path / "feb.jsonl", [
        seed_row("2025-02-03", "ada-new", 11, "cli"), seed_row("2025-02-03", "bob", 12)]))
    assert store.logins() == {11: ["ada-new", "ada-old"], 12: ["bob"]}
    # an older archive imported afterwards does not make the old login the display login
    load(store, write_jsonl(tmp_path / "dec.jsonl", [
        seed_row("2024-12-30", "ada-old", 11, "cli")]))
    assert store.logins()[11] == ["ada-new", "ada-old"]
    # but a later day with the old login again does
    load(store, write_jsonl(tmp_path / "mar.jsonl", [
        seed_row("2025-03-03", "ada-old", 11, "cli")]))
    assert store.logins()[11] == ["ada-old", "ada-new"]


def test_a_rejected_file_teaches_no_login(store, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(seed_row(D1, "ada", 11, "cli")) + "\n" + BAD_ROWS[0][0] + "\n")
    load(store, bad)
    load(store, write_jsonl(tmp_path / "good.jsonl", [seed_row(D2, "ada-x", 11, "cli")]))
    assert store.logins() == {11: ["ada-x"]}


def test_worker_processes_parse_large_files_with_the_same_result(store, tmp_path):
    rows = [seed_row(D1, f"user{i}", 100 + i, *(["cli"] if i % 2 else [])) for i in range(300)]
    rows[150]["new_thing_engagement"] = 1  # a new feature half way through
    rows.append(seed_row(D2, "user1", 101, "code_review"))
    path = write_jsonl(tmp_path / "big.jsonl", rows)
    with Store(tmp_path / "serial.db", tmp_path / "a2") as serial:
        expected = load(serial, path).as_json()["rows"]
        expected_rows = engagement(serial)
    pool = ParsePool(workers=2, min_file_bytes=0, block_bytes=2_000)
    summary = load(store, path, pool=pool)
    assert summary.as_json()["rows"] == expected == {
        "read": 301, "stored": 301, "merged": 0, "rejected": 0}
    assert engagement(store) == expected_rows
    assert engagement(store)[(250, parse_day(D1))] == {"new_thing"}


def test_worker_processes_name_the_line_of_a_bad_row(store, tmp_path):
    lines = [json.dumps(seed_row(D1, f"user{i}", 100 + i, "cli")) for i in range(200)]
    lines[163] = BAD_ROWS[0][0]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = load(store, path, pool=ParsePool(workers=2, min_file_bytes=0, block_bytes=1_000))
    assert summary.files[0].error == f"{path}, line 164: {BAD_ROWS[0][1]}"
    assert engagement(store) == {}


def test_workers_parse_the_next_file_ahead_without_keeping_what_a_rejected_file_taught(
        store, tmp_path):
    # "zeta" is allocated while the bad file is read, and the next file's blocks are parsed
    # ahead with it; the rollback frees its bit, which "omega" then takes
    bad = [json.dumps(seed_row(D1, f"user{i}", 100 + i, zeta_engagement=1)) for i in range(100)]
    bad_path = tmp_path / "a.jsonl"
    bad_path.write_text("\n".join([*bad, BAD_ROWS[0][0]]) + "\n")
    good = [seed_row(D2, "user0", 100, omega_engagement=1)] + [
        seed_row(D2, f"user{i}", 100 + i, zeta_engagement=1) for i in range(1, 100)]
    good_path = write_jsonl(tmp_path / "b.jsonl", good)
    pool = ParsePool(workers=2, min_file_bytes=0, block_bytes=2_000)
    summary = load(store, bad_path, good_path, pool=pool)
    assert [f.status for f in summary.files] == ["rejected", "imported"]
    assert summary.files[0].error == f"{bad_path}, line 101: {BAD_ROWS[0][1]}"
    rows = engagement(store)
    assert rows[(100, parse_day(D2))] == {"omega"}
    assert {frozenset(rows[(100 + i, parse_day(D2))]) for i in range(1, 100)} == {
        frozenset({"zeta"})}
    assert store.logins() == {100 + i: [f"user{i}"] for i in range(100)}


def test_user_days_of_a_day_are_ored_per_user(store):
    from enrich.facts import day_table
    day = parse_day(D1)
    with store.transaction():
        store.stage_facts(day, day_table([5, 3, 5], [1, 2, 4]))
        store.stage_facts(day, day_table([(1 << 63) - 1, 3], [6, 8]))
        assert store.write_facts("test") == 3
    assert sorted(store.engagement(Period.of(D1, D1))) == [
        (3, day, 10), (5, day, 5), ((1 << 63) - 1, day, 6)]


def test_a_file_read_ahead_that_cannot_be_read_fails_in_its_own_turn(store, tmp_path):
    good = write_jsonl(tmp_path / "a.jsonl", [seed_row(D1, f"user{i}", 100 + i, "cli")
                                              for i in range(100)])
    text = gzip.compress(b"".join(json.dumps(seed_row(D2, f"user{i}", 100 + i)).encode() + b"\n"
                                  for i in range(100)))
    truncated = tmp_path / "b.jsonl.gz"
    truncated.write_bytes(text[:300])  # its first line reads, its third block does not
    pool = ParsePool(workers=2, min_file_bytes=0, block_bytes=2_000)
    summary = load(store, good, truncated, pool=pool)
    assert [f.status for f in summary.files] == ["imported", "rejected"]
    assert summary.files[1].error.startswith(f"{truncated}: cannot read the file")
    assert len(engagement(store)) == 100


def test_any_day_can_be_derived_again_from_the_archive(store, tmp_path):
    load(store, write_jsonl(tmp_path / "a.jsonl", [
        seed_row(D1, "ada", 11, "cli"), seed_row(D2, "ada", 11, "agent")]))
    load(store, write_jsonl(tmp_path / "b.jsonl.gz", [
        seed_row(D2, "bob", 12, "code_review"), seed_row(D2, "ada", 11, "cli")], compress=True))
    archived = store.archived_files(parse_day(D2))
    assert len(archived) == 2 and all(p.exists() for p in archived)
    restored = tmp_path / "restored"
    restored.mkdir()
    for i, path in enumerate(archived):
        data = path.read_bytes()
        if path.suffix == ".zst":
            data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
            (restored / f"{i}.jsonl").write_bytes(data)
        else:
            (restored / f"{i}.jsonl.gz").write_bytes(data)
    with Store(tmp_path / "again.db", tmp_path / "again-archive") as again:
        load(again, restored)
        assert engagement(again, D2, D2) == engagement(store, D2, D2)


def test_a_store_of_a_newer_schema_is_refused(tmp_path):
    import sqlite3
    db = sqlite3.connect(tmp_path / "new.db")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError) as info:
        Store(tmp_path / "new.db", tmp_path / "archive")
    assert str(info.value) == (f"{tmp_path}/new.db: the store has schema version 99, newer "
                               f"than this enrich understands ({len(MIGRATIONS)})")
    assert info.value.hint == "upgrade enrich"


def test_a_new_store_is_migrated_to_the_current_schema(tmp_path):
    with Store(tmp_path / "s.db", tmp_path / "archive") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.feature_names()[:2] == ["cli", "code_completion"]


def test_team_membership_rows_are_stored_and_checked(store, tmp_path):
    rows = [{"user_id": 11, "user_login": "ada", "day": D1, "organization_id": 3,
             "team_id": 501, "slug": "platform"},
            {"user_id": 11, "user_login": "ada", "day": D1, "organization_id": 3,
             "team_id": 501, "slug": "platform"}]
    summary = load(store, write_jsonl(tmp_path / "teams.jsonl", rows))
    assert summary.files[0].kind == "user-teams"
    assert summary.as_json()["rows"] == {"read": 2, "stored": 1, "merged": 1, "rejected": 0}
    assert store.team_memberships(parse_day(D1)) == [(11, 501, "platform", 3)]
    bad = write_jsonl(tmp_path / "bad.jsonl", [dict(rows[0], team_id="x")])
    assert load(store, bad).files[0].error == (
        f"{bad}, line 1: \"team_id\" is 'x'; expected a positive integer")


def test_a_store_of_the_first_schema_is_migrated_keeping_its_data(tmp_path):
    import sqlite3

    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO engagement VALUES (20000, 11, 3)")
    db.execute("INSERT INTO days (day, reported, covered, measured) VALUES (20000, 1, 1, 3)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store(tmp_path / "old.db", tmp_path / "archive") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert list(store.engagement(Period(20000, 20000))) == [(11, 20000, 3)]
        assert store.teams_covered_days(20000, 20000) == set()
