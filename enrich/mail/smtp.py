"""Sending the digests through SMTP: to allowed domains only, each at most once, at a pace.

A message is one SMTP transaction for its recipient and the archive address (BCC): when
the server refuses the recipient, the archive gets nothing either. The ledger in the store
follows each message, so that none reaches its recipient twice, whatever happens to the run:

- once the server has said 354 (go ahead), and before the message goes, the ledger notes it
  as handed over (committed);
- the server's answer to the end of the message decides: 2xx: sent, noted at once; 5xx:
  failed, and 4xx: tried again after 2, 4, 8... seconds, at most `retries` more times, the
  note removed in both cases, so that a re-run tries again;
- no answer (a time-out, a dropped connection) once the message went: possibly sent. The
  server may have delivered it, so it is not tried again: the note stays, and this run and
  every later one report the digest as possibly sent until `--resend` sends it again. A run
  killed while it sends leaves the same note.
- Before the message goes (MAIL, RCPT, DATA), a 4xx or a dropped connection (reopened) is
  tried again like a 4xx above, and a 5xx fails.

What concerns the whole session stops the batch, since every other message would fail the same
way: failing to connect, to secure the connection or to log in, and a server that takes no
mail before TLS or a login (530); what was sent stays in the ledger and a re-run sends the rest.
"""

from __future__ import annotations

import contextlib
import copy
import re
import smtplib
import time
from collections.abc import Collection, Iterable
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from enrich.errors import EnrichError
from enrich.mail.connection import connect, reply_text, session_refused
from enrich.mail.outgoing import Outgoing, domain_of, wire_bytes
from enrich.mail.report import (
    ALREADY_SENT,
    FAILED,
    POSSIBLY_SENT,
    REFUSED,
    SENT,
    Delivery,
    DeliveryReport,
)
from enrich.mail.settings import SmtpSettings

#: seconds before the first retry; each next one waits twice as long, at most BACKOFF_MOST
BACKOFF_FIRST, BACKOFF_MOST = 2.0, 300.0
#: the reply of a server that takes no mail before TLS or a login
NEEDS_TLS_OR_LOGIN = 530


def send_all(messages: Iterable[Outgoing], settings: SmtpSettings, ledger, *, period: str,
             resend: bool | Collection[str] = False, sleep=time.sleep,
             clock=time.monotonic) -> DeliveryReport:
    """Send each message, unless its domain is not allowed (refused) or the ledger has it for
    this period and content: already sent, or possibly sent (handed over, no answer came).
    `resend` sends again what the ledger has: True, every message; addresses, theirs.

    `ledger` is the store (`ledger_entry`, `record_sending`, `record_sent`, `clear_sending`);
    `sleep` and `clock` (seconds) pace the batch and wait between retries. One entry per
    message in the report; the batch stops only when the server cannot be used at all
    (SourceUnreachable, or ConfigError for a mistake in the settings), after closing the
    session.
    """
    everyone = resend is True
    chosen = frozenset() if isinstance(resend, bool) else frozenset(a.lower() for a in resend)
    report = DeliveryReport()
    sender = _Sender(settings, ledger, period, sleep, clock)
    try:
        for item in messages:
            again = everyone or item.key in chosen
            report.entries.append(_deliver(item, sender, again))
    except EnrichError as exc:
        exc.message += _where_it_stopped(report)  # the one line the CLI prints says it all
        raise
    finally:
        sender.close()
    report.unknown_resends = sorted(chosen - {entry.recipient.lower()
                                              for entry in report.entries})
    return report


def _where_it_stopped(report: DeliveryReport) -> str:
    sent = report.counts[SENT]
    said = (f"; stopped after sending {sent} digests, a re-run sends the rest" if sent
            else "; no digest was sent")
    if possibly := report.possibly_sent:
        said += (f"; possibly sent (no answer came), not sent again without --resend: "
                 f"{', '.join(possibly)}")
    return said


def _deliver(item: Outgoing, sender: _Sender, again: bool) -> Delivery:
    if not sender.settings.allows(item.recipient):
        domain = domain_of(item.recipient)
        return Delivery(item.recipient, REFUSED, "not an e-mail address" if domain is None
                        else f"the domain {domain} is not in digest.allowed_domains")
    entry = None if again else sender.ledger.ledger_entry(sender.period, item.key,
                                                          item.content_hash)
    if entry is None:
        return sender.send(item)
    if entry.sent_at is not None:
        return Delivery(item.recipient, ALREADY_SENT)
    return Delivery(item.recipient, POSSIBLY_SENT,
                    f"handed to the server at {entry.sending_since}, and its answer never came")


class _Unanswered(Exception):
    """The message went to the server, and no answer came."""


class _Sender:
    """The batch's session with the server: opened when first needed, reopened after a drop,
    starting at most `rate_per_minute` transactions a minute, noting each hand-over in the
    ledger."""

    def __init__(self, settings: SmtpSettings, ledger, period: str, sleep, clock):
        self.settings, self.ledger, self.period = settings, ledger, period
        self.sleep, self.clock = sleep, clock
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
                code, reply = self._transaction(item, recipients, data)
            except _Unanswered as exc:
                return Delivery(item.recipient, POSSIBLY_SENT,
                                f"the server's answer to the message never came: {exc}", attempt)
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

    def _transaction(self, item: Outgoing, recipients: list[str],
                     data: bytes) -> tuple[int, str]:
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
                code, reply = smtp.docmd("DATA")
                if code == 354:
                    code, reply = self._hand_over(smtp, item, data)
        if code == NEEDS_TLS_OR_LOGIN:
            raise session_refused(self.settings, smtp, code, reply)
        if not 200 <= code < 300:
            self._reset()
        return code, reply_text(reply)

    def _hand_over(self, smtp: smtplib.SMTP, item: Outgoing, data: bytes) -> tuple[int, bytes]:
        """Send the message and read the server's answer, the ledger noting the hand-over
        before it: a message whose answer never comes stays possibly sent."""
        key = (self.period, item.key, item.content_hash)
        self.ledger.record_sending(*key)
        try:
            smtp.send(_dot_stuffed(data))
            code, reply = smtp.getreply()
        except OSError as exc:
            self._drop()
            raise _Unanswered(exc) from None
        if 200 <= code < 300:
            self.ledger.record_sent(*key)
        else:
            self.ledger.clear_sending(*key)
        return code, reply

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


def _dot_stuffed(data: bytes) -> bytes:
    """A message as DATA carries it (RFC 5321 4.5.2): a dot starting a line gets another, and
    a line of a dot alone ends it."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    return (data if data.endswith(b"\r\n") else data + b"\r\n") + b".\r\n"


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
