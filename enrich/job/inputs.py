"""Bringing data in: `enrich fetch`, `enrich import` and `enrich directory check`."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

from enrich import fetch as fetching
from enrich.config import Config
from enrich.dates import day_str
from enrich.directory import check as directory_check
from enrich.directory.check import CheckReport
from enrich.errors import ExitStatus, InputError
from enrich.fetch import FetchResult
from enrich.importer import PATTERNS, ImportSummary, expand_paths, import_paths
from enrich.job.places import open_store, output_folder, store_folders
from enrich.outputs.files import Folder, atomic_open, prepare_folders
from enrich.outputs.rollup_files import cell as neutral_cell
from enrich.progress import Progress
from enrich.scratch import scratch_folder
from enrich.wording import counted


def import_files(config: Config, paths, *, covers=None, skip_bad_rows=False, rejects=None,
                 seats_taken_on: int, today: int, progress: bool = False,
                 optional: bool = False) -> ImportSummary:
    """`enrich import`: files and folders into the store; `today` (UTC) bounds their days.

    Paths without a file to import are bad input, unless `optional` (the inbox of a run):
    then nothing is imported, and no store made."""
    paths = [Path(p) for p in paths]
    files = expand_paths(paths)
    if not files:
        if optional:
            return ImportSummary()
        raise InputError(f"nothing to import: no {PATTERNS} file in "
                         f"{', '.join(map(str, paths))}",
                         hint="give the files, or the folders that hold them")
    folders = list(store_folders(config))
    if skip_bad_rows:
        if rejects is None:
            rejects = output_folder(config).path / "rejects.jsonl"
            folders.append(Folder.of_file("output", rejects, config.where("output")))
        else:
            folders.append(Folder.of_file("--rejects", rejects))
    prepare_folders(*folders)
    # the scratch folder stays empty, but what a killed run left in the archive goes
    with open_store(config, create=True) as store, scratch_folder(store), Progress(
            "importing", len(files), enabled=None if progress else False, unit=" files") as bar:
        return import_paths(store, files, usage_rules=config.get("usage_metrics.features"),
                            skip_bad_rows=skip_bad_rows, rejects=rejects, covers=covers,
                            seats_taken_on=seats_taken_on, today=today, progress=bar,
                            billing_columns=config.get("billing.columns"))


def import_status(summary: ImportSummary) -> ExitStatus:
    if summary.failed:
        return ExitStatus.BAD_INPUT
    if summary.total("rejected"):
        return ExitStatus.PARTIAL_DATA
    return ExitStatus.OK


def print_import_summary(summary: ImportSummary, out, err) -> None:
    for f in summary.files:
        if f.status == "rejected":
            print(f"Error: {f.error}", file=err)
        elif f.status == "already imported":
            print(f"skipped   {f.path}: already imported", file=out)
        else:
            print(f"imported  {f.path} ({f.kind}): {f.read} read, {f.stored} stored, "
                  f"{f.merged} merged, {f.rejected} rejected", file=out)
        if f.note:
            print(f"          {f.note}", file=out)
        if f.warning:
            print(f"warning: {f.path}: {f.warning}", file=err)
    totals = {k: summary.total(k) for k in ("read", "stored", "merged", "rejected")}
    imported = sum(1 for f in summary.files if f.status == "imported")
    print(f"{imported} of {counted(len(summary.files), 'file')} imported; rows: "
          f"{totals['read']} read, {totals['stored']} stored, {totals['merged']} merged, "
          f"{totals['rejected']} rejected", file=out)
    if summary.failed:
        print(_rejected_advice(summary.failed), file=err)
        if summary.covers and summary.covered is None:
            print("--covers was not applied, since the files are not all imported.", file=err)
        if any(f.path.suffix.lower() == ".csv" for f in summary.failed):
            print("Hint: billing.columns maps the fields of a usage report to other headers; "
                  "a seat CSV export is read through the seats.csv setting instead", file=err)
    if summary.rejects_file:
        print(f"bad rows written to {summary.rejects_file}", file=out)


def _rejected_advice(failed: list) -> str:
    """What to do about rejected files: `--skip-bad-rows` is offered only for those rejected
    for a bad row, the only ones it would import."""
    them, their = ("it", "its") if len(failed) == 1 else ("them", "their")
    said = f"{counted(len(failed), 'file')} rejected: nothing of {them} was stored."
    skippable = [str(f.path) for f in failed if f.bad_row]
    if len(skippable) == len(failed):
        return f"{said} Fix {them}, or import with --skip-bad-rows to store {their} good rows."
    if skippable:
        more = len(skippable) - 3
        names = ", ".join(skippable[:3]) + (f" and {more} more" if more > 0 else "")
        return f"{said} Fix {them}; --skip-bad-rows would store the good rows of {names}."
    return f"{said} Fix {them}, and import {them} again."


def fetch(config: Config, *, today: int, refresh: int = 0, since: int | None = None,
          until: int | None = None, progress: bool = False,
          client_options: dict | None = None) -> FetchResult:
    """`enrich fetch`: the days the store lacks, from GitHub's API, and the seats."""
    fetching.Scope.of(config)  # a configuration without one says so before anything else
    # the client checks the token before a new store is made
    with fetching.open_client(config, **(client_options or {})) as client, \
            open_store(config, create=True) as store:
        return fetching.fetch(config, store, client, today=today, refresh=refresh, since=since,
                              until=until, progress=progress)


