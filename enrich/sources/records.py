"""Reading JSON records from a file, streamed, each with the line it starts on.

Accepted layouts: JSON lines; a JSON array of objects (pretty-printed or not); one or more
JSON documents one after another (a pretty-printed API body, or several pages of it).
Any of them may be gzip-compressed. Memory stays bounded by the largest record.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from enrich.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"
#: an escape \ud800 to \udfff: json makes a lone surrogate of one without its pair, which
#: orjson (reading JSON lines) refuses and the store could not write
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class RecordError(ValueError):
    """A record that cannot be decoded; carries its line."""

    def __init__(self, line: int, reason: str, text: bytes | str = b""):
        super().__init__(reason)
        self.line, self.reason, self.text = line, reason, text


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
        first = _first_line(fh)
        if first is None:
            return None
        if first.lstrip().startswith(b"["):
            return ARRAY
        if _is_complete_json(first) or not _starts_a_document(fh):
            return LINES
        return DOCUMENTS


def records(path: Path) -> Iterator[tuple[int, object]]:
    """Yield `(line, value)` for each record; a bad record yields `(line, RecordError)`.

    JSON lines come as raw bytes, left for the row parser to decode, so that a bad line can
    be skipped and the rest read. In the array and document layouts a syntax error ends the
    file, since nothing after it can be trusted.
    """
    kind = layout(path)
    if kind is None:
        return
    with _reading(path), open_binary(path) as fh:
        if kind == LINES:
            yield from enumerate(fh, 1)
        else:
            yield from _documents(fh, in_array=kind == ARRAY)


def line_chunks(path: Path, size: int = 1 << 22) -> Iterator[tuple[int, bytes]]:
    """A JSON-lines file as `(first line number, whole lines)` blocks of about `size` bytes."""
    with _reading(path), open_binary(path) as fh:
        number, rest = 1, b""
        while chunk := fh.read(size):
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                rest = chunk
                continue
            block, rest = chunk[:cut], chunk[cut:]
            yield number, block
            number += block.count(b"\n")
        if rest:
            yield number, rest


@contextlib.contextmanager
def _reading(path: Path):
    try:
        yield
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", path=path) from None


def _first_line(fh) -> bytes | None:
    for line in fh:
        if line.strip():
            return line
    return None


def _is_complete_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _starts_a_document(fh) -> bool:
    """Whether the file opens with a JSON document spread over several lines."""
    fh.seek(0)
    _, value = next(_documents(fh, in_array=False, text_only=False), (0, None))
    return value is not None and not isinstance(value, RecordError)


def _documents(fh, *, in_array: bool, text_only: bool = True) -> Iterator[tuple[int, object]]:
    """Values of a top-level array, or a sequence of top-level documents; with `text_only`, a
    value holding a lone surrogate is a RecordError."""
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="strict")
    try:
        yield from _decode_documents(text, in_array=in_array, text_only=text_only)
    finally:
        text.detach()  # the caller owns and closes the binary file


def _lone_surrogate(value) -> str | None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.object[exc.start]
    return None


def _decode_documents(text, *, in_array: bool, text_only: bool) -> Iterator[tuple[int, object]]:
    decoder = json.JSONDecoder()
    buf, pos, line, eof = "", 0, 1, False
    opened = not in_array

    def fill():
        # read at least as much as is buffered: a large document is retried log(n) times
        nonlocal buf, pos, eof
        chunk = text.read(max(_CHUNK, len(buf) - pos))
        eof = not chunk
        buf = buf[pos:] + chunk
        pos = 0

    def skip(chars: str):
        nonlocal pos, line
        while True:
            while pos < len(buf) and buf[pos] in chars:
                if buf[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buf) or eof:
                return
            fill()

    fill()
    while True:
        skip(_WHITESPACE)
        if pos >= len(buf):
            if in_array and opened:
                yield line, RecordError(line, "invalid JSON: the array is not closed")
            return
        if in_array and not opened:
            if buf[pos] != "[":
                yield line, RecordError(line, "invalid JSON: expected '['")
                return
            pos += 1
            opened = True
            continue
        if in_array and buf[pos] == "]":
            return
        try:
            value, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if not eof:
                fill()
                continue
            yield line + buf.count("\n", pos, exc.pos), RecordError(
                line + buf.count("\n", pos, exc.pos), f"invalid JSON: {exc.msg}")
            return
        if text_only and _SURROGATE_ESCAPE.search(buf, pos, end):
            surrogate = _lone_surrogate(value)
            if surrogate is not None:
                value = RecordError(line, f"invalid JSON: {surrogate!r} is no character (a lone "
                                          "surrogate)")
        yield line, value
        line += buf.count("\n", pos, end)
        pos = end
        if in_array:
            skip(_WHITESPACE)
            if pos < len(buf) and buf[pos] == ",":
                pos += 1
            elif pos < len(buf) and buf[pos] != "]":
                yield line, RecordError(line, "invalid JSON: expected ',' or ']'")
                return
