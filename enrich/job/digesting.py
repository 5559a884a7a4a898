"""`enrich digest`: the team-lead e-mails, into the outbox or through SMTP."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from enrich.config import Config
from enrich.dates import Period, to_date
from enrich.errors import ExitStatus
from enrich.job.org import Org, period_input
from enrich.job.period_check import require_data
from enrich.job.places import open_store, outbox_folder
from enrich.job.rolling import RollupResult
from enrich.mail import DeliveryReport, Outbox, Outgoing, SmtpSettings, send_all
from enrich.outputs.digest import build_digests, unreachable
from enrich.outputs.digest_mail import Letterhead, build_message
from enrich.outputs.files import prepare_folders
from enrich.progress import Progress
from enrich.rollup import Thresholds
from enrich.rollup.people import segments_of_people


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
           rolled: RollupResult | None = None, sleep=time.sleep,
           progress: bool = False) -> DigestResult:
    """`enrich digest`: one e-mail per lead into the outbox; with `send`, through SMTP too,
    each recipient at most once per content (the ledger in the store). `resend` sends again
    what the ledger has: True, every digest; addresses, theirs."""
    settings = SmtpSettings.from_config(config) if send else None  # before any work
    head = Letterhead.from_config(config, period.title())
    folder = outbox_folder(config, output)
    with open_store(config) as store:
        require_data(store, period, as_of)
        prepare_folders(folder)
        org = rolled.org if rolled else Org.load(config, store, as_of)
        rolled_up = rolled.rollup if rolled else org.roll_up(config, store, period)
        segments = segments_of_people(org.directory, org.matching.person_of,
                                      period_input(store, period, org.excluded),
                                      org.holders, Thresholds.from_config(config))
    audience = config.get("digest.audience")
    letters = build_digests(org.directory, rolled_up, segments, audience)
    written = datetime(*to_date(as_of).timetuple()[:3], tzinfo=timezone.utc)
    outbox = Outbox(folder.path)

    bar = Progress("sending digests" if send else "writing digests", len(letters),
                   enabled=None if progress else False, unit=" digests")

    def messages():  # one at a time, into the outbox and on to the server
        for letter in letters:
            item = Outgoing(letter.recipient.address, letter.recipient.name,
                            *build_message(letter, head, written))
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
            deque(messages(), maxlen=0)
    return DigestResult(period, outbox.finish(), rolled_up["period"]["missing_days"],
                        delivery, unreachable(org.directory, audience))


def print_digest_result(result: DigestResult, out, err) -> None:
    if result.missing_days:
        print(f"warning: {len(result.missing_days)} days of {result.period.label()} have no "
              "data; the digests say so", file=err)
    for who in result.unreachable[:10]:
        print(f"warning: no digest for {who}", file=err)
    if len(result.unreachable) > 10:
        print(f"warning: ... and {len(result.unreachable) - 10} more without a usable e-mail "
              "address", file=err)
    folder = result.outbox[0].parent if result.outbox else None
    print(f"wrote {len(result.outbox)} digests to {folder}" if folder else
          "no digest to write: nobody in the audience has an e-mail address", file=out)
    if result.delivery is not None:
        result.delivery.print_summary(out, err)
