"""Reading JSON records from a file, streamed, each with the line it starts on.

Accepted layouts: JSON lines; a JSON array of objects (pretty-printed or not); one or more
JSON documents one after another (a pretty-printed API body, or several pages of it).
Any of them may be gzip-compressed. Memory stays bounded whatever a file holds: a record
takes at most `MAX_LINE_BYTES`, and a file at most `MAX_FILE_BYTES` once decompressed.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import hashlib
import json
import re
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson

from enrich.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_SPACE = re.compile(r"[ \t\r\n]*")

#: The longest line (JSON lines) or value (of an array, or a document) that is read. A real
#: users-1-day row is a few KB and a seats API page of 100 seats a few hundred KB: anything
#: longer is not engagement data, and would take its size in memory, several times over.
MAX_LINE_BYTES = 1 << 20
#: The most a file may hold once decompressed. A real day file of 300,000 users is a few
#: hundred MB: this leaves room for a month of them in one file, and stops a file that
#: decompresses without end (gzip expands up to a thousand times) before it keeps the import
#: busy for hours.
MAX_FILE_BYTES = 16 << 30
#: an escape \ud800 to \udfff: json makes a lone surrogate of one without its pair, which
#: orjson (reading JSON lines) refuses and the store could not write
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class ValueTooLong(InputError):
    """A value of an array or document longer than `MAX_LINE_BYTES`."""


class RecordError(ValueError):
    """A record that cannot be decoded; carries its line."""

    def __init__(self, line: int, reason: str, text: bytes | str = b""):
        super().__init__(line, reason, text)  # all of them, so that it pickles
        self.line, self.reason, self.text = line, reason, text

    def __str__(self) -> str:
        return self.reason


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes as stored: the content address of its archive copy."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def open_binary(path: Path):
    """The file's content, decompressed when it is gzip."""
    if is_gzip(path):
        return gzip.open(path, "rb")
    return open(path, "rb")


LINES, ARRAY, DOCUMENTS = "lines", "array", "documents"


def layout(path: Path) -> str | None:
    """How the file lays out its records; None for a file without any."""
    with _reading(path), open_binary(path) as fh:
        first = _first_line(path, fh)
        if first is None:
            return None
        if first.startswith(b"["):
            return ARRAY
        if (_is_complete_json(first) or len(first) > MAX_LINE_BYTES
                or not _starts_a_document(path, fh)):
            return LINES
        return DOCUMENTS


def records(path: Path) -> Iterator[tuple[int, object]]:
    """Yield `(line, value)` for each record; a bad record yields `(line, RecordError)`.

    JSON lines come as raw bytes, left for the row parser to decode, so that a bad line can
    be skipped and the rest read. In the array and document layouts a syntax error ends the
    file, since nothing after it can be trusted. What makes the file unreadable (it cannot be
    decompressed, or passes `MAX_FILE_BYTES`) raises InputError.
    """
    kind = layout(path)
    if kind is None:
        return
    if kind == LINES:
        for first, block in line_chunks(path, _CHUNK):
            yield from enumerate(split_lines(first, block), first)
        return
    with _reading(path), open_binary(path) as fh:
        yield from _documents(path, fh, in_array=kind == ARRAY)


def line_chunks(path: Path, size: int = 1 << 22) -> Iterator[tuple[int, bytes]]:
    """A JSON-lines file as `(first line number, whole lines)` blocks of about `size` bytes.

    A line longer than `MAX_LINE_BYTES` is cut to `MAX_LINE_BYTES + 1` bytes, for
    `split_lines` to find, so that memory stays bounded by `size` whatever the file.
    """
    with _reading(path), open_binary(path) as fh:
        number, rest, total, cutting = 1, b"", 0, False
        while chunk := fh.read(size):
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise _too_large(path, number + _lines_in(chunk, total))
            if cutting:  # the rest of a line already cut
                end = chunk.find(b"\n")
                if end < 0:
                    continue
                chunk, cutting = chunk[end:], False
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            block, rest = chunk[:cut], chunk[cut:]
            if len(rest) > MAX_LINE_BYTES:
                rest, cutting = rest[:MAX_LINE_BYTES + 1], True
            if block:
                yield number, block
                number += block.count(b"\n")
        if rest:
            yield number, rest


