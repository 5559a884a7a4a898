"""Parsing the blocks of a large JSON-lines file in worker processes.

Parsing is most of an import's work, and the store's writes must stay in one process; so
worker processes parse blocks of lines while the importing process writes the rows of the
blocks before them. Results come back in file order, so messages and counts are those of a
sequential import.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from enrich.errors import InputError
from enrich.sources.depth import DepthFields
from enrich.sources.engagement import SEED, Batch, NoFeatureBit, SeedRows, UsageMetricsRows
from enrich.sources.records import LINES, layout, line_chunks, split_lines

#: files smaller than this are parsed in the importing process: a pool costs more than it saves
PARALLEL_MIN_BYTES = 1 << 20


class UnknownFeature(NoFeatureBit):
    """A worker met a feature the store has no bit for yet."""


def make_parser(kind: str, feature_bits: Callable[[str], int], rules: Mapping, today: int,
                depth_keys: Sequence[tuple[str, str]] = ()):
    """A parser of rows of `kind`; `today` (UTC) bounds the days of rows. Usage-metrics rows
    come with their depth, its keys numbered from `depth_keys` (the store's, in number
    order)."""
    if kind == SEED:
        return SeedRows(feature_bits, today)
    return UsageMetricsRows(feature_bits, rules, today, DepthFields(depth_keys))


# A worker keeps its parsers, and with them their caches of days, logins and column
# layouts, from one block to the next.
_worker_parsers: dict[tuple, object] = {}


def _known_bits(features: dict[str, int]) -> Callable[[str], int]:
    def bit(name: str) -> int:
        if name not in features:
            raise UnknownFeature(name)
        return features[name]
    return bit


def _parse_block(job: _Job, features: tuple, depth_keys: tuple, first: int, block: bytes):
    """The block's `job.finish(batch)`, or the UnknownFeature that stopped it."""
    key = (job.kind, job.rules_json, job.today, features, depth_keys)
    try:
        parser = _worker_parsers.get(key)
        if parser is None:
            parser = make_parser(job.kind, _known_bits(dict(features)),
                                 json.loads(job.rules_json), job.today, depth_keys)
            _worker_parsers.clear()
            _worker_parsers[key] = parser
        return job.finish(parser.parse(enumerate(split_lines(first, block), first)))
    except UnknownFeature as exc:
        return exc


@dataclass(frozen=True)
class _Job:
    """One file to parse, and what a worker does with each block's batch before sending it."""

    kind: str
    rules_json: str
    today: int
    path: Path
    finish: Callable[[Batch], object]


@dataclass
class _Task:
    job: _Job
    block: tuple[int, bytes]
    features: tuple
    future: Future


