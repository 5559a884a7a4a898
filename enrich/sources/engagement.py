"""Engagement rows of both formats, turned into `(day, user_id, login, bits, measured)`.

`bits` has bit `1 << i` set when the user engaged with feature `i` that day; `measured` has it
set when the row's format reports feature `i` at all (METRICS.md section 2). Feature numbers
come from a `FeatureBits` that the store keeps, so a new `*_engagement` column becomes a new
feature with no code change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter

import orjson

from enrich.dates import day_str, parse_day
from enrich.errors import unknown_name
from enrich.features import seed_feature

SEED = "seed"
USAGE_METRICS = "usage-metrics"

_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
#: the largest id the store holds: SQLite's INTEGER is 64-bit signed
MAX_ID = (1 << 63) - 1
#: No engagement data is older: GitHub Copilot had no users before 2021. An earlier day is a
#: typo or a placeholder (1900-01-01, 1970-01-01), and would stretch every history back to it.
EARLIEST_DAY = parse_day("2021-01-01")


class RowError(ValueError):
    """What is wrong with one row, in words for the person who has to fix the file."""


FeatureBits = Callable[[str], int]
"""Returns the bit of a feature name, allocating one for a feature not seen before; raises
NoFeatureBit when it has none to give."""


class NoFeatureBit(Exception):
    """A `FeatureBits` has no bit for feature `name`; the parser adds the `line` of the row
    that brought the feature."""

    def __init__(self, name: str, line: int | None = None):
        super().__init__(name, line)
        self.name, self.line = name, line


class TooManyFeatures(NoFeatureBit):
    """A new feature, past the `limit` of features that a user-day can hold."""

    def __init__(self, name: str, limit: int):
        super().__init__(name)
        self.limit = limit

    def __str__(self) -> str:
        return (f'a new feature, "{self.name}", past the {self.limit} features that a store '
                "can hold")


def engagement_day(text, today: int) -> int:
    """The day of an engagement row, from `EARLIEST_DAY` to tomorrow (UTC: a day ahead of UTC
    has begun somewhere); RowError for anything else."""
    try:
        day = parse_day(text)
    except ValueError as exc:
        raise RowError(f'"day" is {show_value(text)}: {exc}') from None
    if day < EARLIEST_DAY:
        raise RowError(f'"day" is {show_value(text)}: before {day_str(EARLIEST_DAY)}, the '
                       "earliest day enrich accepts (Copilot had no users before)")
    if day > today + 1:
        raise RowError(f'"day" is {show_value(text)}: in the future (after tomorrow, '
                       f"{day_str(today + 1)} UTC)")
    return day


def row_format(row: object) -> str | None:
    """Which engagement format a decoded record is in, or None when it is neither."""
    if not isinstance(row, dict):
        return None
    if "user_login" in row or "totals_by_feature" in row:
        return USAGE_METRICS
    if "login" in row and any(seed_feature(k) for k in row):
        return SEED
    return None


class _Identity:
    """Checks of the fields every row has; caches what repeats (days, logins)."""

    def __init__(self, login_field: str, today: int):
        self.login_field, self.today = login_field, today
        self.days: dict[str, int] = {}
        self.logins: set[str] = set()

    def day(self, row: dict) -> int:
        text = row.get("day")
        day = self.days.get(text) if isinstance(text, str) else None
        if day is None:
            if text is None:
                raise RowError('missing "day"')
            day = engagement_day(text, self.today)
            self.days[text] = day
        return day

    @staticmethod
    def user_id(row: dict) -> int:
        uid = row.get("user_id")
        if type(uid) is not int or not 0 < uid <= MAX_ID:
            if uid is None:
                raise RowError('missing "user_id"')
            raise RowError(f'"user_id" is {show_value(uid)}; expected a positive integer')
        return uid

    def login(self, row: dict) -> str:
        login = row.get(self.login_field)
        if type(login) is str and login in self.logins:
            return login
        if login is None:
            raise RowError(f'missing "{self.login_field}"')
        if not isinstance(login, str) or not _LOGIN.fullmatch(login):
            raise RowError(f'"{self.login_field}" is {show_value(login)}; expected a GitHub login')
        self.logins.add(login)
        return login


def show_value(value) -> str:
    """A value as the file spells it, shortened for a message."""
    text = repr(value) if isinstance(value, str) else _json_text(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # nested deeper than orjson writes
            return "[...]" if isinstance(value, list) else "{...}"
    return str(value)


def _decode(line: bytes):
    """A JSON line's value; None for a blank line."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if not line.strip():
            return None
        raise RowError(_invalid_json(exc)) from None


def _invalid_json(exc: orjson.JSONDecodeError) -> str:
    return f"invalid JSON: {str(exc).split(': line ')[0]}"


