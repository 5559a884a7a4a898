"""The rollup files: rollup.json, one CSV per dimension, unmatched.csv."""

import csv
import json
import stat

import pytest

from enrich.dates import Period
from enrich.directory.model import Directory, Person, Unit
from enrich.outputs.rollup_files import cell, write_rollup
from enrich.rollup import PeriodInput, compute_rollup

DAY = Period.of("2025-03-03", "2025-03-03")
FEATURES = ["code_completion", "cli"]


def rollup(previous_rows=None) -> dict:
    units = {"ops": Unit("ops", "+Ops"), "web": Unit("web", "Wéb", "ops")}
    people = {"ana": Person("ana", "Ana", "ops"),
              "ben": Person("ben", "@Ben", "web", manager="ana")}
    now = PeriodInput(DAY, FEATURES, {DAY.since: "reported"}, {DAY.since: 3},
                      [(1, DAY.since, 1), (2, DAY.since, 3), (7, DAY.since, 2),
                       (8, DAY.since, 1)])
    before = DAY.previous()
    if previous_rows is None:
        previous = PeriodInput(before, FEATURES, {}, {}, [])
    else:
        previous = PeriodInput(before, FEATURES, {before.since: "reported"}, {before.since: 1},
                               previous_rows)
    return compute_rollup(Directory(units, people), {1: "ana", 2: "ben"},
                          {7: "-danger", 8: "fine"}, now, previous)


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_files_written_and_private(tmp_path):
    paths = write_rollup(rollup(), tmp_path)
    assert [p.name for p in paths] == [
        "rollup.json", "rollup-enterprise.csv", "rollup-team.csv", "rollup-cost_center.csv",
        "rollup-manager.csv", "unmatched.csv"]
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_rollup_json_is_the_rollup_in_its_fixed_order(tmp_path):
    result = rollup()
    write_rollup(result, tmp_path)
    data = (tmp_path / "rollup.json").read_bytes()
    assert json.loads(data) == result
    assert list(json.loads(data)) == ["period", "features", "units", "unmapped"]
    assert list(json.loads(data)["units"][0]) == list(result["units"][0])
    lines = data.decode().splitlines()
    assert lines[0].startswith('{"period": {"since":"2025-03-03","until":"2025-03-03",')
    assert lines[1:3] == ['"features": ["cli","code_completion"],', '"units": [']
    # one unit per line
    assert [json.loads(line.rstrip(","))["id"] for line in lines[3:11]] == [
        "enterprise", "(unmapped)", "ops", "web", "(none)", "(unmapped)", "(unmapped)", "ana"]
    assert lines[11:] == [
        "],", '"unmapped": [', '{"user_id":7,"login":"-danger","active_days":1},',
        '{"user_id":8,"login":"fine","active_days":1}', "]}"]
    assert '"name":"Wéb"' in lines[6]  # UTF-8, not escaped


