"""Fuzzing the configuration file (enrich.yaml): whatever it holds, `Config.load` gives
settings as they are declared, or an error that names the file (and the line)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import yaml
from fuzzing import check_error, line_count, spoiled_bytes, write, yaml_texts
from hypothesis import given
from hypothesis import strategies as st

from enrich.config import SETTINGS, Config
from enrich.errors import EnrichError, ExitStatus

EXAMPLE = Path(__file__).parent.parent / "config" / "example.yaml"
#: the example with every kind of setting given: files that exist, sources of each type
SETTINGS_DOCUMENT = yaml.safe_load(EXAMPLE.read_text()) | {
    "templates": "my-templates",
    "seats": {"csv": "seats.csv", "columns": {"login": "Login", "plan_type": "Plan"}},
}
SETTINGS_DOCUMENT["company"]["logo"] = "logo.svg"
SETTINGS_DOCUMENT["directory"] |= {"overrides": "org.yaml", "sources": [
    {"type": "yaml", "path": "org.yaml"},
    {"type": "csv", "path": "seats.csv", "columns": {"name": ["First", "Last"]},
     "encoding": "latin-1", "delimiter": ";", "inactive_values": ["gone"]},
    {"type": "ldap", "url": "ldaps://dc1.example.com", "base_dn": "DC=example,DC=com",
     "attributes": {"login": ["githubLogin", "mailNickname"]}, "left": {"ad_disabled": True},
     "seat": {"group_dn": "CN=Copilot,DC=example,DC=com"}, "page_size": 200},
    {"type": "github_teams", "primary": "priority", "priority": ["devs"]},
]}


def load_and_check(content: bytes | str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name in ("org.yaml", "seats.csv", "logo.svg"):
            write(folder / name, "")
        path = write(folder / "enrich.yaml", content)
        try:
            config = Config.load(path)
        except EnrichError as exc:
            check_error(exc, path, lines=line_count(path.read_bytes()))
            return
    check_as_declared(config)


def check_as_declared(config: Config) -> None:
    """Numbers in their range, names where names are expected: what the job takes for granted."""
    for key, setting in SETTINGS.items():
        value = config.get(key)
        if value is None:
            continue
        if setting.type in ("int", "float"):
            assert math.isfinite(value), f"{key} is {value}"
            assert setting.minimum is None or value >= setting.minimum
            assert setting.maximum is None or value <= setting.maximum
        elif setting.type in ("str", "color"):
            assert isinstance(value, str)
        elif setting.type == "list":
            assert all(isinstance(item, str) for item in value)
    for price in config.get("licenses.prices").values():
        assert math.isfinite(price), f"a price of {price}"


@given(content=yaml_texts(SETTINGS_DOCUMENT))
def test_settings_load_as_declared_or_name_file_and_line(content):
    text, _ = content
    load_and_check(text)


EXAMPLE_BYTES = EXAMPLE.read_bytes()


@given(raw=spoiled_bytes(EXAMPLE_BYTES) | st.text().map(str.encode))
def test_raw_bytes_load_or_name_the_file(raw):
    load_and_check(raw)


# Examples the fuzzing found, kept as plain tests.

def test_11_fuzz_a_source_type_that_is_a_list_names_file_and_line(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "enrich.yaml", "directory:\n  sources:\n    - {type: [yaml], path: x}\n")
    result = run_cli("--config", "enrich.yaml", "directory", "check")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr == (
        "Error: enrich.yaml, line 3: directory.sources[0].type: unknown source type ['yaml']; "
        "expected one of yaml, csv, ldap, github_teams\n")


def test_11_fuzz_a_path_with_a_nul_names_file_and_line(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "enrich.yaml", 'store:\n  path: "db\\0"\n')
    result = run_cli("--config", "enrich.yaml", "directory", "check")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr == ("Error: enrich.yaml, line 2: store.path: a path cannot hold a NUL "
                             "character, got 'db\\x00'\n")
