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
        "TMP/enrich.yaml, line 2: usage_metrics.features: cli: a flag rule is {flag: FIELD}")


def test_invalid_yaml_names_the_line(tmp_path):
    assert message(tmp_path, "store:\n  path: [x\n") .startswith("TMP/enrich.yaml, line 3: not "
                                                                 "valid YAML")


def test_unknown_run_stage(tmp_path):
    assert message(tmp_path, "run:\n  stages: [import, mail]\n") == (
        "TMP/enrich.yaml, line 2: run.stages: unknown value 'mail'; expected some of "
        "fetch, import, rollup, report, digest, licenses")
