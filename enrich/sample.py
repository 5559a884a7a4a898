"""A realistic sample enterprise, invented deterministically, for `enrich demo` and the benchmark.

`write_sample` writes an org chart (`org.yaml`), the seats API's pages (`seats.json`), a
configuration (`config.yaml`) and the Copilot engagement files the company's people would
produce (`inbox/`), in every format `enrich` reads (SOURCES.md sections 1 to 3). People follow
personas so that a rollup shows every segment of METRICS.md section 4, awareness gaps, one
division ahead and one behind, and adoption growing from one month to the next.

Everything comes from the spec and one `random.Random(seed)`, used in a fixed order, never the
clock: the same spec gives byte-identical files.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from enrich.dates import Period, day_str, parse_day
from enrich.directory.identity import emu_login_stem
from enrich.features import CANONICAL
from enrich.outputs.files import write_bytes, write_text
from enrich.processes import cycle_collector_paused

COMPANY = "Acme Corporation"
SHORT_CODE = "acme"
EMAIL_DOMAIN = "example.com"
ENTERPRISE_ID = 4210

# --- personas ------------------------------------------------------------------------------

CHAMPION, REGULAR, NARROW = "champion", "regular", "narrow"
LAGGING, INACTIVE = "lagging", "inactive"


@dataclass(frozen=True)
class Persona:
    """How a kind of person engages: which weeks, which days, how many features."""

    #: chance that an ISO week has any activity
    week_rate: float
    #: chance that a weekday of an active week is active
    day_rate: float
    #: features used on every active day
    core: tuple[str, ...]
    #: how many more features (min, max), each used on about half of the active days
    extras: tuple[int, int]


# Champions are broad and there every week; regulars stay at two features so that they never
# pass for champions; lagging people show up in a minority of weeks.
PERSONAS = {
    CHAMPION: Persona(1.0, 0.9, ("code_completion", "panel_chat"), (1, 4)),
    REGULAR: Persona(0.9, 0.6, ("code_completion",), (1, 1)),
    NARROW: Persona(0.85, 0.6, ("code_completion",), (0, 0)),
    LAGGING: Persona(0.3, 0.35, ("code_completion",), (0, 1)),
    INACTIVE: Persona(0.0, 0.0, (), (0, 0)),
}
_PERSONA_NAMES = list(PERSONAS)

#: How readily people pick up a feature beyond their core ones. The small ones become the
#: awareness gaps of the report.
FEATURE_APPEAL = {
    "panel_chat": 40, "inline_chat": 25, "dotcom_chat": 14, "code_review": 12,
    "pull_request_summary": 10, "cli": 6, "knowledge_base_chat": 3, "mobile_chat": 3,
}
#: Share of panel-chat users who also work in agent mode (visible in usage-metrics days only).
AGENT_SHARE = 0.3
#: Share of regulars who chat with Copilot but keep completions off.
CHAT_FIRST_SHARE = 0.2
#: Share of engaging people who start only early in the last month: adoption grows.
ADOPTER_SHARE = 0.15
ADOPTION_WINDOW_DAYS = 10
#: With more than two months, the share of the others who start on a day of the earlier
#: months: a trend that rises month by month.
RAMP_SHARE = 0.35


@dataclass(frozen=True)
class Division:
    slug: str
    name: str
    #: job titles of the people in its teams
    titles: tuple[str, ...]
    #: multipliers of persona weights and feature appeal: a division ahead or behind
    persona_tilt: dict
    feature_tilt: dict

    def persona_weights(self, mix: dict[str, float]) -> list[float]:
        """Weights of PERSONAS, in their order, for a profile's mix."""
        return [mix.get(name, 0) * self.persona_tilt.get(name, 1.0) for name in PERSONAS]

    @functools.cached_property
    def appeal(self) -> dict[str, float]:
        return {feature: weight * self.feature_tilt.get(feature, 1.0)
                for feature, weight in FEATURE_APPEAL.items()}


_AHEAD = {CHAMPION: 2.0, LAGGING: 0.5, INACTIVE: 0.4}
_BEHIND = {CHAMPION: 0.3, NARROW: 1.5, LAGGING: 2.0, INACTIVE: 2.0}

DIVISIONS = (
    Division("eng", "Engineering",
             ("Software Engineer", "Senior Software Engineer", "Staff Engineer",
              "Site Reliability Engineer", "QA Engineer"),
             _AHEAD, {"cli": 3.0, "code_review": 2.0, "agent": 2.0}),
    Division("prod", "Product & Design",
             ("Product Manager", "Product Designer", "UX Researcher", "Frontend Engineer"),
             {}, {}),
    Division("data", "Data & Analytics",
             ("Data Engineer", "Data Scientist", "Analytics Engineer", "ML Engineer"),
             {}, {"inline_chat": 1.5, "knowledge_base_chat": 2.0}),
    Division("ops", "Customer Operations",
             ("Support Engineer", "Solutions Engineer", "IT Administrator", "Automation Engineer"),
             _BEHIND, {"cli": 0.3, "code_review": 0.5, "agent": 0.5}),
)
EXEC = Division("exec", "Office of the CEO", ("Chief of Staff", "Executive Assistant"), {}, {})
#: where contractors and other people the directory does not know would sit
OUTSIDE = Division("ext", "Contractors", (), {}, {})

#: Departments and teams; a unit's id is its parent's id, a dash and the slug.
GROUPS = (
    ("a11y", "Accessibility"), ("ads", "Advertising"), ("api", "API"), ("bill", "Billing"),
    ("catalog", "Catalog"), ("checkout", "Checkout"), ("design", "Design systems"),
    ("edge", "Edge"), ("growth", "Growth"), ("id", "Identity"), ("infra", "Infrastructure"),
    ("insight", "Insights"), ("integr", "Integrations"), ("ml", "Machine learning"),
    ("mobile", "Mobile"), ("msg", "Messaging"), ("net", "Networking"),
    ("notify", "Notifications"), ("obs", "Observability"), ("onboard", "Onboarding"),
    ("partner", "Partners"), ("pay", "Payments"), ("plat", "Platform"), ("price", "Pricing"),
    ("search", "Search"), ("sec", "Security"), ("ship", "Fulfilment"), ("sre", "Reliability"),
    ("store", "Storage"), ("support", "Support tooling"), ("tools", "Developer tools"),
    ("web", "Web"), ("analytics", "Analytics"), ("apps", "Apps"), ("audit", "Audit"),
    ("build", "Build systems"), ("cdn", "Content delivery"), ("cloud", "Cloud"),
    ("comply", "Compliance"), ("crm", "CRM"), ("docs", "Documentation"), ("email", "Email"),
    ("events", "Events"), ("exp", "Experimentation"), ("fraud", "Fraud detection"),
    ("i18n", "Localization"), ("inventory", "Inventory"), ("kernel", "Kernel"),
    ("loyalty", "Loyalty"), ("maps", "Maps"), ("media", "Media"), ("orders", "Orders"),
    ("perf", "Performance"), ("privacy", "Privacy"), ("queue", "Queueing"),
    ("recs", "Recommendations"), ("release", "Release engineering"), ("risk", "Risk"),
    ("sdk", "SDKs"), ("sync", "Sync"), ("tax", "Tax"), ("video", "Video"), ("voice", "Voice"),
    ("warehouse", "Data warehouse"),
)
EXEC_STAFF = 2
DEPARTMENT_COST_CENTER_SHARE = 1 / 3
SHARED_COST_CENTER = ("CC-900", "Shared services")


#: the formats of the day files
SEED, SEED_GZ, DEPRECATED, USAGE, USAGE_ARRAY = "seed", "seed.gz", "deprecated", "usage", "array"


