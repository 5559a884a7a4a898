"""Delivering the digests: an outbox of `.eml` files, and sending them through SMTP.

The digests arrive ready (`Outgoing`: a recipient, the message's bytes, a content hash);
`write_outbox` writes them as files, `send_all` sends them to allowed domains only, each at
most once per period and content (the ledger in the store, which notes a message before it
goes), and reports what happened.
"""

from enrich.mail.outbox import Outbox, outbox_name, write_outbox
from enrich.mail.outgoing import Outgoing
from enrich.mail.report import (
    ALREADY_SENT,
    FAILED,
    POSSIBLY_SENT,
    REFUSED,
    SENT,
    STATUSES,
    Delivery,
    DeliveryReport,
)
from enrich.mail.settings import SmtpSettings
from enrich.mail.smtp import send_all

__all__ = ["ALREADY_SENT", "FAILED", "POSSIBLY_SENT", "REFUSED", "SENT", "STATUSES", "Delivery",
           "DeliveryReport", "Outbox", "Outgoing", "SmtpSettings", "outbox_name", "send_all",
           "write_outbox"]
