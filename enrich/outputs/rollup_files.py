"""The machine-readable rollup: rollup.json, one CSV per dimension, the unmatched users.

They hold org-chart names and GitHub logins, so every file is readable by its owner only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from itertools import repeat
from pathlib import Path

import orjson

from enrich.outputs.files import atomic_open
from enrich.processes import cycle_collector_paused, forked
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

    The CSV of each dimension is written by a forked process of its own while this one
    writes the JSON: for a large enterprise each takes a second or two.
    """
    folder = Path(folder)
    # the flat rows (a dict and a list per unit, and its depth's) make no cycle; a collection
    # would walk the whole rollup in each forked writer, touching (and so copying) its pages
    with cycle_collector_paused():
        dimension_csvs = [forked(lambda dimension=dimension: _write_dimension_csv(
            rollup, dimension, folder)) for dimension in DIMENSIONS]
        with atomic_open(folder / JSON_NAME, "wb") as fh:
            fh.writelines(_json_chunks(rollup))
        unmatched = _write_csv(folder / UNMATCHED_NAME, UNMATCHED_COLUMNS,
                               ([user[c] for c in UNMATCHED_COLUMNS]
                                for user in rollup["unmapped"]))
        return [folder / JSON_NAME, *(path() for path in dimension_csvs), unmatched]


def _write_dimension_csv(rollup: dict, dimension: str, folder: Path) -> Path:
    units = _with_flat_depth([unit for unit in rollup["units"]
                              if unit["dimension"] == dimension])
    header, rows = _with_measurement_columns(units, _measurement(rollup["period"])) \
        if units else ([], [])
    return _write_csv(folder / f"rollup-{dimension}.csv", header, rows,
                      published_digits(header))


# What a CSV says beside each unit's feature figures: the reported days of the period and
# how many of them measure each feature, so that a feature measured on part of the period
# (or not measured in it: on fewer than half) is flagged on every row, as the report flags it.
_FIRST_FEATURE_MAP = "feature_users"


def _measurement(period: dict | None) -> dict | None:
    """The columns a period adds before its feature maps (None: a period without data)."""
    if period is None:
        return None
    return {"days_reported": period["days"]["reported"], "depth_days": period["depth_days"],
            "measured_days": period["measured_days"],
            PREVIOUS: _measurement(period.get(PREVIOUS))}


def _with_measurement_columns(units: list[dict], measurement: dict
                              ) -> tuple[list[str], Iterator[list]]:
    """The columns and each unit's values, with the measurement columns. Those are the same
    for every unit: they are spliced into each unit's values (a copy of each unit would cost
    a large enterprise a quarter of a second)."""
    model = _with_measurement(units[0], measurement)
    header, own = columns(model), set(columns(units[0]))
    constants = leaves(model)
    blocks: list[tuple[int, list]] = []  # (position in the row, values), left to right
    for position, name in enumerate(header):
        if name in own:
            continue
        if blocks and blocks[-1][0] + len(blocks[-1][1]) == position:
            blocks[-1][1].append(constants[position])
        else:
            blocks.append((position, [constants[position]]))

    def spliced(unit: dict) -> list:
        values = leaves(unit)
        for position, block in blocks:
            values[position:position] = block
        return values

    return header, map(spliced, units)


def _with_measurement(metrics: dict, flags: dict) -> dict:
    """The unit (or its previous period's metrics) with its period's measurement columns."""
    result = {}
    for key, value in metrics.items():
        if key == _FIRST_FEATURE_MAP:
            result["days_reported"] = flags["days_reported"]
            result["depth_days"] = flags["depth_days"]
            result["measured_days"] = flags["measured_days"]
        if key == PREVIOUS and value is not None:
            value = _with_measurement(value, flags[PREVIOUS])
        result[key] = value
    return result


# The depth of use of each unit (METRICS.md section 9) as columns: its figures, then for each
# kind of key one column per key that any unit of the file lists in the period, by name
# (`depth.language_share.python`): 0 where the unit's people list it on no row. A period
# that does not measure depth has one empty `depth` column.
DEPTH = "depth"
_SHARES = ("ide_share", "feature_share", "language_share", "model_share")
_FIGURES = ("days", "people", "acceptance_rate", "interactions_per_active_day",
            "loc_added_per_engaged", "ai_credits", "ai_credits_per_engaged")


def _with_flat_depth(units: list[dict]) -> list[dict]:
    """The units with their depth (and their previous period's) made one level deep."""
    now = _FlatDepth(unit[DEPTH] for unit in units)
    before = _FlatDepth((unit[PREVIOUS] or {}).get(DEPTH) for unit in units)

    def flat(unit: dict) -> dict:
        previous = unit[PREVIOUS]
        if previous is not None:
            previous = {**previous, DEPTH: before(previous[DEPTH])}
        return {**unit, DEPTH: now(unit[DEPTH]), PREVIOUS: previous}

    return [flat(unit) for unit in units]