@dataclass(frozen=True)
class Profile:
    #: levels of the team tree, divisions included
    depth: int
    #: mean people per leaf team
    team_size: int
    #: persona weights
    mix: dict
    #: activity on Saturday and Sunday relative to a weekday; 0: no weekend reports at all
    weekend_rate: float
    #: also the deprecated, usage-metrics and compressed files (the demo shows every format)
    all_formats: bool
    #: people the directory does not know, per person it knows
    outsider_share: float
    #: the org chart's file: YAML reads well; JSON (which is YAML too) loads fifty times
    #: faster, which matters at benchmark size
    org_file: str = "org.yaml"
    #: also the seat lists of the earlier months, for the license review's trend
    seat_history: bool = False
    #: every day in this format (`USAGE`: usage-metrics reports with their depth fields);
    #: None: the days' formats follow `all_formats`
    day_format: str | None = None

    @property
    def min_people(self) -> int:
        """The fewest people that staff the smallest tree, where every unit above the leaves
        has two teams: a lead per unit (the CEO leads the executive office), the executive
        staff, and one member per leaf team."""
        units = 2 ** self.depth - 1  # per division, from the division down to the leaves
        leaves = 2 ** (self.depth - 1)
        return 1 + EXEC_STAFF + len(DIVISIONS) * (units + leaves)


PROFILES = {
    "demo": Profile(3, 9, {CHAMPION: 20, REGULAR: 30, NARROW: 15, LAGGING: 15, INACTIVE: 20},
                    0.0, True, 0.01, seat_history=True),
    # The benchmark wants volume: about 60% of people engaged on a weekday.
    "bench": Profile(5, 10, {CHAMPION: 50, REGULAR: 35, NARROW: 8, LAGGING: 4, INACTIVE: 3},
                     0.08, False, 0.005, "org.json"),
}
#: the benchmark with every day a usage-metrics report, depth fields and all
PROFILES["bench-usage"] = dataclasses.replace(PROFILES["bench"], day_format=USAGE)

# --- names ---------------------------------------------------------------------------------

FIRST_NAMES = (
    "Aaliyah", "Adam", "Aisha", "Alejandro", "Amara", "Ana", "Andrés", "Anja", "Arjun",
    "Beatriz", "Ben", "Björn", "Camille", "Carlos", "Chen", "Chloé", "Daniel", "Dmitri",
    "Elena", "Emeka", "Emma", "Fatima", "François", "Grace", "Hana", "Hiroshi", "Ines",
    "Isabel", "Jakob", "Jamal", "Javier", "Jin", "Kai", "Kwame", "Laila", "Lars", "Liam",
    "Lucía", "Maya", "Mei", "Mohammed", "Nadia", "Niamh", "Noah", "Olga", "Omar", "Priya",
    "Rafael", "Ravi", "Renée", "Sara", "Sebastián", "Sofia", "Tariq", "Tomás", "Wei", "Yara",
    "Yuki", "Zanele",
)
LAST_NAMES = (
    "Adeyemi", "Andersson", "Bauer", "Becker", "Brown", "Chen", "Costa", "D'Souza", "Dubois",
    "Edwards", "Fernández", "Fischer", "García", "Gupta", "Hansen", "Hernández", "Hoffmann",
    "Ivanova", "Jansen", "Johnson", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lefèvre",
    "Martin", "Mensah", "Moreau", "Müller", "Nakamura", "Nguyen", "Novák", "O'Brien", "Okafor",
    "Olsen", "Patel", "Pereira", "Petrov", "Rossi", "Sato", "Schmidt", "Singh", "Smith",
    "Svensson", "Tanaka", "Taylor", "Wang", "Weber", "Williams", "Yamamoto", "Zhang",
)
#: Always given out first, so every sample exercises non-ASCII and apostrophes in usernames.
SPECIAL_NAMES = (("Zoë", "Brontë"), ("José", "Núñez"), ("Jane", "O'Neil"))

_NOT_EMAIL = re.compile(r"[^a-z0-9.]")


def emu_login(username: str) -> str:
    """The Enterprise Managed Users login of an identity-provider username (SOURCES.md 5)."""
    return f"{emu_login_stem(username)}_{SHORT_CODE}"


def _ascii(text: str) -> str:
    """Lower-case ASCII for e-mail addresses and handles: accents dropped, apostrophes too."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return _NOT_EMAIL.sub("", decomposed.encode("ascii", "ignore").decode())


class _Namer:
    """Hands out names, usernames and logins, each unique the way the directory needs."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._specials = list(SPECIAL_NAMES)
        self._taken: set[str] = set()
        self._next: dict[str, int] = {}

    def name(self) -> tuple[str, str]:
        if self._specials:
            return self._specials.pop(0)
        return self._rng.choice(FIRST_NAMES), self._rng.choice(LAST_NAMES)

    def username(self, first: str, last: str, prefix: str = "") -> str:
        """`first.last` as typed in the identity provider; its login and e-mail stay unique."""
        base = f"{prefix}{first}.{last}".lower().replace(" ", "")
        return self._claim(base, lambda name: (emu_login(name).lower(), "@" + _ascii(name)))

    def login(self, base: str) -> str:
        """A login outside the EMU scheme (a personal handle, an older login)."""
        return self._claim(base, lambda name: (name.lower(),))

    def _claim(self, base: str, keys) -> str:
        number = self._next.get(base, 1)
        while True:
            name = base if number == 1 else f"{base}{number}"
            number += 1
            if not any(key in self._taken for key in keys(name)):
                break
        self._next[base] = number
        self._taken.update(keys(name))
        return name


# --- the spec and what gets written --------------------------------------------------------


@dataclass(frozen=True)
class SampleSpec:
    #: "YYYY-MM": the last generated month, the one a demo report is about
    last_month: str
    people: int = 300
    #: calendar months of engagement, ending with `last_month`
    months: int = 2
    #: days generated per month, from its first day; None: the whole month
    days: int | None = None
    seed: int = 7
    #: "demo": every source format; "bench": a deeper tree, seed-format files only;
    #: "bench-usage": the same tree, usage-metrics files only
    profile: str = "demo"

    def __post_init__(self):
        Period.month(self.last_month)
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; expected one of "
                             f"{', '.join(PROFILES)}")
        least = PROFILES[self.profile].min_people
        if self.people < least:
            raise ValueError(f"a sample needs at least {least} people, got {self.people}")
        if self.months < 1:
            raise ValueError(f"months must be at least 1, got {self.months}")
        if self.days is not None and not 1 <= self.days <= 31:
            raise ValueError(f"days must be between 1 and 31, got {self.days}")

    def month_periods(self) -> list[Period]:
        """The generated calendar months, oldest first."""
        periods = [Period.month(self.last_month)]
        while len(periods) < self.months:
            periods.append(periods[-1].previous())
        return periods[::-1]

    def generated_days(self) -> list[int]:
        limit = self.days or 31
        return [day for month in self.month_periods() for day in month.days[:limit]]


@dataclass(frozen=True)
class SampleFiles:
    folder: Path
    config: Path
    org: Path
    #: the seat list on the last day of the last month
    seats: Path
    inbox: Path
    #: engagement files, in day order
    engagement: tuple[Path, ...]
    #: engagement rows across those files
    rows: int
    #: the seat lists on the last day of each earlier month, with that day, oldest first
    seat_history: tuple[tuple[int, Path], ...] = ()
    #: the usage report CSV of each month, as GitHub's billing pages export it
    billing: tuple[Path, ...] = ()


