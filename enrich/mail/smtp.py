"""Sending the digests through SMTP: to allowed domains only, each at most once, at a pace.

A message is one SMTP transaction for its recipient and the archive address (BCC): when
the server refuses the recipient, the archive gets nothing either. The server's answer decides:

- 2xx: sent, and recorded in the ledger at once, so a crash later loses nothing;
- 5xx: failed, with the server's reply;
- 4xx, or a dropped connection (reopened): tried again after 2, 4, 8... seconds, at most
  `retries` more times.

Failing to connect, to secure the connection or to log in stops the batch, since every other
message would fail the same way; what was sent stays in the ledger and a re-run sends the rest.
"""

from __future__ import annotations

import contextlib
import copy
import smtplib
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from enrich.errors import EnrichError
from enrich.mail.connection import connect, reply_text
from enrich.mail.outgoing import Outgoing, domain_of, wire_bytes
from enrich.mail.report import ALREADY_SENT, FAILED, REFUSED, SENT, Delivery, DeliveryReport
from enrich.mail.settings import SmtpSettings

#: seconds before the first retry; each next one waits twice as long, at most BACKOFF_MOST
BACKOFF_FIRST, BACKOFF_MOST = 2.0, 300.0


def send_all(messages: Iterable[Outgoing], settings: SmtpSettings, ledger, *, period: str,
             resend: bool = False, sleep=time.sleep, clock=time.monotonic) -> DeliveryReport:
    """Send each message, unless its domain is not allowed (refused) or the ledger has it for
    this period and content (already sent; `resend` sends it again).

    `ledger` is the store (`is_sent`, `record_sent`); `sleep` and `clock` (seconds) pace the
    batch and wait between retries. One entry per message in the report; the batch stops only
    when the server cannot be used at all (SourceUnreachable, or ConfigError for a refused
    login), after closing the session.
    """
    report = DeliveryReport()
    sender = _Sender(settings, sleep, clock)
    try:
        for item in messages:
            report.entries.append(_deliver(item, sender, ledger, period, resend))
    except EnrichError as exc:
        # the one line the CLI prints also says where the batch stood
        sent = report.counts[SENT]
        exc.message += (f"; stopped after sending {sent} digests, a re-run sends the rest"
                        if sent else "; no digest was sent")
        raise
    finally:
        sender.close()
    return report


def _deliver(item: Outgoing, sender: _Sender, ledger, period: str, resend: bool) -> Delivery:
    if not sender.settings.allows(item.recipient):
        domain = domain_of(item.recipient)
        return Delivery(item.recipient, REFUSED, "not an e-mail address" if domain is None
                        else f"the domain {domain} is not in digest.allowed_domains")
    if not resend and ledger.is_sent(period, item.key, item.content_hash):
        return Delivery(item.recipient, ALREADY_SENT)
    delivery = sender.send(item)
    if delivery.status == SENT:
        ledger.record_sent(period, item.key, item.content_hash)
    return delivery


class _Sender:
    """The batch's session with the server: opened when first needed, reopened after a drop,
    starting at most `rate_per_minute` transactions a minute."""

    def __init__(self, settings: SmtpSettings, sleep, clock):
        self.settings, self.sleep, self.clock = settings, sleep, clock
        self._smtp: smtplib.SMTP | None = None
        self._interval = 60 / settings.rate_per_minute
        self._next_start: float | None = None

    def send(self, item: Outgoing) -> Delivery:
        if not item.recipient.isascii():
            return Delivery(item.recipient, FAILED, "not sent: the address is not ASCII, and "
                            "enrich does not use SMTPUTF8")
        data = wire_bytes(stamped(item.message, domain_of(self.settings.sender)))
        recipients = [item.recipient, *filter(None, [self.settings.bcc])]
        for attempt in range(1, self.settings.retries + 2):
            if attempt > 1:
                self.sleep(min(BACKOFF_FIRST * 2 ** (attempt - 2), BACKOFF_MOST))
            self._pace()
            try:
                code, reply = self._transaction(recipients, data)
            except OSError as exc:  # smtplib's errors are OSErrors too
                self._drop()
                problem = f"the connection was lost: {exc}"
                continue
            problem = f"{code} {reply}"
            if 200 <= code < 300:
                return Delivery(item.recipient, SENT, attempts=attempt)
            if not 400 <= code < 500:
                return Delivery(item.recipient, FAILED, problem, attempt)
        return Delivery(item.recipient, FAILED, f"{problem} (after {attempt} attempts)", attempt)

    def _transaction(self, recipients: list[str], data: bytes) -> tuple[int, str]:
        smtp = self._open()
        eight_bit = not data.isascii() and smtp.has_extn("8bitmime")
        code, reply = smtp.mail(self.settings.sender, ["BODY=8BITMIME"] if eight_bit else [])
        if code == 250:
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    if recipient == self.settings.bcc:
                        reply = f"{reply_text(reply)} (the archive address {recipient})"
                    break
            else:
                try:
                    code, reply = smtp.data(data)
                except smtplib.SMTPDataError as exc:
                    code, reply = exc.smtp_code, exc.smtp_error
        if not 200 <= code < 300:
            self._reset()
        return code, reply_text(reply)

    def _open(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = connect(self.settings)
        return self._smtp

    def _reset(self) -> None:
        """Abandon a refused transaction; a session that cannot is dropped."""
        try:
            self._smtp.rset()
        except OSError:
            self._drop()

    def _pace(self) -> None:
        now = self.clock()
        start = now if self._next_start is None else max(now, self._next_start)
        if start > now:
            self.sleep(start - now)
        self._next_start = start + self._interval

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):  # a session the server dropped: closed anyway
                self._smtp.quit()
            self._drop()


def stamped(message: EmailMessage, domain: str | None) -> EmailMessage:
    """A copy dated now, with a Message-ID when it has none, and no Bcc header."""
    result = copy.deepcopy(message)
    now = format_datetime(datetime.now(timezone.utc))
    if "Date" in result:
        result.replace_header("Date", now)
    else:
        result["Date"] = now
    if "Message-ID" not in result:
        result["Message-ID"] = make_msgid(domain=domain)
    del result["Bcc"]
    return result
