"""Writing output files whole or not at all, private when they hold personal data."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE = 0o600
SHARED = 0o644
PRIVATE_FOLDER = 0o700


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", *, private: bool = True, **kwargs):
    """Open a temporary file beside `path`; on success it is renamed over `path`.

    A crash leaves the previous `path` (or none) in place, never a half-written file. Files
    with personal data are created readable by their owner only (`private=True`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, PRIVATE if private else SHARED)
        if "b" not in mode:
            kwargs.setdefault("encoding", "utf-8")
            kwargs.setdefault("newline", "" if path.suffix == ".csv" else None)
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_bytes(path, data: bytes, *, private: bool = True) -> Path:
    with atomic_open(path, "wb", private=private) as fh:
        fh.write(data)
    return Path(path)


def write_text(path, text: str, *, private: bool = True) -> Path:
    with atomic_open(path, "w", private=private) as fh:
        fh.write(text)
    return Path(path)


def private_folder(path) -> Path:
    """`path` as a folder only its owner can open (0700) whatever the umask, made if missing;
    its parents are made as the umask says."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_FOLDER)
    return path


def leftover_temporaries(folder) -> list[Path]:
    """The temporary files `atomic_open` makes in `folder`: left there only by a process that
    was killed while writing."""
    return list(Path(folder).glob(".*.tmp"))
