"""`enrich import` of files that are broken, hostile or odd: each is refused with a message
naming the file and line, or imported as what it is, and never stops the other files."""

import gzip
import json
import tracemalloc

import pytest
from conftest import seed_row, write_jsonl

from enrich import cli
from enrich.dates import Period, parse_day
from enrich.errors import ExitStatus
from enrich.features import USAGE_METRICS_DEFAULT
from enrich.importer import import_paths
from enrich.sources import records as records_module
from enrich.sources.parallel import ParsePool
from enrich.sources.records import records
from enrich.store import Store

TODAY = "2026-12-04"
D1, D2, D3 = "2026-11-02", "2026-11-03", "2026-11-04"
#: what follows a file rejected for a bad row, which --skip-bad-rows skips, and for the rest
SKIPPABLE = ("1 file rejected: nothing of it was stored. Fix it, or import with --skip-bad-rows "
             "to store its good rows.")
UNREADABLE = "1 file rejected: nothing of it was stored. Fix it, and import it again."


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    monkeypatch.setattr(cli, "today", lambda: parse_day(TODAY))


def line(day, login, user_id, *engaged, **columns) -> str:
    return json.dumps(seed_row(day, login, user_id, *engaged, **columns))


def stored(tmp_path, since=D1, until=TODAY) -> dict:
    """`{(user_id, day): bits}` and the coverage of each day, as the store has them."""
    with Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive") as store:
        period = Period.of(since, until)
        return {"rows": {(uid, day): bits for uid, day, bits in store.engagement(period)},
                "coverage": store.coverage(period), "features": store.feature_names()}


def load(tmp_path, *paths, pool=None, **options):
    """The library's import, into the store the command line uses."""
    with Store(tmp_path / "enrich.db", tmp_path / "enrich.db.archive") as store:
        return import_paths(store, paths, usage_rules=options.pop("usage_rules",
                                                                  USAGE_METRICS_DEFAULT),
                            seats_taken_on=parse_day(TODAY), today=parse_day(TODAY),
                            pool=pool, **options)


def workers() -> ParsePool:
    """Worker processes that take every JSON-lines file, in small blocks."""
    return ParsePool(workers=2, min_file_bytes=0, block_bytes=2_000)


def good_files(folder):
    """A good file on each side of the bad one, which is named b..."""
    write_jsonl(folder / "a.jsonl", [seed_row(D1, "ada", 11, "cli")])
    write_jsonl(folder / "c.jsonl", [seed_row(D2, "bob", 12, "cli")])


NESTED = {  # content, what follows the file's name in the message, and the advice
    "array": ("[" * 100_000 + "]" * 100_000, "line 1: invalid JSON: depth limit exceeded",
              UNREADABLE),
    "lines": (line(D1, "ada", 11) + "\n" + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n",
              "line 2: invalid JSON: depth limit exceeded", SKIPPABLE),
    # not a document that can be read: so JSON lines, the first of them incomplete
    "document": ('{"seats":\n' + "[\n" * 100_000 + "]\n" * 100_000 + "}\n",
                 "line 1: invalid JSON: unexpected end of data", UNREADABLE),
}


@pytest.mark.parametrize("kind", NESTED)
def test_11_2_deeply_nested_json_is_bad_input(run_cli, tmp_path, kind):
    good_files(tmp_path / "in")
    content, why, advice = NESTED[kind]
    (tmp_path / "in" / "b.json").write_text(content)
    result = run_cli("import", "in")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr == f"Error: in/b.json, {why}\n{advice}\n"
    assert result.stdout.splitlines()[-1] == (
        "2 of 3 files imported; rows: 2 read, 2 stored, 0 merged, 0 rejected")
    assert set(stored(tmp_path)["rows"]) == {(11, parse_day(D1)), (12, parse_day(D2))}


def test_11_2_deeply_nested_json_in_a_worker_is_bad_input(tmp_path):
    path = tmp_path / "b.jsonl"
    rows = [line(D1, f"user{i}", 100 + i, "cli") for i in range(100)]
    rows[70] = "[" * 100_000 + "]" * 100_000
    path.write_text("\n".join(rows) + "\n")
    summary = load(tmp_path, path, pool=workers())
    assert summary.files[0].error == f"{path}, line 71: invalid JSON: depth limit exceeded"
    assert stored(tmp_path)["rows"] == {}