def write_sample(folder, spec: SampleSpec) -> SampleFiles:
    """Invent the enterprise of `spec` and write its files into `folder`."""
    folder = Path(folder)
    rng = random.Random(spec.seed)
    profile = PROFILES[spec.profile]
    span = _Span(tuple(spec.generated_days()), Period.month(spec.last_month))
    with cycle_collector_paused():
        company = _invent(rng, spec.people, profile, span)
        inbox = folder / "inbox"
        month_ends = [month.until for month in spec.month_periods()]
        billing = _UsageReports(folder / "billing", company.accounts, spec.seed)
        engagement, rows, last_active = _write_engagement(rng, spec.seed, inbox,
                                                          company.accounts, span, profile,
                                                          month_ends, billing.day)
        seat_objects = _seat_objects(rng, company.accounts, last_active[month_ends[-1]], span)
        seats = _write_seat_list(folder / "seats.json", seat_objects)
        history = _write_seat_history(folder, seat_objects, company.accounts, last_active,
                                      month_ends[:-1]) if profile.seat_history else ()
        write_org = _org_json if profile.org_file.endswith(".json") else _org_yaml
        org = write_text(folder / profile.org_file, write_org(company, spec))
    config = write_text(folder / "config.yaml", _config_yaml(profile.org_file), private=False)
    return SampleFiles(folder, config, org, seats, inbox, tuple(engagement), rows, history,
                       billing.close())


# --- the company ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    days: tuple[int, ...]
    last_month: Period

    @property
    def first(self) -> int:
        return self.days[0]

    @property
    def last(self) -> int:
        return self.days[-1]


@dataclass
class _Unit:
    id: str
    name: str
    parent: str | None
    division: Division
    depth: int
    cost_center: str | None = None
    cost_center_name: str | None = None
    #: person id of the lead, once staffed
    lead: str | None = None
    leaf: bool = True


@dataclass
class _Person:
    id: str
    name: str
    username: str
    email: str
    unit: _Unit
    manager: str | None
    title: str
    lead: bool
    seat: bool = True
    status: str = "active"
    #: an explicit, non-EMU login that the directory holds
    github: str | None = None
    #: a cost center that overrides the unit's
    cost_center: str | None = None


@dataclass(frozen=True)
class _Habit:
    week_rate: float
    day_rate: float
    #: feature bits used on every active day
    core: int
    #: feature bits each used on about half of the active days
    extra: int
    start: int
    end: int


@dataclass
class _Account:
    """A GitHub user who may appear in engagement files and seats."""

    user_id: int
    login: str
    person: _Person | None
    habit: _Habit | None
    #: organizations that grant the user a seat; empty: no seat
    seat_orgs: tuple[str, ...] = ()
    seat_created: int = 0
    pending_cancellation: bool = False
    #: the login used before `renamed_on`
    old_login: str | None = None
    renamed_on: int | None = None
    #: the directory knows this login only through its `aliases`
    alias: bool = False

    def login_on(self, day: int) -> str:
        if self.renamed_on is not None and day < self.renamed_on:
            return self.old_login
        return self.login


@dataclass
class _Company:
    units: list[_Unit]
    people: list[_Person]
    #: the people's accounts in person order, then the users the directory does not know
    accounts: list[_Account]


def _invent(rng: random.Random, people: int, profile: Profile, span: _Span) -> _Company:
    units = _build_units(rng, people, profile)
    namer = _Namer(rng)
    staff = _staff(rng, units, people, namer)
    roles = _cast(rng, staff)
    outsiders = max(3, round(people * profile.outsider_share))
    user_ids = iter(rng.sample(range(10_000_000, 1_000_000_000), len(staff) + outsiders))
    weights = {division.slug: division.persona_weights(profile.mix)
               for division in (EXEC, *DIVISIONS)}
    accounts = [_person_account(rng, person, roles.get(person.id), namer, next(user_ids),
                                weights[person.unit.division.slug], span) for person in staff]
    accounts += [_outsider_account(rng, namer, next(user_ids), span, seated=i == 0)
                 for i in range(outsiders)]
    return _Company(units, staff, accounts)


def _build_units(rng: random.Random, people: int, profile: Profile) -> list[_Unit]:
    """The team tree in depth-first order, with roughly `team_size` people per leaf team."""
    leaves = people / profile.team_size
    fanout = max(2.0, (leaves / len(DIVISIONS)) ** (1 / (profile.depth - 1)))
    units = [_Unit(EXEC.slug, EXEC.name, None, EXEC, 1, "CC-000", "Corporate")]
    taken: set[str] = set()
    for number, division in enumerate(DIVISIONS, 1):
        top = _Unit(division.slug, division.name, None, division, 1, f"CC-{number}00",
                    division.name)
        units.append(top)
        _grow(rng, top, units, fanout, profile.depth, number, taken)
    return units


def _grow(rng, parent: _Unit, units: list[_Unit], fanout: float, depth: int, number: int,
          taken: set[str]):
    """`taken`: the team names given out so far."""
    if parent.depth == depth:
        return
    parent.leaf = False
    whole = int(fanout)
    # A team named like one of its parents ("Billing" in "Billing") reads like a mistake, and
    # two teams of one name are hard to tell apart: a name is given twice only once all are
    # taken (a benchmark-sized tree has far more teams than names).
    ancestors = parent.id.split("-")
    allowed = [group for group in GROUPS if group[0] not in ancestors]
    count = min(len(allowed), whole + (rng.random() < fanout - whole))
    fresh = [group for group in allowed if group[1] not in taken]
    choices = fresh if len(fresh) >= count else allowed
    picked = sorted(rng.sample(choices, count))
    taken.update(name for _, name in picked)
    for index, (slug, name) in enumerate(picked, 1):
        unit = _Unit(f"{parent.id}-{slug}", name, parent.id, parent.division, parent.depth + 1)
        if unit.depth == 2 and rng.random() < DEPARTMENT_COST_CENTER_SHARE:
            unit.cost_center = f"CC-{number}{index:02d}"
            unit.cost_center_name = f"{parent.division.name}: {name}"
        units.append(unit)
        _grow(rng, unit, units, fanout, depth, number, taken)


def _staff(rng, units: list[_Unit], people: int, namer: _Namer) -> list[_Person]:
    """One lead per unit (the CEO leads the executive office), the others in leaf teams."""
    leaves = [unit for unit in units if unit.leaf and unit.division is not EXEC]
    members = people - len(units) - EXEC_STAFF
    if members < len(leaves):
        raise ValueError(f"{people} people cannot staff {len(units)} units; use more people")
    team_sizes = dict.fromkeys((unit.id for unit in leaves), 1)
    for _ in range(members - len(leaves)):
        team_sizes[rng.choice(leaves).id] += 1
    team_sizes[EXEC.slug] = EXEC_STAFF
    by_id = {unit.id: unit for unit in units}
    staff: list[_Person] = []
    for unit in units:
        boss = by_id[unit.parent].lead if unit.parent else (staff[0].id if staff else None)
        unit.lead = _hire(rng, namer, staff, unit, boss, lead=True).id
        for _ in range(team_sizes.get(unit.id, 0)):
            _hire(rng, namer, staff, unit, unit.lead, lead=False)
    return staff


def _hire(rng, namer: _Namer, staff: list[_Person], unit: _Unit, manager: str | None, *,
          lead: bool) -> _Person:
    first, last = namer.name()
    username = namer.username(first, last)
    person = _Person(f"e{1000 + len(staff)}", f"{first} {last}", username,
                     f"{_ascii(username)}@{EMAIL_DOMAIN}", unit, manager,
                     _title(rng, unit, lead), lead)
    staff.append(person)
    return person


def _title(rng, unit: _Unit, lead: bool) -> str:
    if not lead:
        return rng.choice(unit.division.titles)
    if unit.division is EXEC:
        return "Chief Executive Officer"
    if unit.depth == 1:
        return f"VP, {unit.name}"
    if unit.leaf:
        return "Team Lead"
    return f"Director, {unit.name}" if unit.depth == 2 else f"Senior Manager, {unit.name}"


