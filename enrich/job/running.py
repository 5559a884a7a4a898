"""`enrich run`, the configured stages end to end, and `enrich demo`."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period
from enrich.errors import EnrichError, ExitStatus, print_error
from enrich.job.digesting import digest, print_digest_result
from enrich.job.inputs import (
    fetch,
    import_files,
    import_status,
    print_fetch_result,
    print_import_summary,
)
from enrich.job.licensing import licenses, print_licenses_result
from enrich.job.period_check import require_over
from enrich.job.places import no_store, outbox_folder, output_folder, store_folders
from enrich.job.reporting import print_report_result, report
from enrich.job.rolling import print_rollup_result, rollup
from enrich.outputs.files import Folder, prepare_folders, write_text
from enrich.processes import forked
from enrich.sample import SampleSpec, write_sample
from enrich.wording import counted

log = logging.getLogger("enrich")


@dataclass
class Stage:
    """What a stage of a run did: its entry in the run summary, and how it tells a person,
    as its own command would (`tell(out, err)`)."""

    entry: dict
    tell: Callable

    @classmethod
    def failed(cls, name: str, exc: EnrichError, before=None) -> Stage:
        """A stage stopped by an error, after `before(out, err)` told what it did."""

        def tell(out, err):
            if before:
                before(out, err)
            print_error(exc.message, exc.hint, err)

        return cls({"stage": name, "status": exc.exit_status.name.lower(),
                    "error": exc.message, **({"hint": exc.hint} if exc.hint else {})}, tell)


def _fetch_stage(config, period, output, as_of, progress, state) -> Stage:
    result = fetch(config, today=as_of, progress=progress)
    said = partial(print_fetch_result, result)
    if result.stopped:  # the stages after it would work on stale data
        failed = Stage.failed("fetch", result.stopped, said)
        failed.entry.update(result.as_json())
        return failed
    return Stage({"stage": "fetch", "status": result.status.name.lower(), **result.as_json()},
                 said)


def _import_stage(config, period, output, as_of, progress, state) -> Stage:
    inbox = config.get("inbox")
    summary = import_files(config, [inbox] if inbox.exists() else [], seats_taken_on=as_of,
                           today=as_of, progress=progress, rejects=output / "rejects.jsonl",
                           optional=True)
    return Stage({"stage": "import", "status": import_status(summary).name.lower(),
                  **summary.as_json()}, partial(print_import_summary, summary))


def _rollup_stage(config, period, output, as_of, progress, state) -> Stage:
    result = rollup(config, period, output=output, as_of=as_of, keep_directory=True)
    state["rollup"] = result
    return Stage({"stage": "rollup", "status": result.status.name.lower(),
                  "period": result.rollup["period"], "missing_days": result.missing_days,
                  "files": [str(p) for p in result.files]},
                 lambda out, err: print_rollup_result(result, out))


def _digest_stage(config, period, output, as_of, progress, state) -> Stage:
    result = digest(config, period, as_of=as_of, output=output, rolled=state.get("rollup"),
                    progress=progress)
    return Stage({"stage": "digest", "status": result.status.name.lower(),
                  "messages": len(result.outbox),
                  "outbox": str(result.outbox[0].parent) if result.outbox else None},
                 partial(print_digest_result, result))


def _licenses_stage(config, period, output, as_of, progress, state) -> Stage:
    result = licenses(config, period, as_of=as_of, output=output, rolled=state.get("rollup"))
    return Stage({"stage": "licenses", "status": result.status.name.lower(),
                  "files": [str(p) for p in result.files.all]},
                 partial(print_licenses_result, result))


def _report_stage(config, period, output, as_of, progress, state) -> Stage:
    result = report(config, period, output=output, as_of=as_of, rolled=state.get("rollup"))
    files = result.files
    return Stage({"stage": "report", "status": result.status.name.lower(),
                  "files": [str(p) for p in (files.html, files.pdf, *files.csvs)],
                  "refused_urls": len(files.refused)}, partial(print_report_result, result))


#: the stages whose failure stops a run; the others are outputs, each on its own
_INPUT_STAGES = ("fetch", "import", "rollup")
_STAGES = {"fetch": _fetch_stage, "import": _import_stage, "rollup": _rollup_stage,
           "report": _report_stage, "digest": _digest_stage, "licenses": _licenses_stage}


@dataclass
class RunResult:
    summary: dict
    path: Path
    status: ExitStatus
    stages: list[Stage] = field(default_factory=list)


def run(config: Config, period: Period, *, output: Path | None = None, as_of: int,
        progress: bool = False) -> RunResult:
    """`enrich run`: the configured stages of the monthly job, then a run summary (JSON)."""
    names = config.get("run.stages")
    require_over(period, as_of)  # before a fetch or an import: waiting is what would help
    if config.path is None and not config.get("store.path").exists():
        raise no_store(config)  # the defaults' store and inbox are rarely the ones meant
    prepare_folders(*_folders_of_run(config, output, names))
    output = output_folder(config, output).path
    stages: list[Stage] = []
    state: dict = {}  # what a stage hands to the next: the rollup, for the report
    # The outputs (a report, the digests, the license review) depend on the stages before
    # them, not on each other: each is made in a forked process, all at the same time, from
    # what the stages before them left (the org chart and the rollup, made once).
    outputs: list[tuple[str, float, Callable[[], Stage]]] = []
    for name in names:
        if name in _INPUT_STAGES:
            stages += _finished(outputs)
            started = time.monotonic()
            stages.append(_stage(name, config, period, output, as_of, progress, state))
            log.debug("%s: %.1f s", name, time.monotonic() - started)
            if "error" in stages[-1].entry:
                break  # the stages after it would work on missing or stale data
        else:  # a failed output does not keep the others from being written
            outputs.append((name, time.monotonic(), forked(partial(
                _stage_apart, name, config, period, output, as_of, progress, state))))
    stages += _finished(outputs)
    entries = [stage.entry for stage in stages]
    worst = max((ExitStatus[e["status"].upper()] for e in entries), default=ExitStatus.OK)
    summary = {"period": period.as_json(), "status": worst.name.lower(), "stages": entries}
    path = output / "run-summary.json"
    write_text(path, json.dumps(summary, indent=2) + "\n")
    return RunResult(summary, path, worst, stages)


def _stage(name: str, config, period, output, as_of, progress, state) -> Stage:
    try:
        return _STAGES[name](config, period, output, as_of, progress, state)
    except EnrichError as exc:
        return Stage.failed(name, exc)


def _stage_apart(name: str, *args) -> Stage:
    """A stage run in a forked process: its entry, and what it tells on stderr, which is all
    that travels back (its result holds every seat and digest)."""
    stage = _stage(name, *args)
    err = io.StringIO()
    stage.tell(io.StringIO(), err)
    return Stage(stage.entry, partial(_replay, err.getvalue()))


def _replay(said: str, out, err) -> None:
    err.write(said)


def _finished(outputs: list[tuple[str, float, Callable[[], Stage]]]) -> list[Stage]:
    """The stages started in forked processes, in the order they were started, each once
    it is done."""
    stages = []
    for name, started, result in outputs:
        stages.append(result())
        log.debug("%s: %.1f s", name, time.monotonic() - started)
    outputs.clear()
    return stages


def _folders_of_run(config: Config, output: Path | None, stages: list[str]) -> list[Folder]:
    """Every folder the stages write to, made before the first stage: a stage must not fail
    for a folder after the ones before it have written their files."""
    folders = [output_folder(config, output)]
    if {"fetch", "import"} & set(stages):
        folders += store_folders(config)
    if "digest" in stages:
        folders.append(outbox_folder(config, output))
    return folders


def print_run_result(result: RunResult, out, err) -> None:
    """A line per stage; the warnings and errors of each as its own command prints them
    (what it wrote is in the run summary)."""
    for stage in result.stages:
        print(f"{stage.entry['stage']}: {stage.entry['status']}", file=out)
        stage.tell(io.StringIO(), err)
    print(f"wrote {result.path}", file=out)


#: months of history in the demo: enough for a trend
DEMO_MONTHS = 6


def demo(folder: Path, *, month: str, seed: int = 7, people: int = 300, out=None,
         progress: bool = False) -> ExitStatus:
    """`enrich demo`: a sample enterprise written to `folder`, imported, rolled up and
    reported on.

    Deterministic for a seed and a month: each month's seat list counts as taken on its last
    day, and the run happens the day after the month (only the digests' Date says when they
    were written).
    """
    folder = Path(folder)
    prepare_folders(Folder("--output", folder))
    period = Period.month(month)
    spec = SampleSpec(last_month=month, people=people, seed=seed, months=DEMO_MONTHS)
    sample = write_sample(folder, spec)
    print(f"wrote a sample enterprise of {people} people to {folder}: {sample.org.name}, "
          f"{sample.seats.name}, {counted(len(sample.engagement), 'engagement file')} in "
          f"{sample.inbox.name}/", file=out)
    config = Config.load(sample.config)
    run_day = period.until + 1
    generated = spec.generated_days()
    for taken_on, seats in sample.seat_history:
        import_files(config, [seats], seats_taken_on=taken_on, today=run_day)
    summary = import_files(config, [sample.inbox, sample.seats],
                           covers=(generated[0], generated[-1]), seats_taken_on=period.until,
                           today=run_day, progress=progress)
    billed = import_files(config, sample.billing, seats_taken_on=period.until, today=run_day)
    rows = sum(f.read for f in summary.files if f.kind != "seats")
    print(f"imported {counted(rows, 'engagement row')} from "
          f"{counted(len(sample.engagement), 'file')}, "
          f"{counted(len(sample.seat_history) + 1, 'monthly seat list')}, and "
          f"{counted(billed.total('stored'), 'row')} of billed usage from "
          f"{counted(len(sample.billing), 'usage report')}", file=out)
    result = rollup(config, period, as_of=run_day)
    print_rollup_result(result, out)
    made = report(config, period, as_of=run_day, rolled=result)
    print_report_result(made, out, out)
    digests = digest(config, period, as_of=run_day, rolled=result)
    print_digest_result(digests, out, out)
    reviewed = licenses(config, period, as_of=run_day, rolled=result, export=True)
    print_licenses_result(reviewed, out, out)
    return max(import_status(summary), import_status(billed), result.status, made.status,
               digests.status, reviewed.status)
