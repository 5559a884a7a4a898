"""The leadership report's depth of use, from a hand-made rollup with known depth.

    team (parent)        population  engaged  depth: people  acceptance  notes
    Enterprise                   60       40              30      31.26%
    Engineering eng              30       20              16      28.00%
      Web eng-web                14       10               9      35.61%  hidden: its sibling
      API eng-api                16       10               3      46.91%  3 people: hidden
    Sales sales                  30       20              14      33.33%  shown
      Field sales-field          26       18              11      22.22%  hidden: its sibling
      Tiny sales-tiny             4        2               3      77.77%  4 people: hidden

March 2025, compared with February 2025; 12 of the 20 reported days measure depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import pdf_text, read_csv_rows, seed_row, words, write_jsonl

from enrich.dates import Period
from enrich.outputs.report import Options, build_report
from enrich.outputs.report_files import Look, write_report
from enrich.rollup.trend import MonthAdoption

MARCH, FEBRUARY = Period.month("2025-03"), Period.month("2025-02")
LOOK = Look("Initech", None, "#1f4e79", "#d97706", "A4", None)


def depth(people: int, acceptance: float, **overrides) -> dict:
    result = {
        "days": 12, "people": people, "acceptance_rate": acceptance,
        "interactions_per_active_day": 6.54, "loc_added_per_engaged": 250.4,
        "ai_credits": 120.5, "ai_credits_per_engaged": 4.0,
        "ide_share": {"vscode": 0.8, "intellij": 0.3, "visualstudio": 0.1, "neovim": 0.05,
                      "xcode": 0.04, "eclipse": 0.03, "emacs": 0.02},
        "feature_share": {"code_completion": 0.9, "chat_panel_agent_mode": 0.4,
                          "agent_edit": 0.35},
        "language_share": {"python": 0.6, "go": 0.3},
        "model_share": {"gpt-4.1": 0.5, "claude-sonnet-4": 0.25},
    }
    return result | overrides


PREVIOUS_DEPTH = depth(25, 0.2912, interactions_per_active_day=5.1, loc_added_per_engaged=180,
                       ide_share={"vscode": 0.75, "intellij": 0.3},
                       feature_share={"chat_panel_agent_mode": 0.25})


def metrics(population: int, engaged: int, use: dict | None) -> dict:
    return {
        "members": population, "population": population, "engaged": engaged,
        "adoption_rate": engaged / population, "mean_active_days": 4.0,
        "median_active_days": 4.0,
        "segments": {"champion": 0, "regular": engaged, "lagging": 0,
                     "inactive": population - engaged},
        "narrow": engaged, "feature_users": {"code_completion": engaged},
        "feature_adoption": {"code_completion": 1.0}, "feature_user_days": {},
        "awareness_gaps": [], "mean_daily_active": 2.0, "daily_active": {}, "depth": use,
    }


def unit(dimension: str, unit_id: str, name: str, parent: str | None, population: int,
         engaged: int, use: dict | None, previous_use: dict | None) -> dict:
    previous = metrics(population, engaged - 2, previous_use)
    return {"dimension": dimension, "id": unit_id, "name": name, "parent": parent,
            **metrics(population, engaged, use), "previous": previous}


def rollup(measured: bool = True) -> dict:
    def d(people, acceptance, **more):
        return depth(people, acceptance, **more) if measured else None

    previous = PREVIOUS_DEPTH if measured else None
    days = {"reported": 20, "empty": 3, "missing": 0}
    return {
        "period": {"since": "2025-03-01", "until": "2025-03-31", "days": days,
                   "missing_days": [], "measured_days": {"code_completion": 20},
                   "depth_days": 12 if measured else 3,
                   "previous": {"since": "2025-02-01", "until": "2025-02-28", "days": days,
                                "missing_days": [], "measured_days": {"code_completion": 20},
                                "depth_days": 20}},
        "features": ["code_completion"],
        "units": [
            unit("enterprise", "enterprise", "Enterprise", None, 60, 40, d(30, 0.3126),
                 previous),
            unit("team", "eng", "Engineering", None, 30, 20, d(16, 0.28), previous),
            unit("team", "eng-api", "API", "eng", 16, 10, d(3, 0.4691), previous),
            unit("team", "eng-web", "Web", "eng", 14, 10, d(9, 0.3561), previous),
            unit("team", "sales", "Sales", None, 30, 20, d(14, 0.3333), previous),
            unit("team", "sales-field", "Field", "sales", 26, 18, d(11, 0.2222), previous),
            unit("team", "sales-tiny", "Tiny", "sales", 4, 2, d(3, 0.7777), previous),
        ],
        "unmapped": [],
    }


def months(*depths: dict | None) -> list[MonthAdoption]:
    """January to March 2025, each with a depth of `depths`."""
    days = {"reported": 20, "empty": 3, "missing": 0}
    return [MonthAdoption(Period.month(f"2025-0{i}"), days, 30, 60, use)
            for i, use in enumerate(depths, 1)]


@dataclass
class Rendered:
    folder: Path
    #: the PDF's text, blanks squeezed
    text: str
    #: report-depth.csv's rows by unit id
    rows: dict[str, dict]


def render(folder: Path, content: dict, trend: list[MonthAdoption]) -> Rendered:
    report = build_report(content, MARCH, trend, Options(depth=3, min_group_size=5))
    write_report(report, LOOK, folder)
    rows = {row["id"]: row for row in read_csv_rows(folder / "report-depth.csv")}
    return Rendered(folder, words(pdf_text(folder / "report.pdf")), rows)


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    return render(tmp_path_factory.mktemp("depth"), rollup(),
                  months(depth(20, 0.25), PREVIOUS_DEPTH, depth(30, 0.3126)))


def section(text: str) -> str:
    return text[text.index("\nDepth of use\n"):text.index("\nOver time\n")]


def flat(text: str) -> str:
    """`text` on one line, with the words hyphenated across lines whole again."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def table_row(text: str, name: str, engaged: int) -> tuple[str, str]:
    """The figures of a row of the depth table, and their changes under them: the unit's
    name and engaged people sit between the two lines."""
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines)
             if re.fullmatch(rf"\s*{name} {engaged}\s*", line))
    return lines[i - 1].strip(), lines[i + 1].strip()


