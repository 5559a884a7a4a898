"""What became of each digest of a batch, and the summary a run prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from enrich.errors import ExitStatus

SENT, ALREADY_SENT, POSSIBLY_SENT, REFUSED, FAILED = (
    "sent", "already sent", "possibly sent", "refused", "failed")
STATUSES = (SENT, ALREADY_SENT, POSSIBLY_SENT, REFUSED, FAILED)
#: the statuses a run did not confirm: each gets a line of its own on standard error
UNCONFIRMED = (POSSIBLY_SENT, REFUSED, FAILED)


@dataclass(frozen=True)
class Delivery:
    recipient: str
    #: one of `STATUSES`
    status: str
    #: why it was refused, failed or is possibly sent; empty otherwise
    reason: str = ""
    #: transactions tried with the server (0 when nothing was sent)
    attempts: int = 0


@dataclass
class DeliveryReport:
    entries: list[Delivery] = field(default_factory=list)
    #: addresses given to `--resend` that no digest of the run went to
    unknown_resends: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Entries per status, every status present, in the order of `STATUSES`."""
        counts = dict.fromkeys(STATUSES, 0)
        for entry in self.entries:
            counts[entry.status] += 1
        return counts

    @property
    def possibly_sent(self) -> list[str]:
        """The recipients whose digest the server may have delivered without saying so."""
        return [entry.recipient for entry in self.entries if entry.status == POSSIBLY_SENT]

    @property
    def status(self) -> ExitStatus:
        """PARTIAL_DATA when a digest failed, was refused or is possibly sent: the run did not
        confirm every delivery, and a scheduler should look."""
        counts = self.counts
        return (ExitStatus.PARTIAL_DATA if any(counts[s] for s in UNCONFIRMED)
                else ExitStatus.OK)

    def print_summary(self, out, err=None) -> None:
        """The count of each status; then a line for each digest possibly sent, refused or
        failed, and what to do about those possibly sent, on `err` when given (they are what
        `--quiet` still shows)."""
        err = err or out
        width = max(map(len, STATUSES))
        for status, count in self.counts.items():
            print(f"{status:<{width}}  {count:>6}", file=out)
        for entry in self.entries:
            if entry.status in UNCONFIRMED:
                print(f"{entry.status}: {entry.recipient}: {entry.reason}", file=err)
        for address in self.unknown_resends:
            print(f"warning: --resend {address}: no digest of this run goes to it", file=err)
        if possibly := self.possibly_sent:
            print("Hint: the server may have delivered the digests possibly sent without its "
                  "answer reaching enrich (a slow server needs a longer digest.smtp.timeout), "
                  "so they are not sent again by themselves; if they did not arrive, add "
                  f"`--resend {' '.join(possibly)}` to the command to send them again",
                  file=err)
