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
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from enrich.sources.engagement import SEED, Batch, SeedRows, UsageMetricsRows
from enrich.sources.records import LINES, layout, line_chunks

#: files smaller than this are parsed in the importing process: a pool costs more than it saves
PARALLEL_MIN_BYTES = 1 << 20


class UnknownFeature(Exception):
    """A worker met a feature the store has no bit for yet."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def make_parser(kind: str, feature_bits: Callable[[str], int], rules: Mapping):
    if kind == SEED:
        return SeedRows(feature_bits)
    return UsageMetricsRows(feature_bits, rules)


# A worker keeps its parsers, and with them their caches of days, logins and column
# layouts, from one block to the next.
_worker_parsers: dict[tuple, object] = {}


def _known_bits(features: dict[str, int]) -> Callable[[str], int]:
    def bit(name: str) -> int:
        if name not in features:
            raise UnknownFeature(name)
        return features[name]
    return bit


def _parse_block(kind: str, rules_json: str, features: tuple, first: int,
                 block: bytes) -> Batch | str:
    key = (kind, rules_json, features)
    parser = _worker_parsers.get(key)
    if parser is None:
        parser = make_parser(kind, _known_bits(dict(features)), json.loads(rules_json))
        _worker_parsers.clear()
        _worker_parsers[key] = parser
    lines = block.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    try:
        return parser.parse(enumerate(lines, first))
    except UnknownFeature as exc:
        return exc.name


class ParsePool:
    """Worker processes for the files of one import, started on first use."""

    def __init__(self, workers: int | None = None, *, min_file_bytes: int = PARALLEL_MIN_BYTES,
                 block_bytes: int = 1 << 22):
        self.workers = workers or os.cpu_count() or 1
        self.min_file_bytes = min_file_bytes
        self.block_bytes = block_bytes
        self._executor: ProcessPoolExecutor | None = None

    def wants(self, path: Path) -> bool:
        """Whether a file is worth parsing in the workers."""
        return path.stat().st_size >= self.min_file_bytes and layout(path) == LINES

    def parse(self, kind: str, rules: Mapping, path: Path,
              features: Callable[[], dict[str, int]],
              allocate: Callable[[str], int]) -> Iterator[Batch]:
        """Batches of the file's blocks, in order. New features are allocated as they appear."""
        executor = self._start()
        rules_json = json.dumps(rules, sort_keys=True)
        window: deque[tuple[tuple[int, bytes], Future]] = deque()

        def submit(block):
            mapping = tuple(sorted(features().items()))
            return executor.submit(_parse_block, kind, rules_json, mapping, *block)

        blocks = line_chunks(path, self.block_bytes)
        for block in blocks:
            window.append((block, submit(block)))
            if len(window) >= 2 * self.workers:
                break
        while window:
            block, future = window.popleft()
            result = future.result()
            while isinstance(result, str):
                allocate(result)
                result = submit(block).result()
            yield result
            following = next(blocks, None)
            if following is not None:
                window.append((following, submit(following)))

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # fork: workers start at once with the parser code loaded, and never import the
            # caller's main module again (a script or `python -m enrich`)
            context = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
