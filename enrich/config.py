"""The configuration file: every setting declared once, checked on load.

A wrong key, type or path stops with a message that names the file, the line and the key.
Secrets never live in the file: it names the environment variable that holds them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from enrich.directory.csv_source import check_columns, first_undecodable_line
from enrich.directory.ldap_source import check_attributes, check_left, check_seat
from enrich.errors import ConfigError, did_you_mean, unknown_name
from enrich.features import USAGE_METRICS_DEFAULT
from enrich.sources.engagement import check_usage_rules
from enrich.sources.github import checked_api_url
from enrich.sources.seat_csv import check_seat_columns
from enrich.sources.seats import PLANS
from enrich.sources.usage_report import check_usage_columns


def check_prices(prices: dict) -> list[str]:
    return [unknown_name(plan, PLANS, "plan") if plan not in PLANS else
            f"the price of {plan!r} must be a number, at least 0, got {price!r}"
            for plan, price in prices.items() if plan not in PLANS or
            isinstance(price, bool) or not isinstance(price, int | float) or price < 0]


def check_api_url(url: str) -> list[str]:
    """The GitHub client's own check, made on load so that its message names the line."""
    checked_api_url(url)
    return []


@dataclass(frozen=True)
class Setting:
    # str, int, float, bool, color, choice, path, file, folder, list, mapping, sources
    type: str
    default: Any
    help: str
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    #: extra check of the value: returns a list of problems, or raises a ConfigError
    check: Callable[[Any], list[str]] | None = None


RUN_STAGES = ("fetch", "import", "rollup", "report", "digest", "licenses")
ENGAGEMENT_SOURCES = ("usage-metrics", "user-engagement")