class _FlatDepth:
    """Depth objects as flat maps with the same keys: the figures, then a share per key that
    any of them lists (0 where the unit's people list it on no row), each share rounded as
    the CSVs round shares. Made for every unit of a large enterprise: the names once, and the
    shares as the text the CSV writer would make of them (most are 0, and a large
    enterprise's units repeat the same few: each is written out once)."""

    def __init__(self, depths: Iterable[dict | None]):
        keys: dict[str, set[str]] = {share: set() for share in _SHARES}
        for depth in depths:
            for share in _SHARES if depth else ():
                keys[share].update(depth[share] or ())
        self.keys = {share: sorted(names) for share, names in keys.items()}
        # a unit's shares fill a copy of these, whose values then come in the names' order
        self._zeros = {share: dict.fromkeys(names, _ZERO) for share, names in self.keys.items()}
        # the shares of a large enterprise's units repeat (k people of n): rounded once each
        self._rounded = _RoundedText(RATE_DIGITS)
        self.names = [*_FIGURES, *(f"{share}.{name}" for share, names in self.keys.items()
                                   for name in names)]

    def __call__(self, depth: dict | None) -> dict | None:
        if depth is None:
            return None
        values = [depth[figure] for figure in _FIGURES]
        for share, zeros in self._zeros.items():
            shares = depth[share]
            if shares is None:
                values += repeat(None, len(zeros))
            else:
                row = zeros.copy()
                row.update(zip(shares, map(self._rounded.__getitem__, shares.values()),
                               strict=True))
                values += row.values()
        return dict(zip(self.names, values, strict=True))


#: a share of 0 as the CSV writer writes the float
_ZERO = str(0.0)


class _RoundedText(dict):
    """float -> the float rounded, as the CSV writer writes it (`str`), remembered."""

    def __init__(self, digits: int):
        super().__init__()
        self.digits = digits

    def __missing__(self, value: float) -> str:
        rounded = self[value] = str(round(value, self.digits))
        return rounded


# Published CSVs round what people read (rollup.json keeps every digit): rates and shares to
# 4 decimals (a percentage to 2), means of days to 2, and so the depth's figures per person
# or day, and AI credits.
RATE_DIGITS = 4
MEAN_DIGITS = 2
_DIGITS = {"adoption_rate": RATE_DIGITS, "feature_adoption": RATE_DIGITS,
           "mean_active_days": MEAN_DIGITS, "median_active_days": MEAN_DIGITS,
           "mean_daily_active": MEAN_DIGITS}
# (the shares are rounded as the depth is made flat: they are many)
_DEPTH_DIGITS = {"acceptance_rate": RATE_DIGITS, "interactions_per_active_day": MEAN_DIGITS,
                 "loc_added_per_engaged": MEAN_DIGITS, "ai_credits": MEAN_DIGITS,
                 "ai_credits_per_engaged": MEAN_DIGITS}


def published_digits(header: Iterable[str]) -> list[int | None]:
    """The decimals each column is rounded to (None: not rounded), by its name
    (`feature_adoption.cli`, `previous.adoption_rate`, `depth.language_share.python`)."""
    return [_digits(name.removeprefix(f"{PREVIOUS}.")) for name in header]


def _digits(name: str) -> int | None:
    head, _, rest = name.partition(".")
    if head == DEPTH:
        return _DEPTH_DIGITS.get(rest.split(".")[0])
    return _DIGITS.get(head)


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


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[list],
               digits: list[int | None] | None = None) -> Path:
    """`digits`: the decimals of each column's floats (`published_digits`)."""
    header = list(header)
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        # Most cells are numbers, which csv writes as they are: only text goes through cell(),
        # and only the floats of rounded columns through round(). The depth's columns are
        # numbers only, and many: they are not looked at.
        rounded = [(i, d) for i, d in enumerate(digits or ()) if d is not None]
        depth = [i for i, name in enumerate(header)
                 if name.removeprefix(f"{PREVIOUS}.").startswith(f"{DEPTH}.")]
        if not depth:
            writer.writerows(_rounded([cell(v) if v.__class__ in _TEXT else v for v in row],
                                      rounded) for row in rows)
        else:
            looked_at = sorted(set(range(len(header))) - set(depth))
            writer.writerows(_rounded(_text_cells(row, looked_at), rounded) for row in rows)
    return path


def _text_cells(row: list, positions: list[int]) -> list:
    for i in positions:
        value = row[i]
        if value.__class__ in _TEXT:
            row[i] = cell(value)
    return row


def _rounded(row: list, rounded: list[tuple[int, int]]) -> list:
    for i, digits in rounded:
        if row[i].__class__ is float:
            row[i] = round(row[i], digits)
    return row


def cell(value) -> str | int | float | None:
    """A CSV cell: lists space-separated, text never read as a formula (csv writes null
    as an empty cell)."""
    if isinstance(value, list):
        value = " ".join(map(str, value))
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
