"""What the rollup takes: one period's engagement as plain data, and the thresholds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from enrich.dates import Period

REPORTED = "reported"
EMPTY = "empty"
MISSING = "missing"


@dataclass(frozen=True)
class DepthInput:
    """What the store knows of one period's depth of use (METRICS.md section 9)."""

    #: D: the reported days of the period with usage-metrics rows
    days: list[int] = field(default_factory=list)
    #: usage-metrics days of the period whose depth the store lacks (imported before enrich
    #: kept it)
    pending: list[int] = field(default_factory=list)
    #: `(kind, name)` of each key number
    keys: list[tuple[str, str]] = field(default_factory=list)
    #: user_id -> the user's depth over D (`enrich.rollup.depth.UserDepth`, as
    #: `depth_by_user` makes it of the rows the store reads)
    users: Mapping[int, tuple] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodInput:
    """The store's facts about one period (METRICS.md sections 1 to 3)."""

    period: Period
    #: feature name of each bit: features[i] is bit 1 << i of a row's `bits`
    features: list[str]
    #: every day of the period -> REPORTED, EMPTY or MISSING
    status: dict[int, str]
    #: each reported day -> bit mask of the features measured that day
    measured: dict[int, int]
    #: (user_id, day, bits) for days of the period, in any order; bits = features engaged.
    #: A user may have several rows for a day (two sources): they are OR-ed.
    rows: Iterable[tuple[int, int, int]]
    #: the depth of use of the usage-metrics days (METRICS.md section 9)
    depth: DepthInput = field(default_factory=DepthInput)


@dataclass(frozen=True)
class Thresholds:
    """The configurable thresholds of METRICS.md sections 4 and 5."""

    champion_min_features: int = 3
    champion_min_consistency: float = 0.75
    lagging_below_consistency: float = 0.5
    awareness_gap_below: float = 0.10

    @classmethod
    def from_config(cls, config) -> Thresholds:
        """The `metrics.*` settings of a `enrich.config.Config`."""
        return cls(**{name: config.get(f"metrics.{name}") for name in cls.__dataclass_fields__})


DEFAULT_THRESHOLDS = Thresholds()