SETTINGS: dict[str, Setting] = {
    "company.name": Setting("str", "Example Corp", "Company name shown on reports."),
    "company.logo": Setting("file", None, "A logo (PNG, JPEG or SVG) shown on reports."),
    "company.color": Setting("color", "#1f4e79", "Main colour of reports: headings, bars."),
    "company.accent_color": Setting("color", "#e07b00", "Accent colour of reports: "
                                    "the previous period, highlights."),
    "templates": Setting("folder", None, "A folder of Jinja2 templates that override the "
                         "shipped ones of the same name."),
    "store.path": Setting("path", "enrich.db", "The SQLite history store."),
    "store.archive": Setting(
        "path", None, "Folder of archived raw files; default: the store path plus `.archive`."),
    "inbox": Setting("path", "inbox", "Folder whose files `enrich run` imports."),
    "github.api_url": Setting(
        "str", "https://api.github.com",
        "GitHub's API: https://api.github.com, https://api.SUBDOMAIN.ghe.com (data residency) "
        "or https://HOST/api/v3 (Enterprise Server).", check=check_api_url),
    "github.enterprise": Setting("str", None, "The enterprise's slug (or organization)."),
    "github.organization": Setting("str", None, "An organization's login, instead of an "
                                   "enterprise."),
    "github.token_env": Setting("str", "GITHUB_TOKEN",
                                "The environment variable that holds the GitHub token."),
    "github.source": Setting("choice", "usage-metrics", "Where engagement comes from.",
                             choices=ENGAGEMENT_SOURCES),
    "github.seats": Setting("bool", True, "Also fetch the seat assignments."),
    "github.teams": Setting("bool", False, "Also fetch the daily team memberships "
                            "(user-teams-1-day), for the GitHub teams directory source."),
    "github.billing": Setting("bool", False, "Also fetch the billed Copilot usage (premium "
                              "requests, AI credits) per user and day from the billing usage "
                              "API; needs an enterprise owner's or billing manager's token."),
    "github.ca_bundle": Setting("path", None, "A PEM file of certificate authorities to trust "
                                "(a private CA); TLS verification is always on."),
    "output": Setting("path", "out", "Folder that receives the outputs of a run."),
    "directory.sources": Setting(
        "sources", [], "Ordered list of org-chart sources, e.g. `[{type: yaml, path: org.yaml}]`."),
    "directory.overrides": Setting(
        "file", None, "A YAML file of overrides applied after the sources: aliases, unit "
        "renames and merges, moves of people, GitHub logins to exclude."),
    "identity.match_email_local_part": Setting(
        "bool", False, "Match a GitHub login to the local part of a directory e-mail (rule 4)."),
    "metrics.champion_min_features": Setting(
        "int", 3, "Breadth at or above which a consistent user is a champion.", minimum=1),
    "metrics.champion_min_consistency": Setting(
        "float", 0.75, "Consistency at or above which a broad user is a champion.",
        minimum=0, maximum=1),
    "metrics.lagging_below_consistency": Setting(
        "float", 0.5, "Consistency below which an active user is lagging.", minimum=0, maximum=1),
    "metrics.awareness_gap_below": Setting(
        "float", 0.10, "Feature adoption below which a feature is an awareness gap.",
        minimum=0, maximum=1),
    "metrics.min_group_size": Setting(
        "int", 5, "Smallest population shown in outputs for a wide audience.", minimum=1),
    "usage_metrics.features": Setting(
        "mapping", USAGE_METRICS_DEFAULT,
        "How usage-metrics report fields map to features (METRICS.md section 2).",
        check=check_usage_rules),
    "leadership.depth": Setting("int", 2, "Levels of the team tree the leadership report "
                                "shows, from the top.", minimum=1),
    "leadership.show_names": Setting("bool", False, "Name individuals (managers) in the "
                                     "leadership report."),
    "leadership.page_size": Setting("choice", "A4", "Paper size of the PDFs.",
                                    choices=("A4", "Letter")),
    "licenses.inactive_after_days": Setting(
        "int", 30, "A seat without use in this many days up to the end of the period is "
        "not in use.", minimum=1),
    "licenses.grace_days": Setting("int", 14, "A seat younger than this is not reclaimed.",
                                   minimum=0),
    "licenses.prices": Setting("mapping", {"business": 19, "enterprise": 39},
                               "Monthly price of a seat per plan type.", check=check_prices),
    "licenses.currency": Setting("str", "USD", "Currency of the prices."),
    "licenses.pdf_rows": Setting("int", 20, "Reclaim candidates listed per cost center in "
                                 "licenses.pdf, the most worth reclaiming first; reclaim.csv "
                                 "has them all.", minimum=1),
    "licenses.per_cost_center": Setting("bool", False, "Also write one PDF per cost center, "
                                        "for its owner, with every candidate, and its "
                                        "reclaim CSV."),
    "seats.csv": Setting("file", None, "A seat CSV export, used instead of the seat lists "
                         "in the store."),
    "seats.columns": Setting("mapping", {}, "Field -> column header of the seat CSV, over the "
                             "defaults.", check=check_seat_columns),
    "billing.columns": Setting("mapping", {}, "Field -> column header of the usage report "
                               "CSV, over the defaults.", check=check_usage_columns),
    "digest.audience": Setting("choice", "leads", "Who gets a digest: the leads of units, "
                               "managers (for their whole reporting tree), or both.",
                               choices=("leads", "managers", "both")),
    "digest.outbox": Setting("path", None, "Folder of the .eml files; default: OUTPUT/outbox."),
    "digest.from": Setting("str", None, "The From of the digests, e.g. "
                           "`Copilot enablement <copilot@example.com>`."),
    "digest.reply_to": Setting("str", None, "Where replies to a digest go."),
    "digest.bcc": Setting("str", None, "An archive address that gets a blind copy of each "
                          "digest sent."),
    "digest.allowed_domains": Setting("list", [], "E-mail domains a digest may be sent to; "
                                      "sending requires at least one."),
    "digest.smtp.host": Setting("str", None, "The SMTP server."),
    "digest.smtp.port": Setting("int", 587, "Its port: 587 for STARTTLS, 465 for TLS, 25.",
                                minimum=1, maximum=65535),
    "digest.smtp.security": Setting("choice", "starttls", "starttls, tls (implicit, port 465) "
                                    "or none (a relay on a trusted network).",
                                    choices=("starttls", "tls", "none")),
    "digest.smtp.username_env": Setting("str", None, "Environment variable holding the SMTP "
                                        "user name (no login without it)."),
    "digest.smtp.password_env": Setting("str", None, "Environment variable holding the SMTP "
                                        "password."),
    "digest.smtp.ca_file": Setting("file", None, "PEM file of the certificate authorities "
                                   "to trust for the server's certificate."),
    "digest.smtp.timeout": Setting("int", 30, "Seconds to wait for the server; a message "
                                   "whose answer takes longer is possibly sent, and not sent "
                                   "again without --resend.", minimum=1),
    "digest.max_missing_share": Setting(
        "float", 0.2, "`enrich digest --send` refuses a period in which a larger share of the "
        "days has no data (--allow-missing sends all the same); the outbox is always written.",
        minimum=0, maximum=1),
    "digest.rate_per_minute": Setting("int", 60, "Most messages sent in a minute.", minimum=1),
    "digest.retries": Setting("int", 3, "Attempts after a temporary (4xx) failure, with "
                              "back-off.", minimum=0),
    "run.stages": Setting("list", ["import", "rollup", "report"],
                          "Stages of `enrich run`, in order.", choices=RUN_STAGES),
}