def test_11_3_a_day_after_tomorrow_is_a_bad_row(run_cli, tmp_path):
    (tmp_path / "d.jsonl").write_text(
        line("2026-12-05", "ada", 11, "cli") + "\n"  # tomorrow: begun east of UTC
        + line("2099-01-01", "bob", 12, "cli") + "\n")
    result = run_cli("import", "d.jsonl")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == (
        "Error: d.jsonl, line 2: \"day\" is '2099-01-01T00:00:00.0000000Z': in the future "
        "(after tomorrow, 2026-12-05 UTC)")
    assert stored(tmp_path)["rows"] == {}
    result = run_cli("import", "--skip-bad-rows", "d.jsonl")
    assert result.status == ExitStatus.PARTIAL_DATA
    reject = json.loads((tmp_path / "out" / "rejects.jsonl").read_text())
    assert (reject["line"], reject["reason"]) == (2, "\"day\" is '2099-01-01T00:00:00.0000000Z': "
                                                     "in the future (after tomorrow, 2026-12-05 "
                                                     "UTC)")
    assert set(stored(tmp_path, until="2026-12-05")["rows"]) == {(11, parse_day("2026-12-05"))}


EARLY = ("\"day\" is '{}': before 2021-01-01, the earliest day enrich accepts (Copilot had no "
         "users before)")


@pytest.mark.parametrize("row", [
    {"day": "1900-01-01", "login": "ada", "user_id": 11, "cli_engagement": 1},
    {"day": "2020-12-31", "user_login": "ada", "user_id": 11, "used_cli": True},
    {"day": "1970-01-01", "user_login": "ada", "user_id": 11, "team_id": 5, "slug": "x"},
], ids=["seed", "usage-metrics", "user-teams"])
def test_11_3_a_day_before_2021_is_a_bad_row(run_cli, tmp_path, row):
    write_jsonl(tmp_path / "d.jsonl", [dict(row, day=D1), row])
    result = run_cli("import", "d.jsonl")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == f"Error: d.jsonl, line 2: {EARLY.format(row['day'])}"


def test_11_3_days_out_of_bounds_in_a_worker_are_the_same_bad_rows(tmp_path):
    rows = [seed_row(D1, f"user{i}", 100 + i, "cli") for i in range(100)]
    rows[40]["day"] = "2027-01-01"
    rows[80]["day"] = "2001-01-01"
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    rejects = tmp_path / "rejects.jsonl"
    summary = load(tmp_path, path, pool=workers(), skip_bad_rows=True, rejects=rejects)
    assert summary.as_json()["rows"] == {"read": 100, "stored": 98, "merged": 0, "rejected": 2}
    written = [json.loads(r) for r in rejects.read_text().splitlines()]
    assert [(r["line"], r["reason"]) for r in written] == [
        (41, "\"day\" is '2027-01-01': in the future (after tomorrow, 2026-12-05 UTC)"),
        (81, EARLY.format("2001-01-01"))]


@pytest.mark.parametrize("name,content", [
    ("none.jsonl", b""),
    ("blank.jsonl", b"  \n\n\t\n"),
    ("nothing.jsonl.gz", gzip.compress(b"", mtime=0)),
    ("no-rows.json", b"[]\n"),
], ids=["0 bytes", "blanks", "gzip of nothing", "empty array"])
def test_11_4_an_empty_file_is_a_file_of_zero_rows_and_keeps_covers(run_cli, tmp_path, name,
                                                                     content):
    write_jsonl(tmp_path / "in" / "a.jsonl", [seed_row(D1, "ada", 11, "cli")])
    (tmp_path / "in" / name).write_bytes(content)
    result = run_cli("import", "--covers", f"{D1}..{D2}", "in")
    assert result.status == ExitStatus.OK
    assert f"imported  in/{name} (empty): 0 read, 0 stored, 0 merged, 0 rejected\n" in \
        result.stdout
    assert result.stderr == (
        f"warning: in/{name}: the file holds no rows; imported as a file of zero rows\n")
    coverage = stored(tmp_path, D1, D3)["coverage"]
    assert list(coverage.values()) == ["reported", "empty", "missing"]
    again = run_cli("import", f"in/{name}")
    assert (again.status, again.stderr) == (ExitStatus.OK, result.stderr)