def test_12_3_the_enterprise_shows_each_figure_with_its_change(measured):
    text = section(measured.text)
    assert "12 of the 20 reported days of March 2025; 30 people used Copilot on those days" \
        in flat(text)
    # the key figures, each with its change: 29.1% to 31.3% is +2.2 points (as printed)
    assert "31.3%" in text and "+2.2 pts since February" in text
    assert "6.5" in text and "+1.4 since February" in text
    assert "250" in text and "+70 since February" in text
    assert "40.0%" in text and "+15.0 pts since February" in text
    assert "Copilot CLI and Code review: not measured" in flat(text)
    enterprise = measured.rows["enterprise"]
    assert (enterprise["depth_days"], enterprise["engaged"], enterprise["acceptance_rate"],
            enterprise["acceptance_rate_change_points"]) == ("12", "30", "0.3126", "2.14")
    assert (enterprise["interactions_per_active_day"],
            enterprise["interactions_per_active_day_change"]) == ("6.54", "1.44")
    assert (enterprise["loc_added_per_engaged"], enterprise["loc_added_per_engaged_change"],
            enterprise["agent_share"], enterprise["agent_share_change_points"]) == (
        "250.4", "70.4", "0.4", "15.0")
    assert "cli_share" not in enterprise and "code_review_share" not in enterprise


def test_12_3_a_mix_shows_its_top_keys_and_the_rest_as_other(measured):
    text = section(measured.text)
    # five IDEs by name, each with its change (visualstudio was not used in February)
    for line in ("VS Code 80% +5.0 pts", "JetBrains IDEs 30% ±0.0 pts",
                 "Visual Studio 10% +10.0 pts", "Neovim 5% +5.0 pts", "Xcode 4% +4.0 pts"):
        assert line in text, line
    assert "Eclipse" not in text and "emacs" not in text
    assert "Other: 2 more IDEs, each at most 3%" in text
    assert "Python 60%" in text and "Other: " not in text.split("Languages")[1].split(
        "Models")[0]
    enterprise = measured.rows["enterprise"]
    assert enterprise["ides"] == ("vscode=0.8; intellij=0.3; visualstudio=0.1; neovim=0.05; "
                                  "xcode=0.04")
    assert (enterprise["ides_other"], enterprise["ides_other_most"]) == ("2", "0.03")
    assert (enterprise["languages"], enterprise["languages_other"],
            enterprise["languages_other_most"]) == ("python=0.6; go=0.3", "0", "")


def test_12_3_units_show_depth_where_they_show_their_other_figures(measured):
    """Privacy applies to depth unchanged (METRICS.md sections 6 and 9): a unit shows its
    depth where its population shows its other figures, whoever of them used Copilot on
    the depth days."""
    text, rows = measured.text, measured.rows
    assert table_row(section(text), "Sales", 14) == ("33.3% 6.5 250 40.0%",
                                                     "+4.2 pts +1.4 +70 +15.0 pts")
    # API (16 people, 3 of them on the depth days) and Web show theirs
    assert "46.9%" in section(text) and "35.6%" in section(text)
    assert rows["eng-api"]["acceptance_rate"] == "0.4691"
    assert rows["eng-web"]["acceptance_rate"] == "0.3561"
    # Tiny is hidden by its population, and Field with it: neither shows depth
    assert "Tiny fewer than 5 people" in section(text)
    assert "Field not shown, so that a smaller unit cannot be worked out" in section(text)
    for hidden in ("77.8%", "22.2%"):
        assert hidden not in text, hidden
    assert rows["sales-tiny"]["note"] == "fewer than 5 people"
    assert rows["sales-field"]["note"] == "hidden so that a smaller unit cannot be worked out"
    for hidden in ("sales-tiny", "sales-field"):
        assert rows[hidden]["acceptance_rate"] == rows[hidden]["engaged"] == ""
        assert rows[hidden]["ides"] == "", hidden
    assert rows["sales"]["acceptance_rate"] == "0.3333"