REQUIRED = object()

#: where a command looks for its configuration when `--config` is not given: this variable,
#: else this file in the working folder, else the built-in defaults
CONFIG_ENV = "ENRICH_CONFIG"
DEFAULT_CONFIG = "enrich.yaml"

_COLOR = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")

#: `directory.sources[]`: the settings of each type of source (besides `type`)
SOURCE_TYPES: dict[str, dict[str, Setting]] = {
    "yaml": {
        "path": Setting("file", REQUIRED, "The org chart: YAML (or JSON, which loads faster)."),
    },
    "csv": {
        "path": Setting("file", REQUIRED, "An HR export in CSV."),
        "columns": Setting("mapping", {}, "Field -> column header, over the defaults listed in "
                           "enrich/directory/csv_source.py.", check=check_columns),
        "encoding": Setting("str", "auto", "auto (UTF-8 with or without BOM, else "
                            "Windows-1252), or a Python codec name."),
        "delimiter": Setting("str", "auto", "auto (comma or semicolon), or the character."),
        "inactive_values": Setting("list", ["inactive", "terminated", "t", "left"],
                                   "Status values that mean the person has left."),
    },
    "ldap": {
        "url": Setting("str", REQUIRED, "ldaps://HOST[:PORT] or ldap://HOST[:PORT]."),
        "start_tls": Setting("bool", False, "Upgrade an ldap:// connection with StartTLS."),
        "ca_file": Setting("file", None, "PEM file of the certificate authorities to trust; "
                           "certificates are always verified."),
        "bind_dn": Setting("str", None, "The DN to bind as; none binds anonymously."),
        "password_env": Setting("str", None, "Environment variable holding the bind password."),
        "base_dn": Setting("str", REQUIRED, "Where to search."),
        "filter": Setting("str", "(&(objectCategory=person)(objectClass=user))",
                          "Which entries are people: by default Active Directory's users "
                          "(not its computers, which are persons too); e.g. "
                          "(objectClass=inetOrgPerson) for OpenLDAP."),
        "page_size": Setting("int", 500, "Entries per page of the paged search.", minimum=1),
        "timeout": Setting("int", 10, "Seconds to wait for the server.", minimum=1),
        "attributes": Setting("mapping", {}, "Field -> LDAP attribute, or a list (the first an "
                              "entry has); defaults for Active Directory in "
                              "enrich/directory/ldap_source.py.", check=check_attributes),
        "unit_from": Setting("choice", "attribute", "The unit is an attribute (attributes.unit) "
                             "or the ou of the entry's DN.", choices=("attribute", "dn")),
        "left": Setting("mapping", {}, "How a person who left is told: {ad_disabled: true} "
                        "(userAccountControl) or {attribute: A, values: [...]}.",
                        check=check_left),
        "seat": Setting("mapping", {}, "Who holds a seat: {group_dn: DN} (memberOf) or "
                        "{attribute: A, values: [...]}; empty: not known from LDAP.",
                        check=check_seat),
    },
    "github_teams": {
        "primary": Setting("choice", "smallest", "Which team counts for a person in several: "
                           "the smallest, or the first of `priority`.",
                           choices=("smallest", "priority")),
        "priority": Setting("list", [], "Team slugs, most important first."),
    },
}


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping key.

    A value Python cannot make (a date such as 2025-02-30, an integer of thousands of digits)
    or that no file could be written with (text with a lone surrogate, from an escape such as
    "\\ud800") is an error at its line, as a syntax error is.
    """

    def construct_object(self, node, deep=False):
        try:
            value = super().construct_object(node, deep)
            if type(value) is str:
                value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _unmade(node, f"{exc.object[exc.start]!r} is no character (a lone "
                                "surrogate)") from None
        except ValueError as exc:
            raise _unmade(node, str(exc)) from None
        return value

    def construct_yaml_int(self, node):
        # Python neither reads nor writes an integer of over 4,300 digits (0b and 0x ones
        # are read, and fail in the first message that shows them); no setting is that long
        if len(node.value) > _MAX_INT_CHARACTERS:
            raise _unmade(node, f"an integer of {len(node.value)} characters is too long")
        return super().construct_yaml_int(node)


_MAX_INT_CHARACTERS = 1000


def _unmade(node, problem: str) -> yaml.YAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = _Mapping()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:  # a list or a mapping as a key: `{? [a, b]: c}`
            raise _unmade(key_node, "found unhashable key") from None
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


class _Mapping(dict):
    def __init__(self):
        super().__init__()
        self.lines: dict = {}


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_yaml_int)


def load_yaml(path: Path):
    """Parse a YAML file whose mappings know the line of each key (`.lines`)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", path=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8: cannot decode byte 0x{exc.object[exc.start]:02x}",
                          path=path, line=first_undecodable_line(path, "utf-8")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=path,
                          line=line) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ConfigError("not valid YAML: nested too deeply", path=path) from None


