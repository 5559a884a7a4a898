"""`enrich import`: engagement files and seat lists into the history store.

Each file is imported in one transaction: by default a bad row rejects the whole file and
nothing of it is stored; with `skip_bad_rows` the bad rows go to a rejects file and the rest
is stored. A file already imported (same bytes) is recognised by its content address.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from enrich.dates import day_str
from enrich.errors import InputError
from enrich.outputs.files import atomic_open
from enrich.sources.engagement import (
    SEED,
    USAGE_METRICS,
    RowError,
    SeedRows,
    UsageMetricsRows,
    row_format,
)
from enrich.sources.records import RecordError, file_digest, is_gzip, records
from enrich.sources.seats import is_seat_page, parse_page
from enrich.store import Store

SEATS = "seats"
_BATCH = 20_000
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


@dataclass
class FileResult:
    path: Path
    status: str  # imported | already imported | rejected
    kind: str = ""
    read: int = 0
    stored: int = 0
    merged: int = 0
    rejected: int = 0
    days: list[int] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict:
        return {"file": str(self.path), "status": self.status, "kind": self.kind,
                "read": self.read, "stored": self.stored, "merged": self.merged,
                "rejected": self.rejected, "error": self.error}


@dataclass
class ImportSummary:
    files: list[FileResult] = field(default_factory=list)
    covers: tuple[int, int] | None = None
    covered: tuple[int, int] | None = None
    rejects_file: Path | None = None

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    def as_json(self) -> dict:
        return {
            "files": [f.as_json() for f in self.files],
            "rows": {k: self.total(k) for k in ("read", "stored", "merged", "rejected")},
            "covered": None if self.covered is None else
            {"since": day_str(self.covered[0]), "until": day_str(self.covered[1])},
            "rejects_file": None if self.rejects_file is None else str(self.rejects_file),
        }


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the data files found under folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.name.lower().endswith(_SUFFIXES)))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError("no such file or folder", path=path)
    return found


class _Rejects:
    """Bad rows, written to a private JSON-lines file when the import ends."""

    def __init__(self, path: Path | None):
        self.path = path
        self.rows: list[bytes] = []

    def add(self, file: Path, line: int, reason: str, text) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        elif not isinstance(text, str):
            text = orjson.dumps(text).decode()
        self.rows.append(orjson.dumps(
            {"file": str(file), "line": line, "reason": reason, "row": text.rstrip("\n")}))

    def write(self) -> Path | None:
        if not self.rows or self.path is None:
            return None
        with atomic_open(self.path, "wb") as fh:
            fh.write(b"\n".join(self.rows) + b"\n")
        return self.path


def import_paths(store: Store, paths: Iterable[Path], *, usage_rules: Mapping,
                 skip_bad_rows: bool = False, rejects: Path | None = None,
                 covers: tuple[int, int] | None = None, seats_taken_on: int,
                 progress=None) -> ImportSummary:
    """Import every file; a rejected file does not stop the others."""
    summary = ImportSummary(covers=covers)
    sink = _Rejects(rejects if skip_bad_rows else None)
    files = expand_paths(paths)
    # the login history as stored, kept current in memory so that a file writes only the
    # spans it widens
    login_spans = store.login_spans()
    for path in files:
        result = _import_one(store, path, usage_rules=usage_rules, skip_bad_rows=skip_bad_rows,
                             rejects=sink, seats_taken_on=seats_taken_on,
                             login_spans=login_spans)
        summary.files.append(result)
        if progress:
            progress.advance(1)
    if covers is not None and not summary.failed:
        with store.transaction():
            store.mark_covered(range(covers[0], covers[1] + 1))
        summary.covered = covers
    summary.rejects_file = sink.write()
    return summary


def _import_one(store, path, *, usage_rules, skip_bad_rows, rejects, seats_taken_on,
                login_spans):
    sha = file_digest(path)
    if store.known_file(sha):
        return FileResult(path, "already imported")
    try:
        with store.transaction(), _Archiver(path, store.archive_path(sha)) as archive:
            spans = dict(login_spans)
            result = _FileImport(store, path, usage_rules, skip_bad_rows, rejects,
                                 seats_taken_on, sha, spans).run()
            archive.finish()
            store.record_file(sha, name=path.name, kind=result.kind, size=path.stat().st_size,
                              archive=str(archive.relative_to(store.archive)),
                              counts={k: getattr(result, k) for k in
                                      ("read", "stored", "merged", "rejected")},
                              days=result.days)
    except InputError as exc:
        return FileResult(path, "rejected", error=exc.message)
    login_spans.update(spans)
    return result


class _FileImport:
    """The rows of one file into the store, inside the caller's transaction."""

    def __init__(self, store: Store, path: Path, usage_rules, skip_bad_rows, rejects,
                 seats_taken_on, sha, login_spans):
        self.store, self.path, self.usage_rules = store, path, usage_rules
        self.skip_bad_rows, self.rejects = skip_bad_rows, rejects
        self.seats_taken_on, self.sha = seats_taken_on, sha
        self.result = FileResult(path, "imported")
        self.measured: dict[int, int] = {}
        self.login_spans = login_spans

    def run(self) -> FileResult:
        stream = records(self.path)
        first = next(stream, None)
        if first is None:
            raise InputError("the file holds no rows", path=self.path)
        parser = self._parser_for(*first)
        if parser == SEATS:
            return self._seats(*first, stream)
        self._rows(parser, itertools.chain([first], stream))
        return self.result

    def _rows(self, parser, items) -> None:
        result, store, spans = self.result, self.store, self.login_spans
        changed: dict[tuple[int, str], tuple[int, int]] = {}
        while chunk := list(itertools.islice(items, _BATCH)):
            batch = parser.parse(chunk)
            result.read += len(chunk)
            for line, reason, record in batch.bad:
                self._bad_row(line, reason, getattr(record, "text", record))
            new_days = [d for d in batch.measured if d not in self.measured]
            if new_days:
                result.stored -= store.user_days(new_days)
            for day, mask in batch.measured.items():
                self.measured[day] = self.measured.get(day, 0) | mask
            store.add_engagement([row[:3] for row in batch.rows])
            for day, uid, _, login in batch.rows:
                span = spans.get((uid, login))
                if span is None or not span[0] <= day <= span[1]:
                    span = (day, day) if span is None else (min(span[0], day), max(span[1], day))
                    spans[(uid, login)] = changed[(uid, login)] = span
        store.add_logins(changed)
        result.stored += store.user_days(self.measured)
        result.merged = result.read - result.rejected - result.stored
        result.days = sorted(self.measured)
        store.mark_reported(self.measured)

    def _parser_for(self, line, record):
        if isinstance(record, RecordError):
            raise InputError(record.reason, path=self.path, line=line)
        if is_seat_page(record):
            return SEATS
        kind = row_format(record)
        self.result.kind = kind or ""
        if kind == SEED:
            return SeedRows(self.store.feature_bit)
        if kind == USAGE_METRICS:
            return UsageMetricsRows(self.store.feature_bit, self.usage_rules)
        raise InputError(
            "not an engagement row nor a seat list: expected the user-engagement format "
            '("day", "user_id", "login", "*_engagement" columns), a usage-metrics users-1-day '
            'row ("day", "user_id", "user_login", ...) or a seats API body ({"seats": [...]})',
            path=self.path, line=line)

    def _bad_row(self, line: int, reason: str, text) -> None:
        if not self.skip_bad_rows:
            raise InputError(reason, path=self.path, line=line,
                             hint="nothing from this file was stored; fix the file, or use "
                                  "--skip-bad-rows to store the other rows")
        self.result.rejected += 1
        self.rejects.add(self.path, line, reason, text)

    def _seats(self, line, record, stream) -> FileResult:
        """A seat list: one page, or several pages (as documents or in one array)."""
        result = self.result
        result.kind = SEATS
        seats = []
        for page_line, page in [(line, record), *stream]:
            if isinstance(page, RecordError) or not is_seat_page(page):
                reason = page.reason if isinstance(page, RecordError) else \
                    'expected a page of the seats API ({"seats": [...]})'
                raise InputError(reason, path=self.path, line=page_line)
            try:
                seats.extend(parse_page(page))
            except RowError as exc:
                raise InputError(str(exc), path=self.path, line=page_line) from None
        result.read = result.stored = len(seats)
        self.store.add_seat_snapshot(self.seats_taken_on, self.sha, seats)
        return result