def test_11_8_covers_refuses_days_that_are_not_over(run_cli, tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [seed_row(D1, "ada", 11, "cli")])
    result = run_cli("import", "--covers", "2026-12-01..2026-12-31", "d.jsonl")
    assert result.status == ExitStatus.USAGE
    assert result.stderr.splitlines()[-1] == (
        "enrich import: error: argument --covers: 2026-12-04 to 2026-12-31 are not over yet "
        "(today is 2026-12-04, UTC): a day can be declared covered once it has ended")
    result = run_cli("import", "--covers", f"{TODAY}..{TODAY}", "d.jsonl")
    assert result.stderr.splitlines()[-1].endswith(
        "--covers: 2026-12-04 is not over yet (today is 2026-12-04, UTC): a day can be "
        "declared covered once it has ended")
    assert not (tmp_path / "enrich.db").exists()
    assert run_cli("import", "--covers", "2026-11-02..2026-12-03", "d.jsonl").status == \
        ExitStatus.OK
    assert set(stored(tmp_path, until="2026-12-03")["coverage"].values()) == {"reported", "empty"}


def _corrupt_gzip() -> bytes:
    data = bytearray(gzip.compress("".join(
        line(D3, f"user{i}", 100 + i, "cli") + "\n" for i in range(1000)).encode(), mtime=0))
    data[30:34] = b"\xff\x00\xff\x00"
    return bytes(data)


#: file name: (content, what follows the name in the message, up to zlib's own words)
BAD_FILES = {
    "corrupt.jsonl.gz": (_corrupt_gzip(), ": cannot read the file: the gzip data is corrupt "
                                          "(Error -3 while decompressing data: "),
    "truncated.jsonl.gz": (gzip.compress(line(D3, "ada", 11).encode() * 50, mtime=0)[:60],
                           ": cannot read the file: Compressed file ended before the "
                           "end-of-stream marker was reached"),
    "not-gzip.jsonl.gz": (b"\x00\x01PK\x03\x04 a zip, say\n",
                          ", line 1: invalid JSON: unexpected character, expected a JSON value"),
    "latin1.json": (f"[{line(D3, 'ada', 11)},\n{{\"login\": \"Jos\xe9\"}}]".encode("latin-1"),
                    ", line 2: not UTF-8 text: invalid continuation byte"),
    "trailing.json": (f"[{line(D3, 'ada', 11)}]\n]}}garbage\n".encode(),
                      ", line 2: invalid JSON: more after the array's closing ']'"),
    "long-number.json": (f'[{{"day": "{D3}", "user_id": {"7" * 5000}}}]'.encode(),
                         ", line 1: invalid JSON: a number of more than 4300 digits"),
    "binary.json": (bytes(range(256)) * 40,
                    ", line 1: invalid JSON: unexpected character, expected a JSON value"),
}


def test_11_9_a_bad_file_in_a_folder_does_not_stop_the_others(run_cli, tmp_path):
    folder = tmp_path / "in"
    write_jsonl(folder / "0-first.jsonl", [seed_row(D1, "ada", 11, "cli")])
    for name, (content, _) in BAD_FILES.items():
        (folder / name).write_bytes(content)
    write_jsonl(folder / "z-last.jsonl", [seed_row(D2, "bob", 12, "cli")])
    result = run_cli("import", "in")
    assert result.status == ExitStatus.BAD_INPUT
    errors = sorted(result.stderr.splitlines()[:-1])
    expected = sorted(f"Error: in/{name}{why}" for name, (_, why) in BAD_FILES.items())
    assert len(errors) == len(expected)
    assert all(error.startswith(start) for error, start in zip(errors, expected, strict=True))
    assert result.stderr.splitlines()[-1] == (
        "7 files rejected: nothing of them was stored. Fix them; --skip-bad-rows would store "
        "the good rows of in/trailing.json.")
    assert result.stdout.splitlines()[-1] == (
        "2 of 9 files imported; rows: 2 read, 2 stored, 0 merged, 0 rejected")
    assert set(stored(tmp_path)["rows"]) == {(11, parse_day(D1)), (12, parse_day(D2))}