def key_line(mapping, key) -> int | None:
    return getattr(mapping, "lines", {}).get(key)


class Config:
    """Validated settings, looked up by dotted key: `config.get("metrics.min_group_size")`."""

    def __init__(self, values: dict[str, Any], path: Path | None, base: Path,
                 lines: dict[str, int | None] | None = None):
        self._values = values
        self.path = path
        self.base = base
        #: setting -> the line of the file it was read at
        self._lines = lines or {}

    @classmethod
    def defaults(cls, base: Path) -> Config:
        return cls._from_mapping(_Mapping(), None, Path(base))

    @classmethod
    def load(cls, path) -> Config:
        path = Path(path)
        data = load_yaml(path)
        if data is None:
            data = _Mapping()
        if not isinstance(data, dict):
            raise ConfigError("the file must hold a mapping of settings", path=path)
        return cls._from_mapping(data, path, path.resolve().parent)

    @classmethod
    def _from_mapping(cls, data, path, base) -> Config:
        flat: dict[str, tuple[Any, int | None]] = {}
        _flatten(data, "", flat, path)
        values, lines = {}, {}
        for key, (value, line) in flat.items():
            lines[key] = line
            values[key] = _check(key, SETTINGS[key], value, path, line, base)
        for key, setting in SETTINGS.items():
            if key not in values:
                default = setting.default
                if setting.type == "path" and default is not None:
                    default = (base / default).resolve()
                values[key] = default
        if values["store.archive"] is None:
            store = values["store.path"]
            values["store.archive"] = store.with_name(store.name + ".archive")
        return cls(values, path, base, lines)

    def get(self, key: str) -> Any:
        return self._values[key]

    def where(self, key: str) -> dict:
        """`path` and `line` of the file a setting was read from; empty for a default."""
        if key not in self._lines:
            return {}
        return {"path": self.path, "line": self._lines[key]}

    def with_values(self, **overrides) -> Config:
        """A copy with some settings replaced (keys with `.` spelled as `__`)."""
        values = dict(self._values)
        for name, value in overrides.items():
            values[name.replace("__", ".")] = value
        return Config(values, self.path, self.base, self._lines)


def _flatten(data, prefix, out, path):
    for key, value in data.items():
        full = f"{prefix}{key}"
        line = key_line(data, key)
        if not isinstance(key, str):
            raise ConfigError("setting names must be text", path=path, key=str(full), line=line)
        if full in SETTINGS:
            out[full] = (value, line)
        elif isinstance(value, dict) and any(k.startswith(full + ".") for k in SETTINGS):
            _flatten(value, full + ".", out, path)
        else:
            hint = did_you_mean(full, SETTINGS)
            raise ConfigError(f"unknown setting{hint}", path=path, key=full, line=line)


