"""Benchmark of the LDAP directory source against a real slapd holding 100,000 people.

    python bench/ldap.py --people 100000 --runs 3

The directory is the test suite's Active Directory look-alike (tests/ldap_server.py) at
benchmark size, loaded with `slapadd` into a slapd on loopback. Each run reads it as a
configured source would, over StartTLS with the custom login and cost-center attributes,
AD's disabled bit and the seat group, and validates it: `load_directory([spec])`, which runs
`LdapSource(spec).load()` and `validate`, end to end. The figures are medians (target: under
20 s for 100,000 people).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ldap_server import (  # noqa: E402
    BIND_PASSWORD,
    PASSWORD_ENV,
    ad_ldif,
    ad_people,
    running_slapd,
    slapd_path,
)

from enrich.directory.sources import load_directory  # noqa: E402


def read_and_validate(spec: dict) -> tuple[float, int]:
    start = time.perf_counter()
    directory = load_directory([spec])
    return time.perf_counter() - start, len(directory.people)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=500,
                        help="the source's page_size (default: the configuration's)")
    args = parser.parse_args()
    if slapd_path() is None:
        sys.exit("slapd is not installed: apt-get install -y slapd ldap-utils")

    os.environ[PASSWORD_ENV] = BIND_PASSWORD
    with tempfile.TemporaryDirectory(prefix="enrich-bench-ldap-") as work:
        start = time.perf_counter()
        with running_slapd(Path(work), ad_ldif(ad_people(args.people))) as server:
            loaded = time.perf_counter() - start
            print(f"LDIF generated, slapadd and slapd started: {loaded:.2f} s", file=sys.stderr)
            spec = server.spec(page_size=args.page_size, attributes={
                "login": "githubLogin", "cost_center": "extensionAttribute5"})
            seconds = []
            for run in range(args.runs):
                elapsed, people = read_and_validate(spec)
                seconds.append(elapsed)
                print(f"run {run + 1}: {people} people read and validated in {elapsed:.2f} s",
                      file=sys.stderr)
    median = statistics.median(seconds)
    print(json.dumps({"people": people, "runs": args.runs, "page_size": args.page_size,
                      "load_and_validate_s": round(median, 2),
                      "people_per_s": round(people / median)}, indent=2))


if __name__ == "__main__":
    main()
