"""Where a fetch or an import keeps its work files: in the store's folder, never in /tmp.

Downloaded reports and seat lists hold logins. They go to a folder of their own under
`<store folder>/.enrich-tmp/` (0700, each file 0600), which is removed when the run ends. A
run that is killed leaves its folder there, and perhaps a half-written copy in the archive:
the next fetch or import removes both, once no other run is using the store. The archive,
which holds the same data, is made private (0700) too, whatever the umask.

Every run holds a shared lock on `.enrich-tmp/lock` while it works; the cleaning needs it
alone, so it never removes the files of a run still going.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from enrich.outputs.files import PRIVATE, leftover_temporaries, private_folder
from enrich.store import Store

FOLDER = ".enrich-tmp"
LOCK = "lock"


@contextlib.contextmanager
def scratch_folder(store: Store) -> Iterator[Path]:
    """A private folder for this run's work files, removed when the block ends; what killed
    runs left behind is removed first."""
    private_folder(store.archive)
    root = private_folder(store.path.parent / FOLDER)
    lock = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, PRIVATE)
    try:
        if _lock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB):
            _remove_leftovers(root, store.archive)
        _lock(lock, fcntl.LOCK_SH)
        folder = Path(tempfile.mkdtemp(dir=root, prefix="run-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(lock)  # and with it the lock


def _lock(fd: int, operation: int) -> bool:
    try:
        fcntl.flock(fd, operation)
    except BlockingIOError:
        return False
    return True


def _remove_leftovers(root: Path, archive: Path) -> None:
    """Everything under `root` but the lock, and the archive's half-written copies."""
    for entry in root.iterdir():
        if entry.name == LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    if archive.is_dir():
        for folder in (archive, *(p for p in archive.iterdir() if p.is_dir())):
            for orphan in leftover_temporaries(folder):
                orphan.unlink(missing_ok=True)