class _Archiver:
    """Keeps a compressed copy of the file under its content address.

    The copy is made by a thread while the rows are parsed (zlib and file I/O release the
    GIL), and moved into place only when the import succeeds.
    """

    def __init__(self, source: Path, target: Path):
        self.source, self.target = source, target
        self._tmp: str | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> _Archiver:
        if self.target.exists():
            return self
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(dir=self.target.parent, suffix=".tmp")
        os.close(fd)
        self._thread = threading.Thread(target=self._copy, daemon=True)
        self._thread.start()
        return self

    def _copy(self) -> None:
        try:
            with open(self.source, "rb") as src, open(self._tmp, "wb") as raw:
                if is_gzip(self.source):
                    shutil.copyfileobj(src, raw, 1 << 20)
                else:
                    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz:
                        shutil.copyfileobj(src, gz, 1 << 20)
                os.fchmod(raw.fileno(), 0o600)
        except BaseException as exc:  # reported by finish()
            self._error = exc

    def finish(self) -> None:
        if self._thread is None:
            return
        self._thread.join()
        if self._error is not None:
            raise InputError(f"cannot archive the file: {self._error}", path=self.source)
        os.replace(self._tmp, self.target)
        self._tmp = None

    def relative_to(self, base: Path) -> Path:
        return self.target.relative_to(base)

    def __exit__(self, *exc) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()
        if self._tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._tmp)
