"""The monthly job end to end through the command line: rollup, run, demo."""

import io
import json
import os

import pytest
from conftest import seed_row, undated, write_jsonl

from enrich import job
from enrich.config import Config
from enrich.dates import Period, parse_day
from enrich.errors import ExitStatus
from enrich.store import Store

ORG = """\
units:
  - {id: eng, name: Engineering}
  - {id: api, name: API, parent: eng}
people:
  - {id: e1, name: Ada Lovelace, unit: eng, github: ada}
  - {id: e2, name: Bob Tables, unit: api, github: bob, manager: e1}
"""


@pytest.fixture
def company(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(ORG)
    (tmp_path / "enrich.yaml").write_text(
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n")
    Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive").close()
    return tmp_path


def test_rollup_of_a_month_with_missing_days_is_partial_data(run_cli, company):
    write_jsonl(company / "inbox" / "a.jsonl", [
        seed_row("2025-03-03", "ada", 11, "cli"), seed_row("2025-03-04", "bob", 12, "cli"),
        seed_row("2025-03-04", "stranger", 13, "cli")])
    assert run_cli("import", "--covers", "2025-03-01..2025-03-30", "inbox").status == 0
    result = run_cli("rollup", "--month", "2025-03")
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.stdout.splitlines()[:3] == [
        "period 2025-03: 2 days reported, 28 empty, 1 missing",
        "missing days: 2025-03-31",
        "enterprise: 3 engaged of 3 (100.0%); 1 unmatched login"]
    rollup = json.loads((company / "out" / "rollup.json").read_text())
    assert rollup["period"]["days"] == {"reported": 2, "empty": 28, "missing": 1}
    assert rollup["unmapped"] == [{"user_id": 13, "login": "stranger", "active_days": 1}]
    for name in ("rollup.json", "rollup-team.csv", "unmatched.csv"):
        assert os.stat(company / "out" / name).st_mode & 0o777 == 0o600


def test_rollup_with_a_bad_org_chart_names_it(run_cli, company):
    write_jsonl(company / "a.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])
    assert run_cli("import", "a.jsonl").status == ExitStatus.OK
    (company / "org.yaml").write_text(ORG.replace("manager: e1", "manager: e9"))
    result = run_cli("rollup", "--month", "2025-03")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == (
        f"Error: {company}/org.yaml, line 6: person e2: unknown manager 'e9'\n")


def test_month_and_since_until_do_not_mix(run_cli, company):
    result = run_cli("rollup", "--month", "2025-03", "--since", "2025-03-01")
    assert (result.status, result.stderr) == (
        ExitStatus.USAGE, "Error: give --month or --since/--until, not both\n")


def test_run_imports_the_inbox_rolls_up_and_writes_a_summary(run_cli, company):
    write_jsonl(company / "inbox" / "a.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])
    result = run_cli("run", "--month", "2025-03")
    assert result.status == ExitStatus.PARTIAL_DATA  # most days of March are missing
    summary = json.loads((company / "out" / "run-summary.json").read_text())
    assert [(s["stage"], s["status"]) for s in summary["stages"]] == [
        ("import", "ok"), ("rollup", "partial_data"), ("report", "partial_data")]
    assert summary["stages"][0]["rows"]["stored"] == 1
    assert (company / "out" / "rollup.json").exists()
    assert (company / "out" / "report.pdf").exists()


def test_run_reports_a_failed_stage_in_its_summary(run_cli, company):
    write_jsonl(company / "inbox" / "a.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])
    (company / "org.yaml").write_text("people: [}")
    result = run_cli("run", "--month", "2025-03")
    assert result.status == ExitStatus.BAD_INPUT
    summary = json.loads((company / "out" / "run-summary.json").read_text())
    assert summary["stages"][1]["stage"] == "rollup"
    assert summary["stages"][1]["error"].startswith(
        f"{company}/org.yaml, line 1: not valid YAML")


def test_demo_is_deterministic_and_writes_every_output(run_cli, tmp_path):
    first = run_cli("demo", "--output", tmp_path / "a", "--month", "2025-03", "--people", "120")
    assert first.status == ExitStatus.OK, first.stderr
    second = run_cli("demo", "--output", tmp_path / "b", "--month", "2025-03", "--people", "120")
    out = tmp_path / "a" / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "chargeback.csv", "licenses-trend.csv", "licenses.csv", "licenses.html",
        "licenses.pdf", "outbox", "reclaim-export.json",
        "reclaim.csv", "report-cost-centers.csv", "report-days.csv", "report-depth.csv",
        "report-features.csv",
        "report-months.csv", "report-segments.csv", "report-teams.csv", "report.html",
        "report.pdf", "rollup-cost_center.csv", "rollup-enterprise.csv", "rollup-manager.csv",
        "rollup-team.csv", "rollup.json", "spend.csv", "unmatched.csv"]
    for name in ("rollup.json", "report.html", "report.pdf", "licenses.pdf", "licenses.csv"):
        assert (out / name).read_bytes() == (tmp_path / "b" / "out" / name).read_bytes()
    digests = sorted((out / "outbox").iterdir())
    assert len(digests) > 10
    # the same digests, each dated when it was written
    assert [undated(p.read_bytes()) for p in digests] == [
        undated(p.read_bytes()) for p in sorted((tmp_path / "b" / "out" / "outbox").iterdir())]
    assert second.stdout == first.stdout.replace(str(tmp_path / "a"), str(tmp_path / "b"))
    rollup = json.loads((out / "rollup.json").read_text())
    assert rollup["period"]["days"]["missing"] == 0
    enterprise = rollup["units"][0]
    assert enterprise["dimension"] == "enterprise"
    assert all(enterprise["segments"][s] > 0 for s in ("champion", "regular", "lagging",
                                                         "inactive"))
    assert enterprise["previous"] is not None


def test_the_reports_license_summary_is_the_full_reviews(tmp_path):
    """The report reads only the window's activity for its license figures: they must be the
    figures of the review that reads the whole history."""
    assert job.demo(tmp_path, month="2025-03", people=120, out=io.StringIO()) == ExitStatus.OK
    config = Config.load(tmp_path / "config.yaml")
    period, as_of = Period.month("2025-03"), parse_day("2025-04-01")
    with job.open_store(config) as store:
        org = job.Org.load(config, store, as_of)
        full = job.license_review(config, store, org, period.until, as_of)
    assert full.enterprise.candidates > 0 and full.enterprise.inactive > 0
    assert job.license_summary(config, org, period, as_of)[0] == full.summary


@pytest.fixture
def run_of(run_cli, company):
    """`enrich run` of March 2025 with these stages, the inbox holding a day of Ada."""
    write_jsonl(company / "inbox" / "a.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])

    def run(stages: str, settings: str = ""):
        (company / "enrich.yaml").write_text(
            "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n"
            f"run:\n  stages: [{stages}]\n{settings}")
        return run_cli("run", "--month", "2025-03")

    return run


def test_14_2_a_fetch_without_a_token_says_so(run_of, monkeypatch):
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    result = run_of("fetch, rollup", "github: {enterprise: acme, token_env: NO_SUCH_TOKEN}\n")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stdout.splitlines()[0] == "fetch: bad_config"
    assert result.stderr.splitlines() == [
        "Error: the environment variable NO_SUCH_TOKEN is not set or empty; it must hold a "
        "GitHub token",
        "Hint: create a personal access token (classic) with the manage_billing:copilot or "
        "read:enterprise scope (read:org for an organization) and export NO_SUCH_TOKEN=<token>"]


def test_14_2_an_import_of_a_bad_inbox_says_which_file_and_why(run_of, company):
    (company / "inbox" / "b.jsonl").write_text(
        '{"day": "2025-03-04", "login": "bob", "user_id": 12, "cli_engagement": 7}\n')
    result = run_of("import, rollup")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stdout.splitlines()[:2] == ["import: bad_input", "rollup: partial_data"]
    assert result.stderr.splitlines() == [
        f"Error: {company}/inbox/b.jsonl, line 1: \"cli_engagement\" is 7; expected 0 or 1",
        "1 file rejected: nothing of it was stored. Fix it, or import with --skip-bad-rows to "
        "store its good rows."]


@pytest.mark.parametrize(("stage", "template"), [
    ("report", "report.html"), ("digest", "digest.txt")])
def test_14_2_a_broken_template_says_where(run_of, company, stage, template):
    (company / "org.yaml").write_text(ORG.replace(
        "{id: eng, name: Engineering}",
        "{id: eng, name: Engineering, lead: {name: Ada, email: ada@corp.test}}"))
    (company / "mine").mkdir()
    (company / "mine" / template).write_text("{{ oops(\n")
    result = run_of(f"import, rollup, {stage}", "templates: mine\n")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stdout.splitlines()[2] == f"{stage}: bad_config"
    assert result.stderr.splitlines()[-1] == (
        f"Error: {company}/mine/{template}, line 1: template error: unexpected 'end of "
        "template'")


def test_14_2_the_digest_stage_tells_who_gets_no_digest(run_of, company):
    (company / "org.yaml").write_text(ORG.replace(
        "{id: eng, name: Engineering}", "{id: eng, name: Engineering, lead: {name: Ada}}"))
    result = run_of("import, rollup, digest, licenses")
    # the only lead has no address: no digest at all, which the stage says as its command does
    assert result.stdout.splitlines()[2] == "digest: bad_input"
    # and the outputs after it are written all the same
    assert result.stdout.splitlines()[3].startswith("licenses: ")
    assert ("the only one of the unit leads in the org chart" in result.stderr
            and "Ada (lead of eng): no e-mail address" in result.stderr), result.stderr
