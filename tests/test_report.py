"""`enrich report`: the leadership report's HTML, PDF and CSVs, for a company with known numbers.

    unit                      people      engaged in February     engaged in March
    Platform  (cc-plat)       p1..p10     p1..p5                  p1..p8 (p1, p2 twice)
    Apps      (cc-apps)       a1..a6      a1                      a1..a3
    <script>… (cc-plat)       t1..t3      nobody                  t1

The enterprise: 19 people; 6 engaged in February (31.6%), 12 in March (63.2%).
Every day of February and March is covered: nothing is missing.
"""

import json
import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
import weasyprint
from conftest import (  # noqa: F401 (a fixture)
    CountingHandler,
    pdf_text,
    require_tool,
    seed_row,
    words,
    write_jsonl,
)
from conftest import read_csv_rows as read_csv

from enrich.errors import ExitStatus
from enrich.outputs.render import SHIPPED

EVIL = "<script>alert(1)</script>"


def org_yaml() -> str:
    people = [f"  - {{id: p{i}, name: Pat Person{i}, unit: plat, github: p{i}"
              + (", manager: p1}" if i > 1 else "}") for i in range(1, 11)]
    people += [f"  - {{id: a{i}, name: Avery Apps{i}, unit: apps, github: a{i}, manager: p1}}"
               for i in range(1, 7)]
    people += [f"  - {{id: t{i}, name: Toni Tiny{i}, unit: tiny, github: t{i}, manager: a1}}"
               for i in range(1, 4)]
    return (
        "cost_centers: {cc-plat: Platform CC, cc-apps: Apps CC}\n"
        "units:\n"
        "  - {id: plat, name: Platform, cost_center: cc-plat}\n"
        "  - {id: apps, name: Apps, cost_center: cc-apps}\n"
        f"  - {{id: tiny, name: '{EVIL}', cost_center: cc-plat}}\n"
        "people:\n" + "\n".join(people) + "\n")


def user_id(login: str) -> int:
    return {"p": 100, "a": 200, "t": 300}[login[0]] + int(login[1:])


def engagement(month: str, logins, day: str = "03") -> list[dict]:
    return [seed_row(f"{month}-{day}", login, user_id(login), "code_completion")
            for login in logins]


