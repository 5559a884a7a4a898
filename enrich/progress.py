"""Progress for long work: a single redrawn line on a terminal, nothing in logs or CI."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int | None = None, *, stream=None,
                 enabled: bool | None = None, unit: str = ""):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = enabled
        self.label, self.total, self.unit = label, total, unit
        self.done = 0
        self.detail = ""
        self._drawn = 0.0

    def advance(self, n: int = 1, detail: str | None = None) -> None:
        """Count `n` more done; `detail` (e.g. bytes downloaded) is shown after the count."""
        self.done += n
        if detail is not None:
            self.detail = detail
        now = time.monotonic()
        if self.enabled and (now - self._drawn > 0.1 or self.done == self.total):
            self._drawn = now
            self._draw()

    def _draw(self) -> None:
        if self.total:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            text = f"{self.label} [{bar}] {self.done}/{self.total}{self.unit}"
        else:
            text = f"{self.label} {self.done}{self.unit}"
        if self.detail:
            text += f", {self.detail}"
        self.stream.write("\r" + text[:120])
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
