"""The machine-readable rollup: rollup.json, one CSV per dimension, the unmatched users.

They hold org-chart names and GitHub logins, so every file is readable by its owner only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from enrich.outputs.files import atomic_open
from enrich.processes import forked
from enrich.rollup.units import DIMENSIONS

JSON_NAME = "rollup.json"
UNMATCHED_NAME = "unmatched.csv"
UNMATCHED_COLUMNS = ("user_id", "login", "active_days")
_ONE_PER_LINE = ("units", "unmapped")
_TEXT = (str, list)
PREVIOUS = "previous"
#: a spreadsheet reads a cell that starts with one of these as a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_rollup(rollup: dict, folder: Path) -> list[Path]:
    """Write the files of a rollup made by `enrich.rollup.compute_rollup`; return their paths.

    The CSVs are written by a forked process while this one writes the JSON: for a large
    enterprise each takes a second or two.
    """
    folder = Path(folder)
    csv_paths = forked(lambda: _write_csvs(rollup, folder))
    with atomic_open(folder / JSON_NAME, "wb") as fh:
        fh.writelines(_json_chunks(rollup))
    return [folder / JSON_NAME, *csv_paths()]


def _write_csvs(rollup: dict, folder: Path) -> list[Path]:
    paths = []
    for dimension in DIMENSIONS:
        units = [unit for unit in rollup["units"] if unit["dimension"] == dimension]
        paths.append(_write_csv(folder / f"rollup-{dimension}.csv",
                                columns(units[0]) if units else [], map(leaves, units)))
    paths.append(_write_csv(folder / UNMATCHED_NAME, UNMATCHED_COLUMNS,
                            ([user[c] for c in UNMATCHED_COLUMNS] for user in rollup["unmapped"])))
    return paths


def _json_chunks(rollup: dict) -> Iterator[bytes]:
    """rollup.json piece by piece, so that a large one is never whole in memory.

    UTF-8 JSON whose bytes depend only on the rollup: keys keep the order section 8 fixes.
    Compact, but one unit or unmatched user per line: a large enterprise's file stays a third
    of its indented size, and still reads well with grep and diff.
    """
    separator = b"{"
    for key, value in rollup.items():
        yield separator + orjson.dumps(key) + b": "
        separator = b",\n"
        if key in _ONE_PER_LINE and value:
            opening = b"[\n"
            for item in value:
                yield opening + orjson.dumps(item)
                opening = b",\n"
            yield b"\n]"
        else:
            yield orjson.dumps(value)
    yield b"}\n"


def columns(unit: dict, prefix: str = "") -> list[str]:
    """Maps become dotted columns (`feature_users.cli`), and so do the previous period's
    metrics (`previous.members`, `previous.feature_users.cli`).

    Every unit of a rollup has the same fields in the same order (the feature maps and the
    days are those of the period), so the first unit names the columns of all.
    """
    names = []
    for key, value in unit.items():
        if key == PREVIOUS and value is not None:
            names += columns(value, f"{PREVIOUS}.")
        elif isinstance(value, dict):
            names += (f"{prefix}{key}.{inner}" for inner in value)
        else:
            names.append(prefix + key)
    return names


def leaves(unit: dict) -> list:
    """The values of a unit's columns, in the same order."""
    values = []
    for key, value in unit.items():
        if key == PREVIOUS and value is not None:
            values += leaves(value)
        elif isinstance(value, dict):
            values += value.values()
        else:
            values.append(value)
    return values


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[list]) -> Path:
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        # Most cells are numbers, which csv writes as they are: only text goes through cell().
        writer.writerows([cell(v) if v.__class__ in _TEXT else v for v in row] for row in rows)
    return path


def cell(value) -> str | int | float | None:
    """A CSV cell: lists space-separated, text never read as a formula (csv writes null
    as an empty cell)."""
    if isinstance(value, list):
        value = " ".join(map(str, value))
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