def split_lines(first: int, block: bytes) -> list[bytes | RecordError]:
    """The lines of a block of `line_chunks`, numbered from `first`; a line longer than
    `MAX_LINE_BYTES` is a RecordError, a bad row that the parsers report as such."""
    lines = block.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    # a block has long lines rarely: one C-speed pass over their lengths finds out
    if len(block) > MAX_LINE_BYTES and max(map(len, lines)) > MAX_LINE_BYTES:
        for i, line in enumerate(lines):
            if len(line) > MAX_LINE_BYTES:
                lines[i] = RecordError(first + i, f"the line is longer than "
                                       f"{MAX_LINE_BYTES:,} bytes, the most a row may take "
                                       "(a real row takes a few KB)", line[:200])
    return lines


def _too_large(path: Path, line: int | None) -> InputError:
    return InputError(f"the file holds more than {MAX_FILE_BYTES:,} bytes (decompressed), the "
                      "most a file may hold; split it", path=path, line=line)


def _lines_in(chunk: bytes, total: int) -> int:
    """How many lines end in the part of `chunk`, the last read of `total` bytes, that is
    within `MAX_FILE_BYTES`."""
    return chunk[:MAX_FILE_BYTES - (total - len(chunk))].count(b"\n")


@contextlib.contextmanager
def _reading(path: Path):
    try:
        yield
    except zlib.error as exc:
        raise InputError(f"cannot read the file: the gzip data is corrupt ({exc})",
                         path=path) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read the file: {exc}", path=path) from None


def _first_line(path: Path, fh) -> bytes | None:
    """The start of the first line that is not blank, without its indent and at most
    `MAX_LINE_BYTES + 1` bytes long; None when there is none."""
    blank = 0
    while chunk := fh.read(_CHUNK):
        text = chunk.lstrip()
        if text:
            line = text.split(b"\n", 1)[0]
            if len(line) == len(text):  # the line goes on past this chunk
                line += fh.readline(max(0, MAX_LINE_BYTES + 1 - len(line)))
            return line
        blank += len(chunk)
        if blank > MAX_FILE_BYTES:
            raise _too_large(path, None)
    return None


def _is_complete_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _starts_a_document(path: Path, fh) -> bool:
    """Whether the file opens with a JSON document spread over several lines."""
    fh.seek(0)
    try:
        _, value = next(_documents(path, fh, in_array=False, text_only=False), (0, None))
    except ValueTooLong:
        raise  # a document, but too long one: that is what is wrong with the file
    except InputError:  # the file is not one of documents: its lines will say what is wrong
        return False
    return value is not None and not isinstance(value, RecordError)


def _documents(path: Path, fh, *, in_array: bool,
               text_only: bool = True) -> Iterator[tuple[int, object]]:
    """Values of a top-level array, or a sequence of top-level documents; with `text_only`, a
    value holding a lone surrogate cannot be decoded."""
    return _Documents(path, fh, text_only).values(in_array=in_array)


def _lone_surrogate(value) -> str | None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.object[exc.start]
    return None


