"""`enrich import`: engagement files, seat lists and usage reports into the history store.

Each file is imported in one transaction: by default a bad row rejects the whole file and
nothing of it is stored; with `skip_bad_rows` the bad rows go to a rejects file and the rest
is stored. A file already imported (same bytes) is recognised by its content address.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import zstandard

from enrich.dates import day_str, utc_today
from enrich.errors import InputError
from enrich.facts import by_day_and_scope, day_table, depth_columns
from enrich.logins import LoginBook
from enrich.outputs.files import atomic_open
from enrich.processes import cycle_collector_paused
from enrich.sources.billing import OTHER_PRODUCT, USAGE_REPORT, UsageRow
from enrich.sources.depth import DepthColumns
from enrich.sources.engagement import (
    SEED,
    Batch,
    NoFeatureBit,
    RowError,
    TooManyFeatures,
    row_format,
)
from enrich.sources.fastread import Checked, read_checked
from enrich.sources.parallel import ParsePool, make_parser
from enrich.sources.records import RecordError, file_digest, is_gzip, records
from enrich.sources.seats import is_seat_page, page_rows
from enrich.sources.teams import is_team_row, parse_team_row
from enrich.sources.usage_report import (
    DEFAULT_USAGE_COLUMNS,
    REQUIRED,
    UsageReport,
    is_usage_report,
)
from enrich.store import Store
from enrich.wording import counted

log = logging.getLogger("enrich")

SEATS = "seats"
TEAMS = "user-teams"
#: a usage report CSV of GitHub's billing pages
USAGE_REPORT_FILE = "usage report"
#: a file without rows: a day GitHub had no rows for, saved as it came
EMPTY = "empty"
_BATCH = 20_000
#: the start of a file's content address that names its fact files
FACT_KEY = 20
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".csv")
#: the files a folder is searched for, as a message names them
PATTERNS = "*.json, *.jsonl or *.ndjson (each optionally .gz), or *.csv (usage reports)"


class BadRow(InputError):
    """A row that rejects its file, which `--skip-bad-rows` would skip instead."""


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
    warning: str | None = None
    #: what else a reader should know of the file, such as the rows it leaves aside
    note: str | None = None
    #: rejected for a bad row: `--skip-bad-rows` would store the other rows
    bad_row: bool = False

    def as_json(self) -> dict:
        return {"file": str(self.path), "status": self.status, "kind": self.kind,
                "read": self.read, "stored": self.stored, "merged": self.merged,
                "rejected": self.rejected, "error": self.error, "warning": self.warning,
                "note": self.note}


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


@dataclass
class Block:
    """A parsed batch in the form the importing process uses, small to send from a worker."""

    read: int
    bad: list[tuple[int, str, object]]
    measured: dict[int, int]
    logins: list[tuple[int, tuple[int, ...], tuple[str, ...]]]  # (day, user_ids, logins)
    facts: list[tuple[int, tuple[int, ...], tuple[int, ...]]]  # (day, user_ids, bits)
    depth: DepthColumns


def compact(batch: Batch) -> Block:
    """Runs in a parse worker: the columns cost the writing process nothing."""
    columns = batch.by_day()
    return Block(len(batch.rows) + len(batch.bad), batch.bad, batch.measured,
                 [(day, user_ids, logins) for day, (user_ids, _, logins) in columns.items()],
                 [(day, user_ids, bits) for day, (user_ids, bits, _) in columns.items()],
                 DepthColumns.of(batch.depth, batch.depth_keys))


def parsed_blocks(store: Store, path: Path, kind: str, usage_rules: Mapping, today: int,
                  pool: ParsePool) -> Iterator[Block]:
    """The blocks of an engagement file of `kind`: parsed by the pool's workers when it is
    worth it, else here."""
    if pool.wants(path):
        return pool.parse(kind, usage_rules, today, path, store.feature_map, store.feature_bit,
                          compact, store.depth_keys)
    parser = make_parser(kind, store.feature_bit, usage_rules, today, store.depth_keys())
    items = records(path)
    return (compact(parser.parse(chunk))
            for chunk in iter(lambda: list(itertools.islice(items, _BATCH)), []))


def store_depth(store: Store, depth: DepthColumns) -> None:
    """Depth rows into the store, their keys numbered by the store, which usually numbered
    them the same as the parser did."""
    if depth.days:
        store.stage_depth(by_day_and_scope(depth_columns(
            depth.stored(store.depth_key_bits(depth.keys)))))


class _Rejects:
    """Bad rows, written to a private JSON-lines file when the import ends."""

    def __init__(self, path: Path | None):
        self.path = path
        self.rows: list[bytes] = []

    def add(self, file: Path, line: int, reason: str, record) -> None:
        self.rows.append(orjson.dumps({"file": str(file), "line": line, "reason": reason,
                                       "row": _row_text(record).rstrip("\n")}))

    def write(self) -> Path | None:
        if not self.rows or self.path is None:
            return None
        with atomic_open(self.path, "wb") as fh:
            fh.write(b"\n".join(self.rows) + b"\n")
        return self.path


@dataclass(frozen=True)
class _Options:
    """What every file of one import is read with."""

    usage_rules: Mapping
    skip_bad_rows: bool
    rejects: _Rejects
    seats_taken_on: int
    today: int  # UTC: rows of a day after tomorrow are bad rows
    logins: LoginBook
    pool: ParsePool
    #: `billing.columns`: the headers of a usage report CSV
    billing_columns: Mapping
    ahead: _ReadAhead


class _ReadAhead:
    """The next seed-format file, read by DuckDB in a thread of its own while the current one
    is stored (DuckDB releases the GIL). It knows only the features the store had when it
    began: a file that brings a new one is read again where its bit can be allocated."""

    def __init__(self, thread: ThreadPoolExecutor):
        self.thread = thread
        self.reads: dict[Path, Future] = {}

    def start(self, store: Store, path: Path, today: int) -> None:
        features = store.feature_map()

        def known_bit(name: str) -> int:
            if name not in features:
                raise NoFeatureBit(name)
            return features[name]

        def read() -> Checked | None:
            with store.duckdb().cursor() as con:
                return read_checked(con, path, known_bit, today)

        self.reads[path] = self.thread.submit(read)

    def take(self, path: Path) -> Checked | None:
        """What the thread read of `path`, if it read it and vouches for it."""
        read = self.reads.pop(path, None)
        try:
            return None if read is None else read.result()
        except Exception:  # noqa: BLE001 - the file is read again here, which reports it
            return None


def import_paths(store: Store, paths: Iterable[Path], *, usage_rules: Mapping,
                 skip_bad_rows: bool = False, rejects: Path | None = None,
                 covers: tuple[int, int] | None = None, seats_taken_on: int,
                 today: int | None = None, progress=None, pool: ParsePool | None = None,
                 logins: LoginBook | None = None, summarize: bool = True,
                 billing_columns: Mapping | None = None) -> ImportSummary:
    """Import every file; a rejected file does not stop the others.

    `today` (default: the current day, UTC) bounds the days of rows. A caller that imports
    again and again (a fetch, day by day) passes the same worker `pool` and login book,
    rather than have each import start workers and read the logins, and sums the depth of
    the months it changed (`Store.summarize_depth`) once at its end rather than `summarize`.
    """
    summary = ImportSummary(covers=covers)
    sink = _Rejects(rejects if skip_bad_rows else None)
    files = expand_paths(paths)
    with store.transaction():
        store.remove_stray_facts()
    # a pool given by the caller serves several imports: the caller closes it
    # a thread hashes the next file and archives the current one while this one parses:
    # hashlib, zstandard and file I/O release the GIL
    with contextlib.nullcontext(pool) if pool else ParsePool() as pool, \
            ThreadPoolExecutor(1, thread_name_prefix="enrich-archive") as helper, \
            ThreadPoolExecutor(1, thread_name_prefix="enrich-read") as reader:
        options = _Options(usage_rules, skip_bad_rows, sink, seats_taken_on,
                           utc_today() if today is None else today,
                           logins or LoginBook(store), pool, billing_columns or {},
                           _ReadAhead(reader))
        digests = [helper.submit(file_digest, files[0])] if files else []
        for path, following in itertools.zip_longest(files, files[1:]):
            digest = digests.pop()
            log.debug("importing %s", path)
            if following is not None:
                _prefetch(store, following, options)
                digests.append(helper.submit(file_digest, following))
            summary.files.append(_import_one(store, path, digest.result(), helper, options))
            options.ahead.reads.pop(path, None)  # a file skipped, or rejected before reading
            if progress:
                progress.advance(1)
    if covers is not None and not summary.failed:
        with store.transaction():
            store.mark_covered(range(covers[0], covers[1] + 1))
        summary.covered = covers
    if summarize:
        store.summarize_depth()
    summary.rejects_file = sink.write()
    return summary


def _prefetch(store: Store, path: Path, options: _Options) -> None:
    """Start reading the next file: DuckDB in a thread for a seed-format file, else the
    workers; a file that turns out bad is left for later."""
    try:
        first = _first_value(path, records(path))
    except (InputError, OSError):
        return
    kind = None if first is None else row_format(first[1])
    if kind == SEED:
        options.ahead.start(store, path, options.today)
    elif kind is not None and options.pool.wants(path):
        options.pool.prefetch(kind, options.usage_rules, options.today, path,
                              store.feature_map, compact, store.depth_keys)


def _import_one(store: Store, path: Path, sha: str, helper: ThreadPoolExecutor,
                options: _Options) -> FileResult:
    if store.known_file(sha):
        return FileResult(path, "already imported")
    try:
        with store.transaction():
            copying = helper.submit(archive_copy, path, store.archive, sha)
            try:
                result = _FileImport(store, path, sha, options).run()
            except BaseException:
                _discard(copying)
                raise
            if result.kind == EMPTY:  # nothing to derive from it: neither kept nor recorded
                _discard(copying)
                return result
            archived, _ = copying.result()
            store.record_file(sha, name=path.name, kind=result.kind, size=path.stat().st_size,
                              archive=str(archived.relative_to(store.archive)),
                              counts={k: getattr(result, k) for k in
                                      ("read", "stored", "merged", "rejected")},
                              days=result.days)
    except InputError as exc:
        options.logins.forget()
        return FileResult(path, "rejected", error=exc.message, bad_row=isinstance(exc, BadRow))
    return result


class _FileImport:
    """The rows of one file into the store, inside the caller's transaction."""

    def __init__(self, store: Store, path: Path, sha: str, options: _Options):
        self.store, self.path, self.sha = store, path, sha
        self.usage_rules, self.today = options.usage_rules, options.today
        self.skip_bad_rows, self.rejects = options.skip_bad_rows, options.rejects
        self.seats_taken_on = options.seats_taken_on
        self.result = FileResult(path, "imported")
        self.depth_days: dict[int, int] = {}
        self.logins = options.logins
        self.pool = options.pool
        self.billing_columns = options.billing_columns
        self.ahead = options.ahead

    def run(self) -> FileResult:
        if is_usage_report(self.path, self.billing_columns):
            return self._usage_report()
        if self.path.name.lower().endswith(".csv"):
            raise InputError(
                "not a usage report: the header does not name the columns "
                f"{', '.join(self._usage_headers())}", path=self.path, line=1)
        stream = records(self.path)
        first = _first_value(self.path, stream)
        if first is None:
            self.result.kind = EMPTY
            self.result.warning = "the file holds no rows; imported as a file of zero rows"
            return self.result
        line, record = first
        kind = self._kind_of(line, record)
        if kind == SEATS:
            return self._seats(line, record, stream)
        if kind == TEAMS:
            return self._teams(line, record, stream)
        stream.close()
        checked = self._read_checked() if kind == SEED else None
        if checked is not None:
            self._store_checked(checked)
            return self.result
        try:
            self._store_batches(parsed_blocks(self.store, self.path, kind, self.usage_rules,
                                              self.today, self.pool))
        except TooManyFeatures as exc:
            raise InputError(str(exc), path=self.path, line=exc.line) from None
        return self.result

    def _read_checked(self) -> Checked | None:
        """The file read by DuckDB with the row-wise parser's checks; None when it refuses
        the file (the row-wise parser then accepts it, or says which line is wrong)."""
        checked = self.ahead.take(self.path) or read_checked(
            self.store.duckdb(), self.path, self.store.feature_bit, self.today)
        if checked is None:
            log.debug("%s: read row by row", self.path)
        return checked

    def _store_checked(self, checked: Checked) -> None:
        self.result.read = checked.rows
        for day, rows in checked.days():
            self.logins.see([(day, rows.column("user_id").to_pylist(),
                              rows.column("login").to_pylist())])
            self.store.stage_facts(day, rows.select(["user_id", "bits"]))
        self._finish(checked.measured)

    def _store_batches(self, blocks: Iterable[Block]) -> None:
        result, store = self.result, self.store
        measured: dict[int, int] = {}
        for block in blocks:
            result.read += block.read
            for line, reason, record in block.bad:
                self._bad_row(line, reason, record)
            for day, mask in block.measured.items():
                measured[day] = measured.get(day, 0) | mask
            self.logins.see(block.logins)
            for day, user_ids, bits in block.facts:
                store.stage_facts(day, day_table(user_ids, bits))
            store_depth(store, block.depth)
            for day, marks in block.depth.days.items():
                self.depth_days[day] = self.depth_days.get(day, 0) | marks
        self._finish(measured)

    def _finish(self, measured: dict[int, int]) -> None:
        """The file's facts written and catalogued, its logins and days recorded."""
        result, store = self.result, self.store
        self.logins.save()
        result.stored = store.write_facts(self.sha[:FACT_KEY])
        store.write_depth()
        result.merged = result.read - result.rejected - result.stored
        result.days = sorted(measured)
        store.mark_reported(measured)
        store.mark_depth(self.depth_days)

    def _kind_of(self, line: int, record) -> str:
        if is_seat_page(record):
            return SEATS
        if is_team_row(record):
            self.result.kind = TEAMS
            return TEAMS
        kind = row_format(record)
        if kind is None:
            raise InputError(
                "not an engagement row nor a seat list: expected the user-engagement format "
                '("day", "user_id", "login", "*_engagement" columns), a usage-metrics '
                'users-1-day row ("day", "user_id", "user_login", ...) or a seats API body '
                '({"seats": [...]})', path=self.path, line=line)
        self.result.kind = kind
        return kind

    def _bad_row(self, line: int, reason: str, text) -> None:
        if not self.skip_bad_rows:
            raise BadRow(reason, path=self.path, line=line)
        self.result.rejected += 1
        self.rejects.add(self.path, line, reason, text)

    def _seats(self, line, record, stream) -> FileResult:
        """A seat list: one page, or several pages (as documents or in one array)."""
        result = self.result
        result.kind = SEATS
        seats = []
        # a large seat list makes a million dicts and strings, and no reference cycle
        with cycle_collector_paused():
            self._seat_pages(line, record, stream, seats)
        result.read = result.stored = len(seats)
        self.store.add_seat_snapshot(self.seats_taken_on, self.sha, seats)
        return result

    def _seat_pages(self, line, record, stream, seats: list) -> None:
        for page_line, page in itertools.chain([(line, record)], stream):
            if isinstance(page, bytes):
                if not page.strip():
                    continue
                page = _value(self.path, page_line, page)
            if isinstance(page, RecordError) or not is_seat_page(page):
                reason = page.reason if isinstance(page, RecordError) else \
                    'expected a page of the seats API ({"seats": [...]})'
                raise InputError(reason, path=self.path, line=page_line)
            try:
                seats.extend(page_rows(page))
            except RowError as exc:
                raise InputError(str(exc), path=self.path, line=page_line) from None


    def _usage_headers(self) -> list[str]:
        mapping = {**DEFAULT_USAGE_COLUMNS, **self.billing_columns}
        return [mapping[field] for field in REQUIRED]

    def _usage_report(self) -> FileResult:
        """A usage report CSV: its Copilot usage replaces what an earlier usage report
        brought for the same days; the other rows are counted, and left aside."""
        result, report = self.result, UsageReport(self.path, self.billing_columns)
        result.kind = USAGE_REPORT_FILE
        usage: list[UsageRow] = []
        days: set[int] = set()
        aside: Counter = Counter()
        for line, cells, row in report.rows():
            result.read += 1
            if isinstance(row, RowError):
                self._bad_row(line, str(row), report.line_text(cells))
            elif isinstance(row, UsageRow):
                usage.append(row)
                days.add(row.day)
                if len(usage) == _BATCH:
                    result.stored += self.store.add_billing_rows(USAGE_REPORT, usage,
                                                                 file=self.sha)
                    usage = []
            else:
                kind, product, day = row
                aside[kind, product] += 1
                days.add(day)
        result.stored += self.store.add_billing_rows(USAGE_REPORT, usage, file=self.sha)
        self.store.drop_billing_days(USAGE_REPORT, days, keep_file=self.sha)
        result.note = _aside_note(aside)
        return result

    def _teams(self, line, record, stream) -> FileResult:
        """Rows of a user-teams report: team memberships, kept per day."""
        result = self.result
        memberships, days = [], set()
        for row_line, row in [(line, record), *stream]:
            if isinstance(row, bytes):
                if not row.strip():
                    continue
                try:
                    row = _value(self.path, row_line, row)
                except InputError as exc:
                    self._bad_row(row_line, exc.reason, row)
                    continue
            result.read += 1
            try:
                if isinstance(row, RecordError):
                    raise RowError(row.reason)
                if not isinstance(row, dict):
                    raise RowError("expected a JSON object")
                membership = parse_team_row(row, self.today)
            except RowError as exc:
                self._bad_row(row_line, str(exc), row)
                continue
            memberships.append(membership)
            days.add(membership.day)
            if len(memberships) >= _BATCH:
                result.stored += self.store.add_team_memberships(memberships)
                memberships = []
        result.stored += self.store.add_team_memberships(memberships)
        result.merged = result.read - result.rejected - result.stored
        result.days = sorted(days)
        return result


