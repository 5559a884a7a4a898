"""Every exit status the README documents, made to happen through the command line.

The statuses are read from the README's table, so that a status added to the code or the
table without the other, or without a way to make it happen here, fails a test.
"""

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CliResult, seed_row, write_jsonl
from fake_github import FakeGitHub

from enrich.cli import EXIT_HELP
from enrich.errors import ExitStatus

README = Path(__file__).resolve().parent.parent / "README.md"


def documented() -> dict[int, str]:
    """Code -> meaning, from the table under the README's "Exit status" heading."""
    lines = README.read_text().split("### Exit status\n", 1)[1].strip().splitlines()
    table = lines[2:lines.index("")] if "" in lines else lines[2:]
    rows = [re.fullmatch(r"\| (\d+) \| (.+) \|", line) for line in table]
    assert all(rows), "every row of the table is | code | meaning |"
    return {int(row[1]): row[2] for row in rows}


def test_11_5_the_readme_the_help_and_the_code_agree():
    table = documented()
    assert set(table) == {int(status) for status in ExitStatus}
    helped = dict(re.findall(r"^ *(\d+)  (.+)$", EXIT_HELP, re.MULTILINE))
    assert {int(code): meaning for code, meaning in helped.items()} == table


@pytest.fixture
def company(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    (tmp_path / "org.yaml").write_text(
        "units: [{id: eng, name: Engineering}]\n"
        "people: [{id: e1, name: Ada, unit: eng, github: ada}]\n")
    (tmp_path / "enrich.yaml").write_text(
        "directory:\n  sources: [{type: yaml, path: org.yaml}]\n")
    write_jsonl(tmp_path / "march.jsonl", [seed_row("2025-03-03", "ada", 11, "cli")])
    return tmp_path


def ok(run_cli, company, monkeypatch):
    return run_cli("import", "--covers", "2025-03-01..2025-03-31", "march.jsonl")


def partial_data(run_cli, company, monkeypatch):
    run_cli("import", "march.jsonl")  # without --covers the other days of March are missing
    return run_cli("rollup", "--month", "2025-03")


def usage(run_cli, company, monkeypatch):
    return run_cli("rollup", "--month", "2025-13")


def bad_config(run_cli, company, monkeypatch):
    (company / "enrich.yaml").write_text("metrics:\n  min_group_size: 0\n")
    return run_cli("import", "march.jsonl")


def bad_input(run_cli, company, monkeypatch):
    (company / "march.jsonl").write_text('{"day": "2025-03-03", "login": "ada",\n')
    return run_cli("import", "march.jsonl")


def source_unreachable(run_cli, company, monkeypatch):
    with FakeGitHub() as github:
        (company / "enrich.yaml").write_text(
            f"github:\n  api_url: {github.api.url}\n  enterprise: acme\n"
            "  token_env: TEST_GITHUB_TOKEN\n")
        monkeypatch.setenv("TEST_GITHUB_TOKEN", "ghp_wrong")
        return run_cli("fetch", "--since", "2026-01-01", "--until", "2026-01-01")


def store_error(run_cli, company, monkeypatch):
    (company / "enrich.db").write_text("not a database " * 100)
    return run_cli("import", "march.jsonl")


def no_data(run_cli, company, monkeypatch):
    run_cli("import", "march.jsonl")
    return run_cli("report", "--month", "2025-04")  # the store has March only


def interrupted(run_cli, company, monkeypatch):
    """A fetch from a server that accepts the connection and never answers, interrupted as
    Ctrl-C does: a real process, since a signal cannot be sent to a function."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        (company / "enrich.yaml").write_text(
            f"github:\n  api_url: http://127.0.0.1:{server.getsockname()[1]}\n"
            "  enterprise: acme\n  token_env: TEST_GITHUB_TOKEN\n")
        monkeypatch.setenv("TEST_GITHUB_TOKEN", "ghp_test")
        process = subprocess.Popen([sys.executable, "-m", "enrich", "fetch"], cwd=company,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            server.settimeout(30)
            connection, _ = server.accept()  # the fetch waits for an answer from here on
            with connection:
                process.send_signal(signal.SIGINT)
                stdout, stderr = process.communicate(timeout=30)
        finally:
            process.kill()
            process.wait()
    assert stderr == "Interrupted.\n"
    return CliResult(process.returncode, stdout, stderr)


SCENARIOS = {
    ExitStatus.OK: ok,
    ExitStatus.PARTIAL_DATA: partial_data,
    ExitStatus.USAGE: usage,
    ExitStatus.BAD_CONFIG: bad_config,
    ExitStatus.BAD_INPUT: bad_input,
    ExitStatus.SOURCE_UNREACHABLE: source_unreachable,
    ExitStatus.STORE_ERROR: store_error,
    ExitStatus.NO_DATA: no_data,
    ExitStatus.INTERRUPTED: interrupted,
}


@pytest.mark.parametrize(("code", "meaning"), documented().items(),
                         ids=[str(code) for code in documented()])
def test_11_5_each_documented_exit_status(run_cli, company, monkeypatch, code, meaning):
    assert code in SCENARIOS, f"no way to make exit status {code} ({meaning}) happen"
    result = SCENARIOS[code](run_cli, company, monkeypatch)
    assert result.status == code, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (("rollup", "--month", "2026-13"), "argument --month: not a month (YYYY-MM): '2026-13'"),
    (("report", "--month", "2026/10"), "argument --month: not a month (YYYY-MM): '2026/10'"),
    (("digest", "--since", "2026-10-32", "--until", "2026-11-01"),
     "argument --since: not a date or timestamp: '2026-10-32'"),
    (("demo", "--people", "0"), "argument --people: expected a whole number, 47 or more (the "
                                "smallest sample enterprise), got '0'"),
])
def test_11_5_a_malformed_option_is_a_usage_error_naming_it(run_cli, company, argv, message):
    result = run_cli(*argv)
    assert result.status == ExitStatus.USAGE
    assert result.stderr.splitlines()[-1] == f"enrich {argv[0]}: error: {message}"


@pytest.mark.parametrize(("argv", "message"), [
    (("rollup", "--since", "2026-10-05", "--until", "2026-10-01"),
     "--since 2026-10-05 is after --until 2026-10-01"),
    (("fetch", "--since", "2026-10-05", "--until", "2026-10-01"),
     "--since 2026-10-05 is after --until 2026-10-01"),
    (("licenses", "--since", "2026-10-05"), "--since and --until go together"),
    (("run", "--month", "2026-10", "--until", "2026-10-31"),
     "give --month or --since/--until, not both"),
    (("digest", "--resend"), "--resend goes with --send"),
])
def test_11_5_options_that_do_not_go_together_are_usage_errors(run_cli, company, argv,
                                                                 message):
    (company / "enrich.yaml").write_text("unknown_setting: 1\n")  # options come first
    result = run_cli(*argv)
    assert (result.status, result.stderr) == (ExitStatus.USAGE, f"Error: {message}\n")
