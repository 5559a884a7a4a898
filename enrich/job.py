"""The stages of the monthly job, callable with plain arguments (the CLI is a thin layer)."""

from __future__ import annotations

import logging
from pathlib import Path

from enrich.config import Config
from enrich.errors import ExitStatus
from enrich.importer import ImportSummary, expand_paths, import_paths
from enrich.progress import Progress
from enrich.store import Store

log = logging.getLogger("enrich")


def open_store(config: Config) -> Store:
    return Store(config.get("store.path"), config.get("store.archive"))


def import_files(config: Config, paths, *, covers=None, skip_bad_rows=False, rejects=None,
                 seats_taken_on: int, progress: bool = False) -> ImportSummary:
    """`enrich import`: files and folders into the store."""
    paths = [Path(p) for p in paths]
    if rejects is None:
        rejects = config.get("output") / "rejects.jsonl"
    files = expand_paths(paths)
    with open_store(config) as store, Progress(
            "importing", len(files), enabled=None if progress else False, unit=" files") as bar:
        return import_paths(store, files, usage_rules=config.get("usage_metrics.features"),
                            skip_bad_rows=skip_bad_rows, rejects=rejects, covers=covers,
                            seats_taken_on=seats_taken_on, progress=bar)


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
    totals = {k: summary.total(k) for k in ("read", "stored", "merged", "rejected")}
    imported = sum(1 for f in summary.files if f.status == "imported")
    print(f"{imported} of {len(summary.files)} files imported; rows: {totals['read']} read, "
          f"{totals['stored']} stored, {totals['merged']} merged, "
          f"{totals['rejected']} rejected", file=out)
    if summary.failed:
        print(f"{len(summary.failed)} file(s) rejected: nothing from them was stored. Fix them, "
              "or import with --skip-bad-rows to store their good rows.", file=err)
        if summary.covers and summary.covered is None:
            print("--covers was not applied, since the files are not all imported.", file=err)
    if summary.rejects_file:
        print(f"bad rows written to {summary.rejects_file}", file=out)
