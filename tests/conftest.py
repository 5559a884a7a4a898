import csv
import gzip
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from enrich.cli import main
from enrich.config import Config

# The fuzz tests (tests/test_fuzz_*.py): `ci`, the default, is bounded and derandomized, so a
# run is quick and repeatable; ENRICH_FUZZ=long searches far wider (bench/README.md).
# No deadline: a shared machine would make a slow example look like a failure.
settings.register_profile(
    "ci", max_examples=150, derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", max_examples=5000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("ENRICH_FUZZ", "ci"))


@dataclass
class CliResult:
    status: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli():
    """Run `enrich` in-process; returns the exit status and both streams."""

    def run(*argv) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        status = main([str(a) for a in argv], stdout=out, stderr=err)
        return CliResult(status, out.getvalue(), err.getvalue())

    return run


SEED_COLUMNS = ("cli", "code_completion", "code_review", "dotcom_chat", "inline_chat",
                "knowledge_base_chat", "mobile_chat", "panel_chat", "pull_request_summary")


def seed_row(day: str, login: str, user_id: int, *engaged: str, **columns) -> dict:
    """A seed-format row: every modern column 0 except the features named in `engaged`."""
    row = {"day": f"{day}T00:00:00.0000000Z", "login": login, "user_id": user_id}
    for feature in SEED_COLUMNS:
        row[f"{feature}_engagement"] = 1 if feature in engaged else 0
    row.update(columns)
    return row


def undated(message: bytes) -> bytes:
    """An e-mail's bytes without its Date header: the time it was written or sent."""
    return re.sub(rb"(?m)^Date: [^\r\n]*\r?\n", b"", message)


def write_jsonl(path: Path, rows, *, compress: bool = False, compact: bool = False) -> Path:
    """JSON lines; `compact`: without spaces, as GitHub writes them (what the import's DuckDB
    reader vouches for; the row-wise parser reads the others)."""
    separators = (",", ":") if compact else None
    text = "".join(json.dumps(r, separators=separators) + "\n" for r in rows).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text, mtime=0) if compress else text)
    return path


def require_tool(name: str) -> str:
    """The path of a command-line tool a test needs: skipped without it on a laptop, a failure
    under CI=true, where `.ci/run` installs it."""
    path = shutil.which(name)
    if path is None:
        message = f"needs {name}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI must run this test)", pytrace=False)
        pytest.skip(message)
    return path


def pdf_text(path: Path, *, layout: bool = True) -> str:
    """The text of a PDF as poppler's pdftotext reads it; pages are separated by form feeds."""
    tool = require_tool("pdftotext")
    args = [tool, *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def words(text: str) -> str:
    """pdftotext's layout with every run of blanks made one space."""
    return re.sub(r"[ \t]+", " ", text)


def read_csv_rows(path) -> list[dict]:
    """A CSV file's rows as dicts by header (a byte order mark, which enrich writes for
    Excel, is not part of the first header)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


# A web server on loopback that counts what it is asked: a rendered document must never ask.
class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        CountingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    CountingHandler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
def fetch_config(tmp_path, github, monkeypatch, settings: str) -> Config:
    """A configuration fetching from the fake GitHub (tests/fake_github.py) with its token;
    `settings` are more `github:` lines."""
    monkeypatch.setenv("TEST_GITHUB_TOKEN", github.token)
    path = tmp_path / "enrich.yaml"
    path.write_text(f"github:\n  api_url: {github.api.url}\n  token_env: TEST_GITHUB_TOKEN\n"
                    f"{settings}")
    return Config.load(path)