def test_same_rollup_same_bytes(tmp_path):
    write_rollup(rollup(), tmp_path / "a")
    write_rollup(rollup(), tmp_path / "b")
    for name in ("rollup.json", "rollup-enterprise.csv", "rollup-team.csv",
                 "rollup-cost_center.csv", "rollup-manager.csv", "unmatched.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_team_csv_one_flat_row_per_unit(tmp_path):
    write_rollup(rollup([(1, DAY.since - 1, 1)]), tmp_path)
    header, *rows = read_csv(tmp_path / "rollup-team.csv")
    assert header[:10] == ["dimension", "id", "name", "parent", "members", "population",
                           "engaged", "adoption_rate", "mean_active_days", "median_active_days"]
    assert header[10:20] == ["segments.champion", "segments.regular", "segments.lagging",
                             "segments.inactive", "narrow", "days_reported", "depth_days",
                             "measured_days.cli", "measured_days.code_completion",
                             "feature_users.cli"]
    assert "feature_adoption.code_completion" in header
    assert "daily_active.2025-03-03" in header
    assert "previous.feature_user_days.code_completion" in header
    assert "previous.daily_active.2025-03-02" in header
    # cli is not measured on the previous day: no column for it
    assert "previous.feature_users.cli" not in header
    assert [row[1] for row in rows] == ["(unmapped)", "ops", "web"]
    ops = dict(zip(header, rows[1], strict=True))
    assert (ops["name"], ops["parent"], ops["members"], ops["adoption_rate"]) == (
        "'+Ops", "", "2", "1.0")
    assert (ops["feature_users.cli"], ops["awareness_gaps"]) == ("1", "")
    assert (ops["previous.members"], ops["previous.engaged"]) == ("2", "1")
    web = dict(zip(header, rows[2], strict=True))
    assert (web["parent"], web["awareness_gaps"]) == ("ops", "")
    unmapped = dict(zip(header, rows[0], strict=True))
    # user 7 used cli only, user 8 completion only: 1/2 each
    assert unmapped["feature_adoption.cli"] == "0.5"


def test_previous_columns_stay_empty_without_a_previous_period(tmp_path):
    write_rollup(rollup(), tmp_path)
    header, enterprise = read_csv(tmp_path / "rollup-enterprise.csv")
    row = dict(zip(header, enterprise, strict=True))
    assert row["previous"] == ""
    assert (row["members"], row["engaged"]) == ("4", "4")


def test_manager_csv_names_are_neutralised(tmp_path):
    write_rollup(rollup(), tmp_path)
    header, *rows = read_csv(tmp_path / "rollup-manager.csv")
    assert [(row[1], row[2]) for row in rows] == [("(unmapped)", "(unmapped)"), ("ana", "Ana")]


def test_unmatched_csv_most_active_first_and_neutralised(tmp_path):
    write_rollup(rollup(), tmp_path)
    assert read_csv(tmp_path / "unmatched.csv") == [
        ["user_id", "login", "active_days"], ["7", "'-danger", "1"], ["8", "fine", "1"]]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_a_spreadsheet_would_run_get_a_quote(text):
    assert cell(text) == "'" + text


def test_other_cells_unchanged():
    assert [cell(v) for v in ("Ops", "", 3, 0.5, ["cli", "agent"], ["-x"])] == [
        "Ops", "", 3, 0.5, "cli agent", "'-x"]


THREE_DAYS = Period.of("2025-03-03", "2025-03-05")


def three_day_rollup() -> dict:
    """Three people, one unit; cli is measured on the first day only (the source changed),
    code_completion on all three. Ana used both on day 1, Ben completions on days 1 and 2,
    Cy nothing."""
    d1, d2, d3 = THREE_DAYS.days
    people = {p: Person(p, p.title(), "ops") for p in ("ana", "ben", "cy")}
    now = PeriodInput(THREE_DAYS, FEATURES, dict.fromkeys((d1, d2, d3), "reported"),
                      {d1: 3, d2: 1, d3: 1}, [(1, d1, 3), (2, d1, 1), (2, d2, 1)])
    before = THREE_DAYS.previous()
    previous = PeriodInput(before, FEATURES, dict.fromkeys(before.days, "reported"),
                           dict.fromkeys(before.days, 1), [(1, before.since, 1)])
    return compute_rollup(Directory({"ops": Unit("ops", "Ops")}, people),
                          {1: "ana", 2: "ben", 3: "cy"}, {}, now, previous)


def team_row(folder, unit_id) -> dict:
    header, *rows = read_csv(folder / "rollup-team.csv")
    return next(dict(zip(header, row, strict=True)) for row in rows if row[1] == unit_id)


def test_14_5_rollup_csvs_say_on_how_many_days_each_feature_was_measured(tmp_path):
    result = three_day_rollup()
    assert result["features"] == ["code_completion"]  # cli: 1 of 3 days, not measured in P
    write_rollup(result, tmp_path)
    ops = team_row(tmp_path, "ops")
    assert (ops["days_reported"], ops["measured_days.cli"],
            ops["measured_days.code_completion"]) == ("3", "1", "3")
    # cli's figure is there, and so is the flag beside it
    assert ops["feature_adoption.cli"] == "0.5"
    # the previous period measured completions only, on each of its 3 days
    assert (ops["previous.days_reported"], ops["previous.measured_days.code_completion"]) == (
        "3", "3")
    assert "previous.measured_days.cli" not in ops


def test_14_5_rollup_csvs_round_rates_and_means_and_the_json_keeps_every_digit(tmp_path):
    result = three_day_rollup()
    write_rollup(result, tmp_path)
    ops = team_row(tmp_path, "ops")
    # 2 of 3 engaged; 1 of 3 before; mean active days 1.5 (1 and 2); 1 active per day on
    # average over 3 days: (2 + 1 + 0) / 3
    assert (ops["adoption_rate"], ops["previous.adoption_rate"]) == ("0.6667", "0.3333")
    assert (ops["mean_active_days"], ops["mean_daily_active"]) == ("1.5", "1.0")
    assert ops["feature_adoption.code_completion"] == "1.0"
    rolled = json.loads((tmp_path / "rollup.json").read_text())
    team = next(u for u in rolled["units"] if u["id"] == "ops")
    assert team["adoption_rate"] == 2 / 3 and team["previous"]["adoption_rate"] == 1 / 3


def test_14_7_every_csv_starts_with_a_byte_order_mark(tmp_path):
    for path in write_rollup(rollup(), tmp_path):
        if path.suffix == ".csv":
            assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name
    assert (tmp_path / "rollup-team.csv").read_bytes().decode("utf-8-sig").startswith(
        "dimension,")


def test_14_7_the_one_writer_of_csv_files_adds_the_byte_order_mark(tmp_path):
    # licenses.csv, reclaim.csv and directory-check.csv are written through it too
    from enrich.outputs.files import atomic_open
    for name in ("any.csv", "notes.txt"):
        with atomic_open(tmp_path / name, "w") as fh:
            csv.writer(fh).writerow(["Björn García", "ok"])
    assert (tmp_path / "any.csv").read_bytes() == "\ufeffBjörn García,ok\r\n".encode()
    assert (tmp_path / "notes.txt").read_bytes() == "Björn García,ok\r\n".encode()
