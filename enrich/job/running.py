"""`enrich run`, the configured stages end to end, and `enrich demo`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period
from enrich.errors import EnrichError, ExitStatus, print_error
from enrich.job.digesting import digest, print_digest_result
from enrich.job.inputs import fetch, import_files, import_status
from enrich.job.licensing import licenses, print_licenses_result
from enrich.job.places import outbox_folder, output_folder, store_folders
from enrich.job.reporting import print_report_result, report
from enrich.job.rolling import print_rollup_result, rollup
from enrich.outputs.files import Folder, prepare_folders, write_text
from enrich.sample import SampleSpec, write_sample


def _fetch_stage(config, period, output, as_of, progress, state) -> dict:
    result = fetch(config, today=as_of, progress=progress)
    if result.stopped:
        raise result.stopped  # the stages after it would work on stale data
    return {"stage": "fetch", "status": result.status.name.lower(), **result.as_json()}


def _import_stage(config, period, output, as_of, progress, state) -> dict:
    inbox = config.get("inbox")
    summary = import_files(config, [inbox] if inbox.exists() else [], seats_taken_on=as_of,
                           today=as_of, progress=progress, rejects=output / "rejects.jsonl")
    return {"stage": "import", "status": import_status(summary).name.lower(),
            **summary.as_json()}


def _rollup_stage(config, period, output, as_of, progress, state) -> dict:
    result = rollup(config, period, output=output, as_of=as_of, keep_directory=True)
    state["rollup"] = result
    return {"stage": "rollup", "status": result.status.name.lower(),
            "period": result.rollup["period"],
            "missing_days": result.missing_days, "files": [str(p) for p in result.files]}


def _digest_stage(config, period, output, as_of, progress, state) -> dict:
    result = digest(config, period, as_of=as_of, output=output, rolled=state.get("rollup"),
                    progress=progress)
    return {"stage": "digest", "status": result.status.name.lower(),
            "messages": len(result.outbox),
            "outbox": str(result.outbox[0].parent) if result.outbox else None}


def _licenses_stage(config, period, output, as_of, progress, state) -> dict:
    result = licenses(config, period, as_of=as_of, output=output, rolled=state.get("rollup"))
    return {"stage": "licenses", "status": result.status.name.lower(),
            "files": [str(p) for p in result.files.all]}


def _report_stage(config, period, output, as_of, progress, state) -> dict:
    result = report(config, period, output=output, as_of=as_of, rolled=state.get("rollup"))
    files = result.files
    return {"stage": "report", "status": result.status.name.lower(),
            "files": [str(p) for p in (files.html, files.pdf, *files.csvs)],
            "refused_urls": len(files.refused)}


_STAGES = {"fetch": _fetch_stage, "import": _import_stage, "rollup": _rollup_stage,
           "report": _report_stage, "digest": _digest_stage, "licenses": _licenses_stage}


@dataclass
class RunResult:
    summary: dict
    path: Path
    status: ExitStatus


def run(config: Config, period: Period, *, output: Path | None = None, as_of: int,
        progress: bool = False) -> RunResult:
    """`enrich run`: the configured stages of the monthly job, then a run summary (JSON)."""
    names = config.get("run.stages")
    prepare_folders(*_folders_of_run(config, output, names))
    output = output_folder(config, output).path
    stages: list[dict] = []
    state: dict = {}  # what a stage hands to the next: the rollup, for the report
    for stage in names:
        try:
            stages.append(_STAGES[stage](config, period, output, as_of, progress, state))
        except EnrichError as exc:
            # a failed stage is reported in the summary; the stages after it need its output
            stages.append({"stage": stage, "status": exc.exit_status.name.lower(),
                           "error": exc.message, **({"hint": exc.hint} if exc.hint else {})})
            break
    statuses = [ExitStatus[s["status"].upper()] for s in stages]
    worst = max(statuses, default=ExitStatus.OK)
    summary = {"period": period.as_json(), "status": worst.name.lower(), "stages": stages}
    path = output / "run-summary.json"
    write_text(path, json.dumps(summary, indent=2) + "\n")
    return RunResult(summary, path, worst)


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
    for stage in result.summary["stages"]:
        print(f"{stage['stage']}: {stage['status']}", file=out)
        if "error" in stage:
            print_error(stage["error"], stage.get("hint"), err)
    print(f"wrote {result.path}", file=out)


#: months of history in the demo: enough for a trend
DEMO_MONTHS = 6


def demo(folder: Path, *, month: str, seed: int = 7, people: int = 300, out=None,
         progress: bool = False) -> ExitStatus:
    """`enrich demo`: a sample enterprise written to `folder`, imported, rolled up and
    reported on.

    Deterministic for a seed and a month: the seat list counts as taken the day after the
    month, and the run happens that day (only the digests' Date says when they were written).
    """
    folder = Path(folder)
    prepare_folders(Folder("--output", folder))
    period = Period.month(month)
    spec = SampleSpec(last_month=month, people=people, seed=seed, months=DEMO_MONTHS)
    sample = write_sample(folder, spec)
    print(f"wrote a sample enterprise of {people} people to {folder}: {sample.org.name}, "
          f"{sample.seats.name}, {len(sample.engagement)} engagement files in "
          f"{sample.inbox.name}/", file=out)
    config = Config.load(sample.config)
    run_day = period.until + 1
    generated = spec.generated_days()
    summary = import_files(config, [sample.inbox, sample.seats],
                           covers=(generated[0], generated[-1]), seats_taken_on=run_day,
                           today=run_day, progress=progress)
    rows = sum(f.read for f in summary.files if f.kind != "seats")
    print(f"imported {rows} engagement rows from {len(sample.engagement)} files, and "
          "the seat list", file=out)
    result = rollup(config, period, as_of=run_day)
    print_rollup_result(result, out)
    made = report(config, period, as_of=run_day, rolled=result)
    print_report_result(made, out, out)
    digests = digest(config, period, as_of=run_day, rolled=result)
    print_digest_result(digests, out, out)
    reviewed = licenses(config, period, as_of=run_day, rolled=result, export=True)
    print_licenses_result(reviewed, out, out)
    return max(import_status(summary), result.status, made.status, digests.status,
               reviewed.status)
