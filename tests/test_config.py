import pytest

from enrich.config import Config
from enrich.errors import ConfigError


def load(tmp_path, text):
    path = tmp_path / "enrich.yaml"
    path.write_text(text)
    return Config.load(path)


def message(tmp_path, text):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return str(info.value).replace(str(tmp_path), "TMP")


def test_defaults_and_relative_paths(tmp_path):
    config = load(tmp_path, "store:\n  path: data/history.db\nmetrics:\n  min_group_size: 7\n")
    assert config.get("store.path") == tmp_path / "data" / "history.db"
    assert config.get("store.archive") == tmp_path / "data" / "history.db.archive"
    assert config.get("metrics.min_group_size") == 7
    assert config.get("metrics.champion_min_features") == 3


def test_unknown_key_names_file_line_and_the_close_match(tmp_path):
    assert message(tmp_path, "company:\n  name: X\nstore:\n  pth: x.db\n") == (
        "TMP/enrich.yaml, line 4: store.pth: unknown setting (did you mean store.path?)")


def test_wrong_type(tmp_path):
    assert message(tmp_path, "metrics:\n  min_group_size: five\n") == (
        "TMP/enrich.yaml, line 2: metrics.min_group_size: expected an integer, got 'five'")


def test_out_of_range(tmp_path):
    assert message(tmp_path, "metrics:\n  champion_min_consistency: 1.5\n") == (
        "TMP/enrich.yaml, line 2: metrics.champion_min_consistency: must be at most 1, got 1.5")


def test_missing_directory_file(tmp_path):
    assert message(tmp_path, "directory:\n  sources:\n    - type: yaml\n      path: org.yaml\n") \
        == "TMP/enrich.yaml, line 4: directory.sources[0].path: no such file: TMP/org.yaml"


def test_unknown_source_type(tmp_path):
    assert message(tmp_path, "directory:\n  sources:\n    - type: ldif\n") == (
        "TMP/enrich.yaml, line 3: directory.sources[0].type: unknown source type 'ldif'; "
        "expected one of yaml, csv, ldap, github_teams")


def test_bad_usage_metrics_rule(tmp_path):
    text = "usage_metrics:\n  features:\n    cli: {flag: used_cli, count: x}\n"
    assert message(tmp_path, text) == (
        "TMP/enrich.yaml, line 3: usage_metrics.features: cli: a flag rule is {flag: FIELD}")


def test_invalid_yaml_names_the_line(tmp_path):
    assert message(tmp_path, "store:\n  path: [x\n") .startswith("TMP/enrich.yaml, line 3: not "
                                                                 "valid YAML")


def test_unknown_run_stage(tmp_path):
    assert message(tmp_path, "run:\n  stages: [import, mail]\n") == (
        "TMP/enrich.yaml, line 2: run.stages: unknown value 'mail'; expected some of "
        "fetch, import, rollup, report, digest, licenses")


@pytest.mark.parametrize(("text", "expected"), [
    ("licenses:\n  prices:\n    enterprise: 39\n    buisness: 19\n",
     "line 4: licenses.prices: unknown plan 'buisness' (did you mean business?); expected some "
     "of business, enterprise, unknown"),
    ("licenses:\n  prices: {business: 19, pro: 10}\n",
     "line 2: licenses.prices: unknown plan 'pro'; expected some of business, enterprise, "
     "unknown"),
    ("seats:\n  columns:\n    login: User\n    plan: Plan\n",
     "line 4: seats.columns: unknown field 'plan' (did you mean plan_type?); expected some of "
     "user_id, login, organization, assigning_team, plan_type, created_at, last_activity_at, "
     "last_activity_editor, last_authenticated_at, pending_cancellation_date"),
    ("usage_metrics:\n  features:\n    cli: {flag: used_cli}\n"
     "    code_completion: {feature: code_completion, cuont: x}\n",
     "line 4: usage_metrics.features: code_completion: unknown key 'cuont' (did you mean "
     "count?); expected some of flag, feature, feature_prefix, count, min"),
])
def test_14_7_a_misspelt_key_in_a_mapping_setting_names_its_line(tmp_path, text, expected):
    assert message(tmp_path, text) == f"TMP/enrich.yaml, {expected}"


def test_14_7_a_misspelt_column_of_a_directory_source_names_its_line(tmp_path):
    (tmp_path / "hr.csv").write_text("id,name\n")
    text = ("directory:\n  sources:\n    - type: csv\n      path: hr.csv\n      columns:\n"
            "        id: Emp\n        emial: Mail\n")
    assert message(tmp_path, text).startswith(
        "TMP/enrich.yaml, line 7: directory.sources[0].columns: unknown field 'emial' (did you "
        "mean email?)")


def test_14_7_every_plan_may_be_priced(tmp_path):
    config = load(tmp_path, "licenses:\n  prices: {business: 21, enterprise: 40, unknown: 5}\n")
    assert config.get("licenses.prices") == {"business": 21, "enterprise": 40, "unknown": 5}
