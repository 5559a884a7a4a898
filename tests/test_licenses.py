"""`enrich licenses`: the license review's files for finance, on a store with known seats.

Reviewed as of 2025-03-31: in use means used from 2025-03-02; a seat created after 2025-03-17
is in its grace period.

    seat holder (cost center)       plan        what the store and GitHub say       outcome
    f1 Fay Finance (CC-1)           business    GitHub activity 03-20, engaged 03-20  in use
    f2 Fred Finance (CC-1), left    business    GitHub activity 03-25                 leaver
    f3 Flo Finance (CC-1)           business    nothing; cancellation pending 04-15   pending
    e1 "=cmd..." (CC-2)             enterprise  nothing at all                        never used
    e2 Eve Eng (CC-2), two orgs     enterprise  engaged 02-10, GitHub activity 02-11  inactive 48 d
       (acme through team devs; beta business, created earlier)
    ghost, unknown to the org chart business    created 03-25                         in grace
    (no assignee)                   business    nothing                               never used

    cost center   seats  cost  in use  not  to reclaim  idle
    CC-1          3      57    2       1    1           19
    CC-2          2      78    0       2    2           78
    (unmapped)    2      38    0       2    1           19
    enterprise    7      173   2       5    4           116
"""

import json
import logging
import os
from pathlib import Path

import pytest
from conftest import CountingHandler, pdf_text, seed_row, undated, words, write_jsonl
from conftest import read_csv_rows as read_csv

from enrich.errors import ExitStatus

ORG = """\
cost_centers: {CC-1: Finance CC, CC-2: Engineering CC}
units:
  - {id: fin, name: Finance, cost_center: CC-1}
  - {id: eng, name: "=Engineering", cost_center: CC-2}
people:
  - {id: f1, name: Fay Finance, unit: fin, github: f1}
  - {id: f2, name: Fred Finance, unit: fin, github: f2, status: left, manager: f1}
  - {id: f3, name: Flo Finance, unit: fin, github: f3, manager: f1}
  - {id: e1, name: "=cmd|' /c calc'!A0", unit: eng, github: e1}
  - {id: e2, name: Eve Eng, unit: eng, github: e2, manager: e1}
"""


def seat(login, uid, plan="business", org="acme", *, created="2024-01-01T00:00:00Z",
         activity=None, pending=None, team=None):
    return {"assignee": None if login is None else {"login": login, "id": uid},
            "organization": {"login": org}, "plan_type": plan, "created_at": created,
            "last_activity_at": activity, "pending_cancellation_date": pending,
            "assigning_team": {"slug": team} if team else None}


SEATS = {"total_seats": 8, "seats": [
    seat("f1", 11, activity="2025-03-20T10:00:00Z"),
    seat("f2", 12, activity="2025-03-25T10:00:00Z"),
    seat("f3", 13, pending="2025-04-15"),
    seat("e1", 21, "enterprise", created="2024-06-01T00:00:00Z"),
    seat("e2", 22, "enterprise", created="2024-06-01T00:00:00Z",
         activity="2025-02-11T09:00:00Z", team="devs"),
    seat("e2", 22, "business", "beta"),
    seat("ghost", 99, created="2025-03-25T08:00:00Z"),
    seat(None, None),
]}