@pytest.fixture
def company(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(org_yaml())
    write_config(tmp_path)
    feb = engagement("2025-02", [f"p{i}" for i in range(1, 6)] + ["a1"])
    mar = engagement("2025-03", [f"p{i}" for i in range(1, 9)] + ["a1", "a2", "a3", "t1"])
    mar += engagement("2025-03", ["p1", "p2"], day="04")
    mar[0]["panel_chat_engagement"] = 1
    write_jsonl(tmp_path / "inbox" / "feb.jsonl", feb)
    write_jsonl(tmp_path / "inbox" / "mar.jsonl", mar)
    result = run_cli("import", "--covers", "2025-02-01..2025-03-31", "inbox")
    assert result.status == 0, result.stderr
    return tmp_path


def write_config(folder, extra: str = "") -> None:
    (folder / "enrich.yaml").write_text(
        "company: {name: Initech}\n"
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n" + extra)


def pdf_info(path) -> dict[str, str]:
    tool = require_tool("pdfinfo")
    lines = subprocess.run([tool, str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    return dict((k, v.strip()) for k, _, v in (line.partition(":") for line in lines))




def test_the_pdf_holds_the_figures_of_the_month(run_cli, company):
    write_config(company, "metrics: {min_group_size: 3}\n")
    result = run_cli("report", "--month", "2025-03")
    assert result.status == ExitStatus.OK, result.stderr
    out = company / "out"
    assert result.stdout.splitlines()[:2] == [f"wrote {out}/report.html",
                                              f"wrote {out}/report.pdf"]
    text = words(pdf_text(out / "report.pdf"))
    pages = text.split("\f")
    first = pages[0]
    assert "Initech" in first and "March 2025" in first
    assert "63.2%" in first and "12 of 19 people engaged" in first
    assert "+31.6 pts since February" in first
    assert "Incomplete data" not in text
    team_rows = [
        "Platform 10 8 80.0% 1.2 +30.0 pts",   # p1, p2 active two days: 10 / 8
        "Apps 6 3 50.0% 1.0 +33.3 pts",
        f"{EVIL} 3 1 33.3% 1.0 +33.3 pts",
        "Enterprise 19 12 63.2% 1.2 +31.6 pts",
    ]
    for row in team_rows:
        assert row in text
    # 9/13 = 69.23% and 5/13 = 38.46% in February: the change is that of the rates as
    # printed, 69.2 - 38.5 = 30.7 (not the exact 30.77, which would print as 30.8)
    assert "Platform CC 13 9 69.2% 1.2 +30.7 pts" in text
    assert re.search(r"Page 1 of \d+", text)
    assert len(pages) - 1 == int(re.search(r"Page 1 of (\d+)", text).group(1))
    # the same figures in the tables' CSV twins
    teams = {row["id"]: row for row in read_csv(out / "report-teams.csv")}
    assert (teams["apps"]["population"], teams["apps"]["engaged"]) == ("6", "3")
    assert teams["tiny"]["name"] == EVIL


def test_small_units_are_hidden_with_a_second_so_none_can_be_worked_out(run_cli, company):
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    out = company / "out"
    text = words(pdf_text(out / "report.pdf"))
    assert f"{EVIL} fewer than 5 people" in text
    # Apps is the smallest sibling left: shown, it would give the tiny unit away by subtraction
    assert "Apps not shown, so that a smaller unit cannot be worked out" in text
    assert "Apps 6 " not in text  # in neither the unit nor the segment table
    assert "Platform 10 8 80.0%" in text
    for name in ("report-teams.csv", "report-features.csv", "report-segments.csv"):
        rows = {row["id"]: row for row in read_csv(out / name)}
        figure = "engaged" if "engaged" in rows["apps"] else "population"
        assert rows["apps"][figure] == rows["tiny"][figure] == "", name
        assert rows["apps"]["note"] == "hidden so that a smaller unit cannot be worked out"
        assert rows["tiny"]["note"] == "fewer than 5 people"
    assert "Units shown without figures" in text


def test_a_unit_named_like_a_script_stays_text(run_cli, company):
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    html = (company / "out" / "report.html").read_text()
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


def test_no_individual_is_named_unless_show_names_is_set(run_cli, company):
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    html = (company / "out" / "report.html").read_text()
    assert "Person" not in html and "Avery" not in html and "management chain" not in html
    assert not (company / "out" / "report-managers.csv").exists()
    write_config(company, "leadership: {show_names: true}\n")
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    text = words(pdf_text(company / "out" / "report.pdf"))
    assert "By management chain" in text
    assert "Pat Person1 18 11 61.1%" in text  # everyone below p1: 9 + 6 + 3
    assert (company / "out" / "report-managers.csv").exists()


def test_missing_days_are_a_warning_on_the_first_page(run_cli, company):
    write_jsonl(company / "late" / "apr.jsonl", engagement("2025-04", ["p1"]))
    assert run_cli("import", "late").status == 0
    result = run_cli("report", "--month", "2025-04")
    assert result.status == ExitStatus.PARTIAL_DATA
    assert "misses 29 days of data" in result.stderr
    first = words(pdf_text(company / "out" / "report.pdf")).split("\f")[0]
    assert "Incomplete data. 29 of the 30 days of the period have no data" in first


def test_the_same_store_gives_the_same_bytes_and_dates_from_the_period(run_cli, company):
    out = company / "out"
    assert run_cli("report", "--month", "2025-03").status == 0
    first = {name: (out / name).read_bytes() for name in ("report.html", "report.pdf")}
    assert run_cli("report", "--month", "2025-03").status == 0
    assert first == {name: (out / name).read_bytes() for name in first}
    info = pdf_info(out / "report.pdf")
    assert info["CreationDate"] == info["ModDate"] == "Mon Mar 31 00:00:00 2025 UTC"
    assert info["Title"] == "Initech: GitHub Copilot adoption, March 2025"
    for name in ("report.html", "report.pdf", "report-teams.csv"):
        assert os.stat(out / name).st_mode & 0o777 == 0o600


def test_letter_paper_and_a_logo(run_cli, company):
    (company / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        '<rect width="40" height="20" fill="#c00"/></svg>')
    write_config(company, "leadership: {page_size: Letter}\n")
    (company / "enrich.yaml").write_text((company / "enrich.yaml").read_text().replace(
        "company: {name: Initech}", "company: {name: Initech, logo: logo.svg, color: '#336699'}"))
    result = run_cli("report", "--month", "2025-03")
    assert result.status == 0, result.stderr
    html = (company / "out" / "report.html").read_text()
    assert 'src="data:image/svg+xml;base64,' in html
    assert "--main: #336699" in html
    assert pdf_info(company / "out" / "report.pdf")["Page size"].startswith("612 x 792 pts")


def test_rendering_never_opens_a_network_connection(run_cli, company, web_server):
    templates = company / "my-templates"
    templates.mkdir()
    (templates / "report.css").write_text(
        f'@font-face {{ font-family: Evil; src: url("{web_server}/evil.woff"); }}\n'
        'html { font-family: Evil, sans-serif; }\n'
        f'body {{ background: url("{web_server}/bg.png"); }}\n'
        'h1 { background: url("file:///etc/passwd"); }\n')
    write_config(company, "templates: my-templates\n")
    result = run_cli("report", "--month", "2025-03")
    assert result.status == 0, result.stderr
    assert CountingHandler.requests == []
    assert f"{web_server}/evil.woff, which was not fetched" in result.stderr
    assert f"{web_server}/bg.png, which was not fetched" in result.stderr
    assert "file:///etc/passwd, which was not fetched" in result.stderr


def test_a_configured_template_overrides_the_shipped_one(run_cli, company):
    templates = company / "my-templates"
    templates.mkdir()
    (templates / "_report_methodology.html").write_text(
        "<h2>How we count</h2><p>Ask {{ company.name }}'s platform team.</p>\n")
    write_config(company, "templates: my-templates\n")
    assert run_cli("report", "--month", "2025-03").status == 0
    text = words(pdf_text(company / "out" / "report.pdf"))
    assert "Ask Initech's platform team." in text
    assert "Feature adoption" in text  # the other templates are the shipped ones


def test_a_broken_template_names_its_file_and_line(run_cli, company):
    templates = company / "my-templates"
    templates.mkdir()
    (templates / "_report_methodology.html").write_text("<p>\n{{ report.nope( }}</p>\n")
    write_config(company, "templates: my-templates\n")
    result = run_cli("report", "--month", "2025-03")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr.startswith(
        f"Error: {templates}/_report_methodology.html, line 2: template error:")


def test_the_run_writes_the_report_after_the_rollup(run_cli, company):
    write_config(company, "run: {stages: [rollup, report]}\n")
    result = run_cli("run", "--month", "2025-03")
    assert result.status == 0, result.stderr
    summary = json.loads((company / "out" / "run-summary.json").read_text())
    assert [(s["stage"], s["status"]) for s in summary["stages"]] == [
        ("rollup", "ok"), ("report", "ok")]
    assert str(company / "out" / "report.pdf") in summary["stages"][1]["files"]


def test_the_pdf_outline_has_a_section_per_chapter(run_cli, company):
    assert run_cli("report", "--month", "2025-03").status == 0
    html = (company / "out" / "report.html").read_text()
    tree = weasyprint.HTML(string=html).render().make_bookmark_tree()
    assert [entry[0] for entry in tree] == [
        "Executive summary", "Adoption by unit", "Feature adoption", "Engagement segments",
        "Depth of use", "Over time", "Methodology and data coverage"]
    assert [child[0] for child in tree[1][2]] == ["By team", "By cost center"]


def test_the_shipped_templates_are_the_repositorys_folder():
    # enrich/templates is a link to templates/, so that the wheel carries them
    root = Path(__file__).resolve().parent.parent
    assert (root / "enrich" / "templates").resolve() == root / "templates"
    assert SHIPPED.resolve() == root / "templates"


def test_weasyprint_renders_the_report_without_a_complaint(run_cli, company, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        assert run_cli("report", "--month", "2025-03").status == 0
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_14_5_names_shown_the_top_managers_tree_is_not_hidden_for_a_few_accounts(
        run_cli, company):
    # one GitHub account that matches nobody engaged in March: it hides no unit beside it
    write_jsonl(company / "more" / "mar.jsonl",
                [seed_row("2025-03-05", "stranger", 999, "code_completion")])
    assert run_cli("import", "--covers", "2025-03-05..2025-03-05", "more").status == 0
    write_config(company, "leadership: {show_names: true}\n")
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    text = words(pdf_text(company / "out" / "report.pdf"))
    chains = text[text.index("By management chain"):]
    assert "Pat Person1 18 11 61.1%" in chains
    assert "Not in the org chart fewer than 5 people" in chains
    assert "not shown, so that" not in chains.split("Enterprise")[0]
    # the teams: the tiny team is hidden, and with the accounts it makes two hidden
    # siblings: nothing else is hidden
    teams = text[text.index("By team"):text.index("By cost center")]
    assert "Apps 6 3 50.0%" in teams
    managers = {row["id"]: row for row in read_csv(company / "out" / "report-managers.csv")}
    assert managers["p1"]["population"] == "18"
    assert managers["(unmapped)"]["note"] == "fewer than 5 people"


CSV_DOCS = Path(__file__).resolve().parent.parent / "docs" / "csv-files.md"


def documented_as(column: str, features: set[str]) -> str:
    """How docs/csv-files.md names a column: `feature_users.FEATURE`, `daily_active.DAY`,
    `depth.ide_share.KEY`, a previous period's column as the period's."""
    column = column.removeprefix("previous.")
    if re.match(r"depth\.\w+_share\.", column):
        return f"depth.{column.split('.')[1]}.KEY"  # a key may hold dots: gpt-4.1
    head, _, tail = column.partition(".")
    if tail in features:
        return f"{head}.FEATURE"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", tail):
        return f"{head}.DAY"
    return "FEATURE" if column in features else column


def test_14_7_every_column_of_every_rollup_and_report_csv_is_documented(run_cli, company):
    write_config(company, "leadership: {show_names: true}\n")
    assert run_cli("rollup", "--month", "2025-03").status == 0
    assert run_cli("report", "--month", "2025-03").status == 0
    out = company / "out"
    features = set(json.loads((out / "rollup.json").read_text())["period"]["measured_days"])
    docs = CSV_DOCS.read_text()
    written = sorted(out.glob("*.csv"))
    assert {p.name for p in written} >= {
        "rollup-enterprise.csv", "rollup-team.csv", "rollup-cost_center.csv",
        "rollup-manager.csv", "unmatched.csv", "report-teams.csv", "report-cost-centers.csv",
        "report-managers.csv", "report-features.csv", "report-segments.csv",
        "report-months.csv", "report-days.csv"}
    undocumented = set()
    for path in written:
        assert path.name in docs or path.name.startswith("rollup-"), path.name
        header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        undocumented |= {(path.name, column) for column in header
                         if f"`{documented_as(column, features)}`" not in docs}
        if any(column.startswith("previous.") for column in header):
            assert "`previous.COLUMN`" in docs
    assert undocumented == set()


def test_14_5_features_measured_on_part_of_the_month_are_flagged_everywhere(run_cli, company):
    # March 5 comes from a source that reports CLI, completions and agent mode only: the
    # other features are measured on 2 of the 3 reported days (still measured in the
    # period), agent mode on 1 (not measured in it: never a finding, though nobody used it)
    write_jsonl(company / "more" / "mar5.jsonl", [
        {"day": "2025-03-05T00:00:00.0000000Z", "login": login, "user_id": user_id(login),
         "cli_engagement": 1, "code_completion_engagement": 1, "agent_engagement": 0}
        for login in ("p1", "p2", "a1")])
    assert run_cli("import", "more").status == 0
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    text = words(pdf_text(company / "out" / "report.pdf"))
    first = text.split("\f")[0]
    assert ("Code review is the least known feature: 0.0% of engaged people used it "
            "(measured on 2 of 3 reported days)") in " ".join(first.split())
    assert "Agent mode is" not in text
    flat = " ".join(text.split())
    assert ("† Code review, Chat on GitHub.com, Inline chat, Knowledge base chat, Mobile chat, "
            "Chat panel, Pull request summaries: measured on 2 of 3 reported days.") in flat
    assert "Not measured in this period: Agent mode (measured on 1 of 3 reported days)" in flat
    features = {row["id"]: row for row in read_csv(company / "out" / "report-features.csv")}
    enterprise = features["enterprise"]
    assert (enterprise["days_reported"], enterprise["measured_days.cli"],
            enterprise["measured_days.code_review"]) == ("3", "3", "2")
    assert enterprise["panel_chat"] == "0.0833"  # p1 of the 12 engaged
    assert "agent" not in enterprise and "measured_days.agent" not in enterprise
    # the digests carry the same flag
    (company / "org.yaml").write_text(org_yaml().replace(
        "{id: plat, name: Platform, cost_center: cc-plat}",
        "{id: plat, name: Platform, cost_center: cc-plat, "
        "lead: {name: Lee Lead, email: lee@example.com}}"))
    assert run_cli("digest", "--month", "2025-03").status == ExitStatus.OK
    digest = (company / "out" / "outbox").glob("*.eml").__next__().read_text()
    assert "Code review (measured on 2 of 3 reported days): " in digest
    assert "Copilot CLI: " in digest and "Agent mode" not in digest


def test_14_5_report_csvs_round_and_their_changes_are_the_difference_of_what_they_write(
        run_cli, company):
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    out = company / "out"
    centers = {row["id"]: row for row in read_csv(out / "report-cost-centers.csv")}
    # 9/13 in March, 5/13 in February: 0.6923 - 0.3846 = 30.77 points (the PDF prints
    # 69.2% and 38.5%, and +30.7 pts)
    platform = centers["cc-plat"]
    assert (platform["adoption_rate"], platform["previous_adoption_rate"],
            platform["change_points"]) == ("0.6923", "0.3846", "30.77")
    assert platform["mean_active_days"] == "1.22"  # 11 days over 9 people
    text = words(pdf_text(out / "report.pdf"))
    assert "Platform CC 13 9 69.2% 1.2 +30.7 pts" in text
    first = " ".join(pdf_text(out / "report.pdf", layout=False).split("\f")[0].split())
    assert "per engaged person, of 31 days with data" in first
    for path in out.glob("report-*.csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name


def test_14_5_the_appendix_says_how_population_seats_and_engaged_people_relate(
        run_cli, company):
    # seats: p1..p10, a1 and an account the org chart does not know; a stranger without a
    # seat used Copilot, and so did a2, a3 and t1, who hold none
    seats = [{"assignee": {"login": login, "id": user_id(login)}, "plan_type": "business",
              "organization": {"login": "initech"}, "created_at": "2024-01-01T00:00:00Z"}
             for login in [f"p{i}" for i in range(1, 11)] + ["a1"]]
    seats.append({"assignee": {"login": "ghost", "id": 998}, "plan_type": "business",
                  "organization": {"login": "initech"}, "created_at": "2024-01-01T00:00:00Z"})
    (company / "seats.json").write_text(json.dumps({"total_seats": 12, "seats": seats}))
    assert run_cli("import", "--seats-date", "2025-04-01", "seats.json").status == 0
    write_jsonl(company / "more" / "mar.jsonl",
                [seed_row("2025-03-05", "stranger", 999, "code_completion")])
    assert run_cli("import", "more").status == 0
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    # the definitions are in two columns, which pdftotext reads across: the HTML's text
    html = (company / "out" / "report.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "the population of 15 is 11 people of the org chart" in " ".join(
        pdf_text(company / "out" / "report.pdf", layout=False).split())
    assert ("In March 2025 the population of 15 is 11 people of the org chart who hold a "
            "seat, 3 of the org chart who used Copilot without one and 1 GitHub account that "
            "matches nobody in the org chart but used Copilot; 13 of them used Copilot "
            "(engaged). The 12 seats are every seat, whoever holds it, and 9 of them were in "
            "use (used in the last 30 days of the period, or seen active by GitHub since).") in text
    assert "13 of 15 people engaged" in text


@pytest.mark.parametrize(("share", "below", "gap", "shown"), [
    (0.0996, 0.10, True, "<10%"),   # rounds to 10%, yet a gap: fewer than 10%
    (0.095, 0.10, True, "<10%"),
    (0.094, 0.10, True, "9%"),
    (0.10, 0.10, False, "10%"),
    (0.125, 0.125, False, "12.5%"),  # 12% would read as under a 12.5% rule
    (0.0749, 0.075, True, "7%"),
    (0.0, 0.10, True, "0%"),
    (None, 0.10, False, "–"),
])
def test_14_5_a_heatmap_cell_reads_as_the_gap_rule_says(share, below, gap, shown):
    from enrich.outputs.render import pct_beside
    assert pct_beside(share, below, gap) == shown


def test_14_5_units_of_one_name_show_their_path_in_the_tables(run_cli, company):
    (company / "org.yaml").write_text(org_yaml().replace(
        "people:\n", "  - {id: plat-bill, name: Billing, parent: plat}\n"
                     "  - {id: apps-bill, name: Billing, parent: apps}\n"
                     "people:\n").replace("unit: plat, github: p5", "unit: plat-bill, github: p5")
        .replace("unit: plat, github: p6", "unit: plat-bill, github: p6")
        .replace("unit: plat, github: p7", "unit: plat-bill, github: p7")
        .replace("unit: plat, github: p8", "unit: plat-bill, github: p8")
        .replace("unit: plat, github: p9", "unit: plat-bill, github: p9")
        .replace("unit: apps, github: a4", "unit: apps-bill, github: a4")
        .replace("unit: apps, github: a5", "unit: apps-bill, github: a5")
        .replace("unit: apps, github: a6", "unit: apps-bill, github: a6"))
    write_config(company, "metrics: {min_group_size: 3}\n")
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    text = words(pdf_text(company / "out" / "report.pdf"))
    teams = text[text.index("By team"):text.index("By cost center")]
    assert "Platform / Billing 5 4 80.0%" in teams  # p5..p9, p5..p8 engaged
    assert "Apps / Billing 3 0 0.0%" in teams
    rows = {row["id"]: row for row in read_csv(company / "out" / "report-teams.csv")}
    assert (rows["plat-bill"]["name"], rows["apps-bill"]["name"]) == (
        "Platform / Billing", "Apps / Billing")
    assert rows["plat"]["name"] == "Platform"


def test_14_7_report_html_leaves_out_what_a_custom_template_would_fetch(
        run_cli, company, web_server):
    templates = company / "my-templates"
    templates.mkdir()
    # a style sheet that starts with an @import, as a company's base page might have it
    (templates / "report.css").write_text(
        f'@import url("{web_server}/brand.css");\n'
        f"@import '{web_server}/more.css' screen;\n"
        '{% include "_print.css" %}\n'
        f"@font-face {{ font-family: Brand; src: url({web_server}/brand.woff2); }}\n"
        'h1 { font-family: Brand, sans-serif; }\n'
        '.cover { background: url("data:image/gif;base64,R0lGODlhAQABAAAAACw=") }\n')
    (templates / "_report_methodology.html").write_text(
        f'<p style="background: url(&quot;{web_server}/paper.png&quot;)">How we count.</p>\n'
        f'<img src="{web_server}/seal.png" alt="Seal">\n'
        '<p><a href="https://docs.github.com/copilot">Copilot documentation</a></p>\n')
    write_config(company, "templates: my-templates\n")
    result = run_cli("report", "--month", "2025-03")
    assert result.status == ExitStatus.OK, result.stderr
    assert CountingHandler.requests == []
    html = (company / "out" / "report.html").read_text()
    for name in ("brand.css", "more.css", "brand.woff2", "paper.png", "seal.png"):
        url = f"{web_server}/{name}"
        assert url not in html
        assert (f"warning: the templates refer to {url}, which was not fetched: a report "
                "reads only its own files, and report.html leaves it out") in result.stderr
    assert result.stderr.count("warning: the templates refer to") == 5
    # what the page holds itself stays: the data URI, a link to follow, the text
    assert "data:image/gif;base64,R0lGODlhAQABAAAAACw=" in html
    assert 'href="https://docs.github.com/copilot"' in html
    assert '<img alt="Seal">' in html and "How we count." in html


def test_14_6_chapters_share_pages_and_the_monthly_chart_is_shown_once(run_cli, company):
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    out = company / "out"
    pages = words(pdf_text(out / "report.pdf")).split("\f")[:-1]

    def page_of(heading: str) -> int:
        return next(i for i, page in enumerate(pages, 1) if f"\n{heading}\n" in page)

    # the summary stands alone; the chapters after it follow each other where they fit
    assert page_of("Executive summary") == 1
    assert page_of("Adoption by unit") == page_of("Feature adoption") == 2
    assert page_of("Engagement segments") == page_of("Depth of use") == page_of("Over time") == 3
    assert len(pages) == 5  # the appendix, with the definitions of depth of use, takes two
    html = (out / "report.html").read_text()
    assert html.count('aria-label="Adoption rate by month') == 1
    assert "Adoption by month" in html  # the months' table, in Over time


def test_14_6_on_a_phone_every_table_scrolls_inside_its_own_box(run_cli, company):
    write_config(company, "leadership: {show_names: true}\n")
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    html = (company / "out" / "report.html").read_text()
    body = html[html.index("<body>"):]
    tables = [m.start() for m in re.finditer("<table", body)]
    boxes = [m.start() for m in re.finditer('<div class="scroll">', body)]
    closed = [m.start() for m in re.finditer("</div>", body)]
    coverage = body.index('<table class="coverage">')  # four narrow columns: it fits
    for start in tables:
        if start == coverage:
            continue
        box = max(b for b in boxes if b < start)
        assert not [c for c in closed if box < c < start], "a table outside a scrolling box"
    css = html[:html.index("</style>")]
    assert ".scroll { overflow-x: auto;" in css
    assert "@media screen { @media (max-width: 640px) {" in css
