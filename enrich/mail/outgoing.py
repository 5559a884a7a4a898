"""A digest ready to go: who gets it, the message, and what identifies its content."""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP


@dataclass(frozen=True)
class Outgoing:
    #: the address the message is delivered to (the envelope recipient)
    recipient: str
    #: the recipient's display name
    name: str
    #: the message as it crosses the wire (`wire_bytes`), as the outbox keeps it: From, To,
    #: Subject (and Reply-To) set; never a Bcc header: the archive copy goes in the envelope
    #: only
    data: bytes
    #: identifies the content, not the Date or Message-ID: the ledger's key with the recipient
    content_hash: str

    @property
    def key(self) -> str:
        """The recipient as the ledger and the outbox know it: `Ada@Corp.com` and
        `ada@corp.com` are one person."""
        return self.recipient.lower()

    @property
    def message(self) -> EmailMessage:
        """The message, for the sender to date and send."""
        return message_from_bytes(self.data, policy=SMTP)


def domain_of(address: str) -> str | None:
    """The domain of an address, lower-cased; None when it is not an address."""
    local, at, domain = address.rpartition("@")
    return domain.lower() if at and local and domain else None


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as it crosses the wire: CRLF line ends, non-ASCII headers encoded (RFC
    2047), so no server needs SMTPUTF8."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n", utf8=False))
