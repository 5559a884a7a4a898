"""What the fuzz tests (tests/test_fuzz_*.py) share: strategies for bad input, and the check
that a parser either succeeds or raises an `EnrichError` that says where.

The strategies make two kinds of input: near-valid documents (a valid one with a field given
the wrong type or value, a key missing, an extra key, odd text, a huge number, a nested
structure, a key twice) and raw bytes (random bytes, a valid file cut short, another
encoding, gzip of garbage). The settings profiles are in conftest.py.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from hypothesis import strategies as st

from enrich.errors import EnrichError

#: text that parsers trip on: empty, blank, control and format characters, a BOM, a lone
#: surrogate, words JSON or YAML give a meaning, numbers as text, dates that are not
ODD_TEXT = st.sampled_from([
    "", " ", "\t", "\n", "\x00", "\ufeff", "\u202e", "\ud800", "é", "💥", "ß" * 3, "İ",
    "null", "true", "no", "~", "NaN", "-Infinity", "1e999", "0", "-1", "0x10", "١٢٣",
    "2025-02-30", "2025-13-01", "0000-01-01", "9999-12-31T23:59:60Z", "2025-01-06T25:00:00Z",
    "2025-01-06T00:00:00+99:00", "2025-01-06 ", "=cmd|' /C calc'!A0", "a,b;c", '"', "'",
    "{", "[", "- a", ": b", "&anchor", "*alias", "!!python/object:os.system",
])
TEXT = st.text(st.characters(exclude_categories=()), max_size=12) | ODD_TEXT
#: integers around the edges that a parser or SQLite may not hold
HUGE_INTEGERS = st.sampled_from([
    0, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30, -(10**30)])
SCALARS = (st.none() | st.booleans() | st.integers() | HUGE_INTEGERS
           | st.floats(allow_nan=True, allow_infinity=True) | TEXT)
#: any value a JSON or YAML document can hold, nested a few levels deep
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)


@st.composite
def mutated(draw, document: dict, keys=None) -> dict:
    """`document` with one to three mutations: a field given a wrong value, a key missing, an
    extra key, a key renamed; `keys` are the ones to pick from (default: the document's)."""
    document = dict(document)
    for _ in range(draw(st.integers(1, 3))):
        names = list(keys or document) or ["x"]
        key = draw(st.sampled_from(names))
        action = draw(st.sampled_from(["wrong value", "missing", "extra", "renamed"]))
        if action == "wrong value":
            document[key] = draw(VALUES)
        elif action == "missing":
            document.pop(key, None)
        elif action == "extra":
            document[draw(TEXT)] = draw(VALUES)
        elif key in document:
            document[draw(st.sampled_from([key.upper(), key + " ", key[:-1], " " + key]))] = \
                document.pop(key)
    return document


def dump_json(value, *, indent=None, ascii_only=True) -> str:
    """JSON text, NaN and Infinity included (Python's json writes them; JSON has none)."""
    return json.dumps(value, indent=indent, ensure_ascii=ascii_only)


def with_duplicate_key(text: str, key: str, value, *, last: bool) -> str:
    """A JSON object's text with `key` given once more, before its other keys or after them
    (JSON parsers keep the last)."""
    pair = f"{dump_json(key)}: {dump_json(value)}"
    if last:
        return f"{text[:-1]}, {pair}}}"
    return text.replace("{", "{" + pair + ", ", 1)


SPOILS = ("random", "truncated", "flipped", "utf-16", "latin-1", "bom", "nul", "crlf", "gzip",
          "gzip truncated", "gzip of garbage", "gzip flipped")
#: the spoils that make a gzip stream corrupt
CORRUPT_GZIP = ("gzip of garbage", "gzip flipped")


@st.composite
def spoiled_bytes(draw, valid: bytes, ways=SPOILS) -> bytes:
    """`valid` made unreadable or wrong in one of the `ways` files are: cut short, a byte
    changed, in another encoding, behind a BOM, gzip of it or of garbage, or random bytes."""
    how = draw(st.sampled_from(ways))
    if how == "random":
        return draw(st.binary(max_size=200))
    if how == "truncated":
        return valid[: draw(st.integers(0, max(len(valid) - 1, 0)))]
    if how == "flipped" and valid:
        at = draw(st.integers(0, len(valid) - 1))
        return valid[:at] + bytes([draw(st.integers(0, 255))]) + valid[at + 1:]
    if how == "utf-16":
        return valid.decode("utf-8", "replace").encode("utf-16")
    if how == "latin-1":
        return valid.decode("utf-8", "replace").encode("latin-1", "replace") + b"\xe9\xff"
    if how == "bom":
        return b"\xef\xbb\xbf" + valid
    if how == "nul":
        return valid.replace(b"\n", b"\x00\n", 1)
    if how == "gzip":
        return gzip.compress(valid, mtime=0)
    if how == "gzip truncated":
        packed = gzip.compress(valid, mtime=0)
        return packed[: draw(st.integers(2, len(packed) - 1))]
    if how == "gzip of garbage":
        return gzip.compress(b"", mtime=0)[:10] + draw(st.binary(max_size=60))
    if how == "gzip flipped":
        packed = gzip.compress(valid, mtime=0)
        at = draw(st.integers(10, len(packed) - 1))
        return packed[:at] + bytes([packed[at] ^ draw(st.integers(1, 255))]) + packed[at + 1:]
    return valid.replace(b"\n", b"\r\n")


def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str)
                     else content)
    return path


_LINE = re.compile(r", line (\d+): ")


def line_count(content: bytes) -> int:
    """Lines as an editor counts them: a lone CR ends a line too."""
    return len(content.splitlines()) + 1


def check_error(error: EnrichError | str, path: Path, *, lines: int | None = None,
                line: int | None = None) -> None:
    """The message of a rejected input names the file; a line it names is in the file
    (`lines` long), and is `line` when the test knows which line is wrong."""
    message = error if isinstance(error, str) else error.message
    assert str(path) in message, f"the message does not name {path}: {message}"
    found = _LINE.search(message)
    if found and lines is not None:
        assert 1 <= int(found[1]) <= max(lines, 1), f"no such line: {message}"
    if line is not None:
        assert found and int(found[1]) == line, f"expected line {line}: {message}"
