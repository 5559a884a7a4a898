"""`enrich rebuild depth`: the depth of use of usage-metrics days derived again from the
archived copies of their files, without fetching anything.

A store that imported usage-metrics days before it kept their depth (METRICS.md section 9)
has their files in its archive: each is parsed again and its depth rows stored, one
transaction per file, in the order the files were imported, so that a later file's row
replaces an earlier one's as on import. Running it again stores the same rows again: nothing
is counted twice. The engagement the store has is left as it is.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from enrich.errors import InputError, located
from enrich.importer import parsed_blocks, store_depth
from enrich.outputs.files import PRIVATE
from enrich.sources.engagement import USAGE_METRICS
from enrich.sources.parallel import ParsePool
from enrich.store import Store


@dataclass
class DepthRebuild:
    #: usage-metrics files read again
    files: int = 0
    #: depth rows stored
    rows: int = 0
    #: the days that got depth rows
    days: set[int] = field(default_factory=set)
    #: rows whose depth could not be read: `(file, line, reason)`, the file as imported
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    #: archived copies that could not be read: `(file, archived copy, reason)`
    unreadable: list[tuple[str, Path, str]] = field(default_factory=list)


def rebuild_depth(store: Store, first: int, last: int, *, usage_rules: Mapping, today: int,
                  scratch: Path, progress=None) -> DepthRebuild:
    """Derive the depth of the days from `first` to `last` again, from every usage-metrics file
    that brought rows for one of them; `scratch` holds a file while it is read."""
    result = DepthRebuild()
    with ParsePool() as pool:
        for name, archived, _ in store.usage_metrics_files(first, last):
            try:
                with _readable(archived, scratch) as path, store.transaction():
                    _derive(store, path, name, usage_rules, today, pool, result)
            except InputError as exc:
                result.unreadable.append((name, archived, located(exc.reason, line=exc.line)))
            except OSError as exc:
                result.unreadable.append((name, archived, exc.strerror or str(exc)))
            except zstandard.ZstdError as exc:
                result.unreadable.append((name, archived, f"the zstandard data is corrupt ({exc})"))
            result.files += 1
            if progress:
                progress.advance(1)
    store.summarize_depth()
    return result


def _derive(store: Store, path: Path, name: str, usage_rules: Mapping, today: int,
            pool: ParsePool, result: DepthRebuild) -> None:
    marks: dict[int, int] = {}
    for block in parsed_blocks(store, path, USAGE_METRICS, usage_rules, today, pool):
        result.skipped += [(name, line, reason) for line, reason, _ in block.bad]
        store_depth(store, block.depth)
        result.rows += len(block.depth.columns[0]) if block.depth.columns else 0
        for day, mark in block.depth.days.items():
            marks[day] = marks.get(day, 0) | mark
    store.write_depth()
    store.mark_depth(marks)
    result.days.update(marks)


@contextlib.contextmanager
def _readable(archived: Path, scratch: Path) -> Iterator[Path]:
    """An archived copy as `enrich import` reads files: a gzip copy as it is, a zstandard one
    decompressed into the scratch folder for as long as it is read."""
    if archived.suffix != ".zst":
        yield archived
        return
    plain = scratch / archived.with_suffix(".jsonl").name
    try:
        with open(archived, "rb") as src, \
                os.fdopen(os.open(plain, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE),
                          "wb") as dst:
            zstandard.ZstdDecompressor().copy_stream(src, dst)
        yield plain
    finally:
        plain.unlink(missing_ok=True)