class Batch:
    """What a parser made of some records: good rows, bad rows, measured features per day;
    and for usage-metrics rows, their depth (`enrich.sources.depth`)."""

    def __init__(self):
        self.rows: list[tuple[int, int, int, str]] = []  # (day, user_id, bits, login)
        self.bad: list[tuple[int, str, object]] = []  # (line, reason, record)
        self.measured: dict[int, int] = {}
        #: (day, user_id, scope, *counts, ai_credits, lists, keys) of each good row
        self.depth: list[tuple] = []
        #: the `(kind, name)` of each key number the depth rows' masks use
        self.depth_keys: tuple[tuple[str, str], ...] = ()

    def by_day(self) -> dict[int, tuple[tuple[int, ...], tuple[int, ...], tuple[str, ...]]]:
        """The good rows as columns per day: `{day: (user_ids, bits, logins)}`."""
        if len(self.measured) == 1:  # the usual file of one day: columns at C speed
            _, user_ids, bits, logins = zip(*self.rows, strict=True)
            return {next(iter(self.measured)): (user_ids, bits, logins)}
        columns: dict[int, tuple[list, list, list]] = {}
        for day, uid, bits, login in self.rows:
            user_ids, bits_of, logins = columns.setdefault(day, ([], [], []))
            user_ids.append(uid)
            bits_of.append(bits)
            logins.append(login)
        return {day: tuple(map(tuple, group)) for day, group in columns.items()}


class _Layout:
    """What a set of seed-format keys means: the engagement columns and their bits."""

    def __init__(self, keys: tuple, feature_bits: FeatureBits):
        self.columns = tuple(k for k in keys if seed_feature(k))
        self.bits_of = tuple(1 << feature_bits(seed_feature(c)) for c in self.columns)
        self.measured = 0
        for bit in self.bits_of:
            self.measured |= bit
        # a row of these columns plus "day", "login" and "user_id" has this layout when it has
        # as many keys and all the columns; a layout with other keys is looked up every time
        plain = len(keys) == len(self.columns) + len(_IDENTITY_KEYS) and \
            set(keys) >= _IDENTITY_KEYS
        self.size = len(keys) if plain else -1
        self.values = _values_getter(self.columns)
        self.int_types = (int,) * len(self.columns)
        # JSON text of engagement values already checked -> bits
        self.known: dict[bytes, int] = {}

    def check(self, values: tuple) -> int:
        bits = 0
        for column, bit, value in zip(self.columns, self.bits_of, values, strict=True):
            if type(value) is not int or value not in (0, 1):
                raise RowError(f'"{column}" is {show_value(value)}; expected 0 or 1')
            if value:
                bits |= bit
        self.known[orjson.dumps(values)] = bits
        return bits


def _values_getter(columns: tuple) -> Callable[[dict], tuple]:
    if len(columns) > 1:
        return itemgetter(*columns)
    # itemgetter of one key gives no tuple, and takes no zero keys
    return lambda row: tuple(row[c] for c in columns)


_IDENTITY_KEYS = {"day", "login", "user_id"}
_NO_LAYOUT = _Layout((), lambda name: 0)


class SeedRows:
    """Rows of the user-engagement format (SOURCES.md section 1)."""

    format = SEED

    def __init__(self, feature_bits: FeatureBits, today: int):
        self._feature_bits = feature_bits
        self._identity = _Identity("login", today)
        self._layouts: dict[tuple, _Layout] = {}

    def parse(self, items: Iterable[tuple[int, object]]) -> Batch:
        """Parse `(line, record)` items; a record may still be a JSON line (bytes).

        The loop is written out, not split into functions, because it runs once per row.
        """
        batch = Batch()
        rows, bad, measured_of = batch.rows, batch.bad, batch.measured
        identity, days, logins = self._identity, self._identity.days, self._identity.logins
        loads, dumps, json_error = orjson.loads, orjson.dumps, orjson.JSONDecodeError
        layout = _NO_LAYOUT
        size, values_of, known = layout.size, layout.values, layout.known
        last_day = last_layout = None
        for line, row in items:
            try:
                if type(row) is bytes:
                    try:
                        row = loads(row)
                    except json_error as exc:
                        if not row.strip():
                            continue
                        raise RowError(_invalid_json(exc)) from None
                if type(row) is not dict:
                    raise RowError(getattr(row, "reason", "expected a JSON object"))
                text = row.get("day")
                day = days.get(text) if type(text) is str else None
                if day is None:
                    day = identity.day(row)
                uid = row.get("user_id")
                if type(uid) is not int or not 0 < uid <= MAX_ID:
                    identity.user_id(row)
                login = row.get("login")
                if type(login) is not str or login not in logins:
                    login = identity.login(row)
                # the row has its three identity keys: the same count of keys and every
                # column of the last layout make the same keys, cheaper than looking them up
                try:
                    values = values_of(row) if len(row) == size else None
                except KeyError:
                    values = None
                if values is None:
                    layout = self._layout(tuple(row), line)
                    size, values_of, known = layout.size, layout.values, layout.known
                    values = values_of(row)
                # keyed by the values' JSON text, since true == 1.0 == 1 in Python
                try:
                    bits = known.get(dumps(values))
                except TypeError:  # a number orjson cannot write is no 0 or 1 either
                    bits = None
                if bits is None:
                    bits = layout.check(values)
            except RowError as exc:
                bad.append((line, str(exc), row))
                continue
            rows.append((day, uid, bits, login))
            if day != last_day or layout is not last_layout:
                measured_of[day] = measured_of.get(day, 0) | layout.measured
                last_day, last_layout = day, layout
        return batch

    def _layout(self, keys: tuple, line: int) -> _Layout:
        layout = self._layouts.get(keys)
        if layout is None:
            try:
                layout = self._layouts[keys] = _Layout(keys, self._feature_bits)
            except NoFeatureBit as exc:
                exc.line = line
                raise
        return layout


