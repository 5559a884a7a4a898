"""No figures without data: a period with no reported day, or not over yet, is refused by
every command that publishes figures, with nothing written and nothing sent."""

import json

import pytest
from conftest import seed_row, write_jsonl
from smtp_server import Mailbox, running_smtp

from enrich import cli
from enrich.dates import parse_day
from enrich.errors import ExitStatus
from enrich.store import Store

ORG = """\
units:
  - {id: eng, name: Engineering, lead: {name: Ada, email: ada@corp.test}}
people:
  - {id: e1, name: Ada, unit: eng, github: ada, email: ada@corp.test}
"""
PUBLISHING = ("rollup", "report", "digest", "licenses", "run")
TODAY = "2025-07-15"


@pytest.fixture
def company(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    monkeypatch.setattr(cli, "today", lambda: parse_day(TODAY))
    (tmp_path / "org.yaml").write_text(ORG)
    (tmp_path / "enrich.yaml").write_text(
        "directory:\n  sources: [{type: yaml, path: org.yaml}]\n"
        "run: {stages: [rollup, report, digest, licenses]}\n")
    return tmp_path


def imported(run_cli, company, *days, covers=None):
    """Engagement of Ada on `days` (and the seat list) in the store."""
    write_jsonl(company / "days.jsonl", [seed_row(day, "ada", 11, "cli") for day in days])
    (company / "seats.json").write_text(json.dumps({"total_seats": 1, "seats": [
        {"assignee": {"login": "ada", "id": 11}, "plan_type": "business",
         "created_at": "2025-01-01T00:00:00Z"}]}))
    covering = ("--covers", covers) if covers else ()
    assert run_cli("import", *covering, "days.jsonl", "seats.json").status == ExitStatus.OK


def refused(run_cli, company, command, *argv):
    result = run_cli(command, *argv)
    assert result.status == ExitStatus.NO_DATA, result.stderr
    assert "Traceback" not in result.stderr
    # nothing published; a run keeps the record of its stages
    written = {p.name for p in (company / "out").rglob("*") if p.is_file()} \
        if (company / "out").exists() else set()
    assert written <= {"run-summary.json"}
    return result


@pytest.mark.parametrize("command", PUBLISHING)
def test_14_1_an_empty_store_publishes_nothing(run_cli, company, command):
    Store(company / "enrich.db", company / "enrich.db.archive").close()
    result = refused(run_cli, company, command, "--month", "2025-06")
    assert result.stderr == (
        "Error: no data for 2025-06: the store holds no engagement at all yet\n"
        "Hint: run `enrich fetch` or `enrich import` first, or choose a period the store has\n")


@pytest.mark.parametrize("command", PUBLISHING)
def test_14_1_a_month_never_imported_names_what_the_store_holds(run_cli, company, command):
    imported(run_cli, company, "2025-03-03", "2025-05-30")
    result = refused(run_cli, company, command, "--month", "2025-06")
    assert result.stderr.splitlines()[0] == (
        "Error: no data for 2025-06: no day of it was reported; the store has reported days "
        "from 2025-03-03 to 2025-05-30")


def test_14_1_a_period_covered_but_without_engagement_is_refused(run_cli, company):
    imported(run_cli, company, "2025-03-03", covers="2025-03-01..2025-06-30")
    result = refused(run_cli, company, "report", "--month", "2025-06")
    assert result.stderr.splitlines()[0] == (
        "Error: no data for 2025-06: its days are covered, but no engagement was reported; the "
        "store has reported days from 2025-03-03 to 2025-03-03")
    result = refused(run_cli, company, "report", "--since", "2025-06-21", "--until",
                     "2025-07-10")
    assert result.stderr.splitlines()[0] == (
        "Error: no data for 2025-06-21..2025-07-10: no day of it was reported (10 covered but "
        "empty, 10 missing); the store has reported days from 2025-03-03 to 2025-03-03")


@pytest.mark.parametrize("command", PUBLISHING)
@pytest.mark.parametrize(("period", "ends"), [
    (("--month", "2025-07"), "2025-07-31"),  # the month of today
    (("--month", "2026-01"), "2026-01-31"),  # a month to come
    (("--since", "2025-07-01", "--until", "2025-07-15"), "2025-07-15"),  # ends today
])
def test_14_1_a_period_that_is_not_over_is_refused(run_cli, company, command, period, ends):
    imported(run_cli, company, "2025-07-01", "2025-07-14")
    result = refused(run_cli, company, command, *period)
    label = period[1] if period[0] == "--month" else f"{period[1]}..{period[3]}"
    assert result.stderr == (
        f"Error: {label} is not over yet: it ends on {ends} and today is {TODAY} (UTC)\n"
        "Hint: a period can be reported on once its last day has ended; without --month or "
        "--since/--until a command takes the previous month\n")


def test_14_1_a_period_that_ended_yesterday_with_days_missing_is_published(run_cli, company):
    imported(run_cli, company, "2025-07-01")
    result = run_cli("rollup", "--since", "2025-07-01", "--until", "2025-07-14")
    assert result.status == ExitStatus.PARTIAL_DATA, result.stderr
    assert result.stdout.splitlines()[0] == (
        "period 2025-07-01..2025-07-14: 1 day reported, 0 empty, 13 missing")
    assert (company / "out" / "rollup.json").exists()


def test_14_1_the_run_stops_before_its_first_output_without_data(run_cli, company):
    """An unfinished period stops the run before any stage; a period without data stops it
    at the first stage that would publish, which the run summary records."""
    (company / "enrich.yaml").write_text(
        "directory:\n  sources: [{type: yaml, path: org.yaml}]\n"
        "run: {stages: [import, rollup, report]}\n")
    write_jsonl(company / "inbox" / "days.jsonl", [seed_row("2025-05-02", "ada", 11, "cli")])
    result = run_cli("run", "--month", "2025-07")
    assert result.status == ExitStatus.NO_DATA
    assert not (company / "enrich.db").exists() and not (company / "out").exists()
    result = run_cli("run", "--month", "2025-06")
    assert result.status == ExitStatus.NO_DATA
    assert result.stdout.splitlines()[:2] == ["import: ok", "rollup: no_data"]
    assert result.stderr.startswith("Error: no data for 2025-06: no day of it was reported;")
    assert sorted(p.name for p in (company / "out").iterdir()) == ["run-summary.json"]


def test_14_1_digest_send_sends_nothing_without_data(run_cli, company):
    imported(run_cli, company, "2025-03-03")
    mailbox = Mailbox()
    with running_smtp(mailbox, "none") as server:
        with open(company / "enrich.yaml", "a") as fh:
            fh.write("digest:\n  from: copilot@corp.test\n  allowed_domains: [corp.test]\n"
                     f"  smtp: {{host: {server.host}, port: {server.port}, security: none}}\n")
        refused(run_cli, company, "digest", "--month", "2025-06", "--send")
    assert mailbox.received == []


@pytest.mark.parametrize("command", PUBLISHING)
def test_14_1_without_a_configuration_file_a_missing_store_says_where_it_looked(
        run_cli, company, command):
    (company / "enrich.yaml").unlink()
    result = run_cli(command, "--month", "2025-06")
    assert result.status == ExitStatus.STORE_ERROR
    assert result.stderr == (
        f"Error: no store at {company}/enrich.db, and no configuration file: --config was not "
        f"given, $ENRICH_CONFIG is not set, and there is no {company}/enrich.yaml\n"
        "Hint: copy the example configuration and edit it (`cp config/example.yaml "
        "enrich.yaml`), or try `enrich demo`\n")
    assert sorted(p.name for p in company.iterdir()) == ["org.yaml"]