def test_11_9_bad_rows_of_an_array_go_to_the_rejects(run_cli, tmp_path):
    (tmp_path / "a.json").write_text(
        f'[{line(D1, "ada", 11, "cli")},\n'
        f'{{"day": "{D1}", "login": "bob", "user_id": 123456789012345678901234567890, '
        '"cli_engagement": 1}]\n]garbage\n')
    result = run_cli("import", "--skip-bad-rows", "a.json")
    assert result.status == ExitStatus.PARTIAL_DATA
    rejects = [json.loads(r) for r in (tmp_path / "out" / "rejects.jsonl").read_text()
               .splitlines()]
    assert [(r["line"], r["reason"], r["row"]) for r in rejects] == [
        (2, '"user_id" is 123456789012345678901234567890; expected a positive integer',
         f'{{"day": "{D1}", "login": "bob", "user_id": 123456789012345678901234567890, '
         '"cli_engagement": 1}'),
        (3, "invalid JSON: more after the array's closing ']'", "")]
    assert set(stored(tmp_path)["rows"]) == {(11, parse_day(D1))}


def _long_line_gzip(length: int) -> bytes:
    """A day file whose second line is `length` bytes long: a few KB compressed."""
    long_line = b'{"login": "' + b"x" * (length - 13) + b'"}'
    return gzip.compress(line(D1, "ada", 11, "cli").encode() + b"\n" + long_line + b"\n"
                         + line(D1, "bob", 12).encode() + b"\n")


LONG_LINE = ("the line is longer than 1,048,576 bytes, the most a row may take (a real row "
             "takes a few KB)")


def test_11_10_a_line_past_the_cap_is_bad(run_cli, tmp_path):
    (tmp_path / "d.jsonl.gz").write_bytes(_long_line_gzip(2 << 20))
    result = run_cli("import", "d.jsonl.gz")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == f"Error: d.jsonl.gz, line 2: {LONG_LINE}"
    result = run_cli("import", "--skip-bad-rows", "d.jsonl.gz")
    assert result.status == ExitStatus.PARTIAL_DATA
    reject = json.loads((tmp_path / "out" / "rejects.jsonl").read_text())
    assert (reject["line"], reject["reason"], len(reject["row"])) == (2, LONG_LINE, 200)
    assert len(stored(tmp_path)["rows"]) == 2


def test_11_10_a_line_past_the_cap_in_a_worker_is_the_same_bad_row(tmp_path):
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(_long_line_gzip((1 << 20) + 1))
    assert load(tmp_path, path, pool=workers()).files[0].error == f"{path}, line 2: {LONG_LINE}"
    path.write_bytes(_long_line_gzip(1 << 20))  # at the cap: a row, if not a good one
    assert load(tmp_path, path, pool=workers()).files[0].error == (
        f"{path}, line 2: missing \"day\"")


def test_11_10_memory_stays_flat_on_a_line_without_end(tmp_path):
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"login": "' + b"x" * (48 << 20)))
    tracemalloc.start()
    try:
        read = [(number, getattr(record, "reason", record)) for number, record in records(path)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert read == [(1, LONG_LINE)]
    assert peak < 16 << 20


def test_11_10_a_value_past_the_cap_in_an_array_is_bad_input(run_cli, tmp_path):
    (tmp_path / "d.json").write_text(
        f'[{line(D1, "ada", 11)},\n {{"login": "{"x" * (2 << 20)}"}}]\n')
    result = run_cli("import", "--skip-bad-rows", "d.json")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == (
        "Error: d.json, line 2: a value longer than 1,048,576 characters starts on this line, "
        "more than a row or page may take (a real row takes a few KB, a seats API page of "
        "100 seats about 100 KB); give a seat list as the API's pages, one document each, as "
        "`gh api --paginate` writes them")
    assert stored(tmp_path)["rows"] == {}


def test_11_10_a_seat_list_merged_into_one_document_says_so(run_cli, tmp_path):
    seats = [{"assignee": {"login": f"u{i}", "id": 1000 + i}, "plan_type": "business",
              "created_at": "2025-01-01T00:00:00Z"} for i in range(40_000)]
    (tmp_path / "seats.json").write_text(
        json.dumps({"total_seats": len(seats), "seats": seats}, indent=2))
    result = run_cli("import", "seats.json")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0].startswith(
        "Error: seats.json, line 1: a value longer than 1,048,576 characters starts on this "
        "line")
    assert "as `gh api --paginate` writes them" in result.stderr


