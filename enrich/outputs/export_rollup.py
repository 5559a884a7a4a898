"""The units of a rollup (rollup.json, METRICS.md section 8) as one Arrow table, flattened as
the rollup CSVs are (`feature_users__cli`, `depth__acceptance_rate`), with the period of each.

Its columns are the same every month, so that a warehouse reads every month as one table:
what the CSVs spread over columns named after the period's days or keys (`daily_active`,
the depth's shares) is a list of `(day, active)` or `(key, share)` here, and the feature maps
have a column for each feature the store knows. The previous period's metrics are left out:
they are the previous month's own rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from enrich.dates import parse_day

#: what the CSVs' dot is in a column's name (`feature_users__cli`): BigQuery takes no dot in
#: a column name, and Spark reads one as a field of a struct
SEP = "__"
_INT, _FLOAT, _TEXT = pa.int64(), pa.float64(), pa.string()
_UNIT = (("dimension", _TEXT), ("id", _TEXT), ("name", _TEXT), ("parent", _TEXT),
         ("members", _INT), ("population", _INT), ("engaged", _INT), ("adoption_rate", _FLOAT),
         ("mean_active_days", _FLOAT), ("median_active_days", _FLOAT))
SEGMENTS = ("champion", "regular", "lagging", "inactive")
#: the feature maps of a unit, and `measured_days` of its period, in the CSVs' order
_FEATURE_MAPS = (("measured_days", _INT), ("feature_users", _INT),
                 ("feature_adoption", _FLOAT), ("feature_user_days", _INT))
DAILY_ACTIVE = pa.list_(pa.struct([("day", pa.date32()), ("active", _INT)]))
SHARES = pa.list_(pa.struct([("key", _TEXT), ("share", _FLOAT)]))
_DEPTH_FIGURES = (("days", _INT), ("people", _INT), ("acceptance_rate", _FLOAT),
                  ("interactions_per_active_day", _FLOAT), ("loc_added_per_engaged", _FLOAT),
                  ("ai_credits", _FLOAT), ("ai_credits_per_engaged", _FLOAT))
_DEPTH_SHARES = ("ide_share", "feature_share", "language_share", "model_share")


def rollup_schema(features: Sequence[str]) -> pa.Schema:
    """The columns of the rollup of a store whose features are `features`."""
    return pa.schema([
        ("period_since", pa.date32()), ("period_until", pa.date32()), *_UNIT,
        *((f"segments{SEP}{segment}", _INT) for segment in SEGMENTS), ("narrow", _INT),
        ("days_reported", _INT), ("depth_days", _INT),
        *((f"{name}{SEP}{feature}", kind) for name, kind in _FEATURE_MAPS for feature in features),
        ("awareness_gaps", pa.list_(_TEXT)), ("mean_daily_active", _FLOAT),
        ("daily_active", DAILY_ACTIVE),
        *((f"depth{SEP}{figure}", kind) for figure, kind in _DEPTH_FIGURES),
        *((f"depth{SEP}{share}", SHARES) for share in _DEPTH_SHARES)])


def rollup_table(rollup: dict, features: Sequence[str]) -> pa.Table:
    """The units of `rollup` (`enrich.rollup.compute_rollup`) with their period; a feature
    the period's maps do not name is null."""
    period = rollup["period"]
    common = {"period_since": parse_day(period["since"]),
              "period_until": parse_day(period["until"]),
              "days_reported": period["days"]["reported"], "depth_days": period["depth_days"]}
    common.update((f"measured_days{SEP}{feature}", period["measured_days"].get(feature))
                  for feature in features)
    schema = rollup_schema(features)
    rows = [_flat(unit, common, features) for unit in rollup["units"]]
    return pa.Table.from_pylist(rows, schema=schema)


def _flat(unit: dict, common: dict, features: Sequence[str]) -> dict:
    row = dict(common)
    row.update((name, unit[name]) for name, _ in _UNIT)
    row.update((f"segments{SEP}{segment}", unit["segments"][segment]) for segment in SEGMENTS)
    row["narrow"] = unit["narrow"]
    for name, _ in _FEATURE_MAPS[1:]:
        row.update((f"{name}{SEP}{feature}", unit[name].get(feature)) for feature in features)
    row["awareness_gaps"] = unit["awareness_gaps"]
    row["mean_daily_active"] = unit["mean_daily_active"]
    row["daily_active"] = [{"day": parse_day(day), "active": active}
                           for day, active in unit["daily_active"].items()]
    depth = unit["depth"] or {}
    row.update((f"depth{SEP}{figure}", depth.get(figure)) for figure, _ in _DEPTH_FIGURES)
    row.update((f"depth{SEP}{share}", _shares(depth.get(share))) for share in _DEPTH_SHARES)
    return row


def _shares(shares: dict | None) -> list[dict] | None:
    """Keys in the rollup's order: descending share, then by name."""
    if shares is None:
        return None
    return [{"key": key, "share": share} for key, share in shares.items()]
