"""What the fuzz tests (tests/test_fuzz_*.py) share: strategies for bad input, and the check
that a parser either succeeds or raises an `EnrichError` that says where.

The strategies make two kinds of input: near-valid documents (a valid one with a field given
the wrong type or value, a key missing, an extra key, odd text, a huge number, a nested
structure, a key twice) and raw bytes (random bytes, a valid file cut short, another
encoding, gzip of garbage). The settings profiles are in conftest.py.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from pathlib import Path

import yaml
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
TEXT = ODD_TEXT | st.text(st.characters(exclude_categories=()), max_size=12)
#: integers around the edges that a parser or SQLite may not hold
HUGE_INTEGERS = st.sampled_from([
    0, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30, -(10**30)])
#: values of the wrong type, drawn often since each is a case a parser must handle
ODD_VALUES = ODD_TEXT | HUGE_INTEGERS | st.sampled_from(
    [None, True, False, 0.5, -0.0, 1e308, float("nan"), float("inf"), [], {}, [[]], ["a"],
     {"a": 1}, {"": None}]).map(copy.deepcopy)  # a test may change what it draws
SCALARS = (st.none() | st.booleans() | st.integers() | HUGE_INTEGERS
           | st.floats(allow_nan=True, allow_infinity=True) | TEXT)
#: any value a JSON or YAML document can hold, nested a few levels deep
VALUES = ODD_VALUES | st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                                   | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)


#: characters that text checks let through and encoders, terminals or SQLite do not: a lone
#: surrogate, NUL, a BOM, bidirectional and line-breaking controls
ODD_CHARACTERS = st.sampled_from(["\ud800", "\udfff", "\x00", "\ufeff", "\u202e", "\x85",
                                  "\u2028", "\r", "💥", "é"])


@st.composite
def mutated(draw, document: dict, keys=None) -> dict:
    """`document` with one to three mutations: a field given a wrong value, an odd character
    in its text, a huge number, a key missing, an extra key, a key renamed; `keys` are the
    ones to pick from (default: the document's)."""
    document = dict(document)
    for _ in range(draw(st.integers(1, 3))):
        names = list(keys or document) or ["x"]
        key = draw(st.sampled_from(names))
        action = draw(st.sampled_from(["wrong value", "odd character", "huge number", "missing",
                                       "extra", "renamed"]))
        value = document.get(key)
        if action == "odd character" and isinstance(value, str):
            at = draw(st.integers(0, len(value)))
            document[key] = value[:at] + draw(ODD_CHARACTERS) + value[at:]
        elif action == "huge number" and isinstance(value, int):
            document[key] = draw(HUGE_INTEGERS)
        elif action in ("wrong value", "odd character", "huge number"):
            document[key] = draw(VALUES)
        elif action == "missing":
            document.pop(key, None)
        elif action == "extra":
            document[draw(TEXT)] = draw(VALUES)
        elif key in document:
            document[draw(st.sampled_from([key.upper(), key + " ", key[:-1], " " + key]))] = \
                document.pop(key)
    return document


def _containers(value, found: list) -> list:
    """Every dict and list in `value`, outermost first."""
    if isinstance(value, (dict, list)):
        found.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, found)
    return found