def print_fetch_result(result: FetchResult, out, err) -> None:
    """What was fetched, then each failure with its reason; the refusal that stopped the
    fetch, if any, is left to the caller to report as the error."""
    print(f"fetched {counted(len(result.reported), 'day')} with engagement "
          f"({counted(result.rows, 'row')}, {result.downloaded_bytes / 1e6:.1f} MB) and "
          f"{counted(len(result.empty), 'day')} without", file=out)
    if result.team_days:
        print(f"stored the team memberships of {counted(len(result.team_days), 'day')}",
              file=out)
    if result.seats is not None:
        print(f"stored a seat snapshot of {counted(result.seats, 'seat')}", file=out)
    billing = result.billing
    if billing.days:
        unknown = (f"; {counted(billing.unknown_logins, 'login')} unknown to the billing "
                   "report" if billing.unknown_logins else "")
        print(f"stored the billed usage of {counted(len(billing.days), 'day')} "
              f"({counted(billing.rows, 'row')}, {counted(billing.requests, 'request')}"
              f"{unknown})", file=out)
    for days, why in _grouped(result.failed):
        print(f"Error: {days}: {why}", file=err)
    for days, why in _grouped(result.teams_failed):
        print(f"Error: team memberships of {days}: {why}", file=err)
    for days, why in _grouped(billing.failed):
        print(f"Error: billed usage of {days}: {why}", file=err)
    if result.seats_failed:
        print(f"Error: seats: {result.seats_failed}", file=err)
    missing = len(result.failed) + len(result.teams_failed) + len(billing.failed)
    if missing:
        print(f"{counted(missing, 'day')} could not be fetched; the others are kept. " + (
            "The fetch stopped at this error:" if result.stopped else
            "Run `enrich fetch` again to fetch the missing days."), file=err)


def _grouped(reasons: dict[int, str]) -> list[tuple[str, str]]:
    """Runs of consecutive days that failed for the same reason, each with the reason:
    a fetch stopped early lists its days not fetched on one line."""
    runs: list[list] = []  # [first, last, why]
    for day, why in sorted(reasons.items()):
        if runs and runs[-1][2] == why and runs[-1][1] == day - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day, why])
    return [(day_str(first) if first == last else
             f"{day_str(first)} to {day_str(last)} ({last - first + 1} days)", why)
            for first, last, why in runs]


def check_directory(config: Config, *, today: int) -> tuple[CheckReport, Path]:
    """`enrich directory check`: the report, also written as a CSV in the output folder."""
    folder = output_folder(config)
    # before the first import there is no store: the org chart is checked alone
    stored = config.get("store.path").exists()
    with open_store(config) if stored else contextlib.nullcontext() as store:
        prepare_folders(folder)
        report = directory_check.check_directory(
            config.get("directory.sources"), config.get("directory.overrides"), store,
            today=today, match_email_local_part=config.get("identity.match_email_local_part"))
    path = folder.path / "directory-check.csv"
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(("severity", "kind", "subject", "detail"))
        writer.writerows((f.severity, f.kind, neutral_cell(f.subject), neutral_cell(f.detail))
                         for f in report.findings)
    return report, path


#: findings listed under the heading of their kind; the CSV has them all
LISTED = 10


def print_directory_check(report: CheckReport, path: Path, out, err) -> None:
    """The counts of each source, the errors, then each kind of warning under a heading of
    its own with its first findings, and the notes."""
    for name, people, units in report.layers:
        print(f"{name}: {_people_and_units(people, units)}", file=out)
    if report.layers:
        print(f"after layering and overrides: {_people_and_units(report.people, report.units)}",
              file=out)
    for finding in report.errors:
        print(f"Error: {finding.detail}", file=err)
    warnings: dict[str, list] = {}
    for finding in report.findings:
        if finding.severity == directory_check.WARNING:
            warnings.setdefault(finding.kind, []).append(finding)
    for kind, findings in sorted(warnings.items()):
        print(f"warning: {counted(len(findings), *directory_check.KIND_NOUNS[kind])}:",
              file=out)
        for finding in findings[:LISTED]:
            said = finding.detail if kind == directory_check.SOURCE else \
                f"{finding.subject}: {finding.detail}"
            print(f"  {said}", file=out)
        if len(findings) > LISTED:
            print(f"  ... and {len(findings) - LISTED} more", file=out)
    for finding in report.findings:
        if finding.severity == directory_check.NOTE:
            print(f"note: {finding.subject} {finding.kind}: {finding.detail}", file=out)
    print(f"wrote {path}", file=out)


def _people_and_units(people: int, units: int) -> str:
    return f"{counted(people, 'person', 'people')}, {counted(units, 'unit')}"