@pytest.fixture
def company(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(ORG)
    (tmp_path / "enrich.yaml").write_text(
        "company: {name: Initech}\n"
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n")
    write_jsonl(tmp_path / "inbox" / "days.jsonl", [
        seed_row("2025-02-10", "e2", 22, "code_completion"),
        seed_row("2025-03-20", "f1", 11, "panel_chat")])
    (tmp_path / "seats.json").write_text(json.dumps(SEATS))
    assert run_cli("import", "--covers", "2025-02-01..2025-03-31", "inbox").status == 0
    assert run_cli("import", "--seats-date", "2025-04-01", "seats.json").status == 0
    return tmp_path




def test_the_pdf_holds_the_totals_per_cost_center(run_cli, company):
    result = run_cli("licenses", "--month", "2025-03")
    assert result.status == ExitStatus.OK, result.stderr
    assert result.stdout.splitlines()[0] == (
        "7 seats, 173 USD a month at list price; 5 not in use; 4 to reclaim, 116 USD a month")
    text = words(pdf_text(company / "out" / "licenses.pdf"))
    assert "Finance CC (CC-1) 3 57 USD 2 1 1 19 USD" in text
    assert "Engineering CC (CC-2) 2 78 USD 0 2 2 78 USD" in text
    assert "Holders not in the org chart 2 38 USD 0 2 1 19 USD" in text
    assert "Enterprise 7 173 USD 2 5 4 116 USD" in text
    assert "4 seats can be reclaimed, saving 116 USD a month (1,392 USD a year)" in text
    # each cost center's candidates with their reasons, and the seats spared
    assert "f2 Fred Finance Finance Fay Finance 2024-01-01 no record 2025-03-25 leaver" in text
    assert "e2 Eve Eng =Engineering" in text and "unused for 48 days" in text
    assert "e1 =cmd|' /c calc'!A0" in text and "never used" in text
    assert "cancelled on" in text and "2025-04-15" in text and "in grace" in text
    assert "The org chart does not know who holds these seats" in text


def test_every_seat_is_a_row_and_formulas_are_neutralised(run_cli, company):
    assert run_cli("licenses", "--month", "2025-03").status == 0
    seats = read_csv(company / "out" / "licenses.csv")
    assert len(seats) == 7
    e2 = next(row for row in seats if row["login"] == "e2")
    assert (e2["plan_type"], e2["organizations"], e2["assigning_teams"], e2["created_day"],
            e2["status"], e2["days_since_last_use"]) == (
        "enterprise", "acme beta", "devs", "2024-01-01", "not in use", "48")
    e1 = next(row for row in seats if row["login"] == "e1")
    assert e1["name"] == "'=cmd|' /c calc'!A0" and e1["unit_name"] == "'=Engineering"
    assert e1["reason"] == "never used" and e1["last_engaged_day"] == ""
    reclaim = read_csv(company / "out" / "reclaim.csv")
    assert [(r["cost_center"], r["login"], r["reason"]) for r in reclaim] == [
        ("CC-1", "f2", "leaver"), ("CC-2", "e1", "never used"),
        ("(unmapped)", "", "never used"), ("CC-2", "e2", "not in use")]
    for name in ("licenses.csv", "reclaim.csv", "licenses.pdf", "licenses.html"):
        assert os.stat(company / "out" / name).st_mode & 0o777 == 0o600


def test_the_reclaim_export_is_grouped_per_organization(run_cli, company):
    result = run_cli("licenses", "--month", "2025-03", "--export-reclaim")
    assert result.status == 0
    export = json.loads((company / "out" / "reclaim-export.json").read_text())
    acme, beta = export["organizations"]
    assert acme["request"] == {"method": "DELETE",
                               "path": "/orgs/acme/copilot/billing/selected_users",
                               "body": {"selected_usernames": ["e1", "f2"]}}
    assert [(s["login"], s["teams"]) for s in acme["through_teams"]] == [("e2", ["devs"])]
    assert (beta["organization"], beta["request"]) == ("beta", None)
    assert [s["login"] for s in beta["through_teams"]] == ["e2"]
    assert "never removes a seat" in export["note"]


def test_one_pdf_per_cost_center_on_request(run_cli, company):
    with open(company / "enrich.yaml", "a") as fh:
        fh.write("licenses: {per_cost_center: true}\n")
    assert run_cli("licenses", "--month", "2025-03").status == 0
    singles = sorted(p.name for p in (company / "out").glob("licenses-*.pdf"))
    assert singles == ["licenses-CC-1.pdf", "licenses-CC-2.pdf", "licenses-unmapped.pdf"]
    text = words(pdf_text(company / "out" / "licenses-CC-1.pdf"))
    assert "Fred Finance" in text and "Eve Eng" not in text


def test_without_seat_data_it_says_how_to_get_some(run_cli, company, tmp_path):
    (company / "enrich.yaml").write_text((company / "enrich.yaml").read_text()
                                         + "store: {path: other.db}\n")
    assert run_cli("import", "inbox").status == 0  # engagement, but no seat list
    result = run_cli("licenses", "--month", "2025-03")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr.startswith("Error: no seat data")


def test_the_run_reviews_licenses_after_the_rollup(run_cli, company):
    with open(company / "enrich.yaml", "a") as fh:
        fh.write("run: {stages: [rollup, licenses]}\n")
    result = run_cli("run", "--month", "2025-03")
    assert result.status == 0, result.stderr
    summary = json.loads((company / "out" / "run-summary.json").read_text())
    assert [(s["stage"], s["status"]) for s in summary["stages"]] == [
        ("rollup", "ok"), ("licenses", "ok")]


def test_a_seat_csv_export_stands_in_for_the_stored_seats(run_cli, company):
    (company / "seats.csv").write_text(
        "Login;Organization;Plan type;Created at;Last activity at;Assigning team\n"
        "F1;acme;Business;2024-01-01T00:00:00Z;2025-03-20T10:00:00Z;\n"
        "e2;acme;enterprise;2024-06-01T00:00:00Z;2025-02-11T09:00:00Z;devs\n"
        "newbie;acme;business;2025-03-25T08:00:00Z;;\n", encoding="utf-8-sig")
    with open(company / "enrich.yaml", "a") as fh:
        fh.write("seats: {csv: seats.csv}\n")
    result = run_cli("licenses", "--month", "2025-03")
    assert result.status == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "3 seats, 77 USD a month at list price; 2 not in use; 1 to reclaim, 39 USD a month")
    seats = {row["login"]: row for row in read_csv(company / "out" / "licenses.csv")}
    # F1 is f1, whom the store knows as user 11, engaged on 03-20
    assert (seats["F1"]["user_id"], seats["F1"]["name"], seats["F1"]["last_engaged_day"]) == (
        "11", "Fay Finance", "2025-03-20")
    assert (seats["e2"]["status"], seats["e2"]["days_since_last_use"]) == ("not in use", "48")
    assert (seats["newbie"]["user_id"], seats["newbie"]["cost_center"],
            seats["newbie"]["status"]) == ("-1", "(unmapped)", "grace")
    # the seats count in the rollup's population too: two holders in the org chart, one engaged
    assert run_cli("rollup", "--month", "2025-03").status == 0
    rollup = json.loads((company / "out" / "rollup.json").read_text())
    enterprise = rollup["units"][0]
    assert (enterprise["population"], enterprise["engaged"]) == (2, 1)


def test_a_bad_seat_csv_names_the_file_and_line(run_cli, company):
    (company / "seats.csv").write_text("Login,Created at\nf1,yesterday\n")
    with open(company / "enrich.yaml", "a") as fh:
        fh.write("seats: {csv: seats.csv}\n")
    result = run_cli("licenses", "--month", "2025-03")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.startswith(f"Error: {company}/seats.csv, line 2: seat of f1: column "
                                    "'Created at' is 'yesterday'")


def test_weasyprint_renders_the_review_without_a_complaint(run_cli, company, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        assert run_cli("licenses", "--month", "2025-03").status == 0
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_14_7_licenses_html_leaves_out_what_a_custom_template_would_fetch(
        run_cli, company, web_server):
    templates = company / "my-templates"
    templates.mkdir()
    (templates / "licenses.css").write_text(
        f'@import url("{web_server}/brand.css");\n'
        f"h1 {{ background: url({web_server}/paper.png); }}\n")
    with open(company / "enrich.yaml", "a") as fh:
        fh.write("templates: my-templates\n")
    result = run_cli("licenses", "--month", "2025-03")
    assert result.status == ExitStatus.OK, result.stderr
    assert CountingHandler.requests == []
    html = (company / "out" / "licenses.html").read_text()
    for name in ("brand.css", "paper.png"):
        url = f"{web_server}/{name}"
        assert url not in html
        assert (f"warning: the templates refer to {url}, which was not fetched: a document "
                "reads only its own files, and licenses.html leaves it out") in result.stderr


def test_13_2_a_run_writes_what_its_commands_write_one_by_one(run_cli, company):
    # the outputs of a run are made side by side in forked processes, from one rollup
    (company / "org.yaml").write_text(ORG.replace(
        "{id: fin, name: Finance,", "{id: fin, name: Finance, lead: {name: Fay, email: "
        "fay@corp.test},").replace(
        "{id: eng, name: \"=Engineering\",", "{id: eng, name: \"=Engineering\", lead: "
        "{name: Eve, email: eve@corp.test},"))
    settings = (company / "enrich.yaml").read_text()
    for command in ("rollup", "report", "digest", "licenses"):
        assert run_cli(command, "--month", "2025-03").status in (0, 1)
    (company / "enrich.yaml").write_text(
        settings + "run:\n  stages: [rollup, report, digest, licenses]\n")
    result = run_cli("run", "--month", "2025-03", "--output", "job")
    assert result.stdout.splitlines()[:4] == [
        "rollup: ok", "report: ok", "digest: ok", "licenses: ok"], result.stderr

    def files(folder):
        return {path.relative_to(folder): undated(path.read_bytes())
                for path in folder.rglob("*") if path.is_file()}

    one_by_one, run = files(company / "out"), files(company / "job")
    assert len(run.pop(Path("run-summary.json"))) > 0
    assert {p.name for p in run} >= {"report.pdf", "licenses.pdf", "rollup.json"}
    assert sorted(p for p in run if p.suffix == ".eml") == [
        Path("outbox/eve_at_corp.test.eml"), Path("outbox/fay_at_corp.test.eml")]
    assert run == one_by_one
