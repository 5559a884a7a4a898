"""`enrich digest`: the team-lead e-mails, into the outbox or through SMTP."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period, day_ranges, day_str
from enrich.directory.model import Directory
from enrich.errors import ConfigError, ExitStatus, InputError
from enrich.job.licensing import license_review
from enrich.job.org import Org, period_input
from enrich.job.period_check import require_data
from enrich.job.places import open_store, outbox_folder
from enrich.job.rolling import RollupResult
from enrich.licenses.review import ReviewedSeat
from enrich.mail import DeliveryReport, Outbox, Outgoing, SmtpSettings, send_all
from enrich.outputs.digest import (
    BOTH,
    LEADS,
    MANAGERS,
    Digest,
    audience_of,
    build_digests,
    recipients,
    unreachable,
)
from enrich.outputs.digest_mail import Letterhead, build_message
from enrich.outputs.files import prepare_folders
from enrich.processes import cycle_collector_paused, forked, forked_chunks, workers
from enrich.progress import Progress
from enrich.rollup import Thresholds
from enrich.rollup.people import segments_of_people
from enrich.store import MISSING, Store


@dataclass
class DigestResult:
    period: Period
    outbox: list[Path]
    missing_days: list[str]
    delivery: DeliveryReport | None = None
    #: the people of the audience left out for want of a usable e-mail address
    unreachable: list[str] = field(default_factory=list)

    @property
    def status(self) -> ExitStatus:
        statuses = [ExitStatus.PARTIAL_DATA if self.missing_days else ExitStatus.OK]
        if self.delivery is not None:
            statuses.append(self.delivery.status)
        return max(statuses)


def digest(config: Config, period: Period, *, as_of: int, output: Path | None = None,
           send: bool = False, resend: bool | Collection[str] = False,
           allow_missing: bool = False, rolled: RollupResult | None = None, sleep=time.sleep,
           progress: bool = False) -> DigestResult:
    """`enrich digest`: one e-mail per lead into the outbox; with `send`, through SMTP too,
    each recipient at most once per content (the ledger in the store). `resend` sends again
    what the ledger has: True, every digest; addresses, theirs. Sending refuses a period with
    more days without data than `digest.max_missing_share`, unless `allow_missing`."""
    settings = SmtpSettings.from_config(config) if send else None  # before any work
    head = Letterhead.from_config(config, period.title(), period.label())
    folder = outbox_folder(config, output)
    audience = config.get("digest.audience")
    with open_store(config) as store:
        require_data(store, period, as_of)
        if send and not allow_missing:
            refuse_missing_days(config, store, period)
        prepare_folders(folder)
        org = rolled.org if rolled else Org.load(config, store, as_of)
        check_audience(config, org.directory, audience)
        # the license review reads every seat and everyone's last active day: on the side
        reclaim = forked(lambda: _seats_to_reclaim(config, org, period.until, as_of))
        rolled_up = rolled.rollup if rolled else org.roll_up(config, store, period)
        segments = segments_of_people(org.directory, org.matching.person_of,
                                      period_input(store, period, org.excluded),
                                      org.holders, Thresholds.from_config(config))
    with cycle_collector_paused():  # a tuple per person and unit, and no cycle among them
        letters = build_digests(org.directory, rolled_up, segments, audience, reclaim(),
                                min_group_size=config.get("metrics.min_group_size"))
    outbox = Outbox(folder.path)

    bar = Progress("sending digests" if send else "writing digests", len(letters),
                   enabled=None if progress else False, unit=" digests")

    def messages():  # one at a time, into the outbox and on to the server
        for letter in letters:
            item = outgoing(letter, head)
            outbox.add(item)
            yield item
            bar.advance()

    delivery = None
    with bar:
        if send:
            with open_store(config) as store:
                delivery = send_all(messages(), settings, store, period=period.label(),
                                    resend=resend, sleep=sleep)
        else:
            _write_digests(letters, head, outbox, bar)
    return DigestResult(period, outbox.finish(), rolled_up["period"]["missing_days"],
                        delivery, unreachable(org.directory, audience))


def outgoing(letter: Digest, head: Letterhead) -> Outgoing:
    """A digest's message, dated now: when written (the sender dates what it sends when it
    sends it)."""
    return Outgoing(letter.recipient.address, letter.recipient.name,
                    *build_message(letter, head, datetime.now(timezone.utc)))


#: digests built and written by one forked process: few forks, and a progress bar that moves
_CHUNK = 400


def _write_digests(letters: list[Digest], head: Letterhead, outbox: Outbox,
                 bar: Progress) -> None:
    """Every digest into the outbox, built and written by forked processes, one per core
    at a time: each message is a few milliseconds of CPU, and its file waits for the disk."""
    # every file named first: two digests for one address stop the run before any is written
    places = [(letter, outbox.place(letter.recipient.address)) for letter in letters]
    if not places:
        return
    # the first here: it compiles the templates and makes the frames the forks then share
    (first, path), *rest = places
    outbox.write(path, outgoing(first, head))
    bar.advance()

    def write(chunk):
        for letter, place in chunk:
            outbox.write(place, outgoing(letter, head))

    for chunk, _ in forked_chunks(write, rest, size=_CHUNK, at_once=workers()):
        bar.advance(len(chunk))


def _seats_to_reclaim(config: Config, org: Org, until: int, as_of: int
                      ) -> dict[str, ReviewedSeat]:
    """Person id -> their seat, for each seat the license review proposes reclaiming; none
    without seat data. Through a connection of its own: it runs in a forked process."""
    with open_store(config) as store:
        review = license_review(config, store, org, until, as_of)
    return {} if review is None else {
        seat.holder.person: seat for seat in review.candidates if seat.holder.person}


def refuse_missing_days(config: Config, store: Store, period: Period) -> None:
    """Digests are not sent for a period with more days without data than
    `digest.max_missing_share`: their figures would understate what happened."""
    missing = [day for day, status in store.coverage(period).items() if status == MISSING]
    limit = config.get("digest.max_missing_share")
    if len(missing) > limit * len(period):
        raise InputError(
            f"{len(missing)} of the {len(period)} days of {period.title()} have no data "
            f"({day_ranges(map(day_str, missing))}), more than digest.max_missing_share "
            f"allows ({limit:.0%}): no digest was sent",
            hint="fetch or import the missing days, then send; `--allow-missing` sends all "
                 "the same, each digest saying which days are missing; without `--send` the "
                 "digests go to the outbox only")


_AUDIENCE_WORDS = {LEADS: "unit leads", MANAGERS: "managers", BOTH: "unit leads and managers"}
#: what an org chart needs for each audience to have anyone in it
_AUDIENCE_HINTS = {
    LEADS: "give units a `lead` with a name and an e-mail address in the org chart, or set "
           "digest.audience to managers",
    MANAGERS: "give people a `manager` in the org chart, or set digest.audience to leads",
    BOTH: "give units a `lead` with a name and an e-mail address, or people a `manager`, in "
          "the org chart",
}


def check_audience(config: Config, directory: Directory, audience: str) -> None:
    """No digest to write is no success: say why there is none."""
    if recipients(directory, audience):
        return
    if not directory.people and not directory.units:
        raise ConfigError("no org chart: the digests go to the unit leads and managers it "
                          "names", key="directory.sources", path=config.path,
                          hint="name the org chart's source in directory.sources (see "
                               "config/example.yaml)")
    chart = f"the org chart ({directory.source})" if directory.source else "the org chart"
    if not any(audience_of(directory, audience)):
        raise InputError(
            f"no digest to write: {chart} names no {_AUDIENCE_WORDS[audience]} "
            f"(digest.audience: {audience})",
            hint=_AUDIENCE_HINTS[audience])
    cannot = unreachable(directory, audience)
    shown = "; ".join(cannot[:3]) + (f"; and {len(cannot) - 3} more" if len(cannot) > 3 else "")
    who = (f"the only one of the {_AUDIENCE_WORDS[audience]} in {chart} has no"
           if len(cannot) == 1 else
           f"none of the {len(cannot)} {_AUDIENCE_WORDS[audience]} in {chart} has a")
    raise InputError(
        f"no digest to write: {who} usable e-mail address ({shown})",
        hint="add their e-mail addresses to the org chart")


def print_digest_result(result: DigestResult, out, err) -> None:
    if result.missing_days:
        print(f"warning: {len(result.missing_days)} of the {len(result.period)} days of "
              f"{result.period.label()} have no data ({day_ranges(result.missing_days)}); "
              "the digests say so", file=err)
    for who in result.unreachable[:10]:
        print(f"warning: no digest for {who}", file=err)
    if len(result.unreachable) > 10:
        print(f"warning: ... and {len(result.unreachable) - 10} more without a usable e-mail "
              "address", file=err)
    if result.outbox:
        print(f"wrote {len(result.outbox)} digests to {result.outbox[0].parent}", file=out)
    if result.delivery is not None:
        result.delivery.print_summary(out, err)
