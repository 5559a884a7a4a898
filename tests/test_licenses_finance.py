"""The license review for finance: chargeback, the seats month by month, what reclaims saved,
PDFs per cost center that stand alone, and the words and CSVs they share with the report.

The store holds four seat lists (default terms: in use means used in the last 30 days,
grace 14 days, business 19 and enterprise 39 a month):

    seat list    seats (cost center)
    2024-12-05   ann (CC-1)                         a December list, replaced by the later one
    2024-12-20   ann, bob (CC-1)                    December: 2 seats, 58
    (January: none)
    2025-02-28   ann, bob, eve (CC-1); cid, dee     February: 5 seats, 115
                 (CC-2)
    2025-03-31   ann, eve, ivy (CC-1); dee (CC-2);  March: 5 seats, 95
                 fox (unknown to the org chart)

    bob is enterprise, the others business. ann engaged 02-10 and 03-10; cid has left; dee's
    seat was created 02-20; fox engaged 03-15; gil (org chart, no seat) 03-12; hal (unknown,
    no seat) 03-20.

The review of February (window 01-30..02-28) proposed bob (never used, 39), cid (leaver, 19)
and eve (never used, 19): 3 seats, 77 a month; dee was in grace (8 days old). Of those, bob
and cid hold no seat on 2025-03-31: 2 seats reclaimed, 58 a month (CC-1: 1, 39; CC-2: 1, 19).

March (window 03-02..03-31): ann and fox in use; eve, ivy, dee (39 days old) never used.
"""

import json
import re
from pathlib import Path

import pytest
from conftest import pdf_text, read_csv_rows, seed_row, words, write_jsonl
from test_license_review import run as hand_computed_review

from enrich.directory.model import Directory, Lead, Unit
from enrich.licenses.owners import cost_center_owners
from enrich.outputs.license_tables import candidate_order

ORG = """\
cost_centers: {CC-1: Finance CC, CC-2: Engineering CC}
units:
  - {id: fin, name: Finance, cost_center: CC-1, lead: {name: Fay Owner, email: fay@example.com}}
  - {id: eng, name: Engineering, cost_center: CC-2}
people:
  - {id: a, name: Ann Able, unit: fin, github: ann}
  - {id: b, name: Bob Best, unit: fin, github: bob}
  - {id: c, name: Cid Cole, unit: eng, github: cid, status: left}
  - {id: d, name: Dee Dunn, unit: eng, github: dee}
  - {id: e, name: Eve East, unit: fin, github: eve}
  - {id: g, name: Gil Gray, unit: eng, github: gil}
  - {id: i, name: Ivy Iver, unit: fin, github: ivy}
"""
USERS = {"ann": 1, "bob": 2, "cid": 3, "dee": 4, "eve": 5, "fox": 6, "gil": 7, "hal": 8,
         "ivy": 9}
CREATED = {"dee": "2025-02-20T09:00:00Z", "fox": "2025-03-01T09:00:00Z"}
SEAT_LISTS = {
    "2024-12-05": ["ann"],
    "2024-12-20": ["ann", "bob"],
    "2025-02-28": ["ann", "bob", "cid", "dee", "eve"],
    "2025-03-31": ["ann", "eve", "ivy", "dee", "fox"],
}


def seat_list(logins):
    return {"total_seats": len(logins), "seats": [
        {"assignee": {"login": login, "id": USERS[login]}, "organization": {"login": "acme"},
         "plan_type": "enterprise" if login == "bob" else "business",
         "created_at": CREATED.get(login, "2024-01-01T00:00:00Z"), "last_activity_at": None,
         "pending_cancellation_date": None, "assigning_team": None} for login in logins]}