def _aside_note(aside: Counter) -> str | None:
    """The rows of a usage report that are no Copilot usage, by product: `40 rows of other
    products left aside (actions 30, packages 10); 2 rows of Copilot seat licences, which
    the review prices itself`."""
    others = sorted(((product, n) for (kind, product), n in aside.items()
                     if kind == OTHER_PRODUCT), key=lambda item: (-item[1], item[0]))
    licences = sum(n for (kind, _), n in aside.items() if kind != OTHER_PRODUCT)
    parts = []
    if others:
        parts.append(f"{counted(sum(n for _, n in others), 'row')} of other products left "
                     "aside (" + ", ".join(f"{product} {n:,}" for product, n in others) + ")")
    if licences:
        parts.append(f"{counted(licences, 'row')} of Copilot seat licences left aside: the "
                     "license review prices the seats itself")
    return "; ".join(parts) or None


def _first_value(path: Path, stream) -> tuple[int, object] | None:
    """The first record of a file and its line, decoded, for recognising what the file
    holds; None for a file without any."""
    for line, record in stream:
        if isinstance(record, bytes):
            if not record.strip():
                continue
            record = _value(path, line, record)
        if isinstance(record, RecordError):
            raise InputError(record.reason, path=path, line=line)
        return line, record
    return None


