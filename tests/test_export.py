"""`enrich export`: the facts of each person and day and the rollup as Parquet partitioned by
month, read back with pyarrow.

The company is the spend review's (tests/test_spend.py: engagement in February and March
2025, seat lists, and March's usage report), with usage-metrics rows added for depth, by hand:

    day          user  rows                                               what counts
    2025-03-25   ann   org 1: generations 10, acceptances 4, loc_added 5,  both summed: 16, 6,
                       ides vscode; org 2: generations 6, acceptances 2,   loc_added 5, ides
                       languages python                                    [vscode], languages
                                                                           [python]
    2025-03-26   gil   enterprise: generations 3, acceptances 1, credits   the enterprise row
                       1.5, models gpt-5; org 1: generations 100           only: 3, 1, 1.5
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import orjson
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from conftest import write_jsonl
from test_licenses_finance import finance  # noqa: F401 - the company, a fixture
from test_spend import billed  # noqa: F401 - its usage report, a fixture

from enrich.errors import ExitStatus
from enrich.job import exporting
from enrich.outputs import export_tables
from enrich.outputs.export_files import PART

KINDS = ("engagement", "depth", "spend", "rollup")


def metrics_row(day: str, login: str, user_id: int, organization: int | None, **fields) -> dict:
    row = {"day": day, "user_id": user_id, "user_login": login, "enterprise_id": "1",
           "used_chat": False, "used_agent": False, "used_cli": False, **fields}
    if organization is not None:
        row["organization_id"] = organization
    return row


@pytest.fixture
def company(billed, run_cli):  # noqa: F811 - the fixture, imported
    write_jsonl(billed / "metrics" / "users-1-day.jsonl", [
        metrics_row("2025-03-25", "ann", 1, 1, code_generation_activity_count=10,
                    code_acceptance_activity_count=4, loc_added_sum=5,
                    totals_by_ide=[{"ide": "vscode"}]),
        metrics_row("2025-03-25", "ann", 1, 2, code_generation_activity_count=6,
                    code_acceptance_activity_count=2,
                    totals_by_language_feature=[{"language": "python", "feature": "x"}]),
        metrics_row("2025-03-26", "gil", 7, None, code_generation_activity_count=3,
                    code_acceptance_activity_count=1, ai_credits_used=1.5,
                    totals_by_model_feature=[{"model": "gpt-5", "feature": "x"}]),
        metrics_row("2025-03-26", "gil", 7, 1, code_generation_activity_count=100)])
    result = run_cli("import", "metrics")
    assert result.status == ExitStatus.OK, result.stderr
    return billed


def read(folder: Path, kind: str, month: str = "2025-03") -> list[dict]:
    return pq.read_table(folder / kind / f"month={month}" / PART).to_pylist()


def test_13_2_engagement_rows_carry_each_feature_and_the_person(run_cli, company):
    result = run_cli("export", "--month", "2025-03", "--output", "export")
    assert result.status == ExitStatus.OK, result.stderr
    assert result.stdout.splitlines()[0].startswith("exported 1 month of 2025-03: 6 engagement "
                                                    "rows, 2 depth rows, 10 spend rows, ")
    rows = {(row["day"], row["login"]): row for row in read(company / "export", "engagement")}
    assert set(rows) == {(date(2025, 3, d), login) for d, login in [
        (10, "ann"), (12, "gil"), (15, "fox"), (20, "hal"), (25, "ann"), (26, "gil")]}
    ann = rows[date(2025, 3, 10), "ann"]
    assert {k: ann[k] for k in ("user_id", "person_id", "unit", "cost_center", "active",
                                "code_completion", "cli", "agent")} == {
        "user_id": 1, "person_id": "a", "unit": "fin", "cost_center": "CC-1", "active": True,
        # the seed format measures code completion and the CLI, not agent mode: null
        "code_completion": True, "cli": False, "agent": None}
    fox = rows[date(2025, 3, 15), "fox"]
    assert (fox["user_id"], fox["person_id"], fox["unit"], fox["cost_center"]) == \
        (6, None, None, None)
    gil = rows[date(2025, 3, 12), "gil"]
    assert (gil["person_id"], gil["unit"], gil["cost_center"]) == ("g", "eng", "CC-2")


def test_13_2_depth_rows_count_as_section_9_counts_them(run_cli, company):
    assert run_cli("export", "--month", "2025-03", "--output", "export").status == 0
    rows = read(company / "export", "depth")
    assert rows == [
        {"day": date(2025, 3, 25), "user_id": 1, "login": "ann", "person_id": "a",
         "unit": "fin", "cost_center": "CC-1", "interactions": None, "generations": 16,
         "acceptances": 6, "loc_suggested_add": None, "loc_suggested_delete": None,
         "loc_added": 5, "loc_deleted": None, "ai_credits": None, "ides": ["vscode"],
         "features": None, "languages": ["python"], "models": None},
        {"day": date(2025, 3, 26), "user_id": 7, "login": "gil", "person_id": "g",
         "unit": "eng", "cost_center": "CC-2", "interactions": None, "generations": 3,
         "acceptances": 1, "loc_suggested_add": None, "loc_suggested_delete": None,
         "loc_added": None, "loc_deleted": None, "ai_credits": 1.5, "ides": None,
         "features": None, "languages": None, "models": ["gpt-5"]}]


def test_13_2_spend_rows_are_exact_and_attributed(run_cli, company):
    assert run_cli("export", "--month", "2025-03", "--output", "export").status == 0
    rows = read(company / "export", "spend")
    # the hand-computed totals of tests/test_spend.py, to the cent
    assert [sum(row[f"{a}_amount"] for row in rows) for a in ("gross", "discount", "net")] == [
        Decimal("8.1333"), Decimal("0.9333"), Decimal("7.20")]
    assert {row["currency"] for row in rows} == {"USD"}
    people = sorted((str(row["day"]), row["login"] or "", row["user_id"] or 0,
                     row["person_id"] or "", row["cost_center"] or "", str(row["net_amount"]))
                    for row in rows)
    assert people == [
        ("2025-03-03", "ann", 1, "a", "CC-1", "0E-9"),
        ("2025-03-04", "ann", 1, "a", "CC-1", "1.000000000"),
        ("2025-03-05", "eve", 5, "e", "CC-1", "0.100000000"),
        ("2025-03-06", "eve", 5, "e", "CC-1", "0.100000000"),
        ("2025-03-07", "eve", 5, "e", "CC-1", "0.100000000"),  # billed to EVE
        ("2025-03-12", "gil", 7, "g", "CC-2", "2.050000000"),
        ("2025-03-15", "fox", 6, "", "", "0.500000000"),
        ("2025-03-20", "hal", 8, "", "", "0.010000000"),
        ("2025-03-21", "", 0, "", "", "3.333300000"),  # billed to no user
        ("2025-03-22", "", 0, "", "", "0.006700000")]
    ann = next(row for row in rows if row["day"] == date(2025, 3, 4))
    assert (ann["source"], ann["product"], ann["sku"], ann["model"], ann["quantity"],
            ann["price_per_unit"], ann["gross_amount"], ann["discount_amount"]) == (
        "usage_report", "Copilot", "copilot_premium_request", "Claude", "33.3325", "0.04",
        Decimal("1.3333"), Decimal("0.3333"))


def test_13_2_the_rollup_has_every_unit_of_rollup_json(run_cli, company):
    assert run_cli("rollup", "--month", "2025-03").status == 0
    expected = orjson.loads((company / "out" / "rollup.json").read_bytes())
    assert run_cli("export", "--month", "2025-03", "--output", "export").status == 0
    rows = read(company / "export", "rollup")
    assert [(r["dimension"], r["id"]) for r in rows] == \
        [(u["dimension"], u["id"]) for u in expected["units"]]
    features = list(expected["units"][0]["feature_users"])
    for row, unit in zip(rows, expected["units"], strict=True):
        assert (row["period_since"], row["period_until"]) == (date(2025, 3, 1),
                                                              date(2025, 3, 31))
        for name in ("name", "parent", "members", "population", "engaged", "adoption_rate",
                     "mean_active_days", "median_active_days", "narrow", "awareness_gaps",
                     "mean_daily_active"):
            assert row[name] == unit[name], name
        for name in ("segments", "feature_users", "feature_adoption", "feature_user_days"):
            assert {key: row[f"{name}__{key}"] for key in unit[name]} == unit[name], name
        assert {str(d["day"]): d["active"] for d in row["daily_active"]} == unit["daily_active"]
        depth = unit["depth"]
        assert row["depth__people"] == (depth and depth["people"])
        assert row["depth__acceptance_rate"] == (depth and depth["acceptance_rate"])
        if depth:
            for share in ("ide_share", "feature_share", "language_share", "model_share"):
                assert [(s["key"], s["share"]) for s in row[f"depth__{share}"]] == \
                    list(depth[share].items())
        assert row["days_reported"] == expected["period"]["days"]["reported"]
        assert [row[f"measured_days__{f}"] for f in features] == \
            [expected["period"]["measured_days"].get(f) for f in features]
    enterprise = rows[0]
    assert (enterprise["depth__days"], enterprise["depth__people"],
            enterprise["depth__acceptance_rate"]) == (None, None, None)  # 2 of 10 days


def test_13_2_files_are_private_and_partitioned_by_month_as_hive_does(run_cli, company):
    result = run_cli("export", "--output", "export")  # every month the store has
    assert result.status == ExitStatus.OK, result.stderr
    folder = company / "export"
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert files == sorted(f"{kind}/month={month}/{PART}" for kind in KINDS
                           for month in ("2025-02", "2025-03"))
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    engagement = ds.dataset(folder / "engagement", partitioning="hive").to_table()
    assert sorted(engagement.column("month").to_pylist()) == ["2025-02"] + ["2025-03"] * 6
    # a month without rows has its file, with the columns
    depth = pq.read_table(folder / "depth" / "month=2025-02" / PART)
    assert depth.num_rows == 0 and "generations" in depth.column_names
    spend = pq.read_table(folder / "spend" / "month=2025-02" / PART).to_pylist()
    assert [(row["login"], row["net_amount"]) for row in spend] == [("ann", Decimal(99))]


def test_13_2_a_re_export_replaces_its_month_only(run_cli, company):
    assert run_cli("export", "--output", "export").status == 0
    february = (company / "export" / "engagement" / "month=2025-02" / PART).read_bytes()
    write_jsonl(company / "more" / "days.jsonl", [
        {"day": "2025-03-28T00:00:00.0000000Z", "login": "ivy", "user_id": 9,
         "code_completion_engagement": 1}])
    assert run_cli("import", "more").status == 0
    assert run_cli("export", "--month", "2025-03", "--output", "export").status == 0
    logins = [row["login"] for row in read(company / "export", "engagement")]
    assert "ivy" in logins and len(logins) == 7
    assert (company / "export" / "engagement" / "month=2025-02" / PART).read_bytes() == february


def test_13_2_facts_written_a_chunk_at_a_time_are_the_same(run_cli, company, monkeypatch):
    assert run_cli("export", "--month", "2025-03", "--output", "whole").status == 0
    monkeypatch.setattr(export_tables, "CHUNK", 2)
    assert run_cli("export", "--month", "2025-03", "--output", "chunked").status == 0
    for kind in KINDS:
        chunked = pq.ParquetFile(company / "chunked" / kind / "month=2025-03" / PART)
        assert chunked.read().equals(
            pq.read_table(company / "whole" / kind / "month=2025-03" / PART)), kind
        assert chunked.metadata.num_row_groups == (1 if kind == "rollup" else {
            "engagement": 3, "depth": 1, "spend": 5}[kind])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


def test_13_2_a_failed_export_leaves_the_previous_one(run_cli, company, monkeypatch):
    assert run_cli("export", "--output", "export").status == 0
    before = _snapshot(company / "export")

    real = exporting.rollup_table

    def rollup_table(rollup, features):
        # February is staged whole, then March's rollup fails
        if rollup["period"]["since"] == "2025-03-01":
            raise OSError(28, "No space left on device")
        return real(rollup, features)

    monkeypatch.setattr(exporting, "rollup_table", rollup_table)
    with pytest.raises(OSError):
        run_cli("export", "--output", "export")
    assert _snapshot(company / "export") == before
    assert sorted(p.name for p in (company / "export").iterdir()) == sorted(KINDS)


KILLED_EXPORT = """
import sys, time
from pathlib import Path
from enrich.cli import main
from enrich.outputs import export_files