class _Documents:
    """JSON values decoded from a text that is read in chunks, with the line each starts on.

    A value longer than `MAX_LINE_BYTES` characters, text that is not UTF-8 and a file past
    `MAX_FILE_BYTES` raise InputError: memory stays bounded whatever the file.
    """

    def __init__(self, path: Path, fh, text_only: bool):
        self.path, self.fh, self.text_only = path, fh, text_only
        self.text = codecs.getincrementaldecoder("utf-8-sig")()
        self.decoder = json.JSONDecoder()
        self.buf, self.pos, self.line, self.eof, self.read_bytes = "", 0, 1, False, 0

    def values(self, *, in_array: bool) -> Iterator[tuple[int, object]]:
        """`(line, value)` of each value; a RecordError is the last."""
        self.fill()
        self.skip_space()
        if in_array:
            if self.buf[self.pos:self.pos + 1] != "[":
                yield self.line, RecordError(self.line, "invalid JSON: expected '['")
                return
            self.pos += 1
        while True:
            self.skip_space()
            if self.pos >= len(self.buf):
                if in_array:
                    yield self.line, RecordError(self.line,
                                                 "invalid JSON: the array is not closed")
                return
            if in_array and self.buf[self.pos] == "]":
                self.pos += 1
                yield from self.end_of_array()
                return
            line, value = self.line, self.value()
            yield line, value
            if isinstance(value, RecordError):
                return
            if in_array:
                self.skip_space()
                if self.buf[self.pos:self.pos + 1] == ",":
                    self.pos += 1
                elif self.pos < len(self.buf) and self.buf[self.pos] != "]":
                    yield self.line, RecordError(self.line,
                                                 "invalid JSON: expected ',' or ']'")
                    return

    def value(self) -> object:
        """The value at `pos`, or a RecordError where it cannot be decoded."""
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof and self._cut_short(exc):
                    self.fill()
                    continue
                line = self.line + self.buf.count("\n", self.pos, exc.pos)
                return RecordError(line, f"invalid JSON: {exc.msg}")
            except RecursionError:
                # the same words as orjson's, which decodes JSON lines
                return RecordError(self.line, "invalid JSON: depth limit exceeded")
            except ValueError:  # an integer too long for Python to convert
                return RecordError(self.line, "invalid JSON: a number of more than "
                                              f"{sys.get_int_max_str_digits()} digits")
            if self.text_only and _SURROGATE_ESCAPE.search(self.buf, self.pos, end):
                surrogate = _lone_surrogate(value)
                if surrogate is not None:
                    return RecordError(self.line, f"invalid JSON: {surrogate!r} is no "
                                                  "character (a lone surrogate)")
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            return value

    def _cut_short(self, exc: json.JSONDecodeError) -> bool:
        """Whether a decoding error may be the end of what was read rather than of the value
        (the longest token, `-Infinity`, is cut short 9 characters before the end)."""
        return exc.msg.startswith("Unterminated string") or len(self.buf) - exc.pos <= 16

    def end_of_array(self) -> Iterator[tuple[int, RecordError]]:
        self.skip_space()
        if self.pos < len(self.buf):
            yield self.line, RecordError(self.line, "invalid JSON: more after the array's "
                                                    "closing ']'")

    def fill(self) -> None:
        """Read on: at least as much as is buffered, so that a large value is tried again
        log(n) times."""
        if len(self.buf) - self.pos > MAX_LINE_BYTES:
            raise ValueTooLong(
                f"a value longer than {MAX_LINE_BYTES:,} characters starts on this line, more "
                "than a row or page may take (a real row takes a few KB, a seats API page of "
                "100 seats about 100 KB); give a seat list as the API's pages, one document "
                "each, as `gh api --paginate` writes them", path=self.path, line=self.line)
        raw = self.fh.read(max(_CHUNK, len(self.buf) - self.pos))
        self.read_bytes += len(raw)
        if self.read_bytes > MAX_FILE_BYTES:
            raise _too_large(self.path, self.line + self.buf.count("\n", self.pos)
                             + _lines_in(raw, self.read_bytes))
        try:
            chunk = self.text.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            line = (self.line + self.buf.count("\n", self.pos)
                    + exc.object[:exc.start].count(b"\n"))
            raise InputError(f"not UTF-8 text: {exc.reason}", path=self.path,
                             line=line) from None
        self.eof = not raw
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0

    def skip_space(self) -> None:
        while True:
            end = _SPACE.match(self.buf, self.pos).end()
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            if self.pos < len(self.buf) or self.eof:
                return
            self.fill()
