"""The documentation keeps up with the code."""

import re
from pathlib import Path

import pytest
import yaml

from enrich.cli import build_parser
from enrich.config import SETTINGS, Config, key_line, load_yaml

ROOT = Path(__file__).resolve().parent.parent


def _flat_keys(data, prefix=""):
    for key, value in data.items():
        if isinstance(value, dict) and f"{prefix}{key}" not in SETTINGS:
            yield from _flat_keys(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def test_the_example_configuration_shows_every_setting():
    text = (ROOT / "config" / "example.yaml").read_text()
    shown = set(_flat_keys(yaml.safe_load(text)))
    commented = {key for key in SETTINGS if f"# {key.split('.')[-1]}:" in text}
    assert set(SETTINGS) - shown - commented == set()


def test_the_example_configuration_is_valid(tmp_path):
    example = (ROOT / "config" / "example.yaml").read_text()
    (tmp_path / "org.yaml").write_text("units: []\npeople: []\n")
    (tmp_path / "enrich.yaml").write_text(example)
    Config.load(tmp_path / "enrich.yaml")


def test_the_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices
    missing = [name for name in commands if f"`enrich {name}" not in readme]
    assert missing == []


def test_the_readme_opens_with_the_demo_and_the_test_command():
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1:lines.index("```")]
    assert block[0].startswith("bash .ci/setup && .venv/bin/enrich demo")
    assert block[1].startswith("bash .ci/run")


EXAMPLE_MARK = re.compile(r"#\s*example, default: (.+)$")


def _shown_with_lines(data, prefix=""):
    """(setting, value, line) of each setting the example configuration sets."""
    for key, value in data.items():
        if isinstance(value, dict) and f"{prefix}{key}" not in SETTINGS:
            yield from _shown_with_lines(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value, key_line(data, key)


def test_14_7_the_example_configuration_shows_each_default_or_marks_an_example():
    """A value that is not the default says so on its line, with the default, which must be
    the declared one (`none` for a setting without a default)."""
    path = ROOT / "config" / "example.yaml"
    lines = path.read_text().splitlines()
    wrong = []
    for key, value, line in _shown_with_lines(load_yaml(path)):
        mark = EXAMPLE_MARK.search(lines[line - 1])
        default = SETTINGS[key].default
        if mark:
            said = mark[1].strip()
            if (None if said == "none" else yaml.safe_load(said)) != default:
                wrong.append(f"line {line}: {key}: the default is {default!r}, not {said}")
        elif value != default:
            wrong.append(f"line {line}: {key}: {value!r} is not the default {default!r}")
    assert wrong == []


#: the options every command takes, which the README names once under the table
COMMON = {"-h", "--help", "-c", "--config", "-v", "--verbose", "-q", "--quiet", "--traceback"}


def _leaf_commands(parser, prefix=""):
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        if sub._subparsers is not None:
            yield from _leaf_commands(sub, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", sub


#: the commands that group others (`enrich directory check`)
GROUPS = ("directory", "rebuild")


def _table_of_commands() -> dict[str, str]:
    """Command -> its usage cell, from the README's Commands table."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Commands\n", 1)[1].strip().split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        usage = re.match(r"\| `enrich ([^`]*)`", line)[1]
        words = [word for word in usage.split() if re.fullmatch(r"[a-z]+", word)]
        rows[" ".join(words[:2] if words[0] in GROUPS else words[:1])] = usage
    return rows


def test_14_7_the_commands_table_shows_every_option_of_every_command():
    table = _table_of_commands()
    commands = dict(_leaf_commands(build_parser()))
    assert set(table) == set(commands)
    for name, parser in commands.items():
        options = {option for action in parser._actions for option in action.option_strings}
        assert set(re.findall(r"--[a-z-]+", table[name])) == options - COMMON, name
    readme = (ROOT / "README.md").read_text()
    assert ("Every command takes `--config FILE`, `--verbose`, `--quiet` and `--traceback`"
            in " ".join(readme.split()))


LINK = re.compile(r"\]\(([^)\s]+)\)|src=\"([^\"]+)\"")


@pytest.mark.parametrize("document", ["README.md", "docs/METRICS.md"])
def test_14_7_links_point_to_files_in_the_repository(document):
    """What a user reads is in the repository: no link to a file outside it, or missing."""
    path = ROOT / document
    targets = [a or b for a, b in LINK.findall(path.read_text())]
    local = [t.split("#")[0] for t in targets
             if not t.startswith(("http://", "https://", "mailto:", "#"))]
    assert local, "the document links to the repository's files"
    wrong = [t for t in local if not (path.parent / t).resolve().is_relative_to(ROOT)
             or not (path.parent / t).exists()]
    assert wrong == []


def test_14_7_the_readme_links_the_metric_definitions():
    assert "](docs/METRICS.md)" in (ROOT / "README.md").read_text()
    assert (ROOT / "docs" / "METRICS.md").read_text().startswith("# Metric definitions\n")