def test_12_3_acceptance_and_agent_mode_month_by_month(measured):
    html = (measured.folder / "report.html").read_text()
    assert ('aria-label="Acceptance rate by month: Jan 2025 25%, Feb 2025 29%, Mar 2025 31%"'
            in html)
    assert ('aria-label="Agent mode, share of engaged people by month: Jan 2025 40%, '
            'Feb 2025 25%, Mar 2025 40%"') in html
    assert "Depth month by month" in measured.text
    rows = read_csv_rows(measured.folder / "report-months.csv")
    assert [(r["month"], r["acceptance_rate"], r["agent_share"]) for r in rows] == [
        ("2025-01", "0.25", "0.4"), ("2025-02", "0.2912", "0.25"), ("2025-03", "0.3126", "0.4")]


def test_12_3_on_a_phone_each_table_of_the_chapter_scrolls_in_its_own_box(measured):
    html = (measured.folder / "report.html").read_text()
    chapter = html[html.index('<section id="depth">'):html.index('<section id="time">')]
    tables = chapter.split("<table")[1:]
    assert len(tables) == 5  # three mixes, the teams' figures and their mixes
    for before in chapter.split("<table")[:-1]:
        assert before.rstrip().endswith('<div class="scroll">')


def test_12_3_a_period_from_the_seed_format_says_depth_is_not_measured(tmp_path):
    rendered = render(tmp_path, rollup(measured=False), months(None, None, None))
    rows = rendered.rows
    text = flat(section(rendered.text))
    assert ("Depth of use is not measured for March 2025. Only 3 of its 20 reported days "
            "come from GitHub's usage-metrics reports; depth is shown when at least half of "
            "them do.") in text
    assert "Acceptance rate" not in text and "Depth month by month" not in text
    assert {row["note"] for row in rows.values()} == {
        "not measured", "fewer than 5 people",
        "hidden so that a smaller unit cannot be worked out"}
    assert rows["enterprise"]["acceptance_rate"] == ""


def test_12_3_months_before_the_previous_one_have_their_depth_in_the_trend(
        run_cli, tmp_path, monkeypatch):
    """January (usage-metrics rows on its one reported day) is neither the period nor the
    one before: its depth is rolled up for the trend. By hand: p1..p5 each generated 10
    lines of code and accepted i of them: 15 / 50 = 0.3; p1 and p2 used agent mode: 2 of
    the 5 engaged, 0.4. February and March are seed-format: not measured."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(
        "units:\n  - {id: eng, name: Engineering}\npeople:\n"
        + "".join(f"  - {{id: p{i}, name: Pat {i}, unit: eng, github: p{i}}}\n"
                  for i in range(1, 7)))
    (tmp_path / "enrich.yaml").write_text(
        "company: {name: Initech}\ndirectory:\n  sources:\n    - {type: yaml, path: org.yaml}\n")
    write_jsonl(tmp_path / "inbox" / "q1.jsonl", [
        seed_row(f"2025-0{month}-03", f"p{i}", i, "code_completion")
        for month in (2, 3) for i in range(1, 6)])
    write_jsonl(tmp_path / "inbox" / "users-1-day.jsonl", [
        usage_row("2025-01-03", f"p{i}", i, generations=10, acceptances=i, agent=i <= 2)
        for i in range(1, 6)])
    assert run_cli("import", "--covers", "2025-01-01..2025-03-31", "inbox").status == 0
    assert run_cli("report", "--month", "2025-03").status == 0
    rows = read_csv_rows(tmp_path / "out" / "report-months.csv")
    assert [(r["month"], r["acceptance_rate"], r["agent_share"]) for r in rows] == [
        ("2025-01", "0.3", "0.4"), ("2025-02", "", ""), ("2025-03", "", "")]
    html = (tmp_path / "out" / "report.html").read_text()
    assert ('aria-label="Acceptance rate by month: Jan 2025 30%, Feb 2025 not measured, '
            'Mar 2025 not measured"') in html


def usage_row(day: str, login: str, user_id: int, *, generations: int, acceptances: int,
              agent: bool) -> dict:
    """A usage-metrics row: code completion, and agent mode when `agent`."""
    features = [{"feature": "code_completion", "code_generation_activity_count": generations,
                 "code_acceptance_activity_count": acceptances}]
    if agent:
        features.append({"feature": "chat_panel_agent_mode",
                         "user_initiated_interaction_count": 1})
    return {"day": day, "user_id": user_id, "user_login": login, "enterprise_id": "1",
            "used_agent": agent, "used_chat": agent, "used_cli": False,
            "user_initiated_interaction_count": 1 if agent else 0,
            "code_generation_activity_count": generations,
            "code_acceptance_activity_count": acceptances, "totals_by_feature": features}