@st.composite
def mutated_somewhere(draw, document):
    """A deep copy of `document` with one of its mappings mutated, or a list item replaced,
    removed or added, at any depth."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 2))):
        target = draw(st.sampled_from(_containers(document, [])))
        if isinstance(target, dict):
            changed = draw(mutated(target))
            target.clear()
            target.update(changed)
        elif target and draw(st.booleans()):
            at = draw(st.integers(0, len(target) - 1))
            if draw(st.booleans()):
                target[at] = draw(VALUES)
            else:
                del target[at]
        else:
            target.append(draw(VALUES))
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


@st.composite
def spoiled_bytes(draw, valid: bytes) -> bytes:
    """`valid` made unreadable or wrong in one of the ways files are: cut short, a byte
    changed, in another encoding, behind a BOM, gzip of it or of garbage, or random bytes."""
    how = draw(st.sampled_from(SPOILS))
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


#: YAML that a plain value may be replaced with: tags, anchors, merge keys, a date that is
#: not, a number too long, nesting too deep, a key that is a list
YAML_SNIPPETS = st.sampled_from([
    "!!python/object/apply:os.system ['true']", "!!binary AAAA", "!!set {a, b}",
    "!!timestamp 2025-01-06", "!!float nan", "2025-02-30", "2025-01-06 25:00:00",
    "9" * 5000, "0x" + "f" * 3600, "0b" + "1" * 1001, "&a [*a]", "*nowhere", "{<<: [1]}",
    "{? [a, b]: c}", "{? {a: 1}: c}", "[" * 1100 + "]" * 1100, "{a: " * 1100 + "}" * 1100,
    '"\\ud800"', '"\\x00"', "'\x85'", "|\n  text\n", "? x\n", "!!str", "!!int x", "!!map []",
    "%YAML 1.1", "--- a\n--- b", "...", "\t- a",
])
PLACEHOLDER = "snippet-placeholder"


@st.composite
def yaml_texts(draw, document: dict) -> tuple[str, str]:
    """A YAML file of `document` mutated, perhaps with raw YAML for one value; its text and
    how it is written (block, flow, json or json lines: JSON is YAML too)."""
    document = draw(mutated_somewhere(document))
    snippet = None
    if draw(st.booleans()):
        snippet = draw(YAML_SNIPPETS)
        document = _with_placeholder(document, draw(st.integers(0, 20)))
    how = draw(st.sampled_from(["block", "flow", "json", "json lines"]))
    if how == "json":
        text = dump_json(document, indent=draw(st.sampled_from([None, 2])),
                         ascii_only=draw(st.booleans()))
        if isinstance(document, dict) and document and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(document)))
            text = with_duplicate_key(text, key, draw(TEXT), last=draw(st.booleans()))
    else:
        text = yaml.safe_dump(document, default_flow_style=how == "flow",
                              allow_unicode=draw(st.booleans()), sort_keys=False, width=60)
        if isinstance(document, dict) and document and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(document, key=str)))
            text += yaml.safe_dump({key: document[key]})  # the same top-level key again
    if snippet is not None:  # in JSON, in place of the quoted string
        text = text.replace(f'"{PLACEHOLDER}"', PLACEHOLDER).replace(PLACEHOLDER, snippet, 1)
    # a lone surrogate as an escape, which parsers decode; raw, it would only make the file
    # no UTF-8, which the tests of raw bytes try
    return text.encode("utf-8", "backslashreplace").decode(), how


def _with_placeholder(document, position: int):
    """The document with its `position`-th plain value (in walking order) the placeholder."""
    seen = 0

    def walk(value):
        nonlocal seen
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        seen += 1
        return PLACEHOLDER if seen - 1 == position else value

    return walk(document)


def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str)
                     else content)
    return path


_LINE = re.compile(r", line (\d+): ")


def line_count(content: bytes) -> int:
    """At most as many lines as any format counts: a lone CR ends a line too, and in YAML
    so do NEL and the Unicode line and paragraph separators."""
    return len(content.decode("utf-8", "replace").splitlines()) + 1


def check_error(error: EnrichError | str, path: Path, *, lines: int | None = None,
                line: int | None = None) -> None:
    """The message of a rejected input names the file; a line it names is in the file
    (`lines` long), and is `line` when the test knows which line is wrong."""
    message = error if isinstance(error, str) else error.message
    assert str(path) in message, f"the message does not name {path}: {message}"
    message.encode("utf-8")  # printable: no lone surrogate taken from the file
    found = _LINE.search(message)
    if found and lines is not None:
        assert 1 <= int(found[1]) <= max(lines, 1), f"no such line: {message}"
    if line is not None:
        assert found and int(found[1]) == line, f"expected line {line}: {message}"
