"""What became of each digest of a batch, and the summary a run prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from enrich.errors import ExitStatus

SENT, ALREADY_SENT, REFUSED, FAILED = "sent", "already sent", "refused", "failed"
STATUSES = (SENT, ALREADY_SENT, REFUSED, FAILED)


@dataclass(frozen=True)
class Delivery:
    recipient: str
    #: one of `STATUSES`
    status: str
    #: why it was refused or failed (the server's reply); empty otherwise
    reason: str = ""
    #: transactions tried with the server (0 when nothing was sent)
    attempts: int = 0


@dataclass
class DeliveryReport:
    entries: list[Delivery] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Entries per status, every status present, in the order of `STATUSES`."""
        counts = dict.fromkeys(STATUSES, 0)
        for entry in self.entries:
            counts[entry.status] += 1
        return counts

    @property
    def status(self) -> ExitStatus:
        """PARTIAL_DATA when a digest failed or was refused: a scheduler should look."""
        counts = self.counts
        return ExitStatus.PARTIAL_DATA if counts[FAILED] or counts[REFUSED] else ExitStatus.OK

    def print_summary(self, out, err=None) -> None:
        """The count of each status; then a line for each digest refused or failed, on `err`
        when given (they are what `--quiet` still shows)."""
        width = max(map(len, STATUSES))
        for status, count in self.counts.items():
            print(f"{status:<{width}}  {count:>6}", file=out)
        for entry in self.entries:
            if entry.status in (REFUSED, FAILED):
                print(f"{entry.status}: {entry.recipient}: {entry.reason}", file=err or out)
