"""`enrich directory check`: what the org chart sources yield, and what does not fit.

Errors (the job cannot use the org chart) make the command fail; warnings (people without a
cost center or a manager, dangling managers, engaged GitHub users that match nobody) are
listed for whoever keeps the mapping, and leave the exit status at 0. Without a store (before
the first import) the org chart is checked alone, and a note says the logins were not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from enrich.dates import Period, day_str
from enrich.directory.identity import match_users
from enrich.directory.model import Directory
from enrich.directory.sources import combine, read_layers
from enrich.directory.validate import validate
from enrich.errors import DirectoryError
from enrich.wording import counted

ERROR, WARNING, NOTE = "error", "warning", "note"
SOURCE = "source"
NO_COST_CENTER = "people without a cost center"
NO_MANAGER = "people without a manager"
UNMATCHED = "engaged GitHub users who match nobody"
NOT_CHECKED = "not checked"
#: each kind of finding as a count reads it: one, and several
KIND_NOUNS = {
    SOURCE: ("problem in the sources", "problems in the sources"),
    NO_COST_CENTER: ("person without a cost center", NO_COST_CENTER),
    NO_MANAGER: ("person without a manager", NO_MANAGER),
    UNMATCHED: ("engaged GitHub user who matches nobody", UNMATCHED),
}
#: engaged users that match nobody are looked for over the last days with data
RECENT_DAYS = 30


@dataclass(frozen=True)
class Finding:
    severity: str
    kind: str
    subject: str
    detail: str


@dataclass
class CheckReport:
    #: (source name, people, units) of each source as read
    layers: list[tuple[str, int, int]] = field(default_factory=list)
    people: int = 0
    units: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    def add(self, severity: str, kind: str, subject: str, detail: str = "") -> None:
        self.findings.append(Finding(severity, kind, subject, detail))


def check_directory(sources: list[dict], overrides: Path | None, store, *, today: int,
                    match_email_local_part: bool = False) -> CheckReport:
    report = CheckReport()
    try:
        layers = read_layers(sources, store=store)
        directory, origins = combine(layers, overrides)
    except DirectoryError as exc:
        report.add(ERROR, "unreadable", "org chart", exc.message)
        return report
    report.layers = [(layer.name, len(layer.directory.people), len(layer.directory.units))
                     for layer in layers]
    report.people, report.units = len(directory.people), len(directory.units)
    try:
        validate(directory, origins)
    except DirectoryError as exc:
        report.add(ERROR, "invalid", "org chart", exc.message)
        return report
    for warning in directory.warnings:
        report.add(WARNING, SOURCE, "org chart", warning)
    _incomplete_people(directory, report)
    if store is not None:
        _unmatched_engaged(directory, store, today, match_email_local_part, report)
    else:
        report.add(NOTE, NOT_CHECKED, "GitHub logins", "there is no store yet, so the engaged "
                   "GitHub users who match nobody could not be looked for")
    return report


def _incomplete_people(directory: Directory, report: CheckReport) -> None:
    managers = Counter(p.manager for p in directory.people.values() if p.manager)
    for person in sorted(directory.people.values(), key=lambda p: p.id):
        if directory.cost_center_of(person) is None:
            report.add(WARNING, NO_COST_CENTER, person.id, person.name)
        if person.manager is None and not person.left:
            reports = managers.get(person.id, 0)
            detail = f"{person.name}, who has {counted(reports, 'report')}" if reports else \
                person.name
            report.add(WARNING, NO_MANAGER, person.id, detail)


def _unmatched_engaged(directory: Directory, store, today: int, match_email: bool,
                       report: CheckReport) -> None:
    users = store.logins()
    last = min(today - 1, store.latest_reported_day() or today - 1)
    recent = Period(last - RECENT_DAYS + 1, last)
    active = Counter(uid for uid, _, bits in store.engagement(recent) if bits)
    try:
        matching = match_users(directory, {u: users[u] for u in active if u in users},
                               match_email_local_part=match_email)
    except DirectoryError as exc:
        report.add(ERROR, "ambiguous", "identity matching", exc.message)
        return
    excluded = directory.excluded_logins
    unmatched = [uid for uid in matching.unmatched
                 if not any(login.lower() in excluded for login in users[uid])]
    for uid in sorted(unmatched, key=lambda u: (-active[u], u)):
        report.add(WARNING, UNMATCHED, users[uid][0],
                   f"user {uid}, active on {active[uid]} of the {RECENT_DAYS} days to "
                   f"{day_str(last)}")