class ParsePool:
    """Worker processes for the files of one import, started on first use.

    The workers are kept busy across files: the blocks of the file that is expected next are
    parsed while the importing process finishes the current one (its counts, archive copy
    and commit). What turns out not to be wanted is dropped.
    """

    def __init__(self, workers: int | None = None, *, min_file_bytes: int = PARALLEL_MIN_BYTES,
                 block_bytes: int = 1 << 22):
        self.workers = workers or os.cpu_count() or 1
        self.min_file_bytes = min_file_bytes
        self.block_bytes = block_bytes
        self._executor: ProcessPoolExecutor | None = None
        self._tasks: deque[_Task] = deque()  # submitted, in file order
        self._feeds: deque[tuple[_Job, Iterator[tuple[int, bytes]]]] = deque()  # blocks to submit
        self._features: Callable[[], dict[str, int]] = dict
        self._depth_keys: Callable[[], Sequence[tuple[str, str]]] = tuple

    def wants(self, path: Path) -> bool:
        """Whether a file is worth parsing in the workers."""
        return path.stat().st_size >= self.min_file_bytes and layout(path) == LINES

    def prefetch(self, kind: str, rules: Mapping, today: int, path: Path,
                 features: Callable[[], dict[str, int]], finish: Callable[[Batch], object],
                 depth_keys: Callable[[], Sequence[tuple[str, str]]] = tuple):
        """Start parsing a file that `parse` will likely be asked for next."""
        self._features, self._depth_keys = features, depth_keys
        job = _job(kind, rules, today, path, finish)
        if job not in self._jobs():
            self._feeds.append(self._feed(job))

    def parse(self, kind: str, rules: Mapping, today: int, path: Path,
              features: Callable[[], dict[str, int]], allocate: Callable[[str], int],
              finish: Callable[[Batch], object],
              depth_keys: Callable[[], Sequence[tuple[str, str]]] = tuple) -> Iterator:
        """`finish(batch)` of the file's blocks, in order.

        New features are allocated as they appear; the keys of depth rows are numbered from
        `depth_keys()` on, new ones by the worker (the batch says which numbers it used);
        `finish` runs in the worker, so that what comes back is small.
        """
        job = _job(kind, rules, today, path, finish)
        self._features, self._depth_keys = features, depth_keys
        if not self._skip_to(job):
            # blocks already sent of other files would come out first: parse them again later
            self._drop({task.job for task in self._tasks}.__contains__)
            self._feeds.appendleft(self._feed(job))
        try:
            while True:
                self._top_up(job)
                if not self._tasks or self._tasks[0].job != job:
                    return
                yield self._result(self._tasks.popleft(), allocate)
        finally:
            self._drop(lambda other: other == job)  # what is left of a file given up on

    def _feed(self, job: _Job) -> tuple[_Job, Iterator[tuple[int, bytes]]]:
        return job, line_chunks(job.path, self.block_bytes)

    def _skip_to(self, job: _Job) -> bool:
        """Drop what was parsed ahead for files before `job`; whether `job` was expected."""
        jobs = self._jobs()
        if job not in jobs:
            return False
        self._drop(set(jobs[:jobs.index(job)]).__contains__)
        return True

    def _jobs(self) -> list[_Job]:
        return [task.job for task in self._tasks] + [job for job, _ in self._feeds]

    def _top_up(self, current: _Job) -> None:
        while self._feeds and len(self._tasks) < 2 * self.workers:
            job, blocks = self._feeds[0]
            try:
                block = next(blocks, None)
            except InputError:
                if job == current:
                    raise
                # a file read ahead that cannot be read: it fails in its own turn
                self._drop(lambda other: other == job)  # noqa: B023 - called at once
                continue
            if block is None:
                self._feeds.popleft()
            else:
                self._tasks.append(self._submit(job, block))

    def _submit(self, job: _Job, block: tuple[int, bytes]) -> _Task:
        features = tuple(sorted(self._features().items()))
        return _Task(job, block, features, self._start().submit(
            _parse_block, job, features, tuple(self._depth_keys()), *block))

    def _result(self, task: _Task, allocate: Callable[[str], int]):
        result = task.future.result()
        # a block parsed ahead may know a feature that a rolled-back file allocated
        while isinstance(result, UnknownFeature) or \
                not set(task.features) <= self._features().items():
            if isinstance(result, UnknownFeature):
                try:
                    allocate(result.name)
                except NoFeatureBit as exc:
                    exc.line = result.line
                    raise
            task = self._submit(task.job, task.block)
            result = task.future.result()
        return result

    def _drop(self, unwanted: Callable[[_Job], bool]) -> None:
        for task in self._tasks:
            if unwanted(task.job):
                task.future.cancel()
        self._tasks = deque(task for task in self._tasks if not unwanted(task.job))
        for job, blocks in self._feeds:
            if unwanted(job):
                blocks.close()
        self._feeds = deque(feed for feed in self._feeds if not unwanted(feed[0]))

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # fork: workers start at once with the parser code loaded, and never import the
            # caller's main module again (a script or `python -m enrich`)
            context = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._executor

    def close(self) -> None:
        self._drop(lambda job: True)
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _job(kind: str, rules: Mapping, today: int, path: Path,
         finish: Callable[[Batch], object]) -> _Job:
    return _Job(kind, json.dumps(rules, sort_keys=True), today, path, finish)