# Special parts, played by distinct team members: never by leads, so the tree stays whole, nor
# by the executive office, which holds the people with the most unusual names.
LEAVER_SEATED, LEAVER, NO_SEAT = "leaver-seated", "leaver", "no-seat"
RENAMED, ALIAS, GITHUB = "renamed", "alias", "github"
PENDING, NEW_SEAT, TWO_ORGS = "pending", "new-seat", "two-orgs"


def _cast(rng, staff: list[_Person]) -> dict[str, str]:
    """Person id -> special part; also moves a few people to the shared cost center."""
    members = [person for person in staff if not person.lead and person.unit.division is not EXEC]
    n = len(members)
    parts = ((LEAVER_SEATED, max(1, n // 60)), (LEAVER, max(1, n // 60)),
             (NO_SEAT, max(2, n // 16)), (GITHUB, max(2, n // 20)), (RENAMED, 1), (ALIAS, 2),
             (PENDING, 1), (NEW_SEAT, 1), (TWO_ORGS, 2))
    shuffled = iter(rng.sample(members, n))
    roles = {next(shuffled).id: part for part, count in parts for _ in range(count)}
    for person in rng.sample(members, max(1, n // 30)):
        person.cost_center = SHARED_COST_CENTER[0]
    return roles


def _primary_org(person: _Person) -> str:
    return "acme-eng" if person.unit.division.slug in ("eng", "data") else "acme-corp"


PLAN_OF_ORG = {"acme-eng": "enterprise", "acme-corp": "business", "acme-labs": "business"}


def _person_account(rng, person: _Person, role: str | None, namer: _Namer, user_id: int,
                    persona_weights: list[float], span: _Span) -> _Account:
    first, last = person.name.split(" ", 1)
    account = _Account(user_id, emu_login(person.username), person, None)
    if role in (LEAVER, LEAVER_SEATED):
        person.status = "left"
        person.seat = role == LEAVER_SEATED
    elif role == NO_SEAT:
        person.seat = False
    elif role == GITHUB:
        person.github = account.login = namer.login(f"{_ascii(first)}{_ascii(last)}"
                                                    f"{rng.randint(1, 99)}")
    elif role == ALIAS:
        # Provisioned from an older identity-provider username the directory no longer has.
        account.login = namer.login(f"{_ascii(first)[:1]}{_ascii(last)}_{SHORT_CODE}")
        account.alias = True
    elif role == RENAMED:
        account.old_login = emu_login(namer.username(first, rng.choice(LAST_NAMES)))
        account.renamed_on = span.days[len(span.days) // 2]
    account.habit = _person_habit(rng, person, role, persona_weights, span)
    if person.seat:
        orgs = (_primary_org(person),)
        account.seat_orgs = (*orgs, "acme-labs") if role == TWO_ORGS else orgs
        account.seat_created = (span.last - 3 if role == NEW_SEAT
                                else rng.randint(span.first - 700, span.first - 120))
        account.pending_cancellation = role == PENDING
    return account


def _person_habit(rng, person: _Person, role: str | None, persona_weights: list[float],
                  span: _Span) -> _Habit | None:
    if role in (NO_SEAT, PENDING, NEW_SEAT):
        return None
    division = person.unit.division
    if person.status == "left":
        # Leavers used Copilot until they left, in the first part of the generated range.
        leave_day = span.days[rng.randrange(max(1, len(span.days) * 3 // 5))]
        return dataclasses.replace(_habit(rng, REGULAR, division, span), start=span.first,
                                   end=leave_day)
    # The renamed person must be seen under both logins.
    persona = CHAMPION if role == RENAMED else rng.choices(_PERSONA_NAMES, persona_weights)[0]
    return _habit(rng, persona, division, span)


def _outsider_account(rng, namer: _Namer, user_id: int, span: _Span, *,
                      seated: bool) -> _Account:
    """An engaged GitHub user that the directory does not know, such as a contractor."""
    first, last = namer.name()
    account = _Account(user_id, emu_login(namer.username(first, last, prefix="ext.")), None,
                       _habit(rng, rng.choice((REGULAR, NARROW)), OUTSIDE, span))
    if seated:
        account.seat_orgs = ("acme-corp",)
        account.seat_created = rng.randint(span.first - 400, span.first - 120)
    return account


# --- engagement ----------------------------------------------------------------------------

_BIT = {feature: 1 << index for index, feature in enumerate(CANONICAL)}
_AGENT, _PANEL = _BIT["agent"], _BIT["panel_chat"]
#: Features that have a seed-format column; agent has none.
SEED_FEATURES = tuple(feature for feature in CANONICAL if feature != "agent")


def _bits(features) -> int:
    return sum(_BIT[feature] for feature in set(features))


def _has(mask: int, feature: str) -> bool:
    return bool(mask & _BIT[feature])


def _habit(rng, persona: str, division: Division, span: _Span) -> _Habit | None:
    if persona == INACTIVE:
        return None
    shape = PERSONAS[persona]
    core = list(shape.core)
    if persona == REGULAR and rng.random() < CHAT_FIRST_SHARE:
        core = ["panel_chat"]
    appeal = {feature: weight for feature, weight in division.appeal.items()
              if feature not in core}
    extras = _pick(rng, appeal, rng.randint(*shape.extras))
    extra = _bits(extras)
    agent_share = AGENT_SHARE * division.feature_tilt.get("agent", 1.0)
    if "panel_chat" in core + extras and rng.random() < agent_share:
        extra |= _AGENT
    start = span.first
    opening = span.last_month.since
    if rng.random() < ADOPTER_SHARE:
        start = rng.randint(opening, min(opening + ADOPTION_WINDOW_DAYS - 1, span.last))
    elif opening - span.first > 31 and rng.random() < RAMP_SHARE:
        start = rng.randint(span.first, opening - 1)
    return _Habit(shape.week_rate, shape.day_rate, _bits(core), extra, start, span.last)


def _pick(rng, weights: dict[str, float], count: int) -> list[str]:
    """`count` distinct names, drawn by weight."""
    pool = dict(weights)
    chosen = []
    for _ in range(min(count, len(pool))):
        name = rng.choices(list(pool), weights=list(pool.values()))[0]
        chosen.append(name)
        del pool[name]
    return chosen


def _weekday(day: int) -> int:
    """0 for Monday ... 6 for Sunday (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def _simulate(rng, accounts: list[_Account], days, weekend_rate: float
              ) -> Iterator[tuple[int, list[tuple[_Account, int]]]]:
    """Each day with the accounts active on it and their feature masks, in day order.

    A person's week is drawn first, then their days in it, so that consistency (active weeks,
    METRICS.md section 4) follows the persona rather than chance.
    """
    engaging = [(account, account.habit) for account in accounts if account.habit]
    # Bound methods and plain tuples: this loop runs for every person on every day.
    random, random_bits, width = rng.random, rng.getrandbits, len(CANONICAL)
    week_start, in_week = None, []
    for day in days:
        monday = day - _weekday(day)
        if monday != week_start:
            week_start = monday
            in_week = [(account, habit.start, habit.end, habit.day_rate, habit.core, habit.extra)
                       for account, habit in engaging
                       if habit.start <= monday + 6 and habit.end >= monday
                       and random() < habit.week_rate]
        weekend = _weekday(day) >= 5
        if weekend and not weekend_rate:
            yield day, []
            continue
        scale = weekend_rate if weekend else 1.0
        active = []
        for account, start, end, day_rate, core, extra in in_week:
            if start <= day <= end and random() < day_rate * scale:
                mask = core | (extra & random_bits(width))
                active.append((account, mask | _PANEL if mask & _AGENT else mask))
        yield day, active


FRIDAY = 4


def _day_formats(days, last_month: Period, profile: Profile) -> dict[int, str]:
    """Format of each day's file (default: seed-format JSON lines)."""
    if profile.day_format is not None:
        return dict.fromkeys(days, profile.day_format)
    weekdays = [day for day in days if _weekday(day) < 5]
    if not profile.all_formats or not weekdays:
        return {}
    # Fridays stand for archived history, kept compressed.
    formats = {day: SEED_GZ for day in weekdays if _weekday(day) == FRIDAY}
    formats[weekdays[0]] = DEPRECATED
    # the second half of the last month's weekdays in the current usage-metrics format: the
    # month switches source in its middle, and still measures depth (METRICS.md section 9)
    in_month = [day for day in weekdays if day >= last_month.since]
    usage_days = in_month[len(in_month) // 2:]
    formats.update(dict.fromkeys(usage_days, USAGE))
    if usage_days:
        formats[usage_days[0]] = USAGE_ARRAY
    return formats


def _write_engagement(rng, seed: int, inbox: Path, accounts: list[_Account], span: _Span,
                      profile: Profile, month_ends: list[int], on_day=None
                      ) -> tuple[list[Path], int, dict[int, dict[int, int]]]:
    """Writes one file per day with engagement; returns the files, the rows and, at the end
    of each month, each user's last active day so far. `on_day(day, active)` is told of
    each day's activity."""
    formats = _day_formats(span.days, span.last_month, profile)
    depth = _Depth(seed, _ai_credits_from(formats))
    paths, rows, last_active, at_month_end = [], 0, {}, {}
    ends = iter(month_ends)
    end = next(ends)
    for day, active in _simulate(rng, accounts, span.days, profile.weekend_rate):
        while day > end:
            at_month_end[end], end = dict(last_active), next(ends)
        if on_day:
            on_day(day, active)
        if not active:
            continue  # GitHub writes no report for a day without engagement
        paths.append(_write_day(rng, depth, inbox, day, active, formats.get(day, SEED)))
        rows += len(active)
        last_active.update((account.user_id, day) for account, _ in active)
    at_month_end[end] = last_active
    for end in ends:  # days generated stop before the end of the last months
        at_month_end[end] = last_active
    return paths, rows, at_month_end


def _ai_credits_from(formats: dict[int, str]) -> int | None:
    """The first day whose usage-metrics rows carry `ai_credits_used`, a field newer than the
    others: the second half of the usage-metrics days; None: no such day."""
    usage = sorted(day for day, kind in formats.items() if kind in (USAGE, USAGE_ARRAY))
    return usage[len(usage) // 2] if usage else None


def _write_day(rng, depth: _Depth, inbox: Path, day: int, active, kind: str) -> Path:
    name = day_str(day)
    if kind in (USAGE, USAGE_ARRAY):
        reports = [_usage_row(rng, depth, account, day, mask) for account, mask in active]
        if kind == USAGE_ARRAY:
            return write_bytes(inbox / f"users-1-day-{name}.json",
                               orjson.dumps(reports, option=orjson.OPT_INDENT_2))
        return write_bytes(inbox / f"users-1-day-{name}.jsonl", _json_lines(reports))
    if kind == DEPRECATED:
        rows = [_deprecated_row(rng, account, day, mask) for account, mask in active]
        return write_bytes(inbox / f"user-engagement-{name}.jsonl", _json_lines(rows))
    data = _seed_lines(day, active).encode()
    if kind == SEED_GZ:
        return write_bytes(inbox / f"user-engagement-{name}.jsonl.gz",
                           gzip.compress(data, mtime=0))
    return write_bytes(inbox / f"user-engagement-{name}.jsonl", data)


def _json_lines(rows: list[dict]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def _seed_timestamp(day: int) -> str:
    return f"{day_str(day)}T00:00:00.0000000Z"


def _seed_tails() -> tuple[str, ...]:
    """The end of a seed-format row for every feature mask, formatted once: encoding each of
    millions of rows with a JSON encoder is what would make the benchmark slow."""
    return tuple(
        ",".join(f'"{feature}_engagement":{int(bool(mask & _BIT[feature]))}'
                 for feature in SEED_FEATURES) + "}\n"
        for mask in range(1 << len(CANONICAL)))


_SEED_TAILS = _seed_tails()


def _seed_lines(day: int, active) -> str:
    head = f'{{"day":"{_seed_timestamp(day)}","login":"'
    # Logins are letters, digits, "-" and "_": nothing to escape.
    return "".join(f'{head}{account.login_on(day)}","user_id":{account.user_id},'
                   f'{_SEED_TAILS[mask]}' for account, mask in active)


#: people trying a custom model on the one technical-preview day (a feature later dropped)
CUSTOM_MODEL_SHARE = 0.1


def _deprecated_row(rng, account: _Account, day: int, mask: int) -> dict:
    """A row of the technical preview: old names, mobile chat split by platform."""
    mobile, on_ios = _has(mask, "mobile_chat"), account.user_id % 2 == 0
    return {
        "day": _seed_timestamp(day), "login": account.login_on(day),
        "user_id": account.user_id,
        "cli_engagement": int(_has(mask, "cli")),
        "code_completion_engagement": int(_has(mask, "code_completion")),
        "code_review_engagement": int(_has(mask, "code_review")),
        "dotcom_chat_engagement": int(_has(mask, "dotcom_chat")),
        "inline_chat_engagement": int(_has(mask, "inline_chat")),
        "docs_chat_engagement": int(_has(mask, "knowledge_base_chat")),
        "ios_chat_engagement": int(mobile and on_ios),
        "android_chat_engagement": int(mobile and not on_ios),
        "panel_chat_engagement": int(_has(mask, "panel_chat")),
        "diff_chat_engagement": int(_has(mask, "pull_request_summary")),
        "custom_model_engagement": int(rng.random() < CUSTOM_MODEL_SHARE),
    }


EDITORS = ("vscode/1.98.2/copilot-chat/0.26.1", "JetBrains-IU/243.26053.27/copilot-intellij/1.5.40",
           "VisualStudio/17.13.6/copilot-vs/1.230.0", "Neovim/0.10.4/copilot.vim/1.43.0")
_COUNTS = ("user_initiated_interaction_count", "code_generation_activity_count",
           "code_acceptance_activity_count", "loc_suggested_to_add_sum", "loc_added_sum")
#: chance that a person who accepted no completion still saw some (acceptance count 0)
COMPLETIONS_SEEN_SHARE = 0.3


def _usage_row(rng, depth: _Depth, account: _Account, day: int, mask: int) -> dict:
    """A `users-1-day` row whose counts engage exactly the features of `mask`
    (METRICS.md section 2); features the report does not measure leave no trace. Its depth
    fields (METRICS.md section 9) come from `depth`, which draws from a generator of its own."""
    by_feature = _usage_features(rng, mask)
    depth.add_modes(by_feature)
    totals = {count: sum(entry[count] for entry in by_feature) for count in _DEPTH_COUNTS}
    review = _has(mask, "code_review")
    return {
        "day": day_str(day), "user_id": account.user_id, "user_login": account.login_on(day),
        "enterprise_id": ENTERPRISE_ID, **totals,
        "totals_by_feature": by_feature,
        **depth.breakdowns(account.user_id, by_feature, totals, day),
        "used_agent": _has(mask, "agent"),
        "used_chat": _has(mask, "inline_chat") or _has(mask, "panel_chat"),
        "used_cli": _has(mask, "cli"),
        "used_copilot_code_review_active": review,
        "used_copilot_code_review_passive": review or rng.random() < 0.2,
    }


def _usage_features(rng, mask: int) -> list[dict]:
    entries = []
    if _has(mask, "code_completion") or rng.random() < COMPLETIONS_SEEN_SHARE:
        entries.append(_activity(rng, "code_completion", asked=False,
                                 accepted=_has(mask, "code_completion")))
    if _has(mask, "inline_chat"):
        entries.append(_activity(rng, "chat_inline", asked=True, accepted=rng.random() < 0.6))
    if _has(mask, "agent"):
        entries.append(_activity(rng, "chat_panel_agent_mode", asked=True, accepted=True))
        entries.append(_activity(rng, "agent_edit", asked=False, accepted=True))
    elif _has(mask, "panel_chat"):
        mode = rng.choice(("chat_panel_ask_mode", "chat_panel_edit_mode"))
        entries.append(_activity(rng, mode, asked=True, accepted=rng.random() < 0.5))
    return entries


def _activity(rng, feature: str, *, asked: bool, accepted: bool) -> dict:
    generated = rng.randint(1, 40)
    acceptances = rng.randint(1, generated) if accepted else 0
    lines_each = rng.randint(1, 6)
    return {
        "feature": feature,
        "user_initiated_interaction_count": rng.randint(1, 12) if asked else 0,
        "code_generation_activity_count": generated,
        "code_acceptance_activity_count": acceptances,
        "loc_suggested_to_add_sum": generated * lines_each,
        "loc_added_sum": acceptances * lines_each,
    }


# --- depth of use --------------------------------------------------------------------------

#: IDEs with the weights of their users: most use VS Code, some JetBrains or Visual Studio
DEPTH_IDES = {"vscode": 60, "intellij": 20, "visualstudio": 12, "neovim": 4, "xcode": 2,
              "eclipse": 2}
#: share of people who work in two IDEs, and the share of their days that list the second
TWO_IDE_SHARE, SECOND_IDE_DAYS = 0.15, 0.3
#: languages with their weights; a person works in two to five of them
LANGUAGES = {
    "typescript": 14, "python": 14, "javascript": 10, "java": 9, "go": 6, "csharp": 6,
    "typescriptreact": 5, "yaml": 5, "markdown": 5, "json": 4, "sql": 4, "shellscript": 4,
    "cpp": 3, "kotlin": 3, "rust": 2, "ruby": 2, "php": 2, "html": 2, "css": 2, "terraform": 2,
    "swift": 1, "c": 1, "scala": 1, "dockerfile": 1, "javascriptreact": 1, "powershell": 1,
    "dart": 1, "r": 1, "lua": 1, "haskell": 1,
}
#: chat models with their weights; a person picks one to three
MODELS = {
    "claude-sonnet-4.5": 18, "gpt-4.1": 14, "gpt-5": 12, "claude-sonnet-4": 10, "gpt-5-mini": 9,
    "gpt-4o": 8, "gemini-2.5-pro": 6, "claude-haiku-4.5": 5, "gpt-5-codex": 5, "o4-mini": 3,
    "claude-opus-4.1": 3, "grok-code-fast-1": 3, "o3-mini": 2, "gemini-2.0-flash": 1,
    "auto": 1,
}
#: the model of code completions
COMPLETION_MODEL = "gpt-4o-copilot"
#: chat panel modes beyond ask, edit and agent, with the chance a panel user's day lists them
MORE_PANEL_MODES = {"chat_panel_plan_mode": 0.15, "chat_panel_custom_mode": 0.05,
                    "chat_panel_unknown_mode": 0.03}
#: the counts of a `totals_by_*` entry (each entry's own, summed into the row's)
_DEPTH_COUNTS = (*_COUNTS, "loc_suggested_to_delete_sum", "loc_deleted_sum")
_CHAT_PANEL = "chat_panel_"
#: AI credits a chat interaction uses, at most
CREDITS_PER_INTERACTION = 2.5


@dataclass(frozen=True)
class _DepthHabit:
    ides: tuple[str, ...]
    languages: tuple[str, ...]
    models: tuple[str, ...]


class _Depth:
    """The depth fields of usage-metrics rows: each person's IDEs, languages and models (drawn
    once), and each day's split of the counts over them.

    It has a random generator of its own, so that adding depth fields changes nothing else a
    sample holds.
    """

    def __init__(self, seed: int, credits_from: int | None):
        self.rng = random.Random(f"depth-{seed}")
        self.habits: dict[int, _DepthHabit] = {}
        #: the first day whose rows carry `ai_credits_used`; None: no day
        self.credits_from = credits_from

    def habit(self, user_id: int) -> _DepthHabit:
        habit = self.habits.get(user_id)
        if habit is None:
            rng = self.rng
            habit = self.habits[user_id] = _DepthHabit(
                tuple(_pick(rng, DEPTH_IDES, 2 if rng.random() < TWO_IDE_SHARE else 1)),
                tuple(_pick(rng, LANGUAGES, rng.randint(2, 5))),
                tuple(_pick(rng, MODELS, rng.randint(1, 3))))
        return habit

    def add_modes(self, by_feature: list[dict]) -> None:
        """Deleted lines on every entry; on some days of chat panel users, more modes."""
        rng = self.rng
        if any(entry["feature"].startswith(_CHAT_PANEL) for entry in by_feature):
            for mode, chance in MORE_PANEL_MODES.items():
                if rng.random() < chance:
                    by_feature.append(_activity(rng, mode, asked=True,
                                                accepted=rng.random() < 0.5))
        for entry in by_feature:
            entry["loc_suggested_to_delete_sum"] = entry["loc_suggested_to_add_sum"] // 4
            entry["loc_deleted_sum"] = entry["loc_added_sum"] // 5

    def breakdowns(self, user_id: int, by_feature: list[dict], totals: dict, day: int) -> dict:
        """`totals_by_ide`, `totals_by_language_feature`, `totals_by_model_feature` and, from
        `credits_from` on, `ai_credits_used`."""
        if not by_feature:
            return {"totals_by_ide": [], "totals_by_language_feature": [],
                    "totals_by_model_feature": []}
        rng, habit = self.rng, self.habit(user_id)
        ides = habit.ides if rng.random() < SECOND_IDE_DAYS else habit.ides[:1]
        languages = habit.languages[:rng.randint(1, len(habit.languages))]
        by_language, by_model = [], []
        for entry in by_feature:
            feature = entry["feature"]
            if entry["code_generation_activity_count"]:
                by_language += _split(entry, "language", languages, feature)
            models = (COMPLETION_MODEL,) if feature == "code_completion" else \
                habit.models[:rng.randint(1, len(habit.models))]
            by_model += _split(entry, "model", models, feature)
        fields = {
            "totals_by_ide": _split(totals, "ide", ides),
            "totals_by_language_feature": by_language,
            "totals_by_model_feature": by_model,
        }
        if self.credits_from is not None and day >= self.credits_from:
            interactions = totals["user_initiated_interaction_count"]
            fields["ai_credits_used"] = round(
                interactions * rng.random() * CREDITS_PER_INTERACTION, 2)
        return fields


def _split(counts: dict, key: str, names: tuple[str, ...], feature: str | None = None
           ) -> list[dict]:
    """`counts` divided over `names`, what does not divide evenly one by one from the first:
    so that no entry accepts more than it was suggested."""
    share = len(names)
    entries = []
    for i, name in enumerate(names):
        entry = {key: name} if feature is None else {key: name, "feature": feature}
        for count in _DEPTH_COUNTS:
            value = counts[count]
            entry[count] = value // share + (i < value % share)
        entries.append(entry)
    return entries


# --- seats ---------------------------------------------------------------------------------


#: seats in a page of GitHub's seats API, at most
SEATS_PER_PAGE = 100


def _write_seat_list(path: Path, seats: list[dict]) -> Path:
    """The seat list as the API pages it: a JSON array of pages of at most 100 seats, each
    with the total (a single page of a large enterprise's seats would be a JSON value larger
    than `enrich import` reads)."""
    pages = [{"total_seats": len(seats), "seats": seats[i:i + SEATS_PER_PAGE]}
             for i in range(0, len(seats), SEATS_PER_PAGE)]
    return write_bytes(path, orjson.dumps(pages, option=orjson.OPT_INDENT_2))


def _seat_objects(rng, accounts: list[_Account], last_active: dict[int, int],
                  span: _Span) -> list[dict]:
    seats = []
    for account in sorted((a for a in accounts if a.seat_orgs), key=lambda a: a.login):
        seats += _account_seats(rng, account, last_active.get(account.user_id), span)
    # A seat whose user was deleted: GitHub keeps it with no assignee.
    created = rng.randint(span.first - 400, span.first - 120)
    seats.append(_seat(None, "acme-corp", "business", None, created, None, None))
    return seats


def _write_seat_history(folder: Path, final: list[dict], accounts: list[_Account],
                        last_active: dict[int, dict[int, int]], month_ends: list[int]
                        ) -> tuple[tuple[int, Path], ...]:
    """The seat lists of the earlier months, from the last one: the seats created by then,
    their activity as it was, nothing being cancelled yet; and the seats of the people who
    have left without a seat now, which were reclaimed in the last month. Drawn without
    chance, so the rest of the sample stays as it is."""
    reclaimed = [account for account in accounts if account.person and not account.seat_orgs
                 and account.person.status == "left"]
    paths = []
    for end in month_ends:
        used = last_active[end]
        seats = [_as_of(seat, end, used) for seat in final
                 if parse_day(seat["created_at"][:10]) <= end]
        for account in reclaimed:
            assignee = {"login": account.login, "id": account.user_id, "type": "User"}
            org = _primary_org(account.person)
            seats.append(_seat(assignee, org, PLAN_OF_ORG[org], None, end - 400,
                               used.get(account.user_id), EDITORS[account.user_id % len(EDITORS)]))
        paths.append((end, _write_seat_list(
            folder / "seat-history" / f"seats-{day_str(end)}.json", seats)))
    return tuple(paths)


def _as_of(seat: dict, end: int, used: dict[int, int]) -> dict:
    """A seat object of the last seat list as it was on `end`."""
    activity = seat["last_activity_at"]
    if activity is None or parse_day(activity[:10]) <= end:
        return {**seat, "pending_cancellation_date": None}
    last = used.get(seat["assignee"]["id"]) if seat["assignee"] else None
    return {**seat, "pending_cancellation_date": None,
            "last_activity_at": _timestamp(last, 16) if last is not None else None,
            "last_activity_editor": seat["last_activity_editor"] if last is not None else None,
            "last_authenticated_at": _timestamp(last, 17) if last is not None else None}


#: seats granted through a team rather than to the user directly
TEAM_GRANTED_SHARE = 0.3


def _account_seats(rng, account: _Account, active_day: int | None, span: _Span) -> list[dict]:
    """One seat object per granting organization: the later grants are younger and show
    older activity, so merging them must pick the earliest creation and the latest use."""
    used = active_day if active_day is not None else _prior_use(rng, account, span)
    assignee = {"login": account.login, "id": account.user_id, "type": "User"}
    pending = day_str(span.last + 1) if account.pending_cancellation else None
    seats = []
    for grant, org in enumerate(account.seat_orgs):
        created = account.seat_created + 30 * grant
        last_use = max(used - 3 * grant, created) if used is not None else None
        seat = _seat(assignee, org, PLAN_OF_ORG[org], pending, created, last_use,
                     EDITORS[account.user_id % len(EDITORS)])
        if account.person and rng.random() < TEAM_GRANTED_SHARE:
            seat["assigning_team"] = {"slug": f"copilot-{account.person.unit.division.slug}"}
        seats.append(seat)
    return seats


def _prior_use(rng, account: _Account, span: _Span) -> int | None:
    """For a seat unused in the generated range: half were used once, long before it."""
    if account.seat_created >= span.first - 30 or rng.random() < 0.5:
        return None
    return rng.randint(account.seat_created + 1, span.first - 30)


def _seat(assignee, org: str, plan: str, pending: str | None, created: int,
          last_use: int | None, editor: str | None) -> dict:
    # Times of day are fixed by the day itself: no randomness is spent on them.
    return {
        "assignee": assignee,
        "organization": {"login": org},
        "assigning_team": None,
        "created_at": _timestamp(created, 9),
        "last_activity_at": _timestamp(last_use, 16) if last_use is not None else None,
        "last_activity_editor": editor if last_use is not None else None,
        "last_authenticated_at": _timestamp(last_use, 17) if last_use is not None else None,
        "pending_cancellation_date": pending,
        "plan_type": plan,
    }


def _timestamp(day: int, hour: int) -> str:
    return f"{day_str(day)}T{hour:02d}:{day * 7 % 60:02d}:{day * 13 % 60:02d}Z"


# --- billed usage: premium requests and AI credits ------------------------------------------

#: the columns of GitHub's usage report CSV, with those of its Copilot usage export
USAGE_REPORT_COLUMNS = ("date", "product", "sku", "quantity", "unit_type",
                        "applied_cost_per_quantity", "gross_amount", "discount_amount",
                        "net_amount", "username", "organization", "repository",
                        "workflow_path", "cost_center_name", "model", "exceeds_quota",
                        "total_monthly_quota")
#: Copilot's usage-based billing: AI credits from this day, premium requests before it
AI_CREDITS_FROM = parse_day("2026-06-01")


@dataclass(frozen=True)
class _Billing:
    """How a month of Copilot usage is billed: its SKU, unit and price, the allowance each
    seat brings by plan, and what a day of agent or chat use consumes (in hundredths)."""

    sku: str
    unit: str
    price_cents: int
    allowance: dict[str, int]
    agent: tuple[int, int]
    chat: tuple[int, int]
    #: model -> how many units one use of it consumes, in hundredths
    models: dict[str, int]


PREMIUM_REQUESTS = _Billing("copilot_premium_request", "requests", 4,
                            {"business": 300, "enterprise": 1000}, (10, 45), (1, 4),
                            {"GPT-5": 100, "Claude Sonnet 4.5": 100, "Claude Haiku 4.5": 33,
                             "Gemini 2.5 Pro": 100, "Claude Opus 4.1": 1000})
AI_CREDITS = _Billing("copilot_ai_credit", "ai-credits", 1,
                      {"business": 1900, "enterprise": 3900}, (80, 420), (5, 40),
                      {"gpt-5": 100, "claude-sonnet-4.5": 100, "claude-haiku-4.5": 33,
                       "gemini-2.5-pro": 100})
#: rows a month of the usage report has without a user, and of other products
UNATTRIBUTED_ROWS, ACTIONS_ROWS = 3, 4


class _UsageReports:
    """Writes the usage report CSV of each month, as GitHub's billing pages export it, from
    the days of activity the engagement simulation tells (`day`): each seated person who
    used chat or the agent on a day consumed premium requests (AI credits from 2026-06-01)
    of one or two models. Each seat's monthly allowance is applied to its holder, so most
    people stay within it (the discount is the gross amount) and heavy agent users pay the
    rest; a few rows carry no user, a few are of other products, a seat licence row or two.
    Its own random generator keeps the rest of the sample as it is."""

    def __init__(self, folder: Path, accounts: list[_Account], seed: int):
        self.folder = folder
        self.rng = random.Random(f"{seed}:billing")
        self.plan = {account.user_id: max((PLAN_OF_ORG[org] for org in account.seat_orgs),
                                           key=lambda plan: plan == "enterprise")
                     for account in accounts if account.seat_orgs}
        self.paths: list[Path] = []
        self.month: str | None = None
        self.used: dict[int, int] = {}
        self.rows: list[str] = []

    def day(self, day: int, active) -> None:
        month = day_str(day)[:7]
        if month != self.month:
            self._write_month()
            self.month, self.used = month, {}
            self._month_extras(day)
        billing = AI_CREDITS if day >= AI_CREDITS_FROM else PREMIUM_REQUESTS
        for account, mask in active:
            plan = self.plan.get(account.user_id)
            uses = billing.agent if mask & _AGENT else billing.chat if mask & _CHAT else None
            if plan is None or uses is None:
                continue
            models = self.rng.sample(sorted(billing.models), self.rng.choice((1, 1, 2)))
            for model in models:
                quantity = self.rng.randint(*uses) * billing.models[model]
                self._usage(billing, day, account, model, quantity, plan)

    def _usage(self, billing: _Billing, day: int, account: _Account, model: str,
               quantity: int, plan: str) -> None:
        """A row of `quantity` hundredths of the unit, discounted by what is left of the
        holder's allowance this month."""
        allowance = billing.allowance[plan] * 100
        used = self.used.get(account.user_id, 0)
        covered = max(0, min(quantity, allowance - used))
        self.used[account.user_id] = used + quantity
        gross, discount = quantity * billing.price_cents, covered * billing.price_cents
        org = account.seat_orgs[0]
        self._row(day, "copilot", billing.sku, _hundredths(quantity), billing.unit,
                  _ten_thousandths(billing.price_cents * 100), _ten_thousandths(gross),
                  _ten_thousandths(discount), _ten_thousandths(gross - discount),
                  account.login_on(day), org, model, used + quantity > allowance,
                  billing.allowance[plan])

    def _month_extras(self, day: int) -> None:
        """Usage billed to no user (the coding agent of an organization), other products,
        and a seat licence row, on the month's first day with activity."""
        billing = AI_CREDITS if day >= AI_CREDITS_FROM else PREMIUM_REQUESTS
        for _ in range(UNATTRIBUTED_ROWS):
            quantity = self.rng.randint(*billing.agent) * 100
            gross = _ten_thousandths(quantity * billing.price_cents)
            self._row(day, "copilot", billing.sku, _hundredths(quantity), billing.unit,
                      _ten_thousandths(billing.price_cents * 100), gross, "0", gross, "",
                      "acme-eng",
                      "gpt-5" if billing is AI_CREDITS else "GPT-5", True, 0)
        for _ in range(ACTIONS_ROWS):
            minutes = self.rng.randint(100, 3000)
            self._row(day, "actions", "actions_linux", str(minutes), "minutes", "0.008",
                      _ten_thousandths(minutes * 80), "0", _ten_thousandths(minutes * 80),
                      "", "acme-eng", "", False, 0)
        self._row(day, "copilot", "copilot_for_business", "1", "user-months", "19", "19", "0",
                  "19", "", "acme-corp", "", False, 0)

    def _row(self, day: int, product: str, sku: str, quantity: str, unit: str, price: str,
             gross: str, discount: str, net: str, login: str, org: str, model: str,
             exceeds: bool, quota: int) -> None:
        self.rows.append(f"{day_str(day)},{product},{sku},{quantity},{unit},{price},{gross},"
                         f"{discount},{net},{login},{org},,,,{model},{exceeds},"
                         f"{quota or ''}\n")

    def _write_month(self) -> None:
        if self.month is None:
            return
        path = self.folder / f"usage-report-{self.month}.csv"
        write_text(path, ",".join(USAGE_REPORT_COLUMNS) + "\n" + "".join(self.rows))
        self.paths.append(path)
        self.rows = []

    def close(self) -> tuple[Path, ...]:
        self._write_month()
        return tuple(self.paths)


_CHAT = _BIT["panel_chat"] | _BIT["inline_chat"]


def _hundredths(value: int) -> str:
    return _decimal(value, 2)


def _ten_thousandths(value: int) -> str:
    return _decimal(value, 4)


def _decimal(value: int, places: int) -> str:
    """An integer count of 10**-places as a decimal, without trailing zeros."""
    whole, part = divmod(value, 10 ** places)
    text = f"{part:0{places}d}".rstrip("0")
    return f"{whole}.{text}" if text else str(whole)


# --- org chart and configuration -----------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ._@/-]*")
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


def _yaml(value) -> str:
    """A YAML flow value. Strings that could be misread are written as JSON strings, which
    are valid YAML double-quoted scalars."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_yaml(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS and value[-1] != " ":
        return value
    return json.dumps(value, ensure_ascii=False)


def _org_yaml(company: _Company, spec: SampleSpec) -> str:
    people = {person.id: person for person in company.people}
    cost_centers = {unit.cost_center: unit.cost_center_name
                    for unit in company.units if unit.cost_center}
    cost_centers[SHARED_COST_CENTER[0]] = SHARED_COST_CENTER[1]
    lines = [f"# {COMPANY}: an invented sample enterprise (people {spec.people}, "
             f"seed {spec.seed}). Every name is made up.",
             f"emu_short_code: {SHORT_CODE}", "cost_centers:"]
    lines += [f"  {code}: {_yaml(name)}" for code, name in sorted(cost_centers.items())]
    lines.append("units:")
    lines += [f"  - {_yaml(_unit_entry(unit, people[unit.lead]))}" for unit in company.units]
    lines.append("people:")
    lines += [f"  - {_yaml(_person_entry(person))}" for person in company.people]
    lines.append("aliases:")
    lines += [f"  {_yaml(account.login)}: {account.person.id}"
              for account in company.accounts if account.alias]
    return "\n".join(lines) + "\n"


def _org_json(company: _Company, spec: SampleSpec) -> str:
    """The org chart as JSON, one unit or person per line."""
    people = {person.id: person for person in company.people}
    cost_centers = {unit.cost_center: unit.cost_center_name
                    for unit in company.units if unit.cost_center}
    cost_centers[SHARED_COST_CENTER[0]] = SHARED_COST_CENTER[1]

    def entries(items) -> str:
        return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]"

    aliases = {account.login: account.person.id for account in company.accounts if account.alias}
    return (f'{{"emu_short_code": "{SHORT_CODE}",\n'
            f'"cost_centers": {json.dumps(dict(sorted(cost_centers.items())))},\n'
            f'"units": {entries(_unit_entry(u, people[u.lead]) for u in company.units)},\n'
            f'"people": {entries(_person_entry(p) for p in company.people)},\n'
            f'"aliases": {json.dumps(aliases)}}}\n')


def _unit_entry(unit: _Unit, lead: _Person) -> dict:
    entry = {"id": unit.id, "name": unit.name, "parent": unit.parent}
    if unit.cost_center:
        entry["cost_center"] = unit.cost_center
    entry["lead"] = {"name": lead.name, "email": lead.email}
    return entry


def _person_entry(person: _Person) -> dict:
    entry = {"id": person.id, "name": person.name, "email": person.email}
    if person.github:
        entry["github"] = [person.github]
    entry |= {"username": person.username, "unit": person.unit.id}
    if person.cost_center:
        entry["cost_center"] = person.cost_center
    return entry | {"manager": person.manager, "seat": person.seat, "status": person.status,
                    "title": person.title}


def _config_yaml(org_file: str) -> str:
    return (f"company:\n  name: {COMPANY}\nstore:\n  path: enrich.db\ninbox: inbox\n"
            f"output: out\ndirectory:\n  sources:\n    - type: yaml\n      path: {org_file}\n")