def _value(path: Path, line: int, text: bytes):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {str(exc).split(': line ')[0]}", path=path,
                         line=line) from None


def _row_text(record) -> str:
    """A bad row as the rejects file keeps it: its text, or its value written as JSON."""
    if isinstance(record, RecordError):
        record = record.text
    if isinstance(record, bytes):
        return record.decode("utf-8", "replace")
    if isinstance(record, str):
        return record
    try:
        return orjson.dumps(record).decode()
    except TypeError:  # an integer past 64 bits, or nested deeper than orjson writes
        try:
            return json.dumps(record)
        except RecursionError:
            return "(nested too deeply to show)"


def archive_copy(source: Path, archive: Path, sha256: str) -> tuple[Path, bool]:
    """A compressed copy of `source` under its content address: its path, and whether this
    call made it.

    A gzip file is kept as it is; anything else is compressed with zstandard, which is about
    six times faster than gzip here and keeps the import close to the speed of parsing.
    """
    gz = is_gzip(source)
    target = archive / sha256[:2] / f"{sha256}{'.gz' if gz else '.zst'}"
    if target.exists():
        return target, False
    with open(source, "rb") as src, atomic_open(target, "wb") as dst:
        if gz:
            shutil.copyfileobj(src, dst, 1 << 20)
        else:
            zstandard.ZstdCompressor(level=3).copy_stream(src, dst)
    return target, True


def _discard(copying: Future) -> None:
    """The archive copy of a file that was not imported goes too."""
    try:
        target, made = copying.result()
    except Exception:  # noqa: BLE001 - the import's own error is the one to report
        return
    if made:
        target.unlink(missing_ok=True)
