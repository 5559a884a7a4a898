"""The seat list import and the license review of this checkout against another checkout
of enrich (the code before a change), alternating in the same run, with their outputs
compared.

    git worktree add /tmp/enrich-before <commit>
    python bench/ab.py bench/data --before /tmp/enrich-before --month 2025-03 --runs 3

On a shared machine wall times move with the load: each figure is a median of `--runs`
runs, given with its CPU seconds (user + system, children included), and as a ratio
against the other checkout's figure of the same run. The seats are imported into a fresh
store each time; the license review runs in one store holding the engagement, the usage
reports and the seats, and writes each checkout's files apart, which must be the same
(the PDF's text, by pdftotext).
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


def timed(code: Path, argv: list, cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `enrich` command run from the checkout `code`."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "enrich", "--quiet", *map(str, argv)],
                            cwd=cwd, env={**os.environ, "PYTHONPATH": str(code)},
                            stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"enrich {' '.join(map(str, argv))} ({code}) failed")
    return wall, usage.ru_utime + usage.ru_stime


def config(work: Path, data: Path) -> Path:
    path = work / "enrich.yaml"
    path.write_text(f"store:\n  path: {work / 'enrich.db'}\noutput: {work / 'out'}\n"
                    f"directory:\n  sources:\n    - type: yaml\n      path: {data / 'org.json'}\n")
    return path


def differences(before: Path, after: Path) -> list[str]:
    """The files the two folders do not hold alike (a PDF by its text)."""
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    return [name for name in names if _content(before / name) != _content(after / name)]


def _content(path: Path) -> bytes | None:
    if not path.exists():
        return None
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", "-layout", path, "-"], check=True,
                              capture_output=True).stdout
    return path.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--month", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": ROOT}
    figures: dict[str, list] = {f"{what}_{side}": [] for what in ("seats", "licenses")
                                for side in sides}
    work = Path(tempfile.mkdtemp(prefix="enrich-ab-"))
    try:
        store = work / "store"
        store.mkdir()
        setup = config(store, args.data)
        billing = sorted((args.data / "billing").glob("*.csv"))
        for files in ([args.data / "inbox"], billing, [args.data / "seats.json"]):
            if files:
                timed(ROOT, ["-c", setup, "import", *files], store)
        for run in range(args.runs):
            for side, code in sides.items():
                fresh = work / f"seats-{side}-{run}"
                fresh.mkdir()
                figures[f"seats_{side}"].append(
                    timed(code, ["-c", config(fresh, args.data), "import",
                                 args.data / "seats.json"], fresh))
                shutil.rmtree(fresh)
                out = work / f"licenses-{side}"
                shutil.rmtree(out, ignore_errors=True)
                figures[f"licenses_{side}"].append(
                    timed(code, ["-c", setup, "licenses", "--month", args.month,
                                 "--export-reclaim", "--output", out], store))
            print(f"run {run + 1}: " + ", ".join(
                f"{name} {values[-1][0]:.2f} s" for name, values in figures.items()),
                file=sys.stderr)
        changed = differences(work / "licenses-before", work / "licenses-after")
    finally:
        shutil.rmtree(work)
    result = {"runs": args.runs, "license_files_that_differ": changed}
    for what in ("seats", "licenses"):
        before, after = figures[f"{what}_before"], figures[f"{what}_after"]
        for side, runs in (("before", before), ("after", after)):
            result[f"{what}_{side}_s"] = round(statistics.median(w for w, _ in runs), 2)
            result[f"{what}_{side}_cpu_s"] = round(statistics.median(c for _, c in runs), 2)
        result[f"{what}_after_vs_before"] = round(statistics.median(
            a[0] / b[0] for a, b in zip(after, before, strict=True)), 2)
        result[f"{what}_after_vs_before_cpu"] = round(statistics.median(
            a[1] / b[1] for a, b in zip(after, before, strict=True)), 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
