"""Writing output files whole or not at all, private when they hold personal data, into
folders that are checked before any work and readable by their owner only."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from enrich.errors import ConfigError

PRIVATE = 0o600
SHARED = 0o644
#: the folders enrich makes hold names and logins: their owner's only, whatever the umask
PRIVATE_FOLDER = 0o700


@dataclass(frozen=True)
class Folder:
    """A folder a command writes to, and what a message calls it."""

    #: the setting (`output`, `store.path`) or option (`--output`) that names the folder
    setting: str
    path: Path
    #: where the setting was read: `path` and `line` of the configuration file, if from one
    where: dict = field(default_factory=dict)
    #: the file the setting names in the folder (`store.path`, `--rejects`), if it names one
    file: str | None = None

    @classmethod
    def of_file(cls, setting: str, path, where: dict | None = None) -> Folder:
        path = Path(path)
        return cls(setting, path.parent, where or {}, path.name)


def prepare_folders(*folders: Folder) -> None:
    """Make every folder a command writes to, before it writes anything.

    All are checked before any is made, so that a folder that cannot be written in (a file,
    under a file, without permission, in a file system that takes no folders) stops the
    command with a ConfigError naming its setting and path, and nothing made.
    """
    for folder in folders:
        problem = _folder_problem(folder.path)
        if problem is None and folder.file and (folder.path / folder.file).is_dir():
            problem = f"{folder.path / folder.file} is a folder, not a file"
        if problem:
            raise ConfigError(problem, key=folder.setting, **folder.where)
    for folder in folders:
        try:
            make_private_folder(folder.path)
        except OSError as exc:
            raise ConfigError(f"cannot create the folder {folder.path}: {exc.strerror}",
                              key=folder.setting, **folder.where) from None


def _folder_problem(path: Path) -> str | None:
    """Why files cannot be written in `path` or in the folders that would be made to it."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        if existing == path:
            return f"{path} is a file, not a folder"
        return f"cannot create the folder {path}: {existing} is a file"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"no permission to write in {existing}"
    return None


def make_private_folder(path) -> None:
    """Make `path` and its missing parents, each readable by its owner only (a parent made
    by `mkdir -p` would follow the umask); folders that exist are left as they are."""
    missing = []
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            os.mkdir(folder, PRIVATE_FOLDER)
            os.chmod(folder, PRIVATE_FOLDER)  # the umask may have taken bits away


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", *, private: bool = True, **kwargs):
    """Open a temporary file beside `path`; on success it is renamed over `path`.

    A crash leaves the previous `path` (or none) in place, never a half-written file. Files
    with personal data are created readable by their owner only (`private=True`). A CSV file
    is UTF-8 with a byte order mark, without which Excel reads it in the Windows code page
    ("BjÃ¶rn" for "Björn"), and its rows end as the csv module ends them.
    """
    path = Path(path)
    make_private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, PRIVATE if private else SHARED)
        if "b" not in mode:
            csv = path.suffix == ".csv"
            kwargs.setdefault("encoding", "utf-8-sig" if csv else "utf-8")
            kwargs.setdefault("newline", "" if csv else None)
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
    """`path` as a folder only its owner can open (0700) whatever the umask, made if missing
    (an existing one is made private too)."""
    path = Path(path)
    make_private_folder(path)
    os.chmod(path, PRIVATE_FOLDER)
    return path


def leftover_temporaries(folder) -> list[Path]:
    """The temporary files `atomic_open` makes in `folder`: left there only by a process that
    was killed while writing."""
    return list(Path(folder).glob(".*.tmp"))
