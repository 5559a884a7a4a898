"""`enrich directory check`: counts, errors that fail it, warnings that do not."""

from __future__ import annotations

import csv

import pytest
from conftest import seed_row, write_jsonl

from enrich.errors import ExitStatus
from enrich.store import Store

ORG = """\
cost_centers: {CC1: Platform}
units:
  - {id: eng, name: Engineering, cost_center: CC1}
  - {id: lab, name: Lab}
people:
  - {id: e1, name: Ada, unit: eng, github: ada}
  - {id: e2, name: Bob, unit: eng, github: bob, manager: e1}
  - {id: e3, name: Cy, unit: lab, github: cy, manager: e1}
"""


@pytest.fixture
def company(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(ORG)
    (tmp_path / "more.yaml").write_text("people:\n  - {id: e4, name: Dee, unit: eng}\n")
    (tmp_path / "enrich.yaml").write_text(
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n"
        "    - {type: yaml, path: more.yaml}\n")
    Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive").close()
    return tmp_path


def test_14_7_counts_and_each_warning_under_its_own_heading(run_cli, company):
    """Singular and plural as they fall; the unmatched users, most active first, under their
    heading and no other."""
    write_jsonl(company / "d.jsonl", [
        seed_row("2025-03-03", "ada", 11, "cli"), seed_row("2025-03-03", "zed", 21, "cli"),
        seed_row("2025-03-04", "zed", 21, "cli"), seed_row("2025-03-04", "yan", 22, "cli"),
        seed_row("2025-03-05", "xi", 23)])  # no engagement at all: not listed
    run_cli("import", "d.jsonl")
    result = run_cli("directory", "check")
    assert result.status == ExitStatus.OK
    assert result.stdout.splitlines() == [
        f"{company}/org.yaml: 3 people, 2 units",
        f"{company}/more.yaml: 1 person, 0 units",
        "after layering and overrides: 4 people, 2 units",
        "warning: 2 engaged GitHub users who match nobody:",
        "  zed: user 21, active on 2 of the 30 days to 2025-03-05",
        "  yan: user 22, active on 1 of the 30 days to 2025-03-05",
        "warning: 1 person without a cost center:",
        "  e3: Cy",
        "warning: 2 people without a manager:",
        "  e1: Ada, who has 2 reports",
        "  e4: Dee",
        f"wrote {company}/out/directory-check.csv",
    ]
    with (company / "out" / "directory-check.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["severity", "kind", "subject", "detail"]
    assert ["warning", "people without a cost center", "e3", "Cy"] in rows
    assert ["warning", "people without a manager", "e1", "Ada, who has 2 reports"] in rows


def test_an_invalid_org_chart_fails_the_check(run_cli, company):
    (company / "more.yaml").write_text(
        "people:\n  - {id: e4, name: Dee, unit: eng, manager: e5}\n"
        "  - {id: e5, name: Eve, unit: eng, manager: e4}\n")
    result = run_cli("directory", "check")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == f"Error: {company}/more.yaml, line 2: manager loop: e4 -> e5 -> e4\n"


def test_14_7_before_the_first_import_the_org_chart_is_checked_alone(run_cli, company):
    (company / "enrich.db").unlink()
    (company / "more.yaml").write_text(
        "people:\n  - {id: e4, name: Dee, unit: eng, manager: e2}\n")
    result = run_cli("directory", "check")
    assert result.status == ExitStatus.OK, result.stderr
    assert result.stdout.splitlines()[3:] == [
        "warning: 1 person without a cost center:",
        "  e3: Cy",
        "warning: 1 person without a manager:",
        "  e1: Ada, who has 2 reports",
        "note: GitHub logins not checked: there is no store yet, so the engaged GitHub users "
        "who match nobody could not be looked for",
        f"wrote {company}/out/directory-check.csv",
    ]
    assert not (company / "enrich.db").exists()
    with (company / "out" / "directory-check.csv").open() as fh:
        assert ["note", "not checked", "GitHub logins", "there is no store yet, so the engaged "
                "GitHub users who match nobody could not be looked for"] in list(csv.reader(fh))


def test_14_7_a_manager_of_one_has_one_report(run_cli, company):
    (company / "more.yaml").write_text("people: []\n")
    (company / "org.yaml").write_text(ORG.replace("cy, manager: e1", "cy, manager: e2"))
    result = run_cli("directory", "check")
    assert "  e1: Ada, who has 1 report" in result.stdout.splitlines()
