"""Fuzzing the import of engagement files, seat lists and team memberships (`enrich import`).

Whatever a file holds, the import either stores it or rejects it with a message that names
the file (and the line of a bad row), and a rejected file leaves nothing in the store.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from conftest import seed_row
from fuzzing import (
    TEXT,
    VALUES,
    check_error,
    dump_json,
    mutated,
    spoiled_bytes,
    with_duplicate_key,
    write,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.dates import parse_day
from enrich.errors import EnrichError, ExitStatus
from enrich.features import USAGE_METRICS_DEFAULT
from enrich.importer import import_paths
from enrich.store import Store

DAY = "2025-11-03"


def usage_row(login: str, user_id: int) -> dict:
    return {"day": DAY, "user_id": user_id, "user_login": login, "enterprise_id": 5,
            "used_cli": True, "used_agent": False, "used_copilot_code_review_active": 0,
            "user_initiated_interaction_count": 4,
            "totals_by_feature": [
                {"feature": "code_completion", "code_acceptance_activity_count": 3},
                {"feature": "chat_panel_agent_mode", "user_initiated_interaction_count": 2}]}


def team_row(login: str, user_id: int) -> dict:
    return {"day": DAY, "user_id": user_id, "user_login": login, "organization_id": 7,
            "team_id": 90 + user_id, "slug": f"team-{user_id}"}


def seat(login: str, user_id: int) -> dict:
    return {"assignee": {"login": login, "id": user_id, "type": "User"},
            "organization": {"login": "acme"}, "assigning_team": {"slug": "devs"},
            "plan_type": "business", "created_at": "2025-01-02T10:00:00Z",
            "last_activity_at": "2025-11-02T08:00:00+02:00", "last_activity_editor": "vscode",
            "last_authenticated_at": None, "pending_cancellation_date": None}


ROWS = {
    "seed": lambda login, uid: seed_row(DAY, login, uid, "cli", "panel_chat"),
    "usage-metrics": usage_row,
    "user-teams": team_row,
}


@dataclass
class Records:
    """The records of a file, one of them possibly spoiled, and how to lay them out."""

    records: list
    spoiled: int | None  # the index of the spoiled record
    duplicate: tuple | None  # (key, value, last) given twice in the spoiled record


@st.composite
def engagement_records(draw) -> Records:
    """Valid rows of one format, one of them perhaps mutated (in a nested entry too)."""
    kind = draw(st.sampled_from(sorted(ROWS)))
    count = draw(st.integers(1, 4))
    records = [ROWS[kind](f"user-{i}", 11 + i) for i in range(count)]
    spoiled = draw(st.none() | st.integers(0, count - 1))
    duplicate = None
    if spoiled is not None:
        record = records[spoiled]
        if kind == "usage-metrics" and draw(st.booleans()):
            record["totals_by_feature"] = [draw(mutated(record["totals_by_feature"][0])),
                                           *record["totals_by_feature"][1:]]
        else:
            records[spoiled] = draw(mutated(record))
        if draw(st.booleans()):
            duplicate = (draw(st.sampled_from(sorted(record))), draw(VALUES), draw(st.booleans()))
    return Records(records, spoiled, duplicate)


@st.composite
def seat_pages(draw) -> Records:
    """Seat API pages; one page, or a seat in it, perhaps mutated."""
    pages = [{"total_seats": 5, "seats": [seat(f"user-{p}{i}", 11 + 3 * p + i)
                                          for i in range(draw(st.integers(0, 3)))]}
             for p in range(draw(st.integers(1, 2)))]
    spoiled = draw(st.none() | st.integers(0, len(pages) - 1))
    if spoiled is not None:
        page = pages[spoiled]
        if page["seats"] and draw(st.booleans()):
            at = draw(st.integers(0, len(page["seats"]) - 1))
            entry = page["seats"][at]
            if draw(st.booleans()):
                entry = {**entry, "assignee": draw(mutated(entry["assignee"]))}
            page["seats"][at] = draw(mutated(entry))
        else:
            pages[spoiled] = draw(mutated(page))
    return Records(pages, spoiled, None)


LAYOUTS = ("lines", "array", "pretty array", "documents")


def layout(records: Records, how: str) -> tuple[str, int | None]:
    """The file's text, and the line the spoiled record starts on."""
    texts = [dump_json(r, indent=2 if how in ("pretty array", "documents") else None)
             for r in records.records]
    if records.duplicate is not None:
        key, value, last = records.duplicate
        texts[records.spoiled] = with_duplicate_key(texts[records.spoiled], key, value,
                                                    last=last)
    head, glue, tail = ("[\n", ",\n", "\n]\n") if "array" in how else ("", "\n", "\n")
    line = None
    if records.spoiled is not None:
        line = 1 + head.count("\n") + sum(t.count("\n") + glue.count("\n")
                                          for t in texts[:records.spoiled])
    return head + glue.join(texts) + tail, line