class UsageMetricsRows:
    """Rows of the `users-1-day` report (SOURCES.md section 2), mapped by a rule table; with
    `depth` (an `enrich.sources.depth.DepthFields`), their depth too."""

    format = USAGE_METRICS

    def __init__(self, feature_bits: FeatureBits, rules: Mapping[str, Mapping], today: int,
                 depth=None):
        self._identity = _Identity("user_login", today)
        self._depth = depth
        self._flags: list[tuple[str, int]] = []
        self._counts: list[tuple[str | None, str | None, str, int, int]] = []
        self.measured = 0
        for feature, rule in rules.items():
            bit = 1 << feature_bits(feature)
            self.measured |= bit
            if "flag" in rule:
                self._flags.append((rule["flag"], bit))
            else:
                self._counts.append((rule.get("feature"), rule.get("feature_prefix"),
                                     rule["count"], rule.get("min", 1), bit))

    def parse(self, items: Iterable[tuple[int, object]]) -> Batch:
        """Parse `(line, record)` items; a record may still be a JSON line (bytes)."""
        batch = Batch()
        depth = self._depth
        for line, row in items:
            try:
                if type(row) is bytes:
                    row = _decode(row)
                    if row is None:
                        continue
                if type(row) is not dict:
                    raise RowError(getattr(row, "reason", "expected a JSON object"))
                day, uid, login, bits = self._row(row)
                if depth is not None:
                    batch.depth.append((day, uid, *depth.of(row)))
            except RowError as exc:
                batch.bad.append((line, str(exc), row))
                continue
            batch.rows.append((day, uid, bits, login))
            batch.measured[day] = self.measured
        if depth is not None:
            batch.depth_keys = tuple(depth.keys.keys)
        return batch

    def _row(self, row: dict) -> tuple[int, int, str, int]:
        identity = self._identity
        day, uid, login = identity.day(row), identity.user_id(row), identity.login(row)
        bits = 0
        for field, bit in self._flags:
            value = row.get(field)
            if value is True or (type(value) is int and value == 1):
                bits |= bit
            elif not (value is None or value is False or (type(value) is int and value == 0)):
                raise RowError(f'"{field}" is {show_value(value)}; expected true or false')
        if self._counts:
            bits |= self._feature_counts(row)
        return day, uid, login, bits

    def _feature_counts(self, row: dict) -> int:
        entries = row.get("totals_by_feature")
        if entries is None:
            return 0
        if not isinstance(entries, list):
            raise RowError(f'"totals_by_feature" is {show_value(entries)}; expected a list')
        bits = 0
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("feature"), str):
                raise RowError(f'"totals_by_feature[{i}]" has no "feature" name')
            name = entry["feature"]
            for exact, prefix, count_field, minimum, bit in self._counts:
                if name == exact or (prefix is not None and name.startswith(prefix)):
                    count = entry.get(count_field, 0)
                    if type(count) is not int or count < 0:
                        raise RowError(f'"totals_by_feature[{i}].{count_field}" is '
                                       f"{show_value(count)}; expected a count")
                    if count >= minimum:
                        bits |= bit
        return bits


#: the keys of a usage-metrics rule (`enrich.features.USAGE_METRICS_DEFAULT`)
RULE_KEYS = ("flag", "feature", "feature_prefix", "count", "min")


def check_usage_rules(rules: Mapping) -> list[str]:
    """Problems of a usage-metrics rule table, for the configuration check."""
    problems = []
    for feature, rule in rules.items():
        unknown = [key for key in rule if key not in RULE_KEYS] if isinstance(rule, dict) else []
        if not isinstance(rule, dict):
            problems.append(f"{feature}: expected a mapping")
        elif unknown:
            problems.append(f"{feature}: {unknown_name(unknown[0], RULE_KEYS, 'key')}")
        elif "flag" in rule:
            if set(rule) != {"flag"} or not isinstance(rule["flag"], str):
                problems.append(f"{feature}: a flag rule is {{flag: FIELD}}")
        elif ("feature" in rule) == ("feature_prefix" in rule):
            problems.append(f"{feature}: give exactly one of flag, feature, feature_prefix")
        elif not isinstance(rule.get("count"), str):
            problems.append(f"{feature}: missing count: FIELD")
        elif not isinstance(rule.get("min", 1), int) or isinstance(rule.get("min"), bool):
            problems.append(f"{feature}: min must be an integer")
    return problems
