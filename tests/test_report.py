"""`enrich report`: the leadership report's HTML, PDF and CSVs, for a company with known numbers.

    unit                      people      engaged in February     engaged in March
    Platform  (cc-plat)       p1..p10     p1..p5                  p1..p8 (p1, p2 twice)
    Apps      (cc-apps)       a1..a6      a1                      a1..a3
    <script>… (cc-plat)       t1..t3      nobody                  t1

The enterprise: 19 people; 6 engaged in February (31.6%), 12 in March (63.2%).
Every day of February and March is covered: nothing is missing.
"""

import http.server
import json
import logging
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest
import weasyprint
from conftest import pdf_text, require_tool, seed_row, words, write_jsonl
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


class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        CountingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    CountingHandler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
        "Over time", "Methodology and data coverage"]
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
    # one GitHub account that matches nobody engaged in March: the enterprise is 20 people,
    # p1's reporting tree 18; the enterprise less the tree is the account and p1 together
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
    # the teams: everyone is in one, so the enterprise less the shown teams would be the
    # account alone: the tiny team (hidden itself) is beside it, and nothing else is hidden
    teams = text[text.index("By team"):text.index("By cost center")]
    assert "Apps 6 3 50.0%" in teams
    managers = {row["id"]: row for row in read_csv(company / "out" / "report-managers.csv")}
    assert managers["p1"]["population"] == "18"
    assert managers["(unmapped)"]["note"] == "fewer than 5 people"