def configure(folder, extra=""):
    (folder / "enrich.yaml").write_text(
        "company: {name: Initech}\n"
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n" + extra)


@pytest.fixture
def finance(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(ORG)
    configure(tmp_path)
    write_jsonl(tmp_path / "inbox" / "days.jsonl", [
        seed_row(day, login, USERS[login], "code_completion")
        for day, login in [("2025-02-10", "ann"), ("2025-03-10", "ann"), ("2025-03-15", "fox"),
                           ("2025-03-12", "gil"), ("2025-03-20", "hal")]])
    assert run_cli("import", "--covers", "2024-12-01..2025-03-31", "inbox").status == 0
    for day, logins in SEAT_LISTS.items():
        (tmp_path / f"seats-{day}.json").write_text(json.dumps(seat_list(logins)))
        assert run_cli("import", "--seats-date", day, f"seats-{day}.json").status == 0
    return tmp_path


def test_14_3_chargeback_per_cost_center(run_cli, finance):
    assert run_cli("licenses", "--month", "2025-03").status == 0
    rows = read_csv_rows(finance / "out" / "chargeback.csv")
    # without billed usage in the store, its columns are empty: not known, not zero
    no_usage = ["", "", "", "USD", ""]
    assert [list(row.values()) for row in rows] == [
        ["CC-1", "Finance CC", "Fay Owner", "fay@example.com", "3", "3", "0", "57", "USD", "1",
         "38", "57.00", *no_usage, "1", "", ""],
        ["CC-2", "Engineering CC", "", "", "1", "1", "0", "19", "USD", "0", "19", "19.00",
         *no_usage, "1", "", ""],
        ["(unmapped)", "(unmapped)", "", "", "1", "1", "0", "19", "USD", "1", "0", "19.00",
         *no_usage, "2", "", ""]]
    assert list(rows[0]) == ["cost_center", "cost_center_name", "owner", "owner_email",
                             "seats", "seats.business", "seats.enterprise", "monthly_cost",
                             "currency", "seats_in_use", "idle_cost", "seat_cost",
                             "usage_gross", "usage_discount", "usage_net", "billed_currency",
                             "total", "engaged", "usage_net_per_engaged", "usage_share"]


def test_14_3_the_trend_and_the_savings_of_last_months_reclaims(run_cli, finance):
    assert run_cli("licenses", "--month", "2025-03").status == 0
    trend = (finance / "out" / "licenses-trend.csv").read_text(encoding="utf-8-sig")
    assert trend.splitlines() == [
        "month,snapshot_day,cost_center,cost_center_name,seats,monthly_cost,currency,"
        "reclaimed_seats,saved_monthly_cost",
        "2024-12,2024-12-20,CC-1,Finance CC,2,58,USD,,",
        "2024-12,2024-12-20,CC-2,Engineering CC,0,0,USD,,",
        "2024-12,2024-12-20,(unmapped),(unmapped),0,0,USD,,",
        "2024-12,2024-12-20,enterprise,Enterprise,2,58,USD,,",
        "2025-01,,enterprise,Enterprise,,,USD,,",
        "2025-02,2025-02-28,CC-1,Finance CC,3,77,USD,,",
        "2025-02,2025-02-28,CC-2,Engineering CC,2,38,USD,,",
        "2025-02,2025-02-28,(unmapped),(unmapped),0,0,USD,,",
        "2025-02,2025-02-28,enterprise,Enterprise,5,115,USD,,",
        "2025-03,2025-03-31,CC-1,Finance CC,3,57,USD,1,39",
        "2025-03,2025-03-31,CC-2,Engineering CC,1,19,USD,1,19",
        "2025-03,2025-03-31,(unmapped),(unmapped),1,19,USD,0,0",
        "2025-03,2025-03-31,enterprise,Enterprise,5,95,USD,2,58"]
    text = " ".join(words(pdf_text(finance / "out" / "licenses.pdf")).split())
    assert ("Reclaimed since the review of February 2025: 2 seats that review proposed are no "
            "longer in the seat list, saving 58 USD a month.") in text
    assert ("the review of February 2025 (on the seat list of 2025-02-28) proposed it and its "
            "holder holds no seat in the seat list of 2025-03-31") in text
    assert "Dec Jan Feb Mar" in text
    assert "Finance CC (CC-1) 2 – 3 3" in text and "Enterprise 2 – 5 5" in text
    assert "Monthly cost (USD) 58 – 115 95" in text
    assert "Finance CC (CC-1) 1 39 USD" in text and "Engineering CC (CC-2) 1 19 USD" in text


def test_14_3_without_a_seat_list_the_month_before_nothing_is_claimed_saved(run_cli, finance):
    # December needs engagement data of its own to be reviewed at all
    write_jsonl(finance / "december.jsonl", [seed_row("2024-12-10", "ann", USERS["ann"], "cli")])
    assert run_cli("import", "--covers", "2024-12-01..2024-12-31", "december.jsonl").status == 0
    assert run_cli("licenses", "--month", "2024-12").status == 0
    trend = (finance / "out" / "licenses-trend.csv").read_text(encoding="utf-8-sig")
    # the trend starts with the first month that has a seat list
    assert trend.splitlines()[1:] == [
        "2024-12,2024-12-20,CC-1,Finance CC,2,58,USD,,",
        "2024-12,2024-12-20,enterprise,Enterprise,2,58,USD,,"]
    assert "Reclaimed since" not in pdf_text(finance / "out" / "licenses.pdf")


def pages_of(pdf) -> list[list[str]]:
    return [[line.strip() for line in page.splitlines() if line.strip()]
            for page in pdf_text(pdf).split("\f") if page.strip()]


def test_14_3_the_running_header_names_the_cost_center_on_the_page(run_cli, tmp_path,
                                                                   monkeypatch):
    """CC-1's 100 candidates run over several pages and CC-2 starts under the last of them:
    every page's header names the cost center of the first seat holder on it."""
    monkeypatch.chdir(tmp_path)
    people = [(f"p{n:03d}", "CC-1") for n in range(100)] + [(f"q{n}", "CC-2") for n in range(4)]
    (tmp_path / "org.yaml").write_text(
        "cost_centers: {CC-1: Alpha, CC-2: Beta}\nunits:\n"
        "  - {id: a, name: A, cost_center: CC-1}\n  - {id: b, name: B, cost_center: CC-2}\n"
        "people:\n" + "".join(f"  - {{id: {login}, name: N {login}, github: {login}, "
                              f"unit: {'a' if cc == 'CC-1' else 'b'}}}\n"
                              for login, cc in people))
    configure(tmp_path, "licenses: {pdf_rows: 200}\n")
    (tmp_path / "seats.json").write_text(json.dumps({"seats": [
        {"assignee": {"login": login, "id": 100 + i}, "plan_type": "business",
         "created_at": "2024-01-01T00:00:00Z"} for i, (login, _) in enumerate(people)]}))
    assert run_cli("import", "--seats-date", "2025-03-31", "seats.json").status == 0
    # engagement of someone without a seat, so that the month has data
    write_jsonl(tmp_path / "march.jsonl", [seed_row("2025-03-10", "zed", 9999, "cli")])
    assert run_cli("import", "--covers", "2025-03-01..2025-03-31", "march.jsonl").status == 0
    assert run_cli("licenses", "--month", "2025-03").status == 0
    cost_center = dict(people)
    name = {"CC-1": "Alpha (CC-1)", "CC-2": "Beta (CC-2)"}
    checked = []
    for page in pages_of(tmp_path / "out" / "licenses.pdf")[1:]:
        holders = [line.split()[0] for line in page if line.split()[0] in cost_center]
        if holders:
            assert page[0].endswith(name[cost_center[holders[0]]]), page[:3]
            checked.append((cost_center[holders[0]], cost_center[holders[-1]]))
    # CC-1 over several pages, and CC-2 starting on the page that ends CC-1
    assert len(checked) >= 3 and checked[-1] == ("CC-1", "CC-2")


def test_14_3_a_cost_center_pdf_stands_alone(run_cli, finance):
    configure(finance, "licenses: {per_cost_center: true, pdf_rows: 1}\n")
    assert run_cli("licenses", "--month", "2025-03").status == 0
    out = finance / "out"
    text = " ".join(pdf_text(out / "licenses-CC-1.pdf", layout=False).split())
    for part in ("INITECH GitHub Copilot license review Finance CC (CC-1), owned by Fay Owner",
                 "Seats on 2025-03-31 · in use means used between 2025-03-02 and 2025-03-31",
                 "3 business", "684 USD a year", "66.7% of the seats; 1 in use",
                 "idle cost 38 USD a month",
                 "Reclaimed since the review of February 2025: 1 seat it proposed is no "
                 "longer in the seat list, saving 39 USD a month.",
                 "Reclaim candidates: 2", "reclaim-CC-1.csv",
                 "In use: the holder used Copilot on a day from 2025-03-02 to 2025-03-31",
                 "younger than 14 days", "Prices a month: business 19 USD, enterprise 39 USD."):
        assert part in text, part
    # every candidate, though licenses.pdf lists only the first of each cost center
    assert "eve Eve East" in text and "ivy Ivy Iver" in text and "Ann Able" not in text
    assert "Dec 2024 Jan 2025 Feb 2025 Mar 2025 Seats 2 – 3 3" in text
    assert "more, in reclaim.csv" in pdf_text(out / "licenses.pdf")
    assert "more, in reclaim.csv" not in text
    assert [row["login"] for row in read_csv_rows(out / "reclaim-CC-1.csv")] == ["eve", "ivy"]
    # a cost center without candidates: a proper page with its totals
    unmapped = " ".join(pdf_text(out / "licenses-unmapped.pdf", layout=False).split())
    assert "Holders not in the org chart" in unmapped and "0.0% of the seats; 1 in use" in unmapped
    assert "No seat to reclaim: every seat of this cost center is in use." in unmapped
    assert read_csv_rows(out / "reclaim-unmapped.csv") == []


def test_14_3_one_vocabulary_for_seats(run_cli, finance):
    assert run_cli("licenses", "--month", "2025-03").status == 0
    assert run_cli("report", "--month", "2025-03").status == 0
    out = finance / "out"
    for name in ("licenses.pdf", "licenses-trend.csv", "report.pdf"):
        text = pdf_text(out / name) if name.endswith(".pdf") else (out / name).read_text()
        if name == "report.pdf":  # its license page
            text = text[text.index("Licenses"):text.index("Methodology and data coverage")]
        assert not re.search(r"\b(Active|Inactive|inactive)\b", text), name
    report = words(pdf_text(out / "report.pdf"))
    assert re.search(r"Cost center Seats Monthly cost In use Not in use To reclaim", report)
    seats = read_csv_rows(out / "licenses.csv")
    assert {row["status"] for row in seats} == {"in use", "not in use"}
    assert "in_use" in seats[0] and "days_since_last_use" in seats[0]


def test_14_5_the_report_says_how_seats_and_people_relate(run_cli, finance):
    assert run_cli("report", "--month", "2025-03").status == 0
    text = " ".join(words(pdf_text(finance / "out" / "report.pdf")).split())
    assert ("Seats and people: 5 seats, 2 in use (used in the 30 days to 2025-03-31); 4 held "
            "by people in the org chart, the others by GitHub accounts it does not know or by "
            "nobody. "
            "Adoption counts 7 people: the 4 seat holders in the org chart, 1 person of the "
            "org chart who used Copilot in the period without a seat and 2 GitHub users not "
            "in it who used Copilot in the period; 4 of the 7 are engaged (used Copilot in "
            "the period).") in text


def test_14_7_reclaim_csv_is_most_worth_reclaiming_first():
    """The hand-computed review: leavers (gus enterprise before eve business), then seats never
    used (jon, then the seat without an assignee), then the longest unused (cat 38 days,
    fay 30)."""
    ordered = sorted(hand_computed_review().candidates, key=candidate_order)
    assert [seat.seat.login for seat in ordered] == ["gus", "eve", "jon", None, "cat", "fay"]


def test_14_7_the_license_csvs_start_with_a_byte_order_mark(run_cli, finance):
    configure(finance, "licenses: {per_cost_center: true}\n")
    assert run_cli("licenses", "--month", "2025-03").status == 0
    names = ("licenses.csv", "reclaim.csv", "chargeback.csv", "licenses-trend.csv",
             "reclaim-CC-1.csv")
    for name in names:
        assert (finance / "out" / name).read_bytes().startswith(b"\xef\xbb\xbfcost_center"
                                                               if name != "licenses-trend.csv"
                                                               else b"\xef\xbb\xbfmonth"), name


def test_14_7_the_readme_documents_every_license_csv_column(run_cli, finance):
    """Every header of licenses.csv, reclaim.csv, chargeback.csv, spend.csv and
    licenses-trend.csv (the chargeback's plan columns as `seats.PLAN`) appears in the README
    as `column`."""
    assert run_cli("licenses", "--month", "2025-03").status == 0
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in ("licenses.csv", "reclaim.csv", "chargeback.csv", "spend.csv",
                 "licenses-trend.csv"):
        header = (finance / "out" / name).read_text(encoding="utf-8-sig").split("\n")[0]
        header = header.split(",")
        missing = [column for column in header
                   if f"`{re.sub(r'^seats[.].*', 'seats.PLAN', column)}`" not in readme]
        assert missing == [], name


def test_14_3_a_cost_centers_owner_is_the_lead_of_its_topmost_unit():
    lead = {name: Lead(name, f"{name.lower()}@example.com") for name in ("Ada", "Bob", "Cy")}
    units = [Unit("top", "Top", cost_center="CC-1", lead=lead["Ada"]),
             Unit("sub", "Sub", "top", cost_center="CC-1", lead=lead["Bob"]),
             # two units at the same height with different leads: no owner
             Unit("l", "Left", "top", cost_center="CC-2", lead=lead["Bob"]),
             Unit("r", "Right", "top", cost_center="CC-2", lead=lead["Cy"]),
             # the same lead twice is one owner; a unit without a lead gives none
             Unit("x", "X", "top", cost_center="CC-3", lead=lead["Cy"]),
             Unit("y", "Y", "top", cost_center="CC-3", lead=lead["Cy"]),
             Unit("z", "Z", "top", cost_center="CC-4")]
    owners = cost_center_owners(Directory({unit.id: unit for unit in units}, {}, {}))
    assert owners == {"CC-1": lead["Ada"], "CC-3": lead["Cy"]}
