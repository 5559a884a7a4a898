"""How heavy work uses the machine: a second core through fork, no needless collection."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def forked(work: Callable[[], T]) -> Callable[[], T]:
    """Start `work()` in a child process; returns a function that waits for its result.

    The child sees this process's memory as it was at the fork, so `work` needs no
    arguments sent to it; only the result travels back (pickled). An exception in the child
    is raised again here. Where there is no fork, `work` runs when its result is asked for.
    """
    if not hasattr(os, "fork"):
        return work
    read_end, write_end = os.pipe()
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
