"""The outbox: one `.eml` file per recipient, exactly the messages of the latest run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from enrich.mail.outgoing import Outgoing
from enrich.outputs.files import write_bytes

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
#: a file name has at most 255 bytes on common file systems
_LONGEST = 200


def outbox_name(address: str) -> str:
    """The file of an address: `ada.lovelace_at_corp.example.com.eml`.

    Lower case (the ledger's key); `@` becomes `_at_`, and any character outside a-z, 0-9,
    `.` and `-` becomes `_` and the hex of its UTF-8 bytes (`_` itself is `_5f`): so no two
    addresses share a file, and no name needs quoting in a shell.
    """
    local, at, domain = address.lower().rpartition("@")
    name = f"{_escape(local)}_at_{_escape(domain)}" if at else _escape(domain)
    if len(name) > _LONGEST:
        name = f"{name[:_LONGEST - 20]}-{hashlib.sha256(address.encode()).hexdigest()[:16]}"
    return f"{name}.eml"


def _escape(text: str) -> str:
    return "".join(c if c in _SAFE else "".join(f"_{b:02x}" for b in c.encode())
                   for c in text)


class Outbox:
    """A folder of `.eml` files, one per recipient, written as the messages come: a large
    enterprise's digests never need to be in memory together."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.paths: list[Path] = []
        self._kept: set[Path] = set()

    def place(self, recipient: str) -> Path:
        """The file of a recipient's message, noted as one of this run's: one per recipient
        (written by `add`, or by `write` in another process)."""
        path = self.folder / outbox_name(recipient)
        if path in self._kept:
            raise ValueError(f"two digests for {recipient}: one per recipient")
        self._kept.add(path)
        self.paths.append(path)
        return path

    def add(self, item: Outgoing) -> Path:
        """Write one message."""
        path = self.place(item.recipient)
        self.write(path, item)
        return path

    @staticmethod
    def write(path: Path, item: Outgoing) -> None:
        """Write a message where `place` put it (readable by its owner only: digests hold
        names)."""
        write_bytes(path, item.data)

    def finish(self) -> list[Path]:
        """Remove the `.eml` files of earlier runs; returns the files in the order written."""
        if self.folder.is_dir():
            for stale in self.folder.glob("*.eml"):
                if stale not in self._kept:
                    stale.unlink()
        return self.paths


def write_outbox(messages: Iterable[Outgoing], folder) -> list[Path]:
    """Write each message to `folder` and remove the `.eml` files of earlier runs; returns the
    files in the order of the messages."""
    outbox = Outbox(folder)
    for item in messages:
        outbox.add(item)
    return outbox.finish()