staged = export_files.ExportFolder.add
def add(self, kind, month, schema, tables):
    rows = staged(self, kind, month, schema, tables)
    if month == "2025-03":  # February staged whole, March begun: the test kills us here
        Path("staged").touch()
        time.sleep(60)
    return rows
export_files.ExportFolder.add = add
sys.exit(main(["export", "--output", "export"]))
"""


def test_13_2_a_killed_export_leaves_the_previous_one(run_cli, company):
    assert run_cli("export", "--month", "2025-03", "--output", "export").status == 0
    before = _snapshot(company / "export")
    process = subprocess.Popen([sys.executable, "-c", KILLED_EXPORT], cwd=company,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        while not (company / "staged").exists():
            assert process.poll() is None, "the export ended before it was killed"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert _snapshot(company / "export") == {
        **before, **{str(p.relative_to(company / "export")): p.read_bytes()
                     for p in (company / "export").glob(".enrich-export-*.tmp/**/*")
                     if p.is_file()}}
    assert [p.name for p in (company / "export").glob(".enrich-export-*.tmp")] == \
        [f".enrich-export-{process.pid}.tmp"]
    # the next export removes what the killed one left
    assert run_cli("export", "--output", "export").status == 0
    assert sorted(p.name for p in (company / "export").iterdir()) == sorted(KINDS)


def test_13_2_an_empty_store_or_a_month_without_data_is_refused(run_cli, finance):  # noqa: F811
    result = run_cli("export", "--month", "2025-05", "--output", "export")
    assert result.status == ExitStatus.NO_DATA
    assert result.stderr.splitlines() == [
        "Error: no data for 2025-05: no day of it was reported; the store has reported days "
        "from 2025-02-10 to 2025-03-20",
        "Hint: run `enrich fetch` or `enrich import` first, or choose a period the store has"]
    assert not (finance / "export").exists()


def test_13_2_a_store_without_engagement_is_refused(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text("units: []\npeople: []\n")
    (tmp_path / "enrich.yaml").write_text(
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n")
    (tmp_path / "seats.json").write_text('{"total_seats": 0, "seats": []}')
    assert run_cli("import", "--seats-date", "2025-03-31", "seats.json").status == 0
    result = run_cli("export", "--output", "export")
    assert result.status == ExitStatus.NO_DATA
    assert result.stderr.splitlines() == [
        "Error: no data to export: the store holds no engagement at all yet",
        "Hint: run `enrich fetch` or `enrich import` first, or choose a period the store has"]
    assert not (tmp_path / "export").exists()
