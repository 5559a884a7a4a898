"""How the benchmarks measure: the parse floor, one `enrich` command in a process of its own,
and a function in a forked child, each with its wall seconds, CPU seconds and peak memory."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    """What one process (its children included) took: wall seconds, CPU seconds (user and
    system, children included: steadier than wall time on a shared machine) and peak resident
    memory in MB (the largest of the process and each of its children, as `wait4` reports it:
    memory that children held at the same time is not added up)."""

    seconds: float
    cpu: float
    rss_mb: float

    @classmethod
    def waited(cls, pid: int, start: float) -> tuple[Measured, int]:
        """Waits for the child `pid`, started at `start`; and its exit code."""
        _, status, usage = os.wait4(pid, 0)
        return (cls(time.perf_counter() - start, usage.ru_utime + usage.ru_stime,
                    usage.ru_maxrss / 1024), os.waitstatus_to_exitcode(status))


def in_sequence(steps: Iterable[Measured]) -> Measured:
    """Steps run one after the other as one job: their times add up, the peak is the largest."""
    steps = list(steps)
    return Measured(sum(s.seconds for s in steps), sum(s.cpu for s in steps),
                    max(s.rss_mb for s in steps))


def engagement_files(data: Path) -> list[Path]:
    return sorted(p for p in (data / "inbox").iterdir() if ".json" in p.name)


def parse_floor(files: list[Path]) -> tuple[float, int]:
    """Seconds to read and orjson-parse every line of the files; and the number of lines."""
    start, lines = time.perf_counter(), 0
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            for line in fh:
                orjson.loads(line)
                lines += 1
    return time.perf_counter() - start, lines


def timed(argv: list, cwd: Path) -> Measured:
    """What one `enrich` command took (exit status 0, or 1 for warnings, else it stops)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "enrich", "--quiet", *map(str, argv)],
                            cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})
    measured, code = Measured.waited(proc.pid, start)
    if code not in (0, 1):
        raise SystemExit(f"enrich {' '.join(map(str, argv))} failed with status {code}")
    return measured


def in_child(work: Callable[[], object]) -> Measured:
    """What `work()` took, called in a forked child.

    The child's peak counts what this process held when it forked, but the memory DuckDB
    takes stays in the child: a child's peak counts its parent's too, so DuckDB in this
    process would add to the peaks of every `enrich` command measured after it.
    """
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            work()
        except BaseException:  # noqa: BLE001 - shown, and the parent stops on the status
            traceback.print_exc()
            status = 1
        finally:
            os._exit(status)
    measured, code = Measured.waited(pid, start)
    if code != 0:
        raise SystemExit("the analyst's script failed")
    return measured


def write_config(work: Path, data: Path, stages: list[str] | None = None) -> Path:
    """A configuration with its store and output in `work`, the org chart of `data`, and the
    stages of `enrich run`."""
    config = work / "enrich.yaml"
    text = (f"store:\n  path: {work / 'enrich.db'}\noutput: {work / 'out'}\n"
            f"directory:\n  sources:\n    - type: yaml\n      path: {data / 'org.json'}\n")
    if stages:
        text += f"run:\n  stages: [{', '.join(stages)}]\n"
    config.write_text(text)
    return config
