"""`enrich rebuild depth`: the depth of use of days imported before enrich kept it."""

from __future__ import annotations

from enrich.config import Config
from enrich.dates import day_ranges, day_str
from enrich.errors import ExitStatus
from enrich.job.places import open_store
from enrich.progress import Progress
from enrich.rebuild import DepthRebuild, rebuild_depth
from enrich.scratch import scratch_folder
from enrich.sources.engagement import EARLIEST_DAY
from enrich.wording import counted

#: skipped rows listed one by one; the count says how many more
LISTED = 10


def rebuild(config: Config, *, since: int | None = None, until: int | None = None,
            today: int, progress: bool = False) -> DepthRebuild:
    """Derive again the depth of the days from `since` to `until` (default: all) from the
    archived usage-metrics files that brought their rows."""
    first = EARLIEST_DAY if since is None else since
    last = today if until is None else until
    with open_store(config) as store, scratch_folder(store) as scratch:
        files = len(store.usage_metrics_files(first, last))
        with Progress("rebuilding depth", files, enabled=None if progress else False,
                      unit=" files") as bar:
            return rebuild_depth(store, first, last,
                                 usage_rules=config.get("usage_metrics.features"), today=today,
                                 scratch=scratch, progress=bar)


def rebuild_status(result: DepthRebuild) -> ExitStatus:
    return ExitStatus.PARTIAL_DATA if result.skipped or result.unreadable else ExitStatus.OK


def print_rebuild_result(result: DepthRebuild, out, err) -> None:
    if not result.files:
        print("no usage-metrics file in the store for those days: nothing to rebuild", file=out)
        return
    days = sorted(result.days)
    print(f"rebuilt the depth of use of {counted(len(days), 'day')} "
          f"({day_ranges([day_str(day) for day in days]) or 'none'}) from "
          f"{counted(result.files, 'archived usage-metrics file')}: "
          f"{counted(result.rows, 'row')}", file=out)
    for name, line, reason in result.skipped[:LISTED]:
        print(f"warning: {name}, line {line}: {reason}: its depth is not kept", file=err)
    if len(result.skipped) > LISTED:
        print(f"warning: ... and {len(result.skipped) - LISTED} more rows whose depth is not "
              "kept", file=err)
    for name, archived, reason in result.unreadable:
        print(f"Error: {name}: its archived copy {archived} cannot be read: {reason}", file=err)
    if result.unreadable:
        print(f"{counted(len(result.unreadable), 'archived file')} could not be read; the "
              "depth of the others is kept.", file=err)
