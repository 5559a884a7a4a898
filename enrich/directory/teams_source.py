"""The org chart from GitHub's own teams: the `user-teams-1-day` report the store keeps.

Each team is a unit; each GitHub user in a team is a person (id `github:<user_id>`, with
the user's logins), in one team only, so that subtree totals never count anyone twice. For
a person in several teams the primary team is, by the `primary` setting:

- `smallest`: the team with the fewest members (the most specific one), ties broken by the
  team's slug in alphabetical order;
- `priority`: the first team of the `priority` list the person is in; someone in none of
  them gets the smallest of their teams.

The memberships are those of the latest day stored. Teams with fewer than five seated users
are left out of the report by GitHub, so their members appear in their other teams only, or
not at all.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from enrich.directory.model import Directory, Person, Unit
from enrich.errors import DirectoryError


class GitHubTeamsSource:
    def __init__(self, spec: dict, store):
        if store is None:
            raise DirectoryError("the github_teams source reads the team memberships kept in "
                                 "the store, and there is no store here")
        self.store = store
        self.primary = spec.get("primary", "smallest")
        self.priority = list(spec.get("priority") or [])
        self.name = "github_teams"
        self.origins: dict = {}

    def load(self) -> Directory:
        day = self.store.latest_team_day()
        if day is None:
            raise DirectoryError(
                "the github_teams source has no team memberships to read",
                hint="fetch them first: set github.teams: true and run `enrich fetch`")
        rows = self.store.team_memberships(day)
        logins = self.store.logins()
        teams_of: dict[int, list[str]] = defaultdict(list)
        for user_id, _, slug, _ in rows:
            teams_of[user_id].append(slug)
        size = Counter(slug for _, _, slug, _ in rows)
        directory = Directory(source=self.name)
        for slug in size:
            directory.units[slug] = Unit(id=slug, name=slug)
        for user_id, teams in teams_of.items():
            names = logins.get(user_id, [])
            directory.people[f"github:{user_id}"] = Person(
                id=f"github:{user_id}", name=names[0] if names else str(user_id),
                unit=self.primary_team(teams, size), logins=tuple(names))
        return directory

    def primary_team(self, teams: list[str], size: Counter) -> str:
        if self.primary == "priority":
            for slug in self.priority:
                if slug in teams:
                    return slug
        return min(teams, key=lambda slug: (size[slug], slug))