def test_11_10_a_syntax_error_early_in_a_large_array_is_named_as_such(run_cli, tmp_path):
    rows = [line(D1, f"user{i}", 100 + i, "cli") for i in range(5000)]
    rows[1] = rows[1].replace(", ", " ", 1)
    (tmp_path / "d.json").write_text("[" + ",\n".join(rows) + "]\n")
    assert (tmp_path / "d.json").stat().st_size > 1 << 20
    result = run_cli("import", "d.json")
    assert result.stderr.splitlines()[0] == (
        "Error: d.json, line 2: invalid JSON: Expecting ',' delimiter")


@pytest.mark.parametrize("layout", ["lines", "array"])
def test_11_10_a_file_past_the_decompressed_cap_is_bad_input(run_cli, tmp_path, monkeypatch,
                                                            layout):
    monkeypatch.setattr(records_module, "MAX_FILE_BYTES", 100_000)
    rows = [line(D1, f"user{i}", 100 + i, "cli") for i in range(1000)]
    text = "\n".join(rows) + "\n" if layout == "lines" else "[" + ",\n".join(rows) + "]\n"
    (tmp_path / "d.json.gz").write_bytes(gzip.compress(text.encode()))
    result = run_cli("import", "d.json.gz")
    assert result.status == ExitStatus.BAD_INPUT
    over = 1 + text[:100_000].count("\n")  # the line of the first byte past the cap
    assert result.stderr.splitlines()[0] == (
        f"Error: d.json.gz, line {over}: the file holds more than 100,000 bytes (decompressed), "
        "the most a file may hold; split it")
    assert stored(tmp_path)["rows"] == {}


def _wide_rows():
    """A row with 70 columns of new features after a plain one: 10 canonical features and 53
    new ones fill the 63 bits of a user-day."""
    return [seed_row(D1, "ada", 11, "cli"),
            seed_row(D1, "bob", 12, **{f"f{i:02d}_engagement": 1 for i in range(70)})]


TOO_MANY = 'a new feature, "f53", past the 63 features that a store can hold'


def test_11_10_too_many_features_is_bad_input_naming_file_and_line(run_cli, tmp_path):
    write_jsonl(tmp_path / "in" / "a.jsonl", [seed_row(D2, "cy", 13, "cli")])
    write_jsonl(tmp_path / "in" / "b.jsonl", _wide_rows())
    result = run_cli("import", "--skip-bad-rows", "in")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == f"Error: in/b.jsonl, line 2: {TOO_MANY}"
    after = stored(tmp_path)
    assert set(after["rows"]) == {(13, parse_day(D2))}
    assert len(after["features"]) == 10


def test_11_10_too_many_features_in_a_worker_names_the_same_line(tmp_path):
    rows = [seed_row(D1, f"user{i}", 100 + i, "cli") for i in range(60)] + _wide_rows()
    path = write_jsonl(tmp_path / "b.jsonl", rows)
    summary = load(tmp_path, path, pool=workers())
    assert summary.files[0].error == f"{path}, line 62: {TOO_MANY}"
    assert stored(tmp_path)["rows"] == {}


def test_11_10_a_configured_feature_new_to_the_store_is_parsed_in_workers(tmp_path):
    rows = [{"day": D1, "user_id": 100 + i, "user_login": f"user{i}", "used_x": i % 2 == 1}
            for i in range(60)]
    path = write_jsonl(tmp_path / "u.jsonl", rows)
    summary = load(tmp_path, path, pool=workers(), usage_rules={"x_mode": {"flag": "used_x"}})
    assert summary.as_json()["rows"] == {"read": 60, "stored": 60, "merged": 0, "rejected": 0}
    after = stored(tmp_path)
    bit = 1 << after["features"].index("x_mode")
    assert after["rows"][(101, parse_day(D1))] == bit
