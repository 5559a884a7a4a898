"""The work files of a fetch or an import: private, beside the store, and never left behind."""

from __future__ import annotations

import os
import stat
import tempfile

import pytest
from conftest import seed_row, write_jsonl
from fake_github import FakeGitHub
from test_fetch import SEAT, TODAY, lines, usage_row

from enrich import cli, job
from enrich.errors import ExitStatus
from enrich.scratch import scratch_folder
from enrich.store import Store

DAY = "2026-01-07"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def github():
    with FakeGitHub() as fake:
        fake.add_report("enterprises", "users-1-day", DAY,
                        lines(usage_row(DAY, "ada", 11, cli=True)))
        fake.set_seats("enterprises", [SEAT])
        yield fake


@pytest.fixture
def setup(tmp_path, github, monkeypatch):
    """A store in `data/`, a configuration that fetches DAY and the seats, and a system
    temporary folder of the test's own, which nothing may use."""
    monkeypatch.setattr(cli, "today", lambda: TODAY)
    monkeypatch.setenv("TEST_GITHUB_TOKEN", github.token)
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    config = tmp_path / "enrich.yaml"
    config.write_text(f"store: {{path: data/enrich.db}}\ngithub:\n  api_url: {github.api.url}\n"
                      "  token_env: TEST_GITHUB_TOKEN\n  enterprise: acme\n  seats: true\n")
    return tmp_path / "data", config, system_tmp


def test_11_13a_a_fetch_keeps_its_downloads_private_beside_the_store(run_cli, setup,
                                                                      monkeypatch):
    data, config, system_tmp = setup
    seen = []
    real_import = job.fetching.import_paths

    def looking(store, files, **options):
        seen.extend((path, mode(path), mode(path.parent), mode(path.parent.parent))
                    for path in files)
        return real_import(store, files, **options)

    monkeypatch.setattr(job.fetching, "import_paths", looking)
    result = run_cli("fetch", "--config", config, "--since", DAY, "--until", DAY)
    assert result.status == ExitStatus.OK, result.stderr
    assert [path.name for path, *_ in seen] == [f"{DAY}-0.json", "seats.json"]
    for path, file_mode, folder_mode, scratch_mode in seen:
        assert path.parent.parent == data / ".enrich-tmp"
        assert (file_mode, folder_mode, scratch_mode) == (0o600, 0o700, 0o700)
    assert os.listdir(data / ".enrich-tmp") == ["lock"]
    assert os.listdir(system_tmp) == []


def killed_run_leftovers(data):
    """What a run killed mid-way leaves: its work folder and a half-written archive copy."""
    work = data / ".enrich-tmp" / "run-k1ll3d"
    work.mkdir(parents=True)
    (work / f"{DAY}-0.json").write_text('{"user_login": "ada"}\n')
    (work / f".{DAY}-1.json.x1y2.part").write_text('{"user_log')
    (work / "seats.json").write_text('{"seats": []}\n')
    half = data / "enrich.db.archive" / "ab" / ".ab12.zst.q9w8.tmp"
    half.parent.mkdir(parents=True)
    half.write_bytes(b"\x28\xb5\x2f\xfd")
    return [work, half]


@pytest.mark.parametrize("command", ["fetch", "import"])
def test_11_13a_the_next_run_removes_what_a_killed_one_left(run_cli, setup, command):
    data, config, _ = setup
    left = killed_run_leftovers(data)
    previous = os.umask(0)  # the archive is private whatever the umask
    try:
        if command == "fetch":
            result = run_cli("fetch", "--config", config, "--since", DAY, "--until", DAY)
        else:
            result = run_cli("import", "--config", config, write_jsonl(
                data.parent / "day.jsonl", [seed_row(DAY, "ada", 11, "cli")]))
    finally:
        os.umask(previous)
    assert result.status == ExitStatus.OK, result.stderr
    assert [path for path in left if path.exists()] == []
    assert os.listdir(data / ".enrich-tmp") == ["lock"]
    assert mode(data / "enrich.db.archive") == 0o700
    assert mode(data / ".enrich-tmp") == 0o700


def test_11_13a_a_run_still_going_keeps_its_files(run_cli, setup):
    data, config, _ = setup
    with Store(data / "enrich.db", data / "enrich.db.archive") as store, \
            scratch_folder(store) as going:
        download = going / f"{DAY}-0.json"
        download.write_text('{"user_login": "ada"}\n')
        copying = data / "enrich.db.archive" / "ab" / ".ab12.zst.q9w8.tmp"
        copying.parent.mkdir(parents=True)
        copying.write_bytes(b"")
        result = run_cli("import", "--config", config, write_jsonl(
            data.parent / "day.jsonl", [seed_row(DAY, "ada", 11, "cli")]))
        assert result.status == ExitStatus.OK, result.stderr
        assert download.exists() and copying.exists()
    assert not going.exists()
