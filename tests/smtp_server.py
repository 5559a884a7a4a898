"""A real SMTP server (aiosmtpd) on loopback that records what it accepts, and fails on cue.

    from smtp_server import smtp_certificates_fixture     # the fixture `smtp_certificates`

    mailbox = Mailbox(reject={"bob@corp.example.com"}, defer={"cy@corp.example.com": 2})
    with running_smtp(mailbox, "starttls", smtp_certificates, users={"enrich": "pw"}) as server:
        ...                                 # server.host, server.port, server.ca_file
    mailbox.received                        # [Received(sender, recipients, content, login)]

Security: `none` (plain), `starttls` (STARTTLS offered and required before MAIL; AUTH only
after it) and `tls` (implicit TLS from the first byte). The certificates: a CA made with
`openssl req -x509` signs the server's certificate for 127.0.0.1 and localhost (the same
maker as the LDAP server's); `other_ca_file` signed nothing here, for the untrusted case.

Scripted failures of `Mailbox`: `reject` answers 550 to RCPT of those addresses; `defer`
answers 451 to the first N RCPT of an address, then accepts it; `drop_after=K` closes the
connection at the MAIL of any transaction once K messages were accepted, `drops` times (None:
every time); `refuse_data` are the answers to the end of the next messages instead of
accepting them (e.g. `["451 4.3.0 try later"]`); `data_delay` seconds pass between accepting a
message and saying so, as with a slow server: a client that gives up meanwhile does not know
that the message was accepted.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from ldap_server import _free_port, _make_certificates


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    #: the message's bytes as the server got them
    content: bytes
    #: the user the client logged in as, or None
    login: str | None
    #: the parameters of MAIL FROM, e.g. BODY=8BITMIME
    mail_options: list[str]

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=default)


class Mailbox:
    """The server's handler: keeps each accepted message in `received`."""

    def __init__(self, *, reject=(), defer: dict[str, int] | None = None,
                 drop_after: int | None = None, drops: int | None = None,
                 refuse_data=(), data_delay: float = 0):
        self.received: list[Received] = []
        self.reject = {address.lower() for address in reject}
        self.defer = {address.lower(): n for address, n in (defer or {}).items()}
        self.drop_after, self.drops = drop_after, drops
        #: RCPT commands per address, refused or not
        self.rcpt_attempts: Counter[str] = Counter()
        self.dropped = 0
        self.refuse_data = list(refuse_data)
        self.data_delay = data_delay

    @property
    def recipients(self) -> list[str]:
        """Every envelope recipient of every message received, in order."""
        return [r for message in self.received for r in message.recipients]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if (self.drop_after is not None and len(self.received) >= self.drop_after
                and self.drops != self.dropped):
            self.dropped += 1
            server.transport.close()
            return "421 4.3.2 going away"  # never arrives: the connection is closed
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        key = address.lower()
        self.rcpt_attempts[key] += 1
        if key in self.reject:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if self.rcpt_attempts[key] <= self.defer.get(key, 0):
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data.pop(0)
        login = session.auth_data.login.decode() if session.authenticated else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content, login,
                                      list(envelope.mail_options)))
        await asyncio.sleep(self.data_delay)
        return "250 2.0.0 accepted"


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    other_ca_file: Path
    server_cert: Path
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert, self.server_key)
        return context


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str
    ca_file: Path | None


@contextmanager
def running_smtp(mailbox: Mailbox, security: str = "none",
                 certificates: Certificates | None = None,
                 users: dict[str, str] | None = None) -> Iterator[SmtpServer]:
    """aiosmtpd on a free loopback port, stopped when the block ends. `users` (name ->
    password) makes a login required (after STARTTLS, or over the implicit TLS)."""
    options: dict = {"server_hostname": "smtp.test", "ready_timeout": 10}
    if security == "starttls":
        options.update(tls_context=certificates.server_context(), require_starttls=True)
    elif security == "tls":
        # aiosmtpd knows only of its STARTTLS: over the implicit TLS, offer AUTH ourselves
        options.update(ssl_context=certificates.server_context(), auth_require_tls=False)
    if users:
        options.update(authenticator=_authenticator(users), auth_required=security != "tls")
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(), **options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, security,
                         certificates.ca_file if certificates else None)
    finally:
        controller.stop()


def _authenticator(users: dict[str, str]):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and users.get(auth_data.login.decode()) == auth_data.password.decode()):
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False: the server answers 535 itself; handled=True would leave the client
        # waiting for an answer
        return AuthResult(success=False, handled=False)

    return authenticate


@pytest.fixture(scope="session", name="smtp_certificates")
def smtp_certificates_fixture(tmp_path_factory) -> Certificates:
    """A CA, a server certificate it signed for 127.0.0.1, and a CA that signed nothing."""
    if shutil.which("openssl") is None:
        message = "openssl is not installed: apt-get install -y openssl"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI must run the SMTP TLS tests)", pytrace=False)
        pytest.skip(message)
    workdir = tmp_path_factory.mktemp("smtp-tls")
    _make_certificates(workdir)
    return Certificates(workdir / "ca.pem", workdir / "other-ca.pem", workdir / "server.pem",
                        workdir / "server.key")
