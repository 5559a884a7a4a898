"""How heavy work uses the machine: a second core through fork, no needless collection."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def forked(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work()` in a child process; returns a function that waits for its result.

    The child sees this process's memory as it was at the fork, so `work` needs no
    arguments sent to it; only the result travels back (pickled). An exception in the child
    is raised again here. Where there is no fork, `work` runs when its result is asked for.
    """
    if not hasattr(os, "fork"):
        return work
    read_end, write_end = os.pipe()
    # The child's cycle collector leaves alone what exists at the fork: walking it would
    # copy every page the child shares with this process.
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 0
        try:
            try:
                payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - sent to the parent, raised there
                status, payload = 1, pickle.dumps(exc)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(status)
    gc.unfreeze()
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        value = pickle.loads(payload)
        if os.waitstatus_to_exitcode(status) != 0:
            raise value
        return value

    return result


def workers() -> int:
    """How many processes work at once: one per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count() or 1


def forked_chunks(work: Callable[[Sequence[T]], R], items: Sequence[T], *, size: int,
                  at_once: int) -> Iterator[tuple[Sequence[T], R]]:
    """`work(chunk)` for each chunk of `size` items, each in a forked process (`forked`), at
    most `at_once` at a time; yields each chunk and its result, in order. When one fails,
    the others are waited for, and its exception raised."""
    running: list[tuple[Sequence[T], Callable[[], R]]] = []
    try:
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            running.append((chunk, forked(lambda chunk=chunk: work(chunk))))
            if len(running) >= at_once:
                chunk, result = running.pop(0)
                yield chunk, result()
        while running:
            chunk, result = running.pop(0)
            yield chunk, result()
    finally:
        for _, result in running:  # after a failure: no child left behind
            with contextlib.suppress(BaseException):
                result()


@contextlib.contextmanager
def cycle_collector_paused():
    """Work that makes millions of containers and no reference cycle would only have the
    cycle collector walk them, and every long-lived object, over and over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
