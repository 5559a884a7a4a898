"""Depth of use (METRICS.md section 9) as the report and the digests show it.

Read from the rollup's `depth` objects, never computed here: a unit's figures beside the
previous period's, the share of its engaged people in agent mode (and in the CLI and code
review, which depth does not measure), and its IDE, language and model mixes as their top keys
with the rest grouped as "other". A unit's depth is hidden where its other figures are
(METRICS.md section 6, unchanged for depth).
"""

from __future__ import annotations

from dataclasses import dataclass

from enrich import features as feature_names
from enrich.outputs.render import difference

#: how a figure is printed, and so how its change is: a share (its change in points), a
#: number with one decimal, a whole number
SHARE, DECIMAL, WHOLE = "share", "decimal", "whole"
#: the figures of a unit's depth, in the order shown: (rollup key, title, kind)
FIGURES = (
    ("acceptance_rate", "Acceptance rate", SHARE),
    ("interactions_per_active_day", "Interactions per active day", DECIMAL),
    ("loc_added_per_engaged", "Lines added per person", WHOLE),
)
#: the mixes of a unit's depth: rollup key -> (title, what one key is, and several)
MIXES = {
    "ide_share": ("IDEs", "IDE", "IDEs"),
    "language_share": ("Languages", "language", "languages"),
    "model_share": ("Models", "model", "models"),
}
#: How people call the keys of the mixes; any other key reads as GitHub writes it.
KEY_NAMES = {
    "vscode": "VS Code", "visualstudio": "Visual Studio", "intellij": "JetBrains IDEs",
    "jetbrains": "JetBrains IDEs", "eclipse": "Eclipse", "xcode": "Xcode", "neovim": "Neovim",
    "vim": "Vim", "python": "Python", "typescript": "TypeScript", "javascript": "JavaScript",
    "typescriptreact": "TypeScript (React)", "javascriptreact": "JavaScript (React)",
    "java": "Java", "go": "Go", "csharp": "C#", "cpp": "C++", "c": "C", "ruby": "Ruby",
    "rust": "Rust", "kotlin": "Kotlin", "swift": "Swift", "php": "PHP", "sql": "SQL",
    "shellscript": "Shell", "markdown": "Markdown", "yaml": "YAML", "json": "JSON",
    "html": "HTML", "css": "CSS", "scala": "Scala", "terraform": "Terraform",
    "powershell": "PowerShell", "dockerfile": "Dockerfile", "dart": "Dart", "r": "R",
    "lua": "Lua", "haskell": "Haskell",
}


def key_name(key: str) -> str:
    return KEY_NAMES.get(key, key)


@dataclass(frozen=True)
class Figure:
    """One figure of a unit's depth, with its change since the previous period: the
    difference of the two figures as printed (points for a share)."""

    value: float | None
    previous: float | None
    kind: str

    @property
    def change(self) -> float | None:
        if self.kind == SHARE:
            return difference(_percent(self.value), _percent(self.previous))
        return difference(self.value, self.previous, 1 if self.kind == DECIMAL else 0)


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


@dataclass(frozen=True)
class KeyShare:
    key: str
    share: float
    #: the previous period's share of the key (0 when nobody used it then), None unknown
    previous: float | None

    @property
    def name(self) -> str:
        return key_name(self.key)

    @property
    def figure(self) -> Figure:
        return Figure(self.share, self.previous, SHARE)


@dataclass(frozen=True)
class Mix:
    """The top keys of a mix by share, and the rest as "other": a person counts under every
    key they used, so the shares of the rest do not add up to one; "other" says how many keys
    it holds and the largest share among them."""

    title: str
    #: what one key is, and several ("language", "languages")
    noun: tuple[str, str]
    shown: list[KeyShare]
    other_keys: int
    other_most: float | None


@dataclass(frozen=True)
class Use:
    """A unit's depth of use in the period (a rollup `depth` object), beside the previous
    period's (None when it has none, or it is not shown)."""

    now: dict
    before: dict | None

    @property
    def people(self) -> int:
        return self.now["people"]

    def figure(self, key: str, kind: str) -> Figure:
        return Figure(self.now[key], self.before[key] if self.before else None, kind)

    def figures(self) -> list[tuple[str, str, Figure]]:
        """(rollup key, title, figure) of each of FIGURES."""
        return [(key, title, self.figure(key, kind)) for key, title, kind in FIGURES]

    def feature(self, feature: str) -> Figure | None:
        """The share of the engaged people who used `feature` (`agent`, `cli`,
        `code_review`); None when depth does not measure it."""
        key = feature_names.DEPTH_SHARE_KEYS[feature]
        if key is None:
            return None
        return Figure(feature_share(self.now, feature),
                      feature_share(self.before, feature), SHARE)

    def mix(self, key: str, top: int) -> Mix:
        title, *noun = MIXES[key]
        shares = self.now[key]
        before = self.before[key] if self.before and self.before["people"] else None
        ordered = list(shares.items())  # the rollup's order: by share, then by name
        rest = [share for _, share in ordered[top:]]
        return Mix(title, tuple(noun),
                   [KeyShare(k, share, None if before is None else before.get(k, 0.0))
                    for k, share in ordered[:top]],
                   len(rest), max(rest, default=None))

    def top_key(self, key: str) -> KeyShare | None:
        shown = self.mix(key, 1).shown
        return shown[0] if shown else None


def feature_share(depth: dict | None, feature: str) -> float | None:
    """The share of a depth's engaged people who used `feature`; None when depth (or the
    feature) is not measured or nobody was engaged."""
    key = feature_names.DEPTH_SHARE_KEYS[feature]
    if depth is None or key is None or not depth["people"]:
        return None
    return depth["feature_share"].get(key, 0.0)


#: the features whose shares the report and the digests show, in order, with their titles
SHARED_FEATURES = tuple((f, feature_names.title(f)) for f in feature_names.DEPTH_SHARE_KEYS)


def measured_features() -> list[tuple[str, str]]:
    """The features of SHARED_FEATURES that depth measures."""
    return [(f, title) for f, title in SHARED_FEATURES
            if feature_names.DEPTH_SHARE_KEYS[f] is not None]


def unit_depth(unit: dict | None) -> dict | None:
    """A rollup unit's (or previous period's) `depth`."""
    return None if unit is None else unit.get("depth")


def depth_days(period: dict) -> int:
    """The days of a rollup's period that measure depth (METRICS.md section 9)."""
    return period.get("depth_days", 0)
