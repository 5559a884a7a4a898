"""The org chart of a run, with every GitHub user matched to it, and the seats."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from enrich.config import Config
from enrich.dates import Period
from enrich.directory.identity import Matching, match_users
from enrich.directory.model import Directory, directory_json
from enrich.directory.sources import load_directory
from enrich.processes import forked
from enrich.rollup import DepthInput, PeriodInput, Thresholds, compute_rollup
from enrich.rollup.depth import depth_by_user
from enrich.sources.seat_csv import read_seat_csv, resolve_user_ids
from enrich.sources.seats import Seat
from enrich.store import Store


def period_input(store: Store, period: Period, excluded: set[int] = frozenset(),
                 depth: Mapping[int, tuple] | None = None) -> PeriodInput:
    """What the rollup takes of a period; with `depth`, the users' depth read for it
    (`DepthReads`), its depth of use too."""
    rows = store.engagement(period).without(excluded)
    return PeriodInput(period=period, features=store.feature_names(),
                       status=store.coverage(period), measured=store.measured(period),
                       rows=rows, depth=DepthInput() if depth is None else DepthInput(
                           days=store.depth_days(period),
                           pending=store.depth_pending(period.since, period.until),
                           keys=store.depth_keys(),
                           users={user_id: depth for user_id, depth in depth.items()
                                  if user_id not in excluded}))


class DepthReads:
    """The users' depth of use over a period and over the one before, read by a forked
    process: the store sorts every usage-metrics row of both (seconds, for a large
    enterprise), which can go on while this one loads the org chart."""

    def __init__(self, store: Store, period: Period):
        self.period = period
        self._result = forked(lambda: (depth_by_user(store.depth(period)),
                                       depth_by_user(store.depth(period.previous()))))

    def result(self) -> tuple[dict[int, tuple], dict[int, tuple]]:
        return self._result()


def load_org_chart(config: Config, store: Store) -> Directory:
    return load_directory(config.get("directory.sources"),
                          overrides=config.get("directory.overrides"), store=store)


def seat_holders(seats: list[tuple[int, str]] | None, directory: Directory,
                 matching: Matching) -> set[str] | None:
    """Person ids holding a seat: from the latest seat snapshot, else from the directory."""
    if seats is not None:
        return {matching.person_of[uid] for uid, _ in seats if uid in matching.person_of}
    if directory.has_seat_data():
        return {p.id for p in directory.people.values() if p.seat}
    return None


def identify(config: Config, store: Store, directory: Directory, seats):
    """Every GitHub user the store knows (engaged or seated), matched to the directory;
    and the user_ids of the excluded accounts (bots, service accounts)."""
    users = store.logins()
    for uid, login in seats or ():
        users.setdefault(uid, [login])
    excluded = {uid for uid, logins in users.items()
                if any(login.lower() in directory.excluded_logins for login in logins)}
    for uid in excluded:
        del users[uid]
    matching = match_users(directory, users, match_email_local_part=config.get(
        "identity.match_email_local_part"))
    return users, matching, excluded


@dataclass
class Org:
    """The org chart of a run, with every GitHub user the store knows matched to it."""

    directory: Directory
    #: user_id -> every login, the display login first
    users: dict[int, list[str]]
    matching: Matching
    #: user_ids of excluded accounts (bots, service accounts)
    excluded: set[int]
    #: person ids holding a seat; None without seat data
    holders: set[str] | None

    @classmethod
    def load(cls, config: Config, store: Store, as_of: int, *,
             keep_directory: bool = False) -> Org:
        """With `keep_directory` (a run of the monthly job), the org chart is kept in the
        store as a dated snapshot."""
        directory = load_org_chart(config, store)
        if keep_directory:
            store.add_directory_snapshot(as_of, directory.source, directory_json(directory))
        if config.get("seats.csv") is None:
            seats = store.seat_holders(as_of)
        else:
            seats = [(seat.user_id, seat.login) for seat in load_seats(config, store, as_of)
                     if seat.user_id is not None]
        users, matching, excluded = identify(config, store, directory, seats)
        return cls(directory, users, matching, excluded,
                   seat_holders(seats, directory, matching))

    def roll_up(self, config: Config, store: Store, period: Period,
                depth: DepthReads | None = None) -> dict:
        """The rollup of a period; `depth`, the depth reads started for it, if any."""
        now, before = (depth or DepthReads(store, period)).result()
        return compute_rollup(
            self.directory, self.matching.person_of,
            {uid: logins[0] for uid, logins in self.users.items()},
            period_input(store, period, self.excluded, now),
            period_input(store, period.previous(), self.excluded, before),
            seat_holders=self.holders, thresholds=Thresholds.from_config(config),
            parallel=True)


def load_seats(config: Config, store: Store, as_of: int) -> list[Seat] | None:
    """The seats: the configured seat CSV export, else the latest seat list stored on or
    before `as_of`; None without either."""
    dated = load_dated_seats(config, store, as_of)
    return dated[1] if dated else None


def load_dated_seats(config: Config, store: Store, as_of: int
                     ) -> tuple[int | None, list[Seat]] | None:
    """`load_seats` with the day the seat list was taken (None for a seat CSV export)."""
    path = config.get("seats.csv")
    if path is not None:
        return None, resolve_user_ids(read_seat_csv(path, config.get("seats.columns")),
                                      store.logins())
    return store.seat_snapshot(as_of)
