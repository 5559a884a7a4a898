"""Benchmark of `enrich fetch` against local GitHub-like servers, beside `enrich import`.

    python bench/generate.py bench/dec --people 100000 --month 2025-12 --months 1
    python bench/fetch.py bench/dec --month 2025-12 --runs 3

The day files of the month are served as the enterprise's daily `users-1-day` reports by the
test suite's GitHub-like API and storage servers, running in a process of their own. Each
run fetches the month into a fresh store, and imports the same files into another fresh
store; the figures are medians, and the fetch is quoted as a ratio against the import of the
same run (target: at most 1.5x).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from enrich.dates import Period, day_str  # noqa: E402

TOKEN_ENV = "BENCH_GITHUB_TOKEN"


def serve(data: Path) -> None:
    """The servers' process: prints the API's URL and token, serves until stdin closes."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fake_github import FakeGitHub

    with FakeGitHub() as github:
        for path in sorted((data / "inbox").iterdir()):
            day = path.name.removeprefix("user-engagement-").split(".")[0]
            github.add_report("enterprises", "users-1-day", day, path)
        print(json.dumps({"url": github.api.url, "token": github.token}), flush=True)
        sys.stdin.read()


def timed(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "enrich", "--quiet", *argv], check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--month", required=True, help="the month of the data (YYYY-MM)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.data)
        return

    server = subprocess.Popen([sys.executable, __file__, str(args.data), "--month", args.month,
                               "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        api = json.loads(server.stdout.readline())
        env = {**os.environ, "PYTHONPATH": str(ROOT), TOKEN_ENV: api["token"]}
        period = Period.month(args.month)
        fetches, imports = [], []
        for run in range(args.runs):
            work = Path(tempfile.mkdtemp(prefix="enrich-bench-fetch-"))
            try:
                config = work / "enrich.yaml"
                config.write_text(
                    f"store:\n  path: {work / 'fetched.db'}\n"
                    f"github:\n  api_url: {api['url']}\n  enterprise: acme\n"
                    f"  token_env: {TOKEN_ENV}\n  seats: false\n")
                fetches.append(timed(["-c", config, "fetch", "--since", day_str(period.since),
                                      "--until", day_str(period.until)], env))
                config.write_text(f"store:\n  path: {work / 'imported.db'}\n")
                imports.append(timed(["-c", config, "import", args.data / "inbox"], env))
            finally:
                shutil.rmtree(work)
            print(f"run {run + 1}: fetch {fetches[-1]:.2f} s, import {imports[-1]:.2f} s",
                  file=sys.stderr)
    finally:
        server.stdin.close()
        server.wait()
    fetched, imported = statistics.median(fetches), statistics.median(imports)
    print(json.dumps({"runs": args.runs, "fetch_s": round(fetched, 2),
                      "import_s": round(imported, 2),
                      "fetch_vs_import": round(fetched / imported, 2)}, indent=2))


if __name__ == "__main__":
    main()