def _store_content(store: Store) -> dict:
    db: sqlite3.Connection = store._db
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = "
                                             "'table'")]
    return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in tables}


def import_and_check(content: bytes | str, name: str, *, skip_bad_rows: bool = False,
                     line: int | None = None) -> None:
    """Import one file into a new store: stored, or rejected saying where and storing
    nothing."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = write(folder / name, content)
        lines = _line_count(path)
        with Store(folder / "enrich.db", folder / "archive") as store:
            before = _store_content(store)
            try:
                summary = import_paths(store, [path], usage_rules=USAGE_METRICS_DEFAULT,
                                       skip_bad_rows=skip_bad_rows,
                                       rejects=folder / "rejects.jsonl",
                                       seats_taken_on=parse_day(DAY))
            except EnrichError as exc:
                check_error(exc, path, lines=lines)
                result = None
            else:
                result = summary.files[0]
                if result.status == "rejected":
                    check_error(result.error, path, lines=lines,
                                line=None if skip_bad_rows else line)
            if result is None or result.status == "rejected":
                assert _store_content(store) == before, "a rejected file left rows behind"
                assert not any(p.is_file() for p in (folder / "archive").rglob("*"))


def _line_count(path: Path) -> int:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except Exception:  # noqa: BLE001 - unreadable: whatever it says, it names no line
            return 0
    return data.count(b"\n") + 1


NAMES = st.sampled_from(["day.jsonl", "day.json", "day.ndjson", "day.json.gz", "seats.json"])


@given(records=engagement_records() | seat_pages(), how=st.sampled_from(LAYOUTS),
       packed=st.booleans(), skip_bad_rows=st.booleans())
def test_near_valid_files_are_stored_or_rejected_naming_file_and_line(
        records, how, packed, skip_bad_rows):
    text, line = layout(records, how)
    content = text.encode("utf-8", "surrogatepass")
    if packed:
        content = gzip.compress(content, mtime=0)
    import_and_check(content, "day.json.gz" if packed else "day.json",
                     skip_bad_rows=skip_bad_rows, line=line)


@st.composite
def spoiled_files(draw) -> bytes:
    text, _ = layout(draw(engagement_records() | seat_pages()), draw(st.sampled_from(LAYOUTS)))
    return draw(spoiled_bytes(text.encode("utf-8", "surrogatepass")))


@given(raw=spoiled_files(), name=NAMES, skip_bad_rows=st.booleans())
def test_raw_bytes_are_stored_or_rejected_naming_the_file(raw, name, skip_bad_rows):
    import_and_check(raw, name, skip_bad_rows=skip_bad_rows)


@given(moment=st.datetimes(max_value=datetime(1, 1, 2), timezones=st.timezones())
       | st.datetimes(min_value=datetime(9999, 12, 30), timezones=st.timezones()),
       kind=st.sampled_from(sorted(ROWS)))
def test_a_future_or_ancient_day_is_stored_or_rejected(moment, kind):
    row = ROWS[kind]("ada", 11) | {"day": moment.isoformat()}
    import_and_check(dump_json(row), "day.jsonl")


@given(value=VALUES | TEXT)
def test_any_json_document_is_stored_or_rejected(value):
    import_and_check(dump_json(value), "day.json")


@settings(max_examples=20)  # few cases, each slow: Python's json recurses on each level
@given(depth=st.integers(1_000, 5_000), layout=st.sampled_from(["[{}]", "{}"]))
def test_deeply_nested_json_is_rejected_naming_the_file(depth, layout):
    value = "[" * depth + "]" * depth
    import_and_check(layout.format(f'{{"day": "{DAY}", "login": "ada", "user_id": 11, '
                                   f'"cli_engagement": {value}}}'), "day.json")


# Examples the fuzzing found, kept as plain tests.

def import_cli(run_cli, tmp_path, monkeypatch, name, content, *options):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    write(tmp_path / name, content)
    return run_cli("import", *options, name)


def rejected(message: str) -> str:
    """What the import says of one rejected file; a bad seat list is not one that
    --skip-bad-rows would import."""
    advice = ("and import it again." if message.startswith("seats.json") else
              "or import with --skip-bad-rows to store its good rows.")
    return f"Error: {message}\n1 file rejected: nothing of it was stored. Fix it, {advice}\n"


def test_11_fuzz_team_id_beyond_64_bits_is_a_bad_row(run_cli, tmp_path, monkeypatch):
    row = team_row("ada", 11) | {"team_id": 2**64 - 1}
    result = import_cli(run_cli, tmp_path, monkeypatch, "teams.jsonl", dump_json(row) + "\n")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == rejected(
        'teams.jsonl, line 1: "team_id" is 18446744073709551615; expected a positive integer')


def test_11_fuzz_a_login_that_is_a_list_is_a_bad_row(run_cli, tmp_path, monkeypatch):
    row = seed_row(DAY, "ada", 11) | {"login": ["ada"]}
    result = import_cli(run_cli, tmp_path, monkeypatch, "day.jsonl", dump_json(row) + "\n")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == rejected(
        'day.jsonl, line 1: "login" is ["ada"]; expected a GitHub login')


def test_11_fuzz_engagement_value_beyond_64_bits_in_an_array(run_cli, tmp_path, monkeypatch):
    rows = [seed_row(DAY, "ada", 11), seed_row(DAY, "bob", 12) | {"cli_engagement": 2**64}]
    result = import_cli(run_cli, tmp_path, monkeypatch, "day.json", dump_json(rows, indent=1))
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == rejected(
        'day.json, line 16: "cli_engagement" is 18446744073709551616; expected 0 or 1')


def test_11_fuzz_rejects_file_keeps_a_row_with_a_number_beyond_64_bits(
        run_cli, tmp_path, monkeypatch):
    rows = [seed_row(DAY, "ada", 11), seed_row(DAY, "bob", -(2**63) - 1)]
    result = import_cli(run_cli, tmp_path, monkeypatch, "day.json", dump_json(rows),
                        "--skip-bad-rows")
    assert result.status == ExitStatus.PARTIAL_DATA
    reject = json.loads((tmp_path / "out" / "rejects.jsonl").read_text())
    assert reject["reason"] == '"user_id" is -9223372036854775809; expected a positive integer'
    assert json.loads(reject["row"]) == rows[1]


def test_11_fuzz_a_seat_editor_that_is_a_list_is_bad_input(run_cli, tmp_path, monkeypatch):
    page = {"total_seats": 1, "seats": [seat("ada", 11) | {"last_activity_editor": []}]}
    result = import_cli(run_cli, tmp_path, monkeypatch, "seats.json", dump_json(page))
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == rejected(
        "seats.json, line 1: seats[0].last_activity_editor is []; expected an editor name")


def test_11_fuzz_a_seat_id_beyond_64_bits_is_bad_input(run_cli, tmp_path, monkeypatch):
    page = {"total_seats": 1, "seats": [seat("ada", 2**63)]}
    result = import_cli(run_cli, tmp_path, monkeypatch, "seats.json", dump_json(page))
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == rejected("seats.json, line 1: seats[0].assignee.id is "
                                     "9223372036854775808; expected a positive integer")


def test_11_fuzz_skipping_a_json_array_cut_short(run_cli, tmp_path, monkeypatch):
    text = "[\n" + dump_json(seed_row(DAY, "ada", 11, "cli")) + ",\n{\"day\": \"2025"
    result = import_cli(run_cli, tmp_path, monkeypatch, "day.json", text, "--skip-bad-rows")
    assert result.status == ExitStatus.PARTIAL_DATA
    reject = json.loads((tmp_path / "out" / "rejects.jsonl").read_text())
    assert reject == {"file": "day.json", "line": 3, "reason": "invalid JSON: Unterminated "
                      "string starting at", "row": ""}


@pytest.mark.parametrize(("name", "document", "line"), [
    ("seats.json", {"total_seats": 1, "seats": [seat("\ud800", 11)]}, 1),
    ("teams.json", [team_row("ada", 11), team_row("bob", 12) | {"slug": "\ud800team"}], 10),
], ids=["seat login", "team slug"])
def test_11_fuzz_a_lone_surrogate_in_a_json_document_is_bad_input(
        run_cli, tmp_path, monkeypatch, name, document, line):
    result = import_cli(run_cli, tmp_path, monkeypatch, name, dump_json(document, indent=1))
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == rejected(
        f"{name}, line {line}: invalid JSON: '\\ud800' is no character (a lone surrogate)")


@pytest.mark.parametrize(("name", "document", "problem"), [
    ("day.jsonl", seed_row(DAY, "ada", 11) | {"day": "0001-01-01T05:26:11+06:00"},
     "\"day\" is '0001-01-01T05:26:11+06:00': before year 1 or after year 9999 in UTC: "
     "'0001-01-01T05:26:11+06:00'"),
    ("seats.json", {"seats": [seat("ada", 11) | {"created_at": "9999-12-31T23:00:00-05:00"}]},
     "seats[0].created_at is '9999-12-31T23:00:00-05:00'; expected a date"),
], ids=["engagement day", "seat timestamp"])
def test_11_fuzz_a_timestamp_whose_utc_day_is_off_the_calendar_is_bad_input(
        run_cli, tmp_path, monkeypatch, name, document, problem):
    result = import_cli(run_cli, tmp_path, monkeypatch, name, dump_json(document) + "\n")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == rejected(f"{name}, line 1: {problem}")
