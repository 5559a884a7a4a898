"""Rows of the `user-teams-1-day` report: which GitHub teams each user is in (SOURCES.md 2)."""

from __future__ import annotations

from dataclasses import dataclass

from enrich.sources.engagement import MAX_ID, RowError, engagement_day, show_value


@dataclass(frozen=True)
class TeamMembership:
    day: int
    user_id: int
    login: str
    team_id: int
    slug: str
    organization_id: int | None


def is_team_row(record: object) -> bool:
    return isinstance(record, dict) and "team_id" in record and "user_id" in record


def parse_team_row(row: dict, today: int) -> TeamMembership:
    """A row's membership; its day as an engagement row's (`engagement_day`)."""
    day = engagement_day(row.get("day"), today)
    values = {}
    for field in ("user_id", "team_id"):
        value = row.get(field)
        if type(value) is not int or not 0 < value <= MAX_ID:
            raise RowError(f'"{field}" is {show_value(value)}; expected a positive integer')
        values[field] = value
    for field in ("user_login", "slug"):
        value = row.get(field)
        if not isinstance(value, str) or not value:
            raise RowError(f'"{field}" is {show_value(value)}; expected a name')
        values[field] = value
    org = row.get("organization_id")
    if org is not None and (type(org) is not int or abs(org) > MAX_ID):
        raise RowError(f'"organization_id" is {show_value(org)}; expected an integer')
    return TeamMembership(day, values["user_id"], values["user_login"], values["team_id"],
                          values["slug"], org)
