"""Experiment: the fast path (`fastread.read_checked`) against enrich's row-wise parser on
generated files, with the test suite's fuzzing strategies (tests/fuzzing.py).

    python bench/spike/differential.py --examples 3000

Files are seed-format JSON lines written compactly, as GitHub writes them (the fast path's
case), then perhaps spoiled: a row mutated (a wrong value, an odd character, a huge number, a
key missing, more or renamed), a key given twice, spaces, a blank line, CRLF, a BOM, gzip.
What must hold: whenever the fast path accepts a file, the row-wise parser finds no bad row in
it and makes the same rows and the same measured features of it. A refusal is always allowed
(the row-wise parser then reads the file); the script counts how often clean files are refused.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
from conftest import seed_row  # noqa: E402
from fastread import read_checked  # noqa: E402
from fuzzing import VALUES, mutated  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from enrich.dates import parse_day  # noqa: E402
from enrich.errors import InputError  # noqa: E402
from enrich.features import CANONICAL  # noqa: E402
from enrich.sources.engagement import NoFeatureBit, SeedRows, row_format  # noqa: E402
from enrich.sources.records import records  # noqa: E402

DAY = "2025-11-03"
TODAY = parse_day(DAY) + 10
SPOILS = ("none", "none", "none", "row", "row", "duplicate key", "spaces", "blank line",
          "crlf", "bom", "no final newline", "gzip", "escaped login")


def compact(row) -> str:
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


@st.composite
def seed_files(draw) -> tuple[bytes, str, bool]:
    """A file's bytes, its name, and whether it is clean (nothing spoiled that enrich
    rejects or reads differently)."""
    count = draw(st.integers(1, 5))
    engaged = draw(st.lists(st.sampled_from(["cli", "panel_chat", "code_completion"]),
                            max_size=3))
    rows = [seed_row(DAY, f"user-{i}", 11 + i, *engaged) for i in range(count)]
    texts = [compact(r) for r in rows]
    spoil = draw(st.sampled_from(SPOILS))
    at = draw(st.integers(0, count - 1))
    name = "day.jsonl"
    if spoil == "row":
        texts[at] = compact(draw(mutated(rows[at])))
    elif spoil == "duplicate key":
        key = draw(st.sampled_from(sorted(rows[at])))
        pair = f"{json.dumps(key)}:{compact(draw(VALUES | st.sampled_from([0, 1])))}"
        texts[at] = (f"{texts[at][:-1]},{pair}}}" if draw(st.booleans())
                     else texts[at].replace("{", "{" + pair + ",", 1))
    elif spoil == "spaces":
        texts[at] = json.dumps(rows[at])
    elif spoil == "escaped login":
        texts[at] = texts[at].replace('"login":"u', '"login":"\\u0075', 1)
    glue = "\r\n" if spoil == "crlf" else "\n"
    text = glue.join(texts) + ("" if spoil == "no final newline" else glue)
    if spoil == "blank line":
        text = text.replace("\n", "\n\n", 1)
    data = text.encode("utf-8", "surrogatepass")
    if spoil == "bom":
        data = b"\xef\xbb\xbf" + data
    if spoil == "gzip":
        data, name = gzip.compress(data, mtime=0), "day.jsonl.gz"
    return data, name, spoil in ("none", "no final newline", "gzip")


def row_wise(path: Path, bits):
    """What the importer's row-wise parser makes of the file: (rows, measured), or None when
    it rejects something (a bad row, a file it cannot read, not the seed format)."""
    try:
        stream = records(path)
        items = list(stream)
    except InputError:
        return None
    values = [v for _, v in items if not (isinstance(v, bytes) and not v.strip())]
    if not values:
        return None
    first = values[0]
    if isinstance(first, bytes):
        try:
            first = json.loads(first)
        except ValueError:
            return None
    if row_format(first) != "seed":
        return None
    try:
        batch = SeedRows(bits, TODAY).parse(items)
    except NoFeatureBit:
        return None
    if batch.bad:
        return None
    return sorted(batch.rows), batch.measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args()
    con = duckdb.connect()
    seen = Counter()
    folder = Path(tempfile.mkdtemp(prefix="differential-"))

    @settings(max_examples=args.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(seed_files())
    def same(file):
        data, name, clean = file
        path = folder / name
        path.write_bytes(data)
        features = {name: bit for bit, name in enumerate(CANONICAL)}

        def bit(feature: str) -> int:
            return features.setdefault(feature, len(features))

        fast = read_checked(con, path, bit, TODAY)
        slow = row_wise(path, bit)
        seen["examples"] += 1
        seen["clean"] += clean
        if fast is None:
            seen["refused" + (" clean" if clean else "")] += 1
            seen["refused, row-wise rejects too" if slow is None else
                 "refused, row-wise accepts"] += 1
            return
        seen["accepted"] += 1
        assert slow is not None, f"accepted what the row-wise parser rejects: {data!r}"
        rows = sorted(tuple(r.values()) for r in fast.table.select(
            ["day", "user_id", "bits", "login"]).to_pylist())
        assert rows == slow[0], f"different rows: {data!r}: {rows} != {slow[0]}"
        assert fast.measured == slow[1], f"different measured: {data!r}"

    same()
    print(dict(seen))


if __name__ == "__main__":
    main()
