"""A seat list's pages read as rows (`page_rows`): the same values, and the same errors, as
reading each seat on its own (`parse_page`)."""

import json
from dataclasses import astuple

import pytest

from enrich.dates import all_plain_days
from enrich.sources.engagement import RowError
from enrich.sources.seats import page_rows, parse_page
from enrich.store import Store


def seat(login="ada", user_id=11, **fields):
    return {"assignee": {"login": login, "id": user_id, "type": "User"},
            "organization": {"login": "acme"}, "assigning_team": None,
            "created_at": "2024-04-30T09:01:19Z", "last_activity_at": "2025-03-28T16:45:15Z",
            "last_activity_editor": "vscode/1.98.0", "last_authenticated_at": None,
            "pending_cancellation_date": None, "plan_type": "business", **fields}


# each page is read the quick way, or left to the seat-by-seat reading: the rows are the same
PAGES = {
    "plain": [seat(), seat("bo", 12, assigning_team={"slug": "devs"})],
    "no seats": [],
    "no timestamps": [seat(created_at=None, last_activity_at=None)],
    "a date": [seat(pending_cancellation_date="2025-04-01")],
    "fractions and +00:00": [seat(created_at="2024-04-30T09:01:19.1234567+00:00")],
    "an offset": [seat(last_activity_at="2025-03-31T23:30:00-05:00")],
    "no assignee": [seat(assignee=None), seat()],
    "names, not logins": [seat(organization={"name": "Acme"}, assigning_team={"name": "Devs"})],
    "an organization that is no object": [seat(organization="acme")],
    "no plan": [seat(plan_type=None), seat(plan_type="")],
}


@pytest.mark.parametrize("seats", PAGES.values(), ids=PAGES.keys())
def test_13_seats_rows_are_the_seats_values(seats):
    page = {"total_seats": len(seats), "seats": seats}
    assert page_rows(page) == [astuple(s) for s in parse_page(page)]


BAD = {
    "two timestamps in one": (seat(created_at="2024-04-30T09:01:19Z\n2024-04-30T09:01:19Z"),
                              "seats[1].created_at is '2024-04-30T09:01:19Z\\n2024-04-30T09:..."
                              "; expected a date"),
    "no such day": (seat(last_activity_at="2025-02-30T10:00:00Z"),
                    "seats[1].last_activity_at is '2025-02-30T10:00:00Z'; expected a date"),
    "digits of another script": (seat(created_at="٢٠٢٤-04-30"),
                                 "seats[1].created_at is '٢٠٢٤-04-30'; expected a date"),
    "a number": (seat(last_authenticated_at=20250301),
                 "seats[1].last_authenticated_at is 20250301; expected a date"),
    "a login of none": (seat(login=""), "seats[1].assignee.login is ''; expected a GitHub login"),
    "an id of true": (seat(user_id=True), "seats[1].assignee.id is true; expected a positive "
                                          "integer"),
    "an editor list": (seat(last_activity_editor=[]),
                       "seats[1].last_activity_editor is []; expected an editor name"),
}


@pytest.mark.parametrize(("bad", "message"), BAD.values(), ids=BAD.keys())
def test_13_seats_a_bad_seat_is_named_as_before(bad, message):
    page = {"total_seats": 3, "seats": [seat(), bad, seat(login="bo", user_id=12)]}
    with pytest.raises(RowError) as raised:
        page_rows(page)
    assert str(raised.value) == message


def test_13_seats_a_seat_list_of_pages_stores_every_seat(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pages = [{"total_seats": 250, "seats": [seat(f"u{p}-{i}", 1000 + 100 * p + i)
                                            for i in range(100 if p < 2 else 50)]}
             for p in range(3)]
    pages[1]["seats"][7]["created_at"] = "2024-05-01T01:00:00+02:00"  # read seat by seat
    (tmp_path / "seats.json").write_text("".join(
        json.dumps(page, indent=2) + "\n" for page in pages))
    result = run_cli("import", "seats.json")
    assert result.status == 0, result.stderr
    with Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive") as store:
        _, seats = store.seat_snapshot(10**6)
    assert [astuple(s) for s in seats] == [astuple(s) for page in pages
                                           for s in parse_page(page)]


@pytest.mark.parametrize(("texts", "plain"), [
    ([], True),
    (["2025-03-01", "2025-03-01T10:00:00Z", "2025-03-01 23:59:59.5+00:00"], True),
    (["2025-03-01T10:00:00-01:00"], False),
    (["2025-03-01\n2025-03-01"], False),
    (["2025-13-01"], False),
    ([None], False),
])
def test_13_seats_plain_days_are_what_parse_day_reads_the_quick_way(texts, plain):
    assert all_plain_days(texts) is plain
