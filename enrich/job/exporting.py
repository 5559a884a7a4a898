"""`enrich export`: the per-person, per-day facts and the rollup of every month of a period,
as Parquet files a data team loads into its warehouse (README.md, "Parquet export")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from enrich.config import Config
from enrich.dates import Period, from_date, to_date
from enrich.errors import ExitStatus, NoData
from enrich.job.licensing import users_matched
from enrich.job.org import Org
from enrich.job.period_check import NO_DATA_HINT, require_data
from enrich.job.places import open_store, output_folder
from enrich.outputs.export_files import PART, ExportFolder
from enrich.outputs.export_rollup import rollup_schema, rollup_table
from enrich.outputs.export_tables import (
    DEPTH,
    SPEND,
    Identities,
    chunks,
    depth_table,
    engagement_schema,
    engagement_table,
    spend_table,
)
from enrich.outputs.files import prepare_folders
from enrich.sources.seat_csv import user_ids_of_logins
from enrich.store import REPORTED, Store
from enrich.wording import counted

#: the tables of each month, in the order they are written
KINDS = ("engagement", "depth", "spend", "rollup")


@dataclass
class ExportResult:
    period: Period
    folder: Path
    #: the months written, and those of the period without a reported day (not written)
    months: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def status(self) -> ExitStatus:
        return ExitStatus.OK


def export(config: Config, period: Period | None, *, output: Path | None = None,
           as_of: int) -> ExportResult:
    """`enrich export`: every month of `period` (None: every month of the store that is
    over) with a reported day, each month's files replacing those of an earlier export."""
    folder = output_folder(config, output)
    with open_store(config) as store:
        period = period or stored_months(store, as_of)
        require_data(store, period, as_of)
        prepare_folders(folder)
        org = Org.load(config, store, as_of)
        result = ExportResult(period, folder.path)
        identities = identities_of(org, org.matching.person_of, {})
        with ExportFolder(folder.path) as staged:
            for month in months_of(period):
                label = to_date(month.since).strftime("%Y-%m")
                if REPORTED not in store.coverage(month).values():
                    result.skipped.append(label)
                    continue
                for kind, schema, tables in month_tables(config, store, org, identities,
                                                         month):
                    result.rows[kind] += staged.add(kind, label, schema, tables)
                result.months.append(label)
            result.files = staged.commit()
    return result


def stored_months(store: Store, as_of: int) -> Period:
    """Every calendar month from the first reported day's to the last reported day's, but
    those not over yet."""
    span = store.reported_span()
    if span is None:
        raise NoData("no data to export: the store holds no engagement at all yet",
                     hint=NO_DATA_HINT)
    first, last = (Period.month(to_date(day).strftime("%Y-%m")) for day in span)
    until = min(last.until, from_date(to_date(as_of).replace(day=1) - timedelta(days=1)))
    # a store whose first month is not over yet: that month, which the period check refuses
    return Period.between(first.since, until if until > first.since else first.until)


def months_of(period: Period) -> list[Period]:
    """The period cut at the ends of calendar months."""
    parts, since = [], period.since
    while since <= period.until:
        month = Period.month(to_date(since).strftime("%Y-%m"))
        parts.append(Period.between(since, min(month.until, period.until)))
        since = month.until + 1
    return parts


def month_tables(config: Config, store: Store, org: Org, identities: Identities,
                 period: Period) -> Iterable[tuple[str, pa.Schema, Iterable[pa.Table]]]:
    """The tables of each kind of a month, the facts a chunk of rows at a time."""
    features = store.feature_names()
    measured = store.measured(period)
    yield "engagement", engagement_schema(features), (
        engagement_table(rows, features, measured, identities, org.excluded)
        for rows in chunks(store.engagement(period)))
    keys = store.depth_keys()
    yield "depth", DEPTH, (depth_table(rows, keys, identities, org.excluded)
                           for rows in chunks(store.daily_depth(period)))
    yield "spend", SPEND, spend(config, store, org, period)
    yield "rollup", rollup_schema(features), [rollup_table(org.roll_up(config, store, period),
                                                           features)]


def spend(config: Config, store: Store, org: Org, period: Period) -> Iterable[pa.Table]:
    """The billed usage rows of the period, each login taken for the user the store knows by
    it and matched to the org chart as the license review does (`billed_usage`)."""
    rows = store.billed_rows(period)
    pairs = {(login, user_id) for _, _, login, user_id, *_ in rows}
    ids = user_ids_of_logins({login for login, user_id in pairs if login and user_id is None},
                             org.users)

    def user_of(login: str | None, user_id: int | None) -> int | None:
        return ids[login.casefold()] if login and user_id is None else user_id

    users = {(user_of(*pair), pair[0]) for pair in pairs if user_of(*pair) is not None}
    identities = identities_of(org, users_matched(config, org, users), dict(users))
    for chunk in chunks(rows):
        resolved = [(day, source, user_of(login, user_id), login, *rest)
                    for day, source, login, user_id, *rest in chunk]
        table = spend_table(resolved, identities)
        # a login nobody in the store has had is known by a negative id: it has none on
        # GitHub
        known = pc.greater(table["user_id"], 0)
        yield table.set_column(table.schema.get_field_index("user_id"), "user_id", pc.if_else(
            known, table["user_id"], pa.scalar(None, pa.int64())))


def identities_of(org: Org, person_of: Mapping[int, str],
                  logins: Mapping[int, str]) -> Identities:
    """Every user of the run (and those of `logins`: user_id -> login) with their display
    login and the org chart's person, unit and cost center."""
    directory = org.directory
    users = {}
    for user_id in org.users.keys() | logins.keys():
        person = directory.people.get(person_of.get(user_id))
        names = org.users.get(user_id)
        users[user_id] = (names[0] if names else logins[user_id],
                          *((person.id, person.unit, directory.cost_center_of(person))
                            if person else (None, None, None)))
    return Identities.of(users)


def print_export_result(result: ExportResult, out) -> None:
    print(f"exported {counted(len(result.months), 'month')} of {result.period.label()}: "
          + ", ".join(f"{counted(rows, f'{kind} row')}" for kind, rows in result.rows.items()),
          file=out)
    if result.skipped:
        print(f"no reported day, not exported: {', '.join(result.skipped)}", file=out)
    if result.months:
        print(f"wrote {result.folder}: {', '.join(KINDS)} of {', '.join(result.months)} "
              f"(KIND/month=YYYY-MM/{PART})", file=out)