def _check(key, setting: Setting, value, path, line, base):
    def fail(message):
        raise ConfigError(message, path=path, key=key, line=line)

    kind = setting.type
    if value is None and setting.default is None:
        return None
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            fail("expected a non-empty text")
    elif kind == "color":
        if not isinstance(value, str) or not _COLOR.fullmatch(value):
            fail(f"expected a colour as #RRGGBB, got {value!r}")
    elif kind == "choice":
        if value not in setting.choices:
            fail(f"expected one of {', '.join(setting.choices)}, got {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            fail("expected true or false")
    elif kind in ("int", "float"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if kind == "float":
            ok = ok or isinstance(value, float)
        if not ok:
            fail(f"expected {'an integer' if kind == 'int' else 'a number'}, got {value!r}")
        if setting.minimum is not None and value < setting.minimum:
            fail(f"must be at least {setting.minimum}, got {value!r}")
        if setting.maximum is not None and value > setting.maximum:
            fail(f"must be at most {setting.maximum}, got {value!r}")
    elif kind in ("path", "file", "folder"):
        if not isinstance(value, str) or not value.strip():
            fail("expected a path")
        if "\0" in value:  # the system's calls would raise a ValueError
            fail(f"a path cannot hold a NUL character, got {value!r}")
        resolved = (base / os.path.expanduser(value)).resolve()
        if kind == "file" and not resolved.exists():
            fail(f"no such file: {resolved}")
        if kind == "folder" and not resolved.is_dir():
            fail(f"no such folder: {resolved}")
        return resolved
    elif kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail("expected a list of names")
        bad = [v for v in value if setting.choices and v not in setting.choices]
        if bad:
            fail(f"unknown value {bad[0]!r}; expected some of {', '.join(setting.choices)}")
    elif kind == "mapping":
        if not isinstance(value, dict):
            fail("expected a mapping")
        if setting.check and setting.check(value):
            line = _entry_line(setting.check, value, line)
        value = {k: dict(v) if isinstance(v, dict) else v for k, v in value.items()}
    elif kind == "sources":
        return _check_sources(key, value, path, line, base)
    if setting.check:
        try:
            problems = setting.check(value)
        except ConfigError as exc:  # a check shared with the code that uses the setting
            raise ConfigError(exc.message, path=path, key=key, line=line,
                              hint=exc.hint) from None
        if problems:
            fail(problems[0])
    return value


def _entry_line(check, mapping, line: int | None) -> int | None:
    """The line of the first entry of a mapping that is wrong on its own (a misspelt key in
    a block mapping), else the setting's `line`."""
    for name, entry in mapping.items():
        if check({name: entry}):
            return key_line(mapping, name) or line
    return line


def _check_sources(key, value, path, line, base):
    if not isinstance(value, list):
        raise ConfigError("expected a list of sources", path=path, key=key, line=line)
    sources = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        item_line = min(getattr(item, "lines", {}).values(), default=line)
        if not isinstance(item, dict) or "type" not in item:
            raise ConfigError("expected a mapping with a `type`", path=path, key=where,
                              line=item_line)
        kind = item["type"]
        if not isinstance(kind, str) or kind not in SOURCE_TYPES:
            raise ConfigError(
                f"unknown source type {kind!r}; expected one of {', '.join(SOURCE_TYPES)}",
                path=path, key=f"{where}.type", line=key_line(item, "type"))
        fields = SOURCE_TYPES[kind]
        for field_name in item:
            if field_name != "type" and field_name not in fields:
                hint = did_you_mean(field_name, fields)
                raise ConfigError(f"unknown setting for a {kind} source{hint}", path=path,
                                  key=f"{where}.{field_name}", line=key_line(item, field_name))
        source = {"type": kind}
        for field_name, setting in fields.items():
            field_key = f"{where}.{field_name}"
            if field_name not in item:
                if setting.default is REQUIRED:
                    raise ConfigError("missing", path=path, key=field_key, line=item_line)
                source[field_name] = setting.default
                continue
            source[field_name] = _check(field_key, setting, item[field_name], path,
                                        key_line(item, field_name), base)
        sources.append(source)
    return sources
