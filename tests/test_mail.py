"""Delivering the digests: the outbox, SMTP against a real aiosmtpd on loopback, the ledger."""

import contextlib
import dataclasses
import hashlib
import html
import io
import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime

import pytest
from smtp_server import Mailbox, running_smtp, smtp_certificates_fixture  # noqa: F401

from enrich.config import Config
from enrich.errors import ConfigError, ExitStatus, SourceUnreachable
from enrich.mail import (
    ALREADY_SENT,
    FAILED,
    POSSIBLY_SENT,
    REFUSED,
    SENT,
    Delivery,
    DeliveryReport,
    Outgoing,
    SmtpSettings,
    outbox_name,
    send_all,
    write_outbox,
)
from enrich.mail.outgoing import wire_bytes
from enrich.store import MIGRATIONS, Store

DOMAIN = "corp.example.com"
SENDER = f"copilot@{DOMAIN}"
PERIOD = "2026-10"
USER, PASSWORD = "enrich", "Smtp-s3cret!"
ADA, ZOE, BOB, CY = (f"{name}@{DOMAIN}" for name in ("ada.lovelace", "zoe.bronte", "bob",
                                                        "cy"))


def digest(address: str, name: str, *, message_id: bool = True) -> Outgoing:
    """A digest as the digest builder hands it over: multipart/alternative, UTF-8 names."""
    subject = f"Copilot in Plattform Zürich: Oktober 2026 – {name}"
    content_hash = hashlib.sha256(f"{address.lower()}\0{subject}".encode()).hexdigest()
    message = EmailMessage()
    message["From"] = f"Copilot Enablement <{SENDER}>"
    message["To"] = f"{name} <{address}>"
    message["Reply-To"] = f"enablement@{DOMAIN}"
    message["Subject"] = subject
    message["Date"] = "Thu, 01 Oct 2026 00:00:00 +0000"
    if message_id:
        message["Message-ID"] = f"<{content_hash[:32]}@enrich.digest>"
    message.set_content(f"Hallo {name},\n\n12 von 15 nutzen Copilot.\n")
    message.add_alternative(f"<p>Hallo <b>{html.escape(name)}</b>, 12 von 15 nutzen "
                            "Copilot.</p>", subtype="html")
    return Outgoing(address, name, wire_bytes(message), content_hash)


BATCH = [digest(ADA, "Ada Lovelace"), digest(ZOE, "Zoë Brontë"), digest(BOB, "Bob Ó Briain"),
         digest(CY, "Cy Twombly")]


class FakeTime:
    """`clock` and `sleep` for the sender: sleeping moves the clock and costs no time."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "enrich.db", tmp_path / "archive") as s:
        yield s


def settings_for(server, **changes) -> SmtpSettings:
    settings = SmtpSettings(server.host, server.port, server.security, SENDER,
                            frozenset({DOMAIN}), ca_file=server.ca_file, timeout=5)
    return dataclasses.replace(settings, **changes)


def send(messages, settings, store, time=None, **options) -> DeliveryReport:
    time = time or FakeTime()
    return send_all(messages, settings, store, period=PERIOD, sleep=time.sleep,
                    clock=time.clock, **options)


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text of the plain and the HTML part, whatever the line ends."""
    return tuple(message.get_body((kind,)).get_content().replace("\r\n", "\n")
                 for kind in ("plain", "html"))


def statuses(report: DeliveryReport) -> dict[str, str]:
    return {entry.recipient: entry.status for entry in report.entries}


def is_sent(store, period: str, recipient: str, content_hash: str) -> bool:
    """Whether the ledger has the digest as accepted by the server."""
    entry = store.ledger_entry(period, recipient, content_hash)
    return entry is not None and entry.sent_at is not None


# -- sending

def test_plain_delivery_gives_the_server_each_message_whole_and_dated_now(store):
    mailbox = Mailbox()
    messages = [BATCH[0], digest(ZOE, "Zoë Brontë", message_id=False)]
    before = datetime.now(timezone.utc).replace(microsecond=0)
    with running_smtp(mailbox) as server:
        report = send(messages, settings_for(server, security="none"), store)
    assert report.entries == [Delivery(ADA, SENT, attempts=1), Delivery(ZOE, SENT, attempts=1)]
    assert report.status == ExitStatus.OK
    assert [(r.sender, r.recipients, r.login) for r in mailbox.received] == [
        (SENDER, [ADA], None), (SENDER, [ZOE], None)]
    # Zoë's text goes in 8 bits: the transaction says so (RFC 6152)
    assert [r.mail_options for r in mailbox.received] == [[], ["BODY=8BITMIME"]]
    for item, received in zip(messages, mailbox.received, strict=True):
        got = received.message
        assert got["Subject"] == item.message["Subject"]
        assert got["To"].addresses[0].display_name == item.name
        assert got["Reply-To"] == f"enablement@{DOMAIN}"
        assert got.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in got.iter_parts()] == ["text/plain", "text/html"]
        assert parts(got) == parts(item.message)
        assert before <= parsedate_to_datetime(got["Date"]) <= datetime.now(timezone.utc)
        headers = received.content.partition(b"\r\n\r\n")[0]
        assert headers.isascii()  # names and subject encoded: no server needs SMTPUTF8
    assert mailbox.received[0].message["Message-ID"] == messages[0].message["Message-ID"]
    assert mailbox.received[1].message["Message-ID"].endswith(f"@{DOMAIN}>")
    # the caller's messages are left as they were (the outbox holds them so)
    assert messages[0].message["Date"] == "Thu, 01 Oct 2026 00:00:00 +0000"
    assert is_sent(store, PERIOD, ADA, messages[0].content_hash)


def test_lines_that_start_with_a_dot_arrive_whole(store):
    item = digest(ADA, "Ada Lovelace")
    message = item.message
    message.get_body(("plain",)).set_content(".\n..two dots\n.one dot\nend\n")
    item = dataclasses.replace(item, data=wire_bytes(message))
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        send([item], settings_for(server, security="none"), store)
    assert parts(mailbox.received[0].message)[0] == ".\n..two dots\n.one dot\nend\n"


def test_starttls_with_a_login_from_the_environment(tmp_path, store, smtp_certificates,
                                                    monkeypatch):
    mailbox = Mailbox()
    with running_smtp(mailbox, "starttls", smtp_certificates, users={USER: PASSWORD}) as server:
        settings = settings_from_config(tmp_path, monkeypatch, server)
        report = send(BATCH[:2], settings, store)
    assert report.counts == {SENT: 2, ALREADY_SENT: 0, POSSIBLY_SENT: 0, REFUSED: 0, FAILED: 0}
    assert [(r.recipients, r.login) for r in mailbox.received] == [([ADA], USER), ([ZOE], USER)]


def test_a_wrong_password_stops_the_batch_with_a_clear_error_and_sends_nothing(
        tmp_path, store, smtp_certificates, monkeypatch):
    mailbox = Mailbox()
    with running_smtp(mailbox, "starttls", smtp_certificates, users={USER: PASSWORD}) as server:
        monkeypatch.setenv("ENRICH_TEST_SMTP_PASSWORD", "wrong")
        settings = settings_from_config(tmp_path, monkeypatch, server, password=None)
        with pytest.raises(ConfigError) as info:
            send(BATCH, settings, store)
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{server.port} refused the login of enrich: 535 5.7.8 "
        "Authentication credentials invalid; no digest was sent")
    assert info.value.hint == (
        "check the user name and the password in the environment variables that "
        "digest.smtp.username_env and digest.smtp.password_env name")
    assert info.value.exit_status == ExitStatus.BAD_CONFIG
    assert mailbox.received == []
    assert not any(is_sent(store, PERIOD, m.key, m.content_hash) for m in BATCH)
    assert "wrong" not in repr(settings) and PASSWORD not in repr(settings)


def test_implicit_tls_with_a_login(store, smtp_certificates):
    mailbox = Mailbox()
    with running_smtp(mailbox, "tls", smtp_certificates, users={USER: PASSWORD}) as server:
        report = send(BATCH[:1], settings_for(server, username=USER, password=PASSWORD), store)
    assert statuses(report) == {ADA: SENT}
    assert [(r.recipients, r.login) for r in mailbox.received] == [([ADA], USER)]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_from_another_authority_is_not_trusted(store, smtp_certificates,
                                                             security):
    mailbox = Mailbox()
    with running_smtp(mailbox, security, smtp_certificates) as server:
        settings = settings_for(server, ca_file=smtp_certificates.other_ca_file)
        with pytest.raises(SourceUnreachable) as info:
            send(BATCH, settings, store)
    assert str(info.value) == (
        f"the certificate of the SMTP server 127.0.0.1:{server.port} is not trusted: "
        "unable to get local issuer certificate; no digest was sent")
    assert info.value.hint.startswith("set digest.smtp.ca_file to the PEM file")
    assert mailbox.received == []


def test_a_server_without_starttls_is_never_used_in_plain_text(store):
    mailbox = Mailbox()
    with running_smtp(mailbox) as server, pytest.raises(SourceUnreachable) as info:
        send(BATCH, settings_for(server, security="starttls"), store)
    assert str(info.value) == (f"the SMTP server 127.0.0.1:{server.port} does not offer "
                               "STARTTLS; no digest was sent")
    assert mailbox.received == []


def test_a_server_that_cannot_be_reached_stops_the_batch(store):
    with running_smtp(Mailbox()) as server:
        pass  # stopped: nothing listens on its port any more
    with pytest.raises(SourceUnreachable) as info:
        send(BATCH, settings_for(server, security="none"), store)
    assert str(info.value).startswith(f"cannot reach the SMTP server 127.0.0.1:{server.port}: ")
    assert str(info.value).endswith("; no digest was sent")
    assert info.value.exit_status == ExitStatus.SOURCE_UNREACHABLE


def test_a_recipient_rejected_with_550_fails_while_the_others_go_through(store):
    mailbox = Mailbox(reject={ZOE})
    time = FakeTime()
    with running_smtp(mailbox) as server:
        report = send(BATCH, settings_for(server, security="none", rate_per_minute=6000),
                      store, time)
    assert statuses(report) == {ADA: SENT, ZOE: FAILED, BOB: SENT, CY: SENT}
    assert report.entries[1] == Delivery(ZOE, FAILED, f"550 5.1.1 <{ZOE}>: mailbox unavailable",
                                         attempts=1)
    assert mailbox.recipients == [ADA, BOB, CY]
    assert report.status == ExitStatus.PARTIAL_DATA
    assert not is_sent(store, PERIOD, ZOE, BATCH[1].content_hash)
    assert all(s < 1 for s in time.sleeps)  # pacing only: a permanent failure is not retried


def test_a_temporary_failure_is_retried_with_back_off(store):
    mailbox = Mailbox(defer={ADA: 2, ZOE: 9})
    time = FakeTime()
    with running_smtp(mailbox) as server:
        settings = settings_for(server, security="none", retries=3)
        first = send(BATCH[:1], settings, store, time)
        assert time.sleeps == [2.0, 4.0]
        time.sleeps.clear()
        second = send(BATCH[1:2], settings, store, time)
    assert first.entries == [Delivery(ADA, SENT, attempts=3)]
    assert time.sleeps == [2.0, 4.0, 8.0]
    assert second.entries == [Delivery(
        ZOE, FAILED, "451 4.7.1 greylisted, try again later (after 4 attempts)", attempts=4)]
    assert mailbox.recipients == [ADA]
    assert mailbox.rcpt_attempts == {ADA: 3, ZOE: 4}


def test_a_dropped_connection_is_reopened_and_the_message_tried_again(store):
    mailbox = Mailbox(drop_after=2, drops=1)
    with running_smtp(mailbox) as server:
        report = send(BATCH, settings_for(server, security="none"), store)
    assert [(e.status, e.attempts) for e in report.entries] == [
        (SENT, 1), (SENT, 1), (SENT, 2), (SENT, 1)]
    assert mailbox.dropped == 1
    assert mailbox.recipients == [ADA, ZOE, BOB, CY]


def test_after_the_connection_is_lost_mid_batch_a_rerun_sends_exactly_the_rest(store):
    mailbox = Mailbox(drop_after=2)  # the server drops every transaction after the second
    with running_smtp(mailbox) as server:
        settings = settings_for(server, security="none", retries=1)
        first = send(BATCH, settings, store)
        assert statuses(first) == {ADA: SENT, ZOE: SENT, BOB: FAILED, CY: FAILED}
        assert first.entries[2].reason == ("the connection was lost: Connection unexpectedly "
                                           "closed (after 2 attempts)")
        mailbox.drop_after = None  # the server is well again
        second = send(BATCH, settings, store)
    assert statuses(second) == {ADA: ALREADY_SENT, ZOE: ALREADY_SENT, BOB: SENT, CY: SENT}
    assert mailbox.recipients == [ADA, ZOE, BOB, CY]  # across both runs: none twice, none lost


def test_after_a_crash_mid_batch_a_rerun_sends_exactly_the_rest(store):
    class Crash(BaseException):
        pass

    def crash_at_the_third_message(seconds):
        if len(mailbox.received) == 2:
            raise Crash

    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        settings = settings_for(server, security="none")
        with pytest.raises(Crash):
            send_all(BATCH, settings, store, period=PERIOD, sleep=crash_at_the_third_message,
                     clock=lambda: 0.0)
        second = send(BATCH, settings, store)
    assert statuses(second) == {ADA: ALREADY_SENT, ZOE: ALREADY_SENT, BOB: SENT, CY: SENT}
    assert mailbox.recipients == [ADA, ZOE, BOB, CY]


# -- possibly sent: the message went, and the server's answer never came

def test_11_6_a_message_whose_answer_never_comes_is_possibly_sent_and_not_sent_again(store):
    mailbox = Mailbox(data_delay=3)  # accepts each message, and says so after 3 s
    with running_smtp(mailbox) as server:
        settings = settings_for(server, security="none", timeout=0.5, retries=1)
        first = send(BATCH[:2], settings, store)
        assert [(e.status, e.reason) for e in first.entries] == [
            (POSSIBLY_SENT, "the server's answer to the message never came: Connection "
                            "unexpectedly closed: timed out")] * 2
        assert first.status == ExitStatus.PARTIAL_DATA
        assert first.possibly_sent == [ADA, ZOE]
        # noted before the message went, and still so: the server's answer never came
        entry = store.ledger_entry(PERIOD, ADA, BATCH[0].content_hash)
        assert entry.sent_at is None and entry.sending_since is not None
        mailbox.data_delay = 0  # the server is well again: a re-run sends nothing again
        second = send(BATCH[:2], settings, store)
        assert [e.status for e in second.entries] == [POSSIBLY_SENT] * 2
        assert second.entries[0].reason == (
            f"handed to the server at {entry.sending_since}, and its answer never came")
        assert mailbox.recipients == [ADA, ZOE]
        resent = send(BATCH[:2], settings, store, resend=[ZOE.upper(), "nobody@corp.test"])
    assert statuses(resent) == {ADA: POSSIBLY_SENT, ZOE: SENT}
    assert resent.unknown_resends == ["nobody@corp.test"]
    assert mailbox.recipients == [ADA, ZOE, ZOE]
    assert store.ledger_entry(PERIOD, ZOE, BATCH[1].content_hash).sending_since is None


def test_11_6_a_refused_message_leaves_no_note_so_a_rerun_sends_it(store):
    # the end of the message refused: a 4xx is tried again, a 5xx fails; both are definite
    mailbox = Mailbox(refuse_data=["451 4.3.0 queue full", "554 5.6.0 message refused"])
    with running_smtp(mailbox) as server:
        settings = settings_for(server, security="none", retries=1)
        first = send(BATCH[:1], settings, store)
        assert first.entries == [Delivery(ADA, FAILED, "554 5.6.0 message refused", 2)]
        assert store.ledger_entry(PERIOD, ADA, BATCH[0].content_hash) is None
        second = send(BATCH[:1], settings, store)
    assert statuses(second) == {ADA: SENT}
    assert mailbox.recipients == [ADA]


def test_11_6_a_batch_stopped_after_a_message_possibly_sent_names_it(store):
    with contextlib.ExitStack() as server_running:
        mailbox = Mailbox(data_delay=3)
        server = server_running.enter_context(running_smtp(mailbox))

        def stop_the_server_after_the_first_message(seconds):
            if mailbox.received:
                server_running.close()

        settings = settings_for(server, security="none", timeout=0.5)
        with pytest.raises(SourceUnreachable) as info:
            send_all(BATCH[:2], settings, store, period=PERIOD,
                     sleep=stop_the_server_after_the_first_message, clock=lambda: 0.0)
    assert str(info.value).endswith(
        "; no digest was sent; possibly sent (no answer came), not sent again without "
        f"--resend: {ADA}")


def test_11_12_security_none_against_a_server_that_requires_starttls_stops_at_once(
        store, smtp_certificates):
    mailbox = Mailbox()
    with (running_smtp(mailbox, "starttls", smtp_certificates) as server,
          pytest.raises(ConfigError) as info):
        send(BATCH, settings_for(server, security="none"), store)
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{server.port} takes no mail over an unencrypted connection "
        "(530 Must issue a STARTTLS command first), and digest.smtp.security is none; no "
        "digest was sent")
    assert info.value.hint == "set digest.smtp.security to starttls"
    assert info.value.exit_status == ExitStatus.BAD_CONFIG
    assert mailbox.rcpt_attempts == {}


def test_11_12_a_server_that_requires_a_login_stops_at_once(store, smtp_certificates):
    mailbox = Mailbox()
    with (running_smtp(mailbox, "starttls", smtp_certificates, users={USER: PASSWORD}) as server,
          pytest.raises(ConfigError) as info):
        send(BATCH, settings_for(server), store)
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{server.port} takes mail only after a login (530 5.7.0 "
        "Authentication required); no digest was sent")
    assert info.value.hint == (
        "name the environment variables of the user name and the password in "
        "digest.smtp.username_env and digest.smtp.password_env")
    assert mailbox.rcpt_attempts == {}


def test_11_12_a_port_that_expects_implicit_tls_is_told_at_once(store, smtp_certificates):
    mailbox = Mailbox()
    with running_smtp(mailbox, "tls", smtp_certificates) as server:
        # no waiting for the whole time-out: the server's silence and its TLS tell
        settings = settings_for(server, security="starttls", timeout=30)
        with pytest.raises(ConfigError) as info:
            send(BATCH, settings, store)
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{server.port} expects TLS from the first byte (implicit "
        "TLS), but digest.smtp.security is starttls; no digest was sent")
    assert info.value.hint == ("set digest.smtp.security to tls, or digest.smtp.port to the "
                               "server's STARTTLS port (usually 587)")
    assert mailbox.received == []


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_11_12_implicit_tls_against_a_plain_port_is_told(store, smtp_certificates, security):
    mailbox = Mailbox()
    with (running_smtp(mailbox, security, smtp_certificates) as server,
          pytest.raises(ConfigError) as info):
        send(BATCH, settings_for(server, security="tls"), store)
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{server.port} answered in plain text, not TLS, but "
        "digest.smtp.security is tls (implicit TLS); no digest was sent")
    assert info.value.hint == ("set digest.smtp.security to starttls, or digest.smtp.port to "
                               "the server's implicit-TLS port (usually 465)")


def test_recipients_outside_the_allowed_domains_are_refused_and_never_reach_the_server(store):
    outsiders = [digest("eve@example.org", "Eve"), digest(f"dan@eu.{DOMAIN}", "Dan"),
                 digest("not-an-address", "Nobody")]
    shouting = digest("ADA.LOVELACE@Corp.Example.COM", "Ada Lovelace")
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        report = send([*outsiders, shouting], settings_for(server, security="none"), store)
    assert report.entries[:3] == [
        Delivery("eve@example.org", REFUSED,
                 "the domain example.org is not in digest.allowed_domains"),
        Delivery(f"dan@eu.{DOMAIN}", REFUSED,
                 f"the domain eu.{DOMAIN} is not in digest.allowed_domains"),
        Delivery("not-an-address", REFUSED, "not an e-mail address")]
    assert report.entries[3].status == SENT  # domains compare in any case
    assert mailbox.recipients == ["ADA.LOVELACE@Corp.Example.COM"]
    assert mailbox.rcpt_attempts.keys() == {"ada.lovelace@corp.example.com"}
    assert report.status == ExitStatus.PARTIAL_DATA


def test_an_address_that_is_not_ascii_fails_alone(store):
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        report = send([digest(f"zoë@{DOMAIN}", "Zoë"), BATCH[0]],
                      settings_for(server, security="none"), store)
    assert report.entries == [
        Delivery(f"zoë@{DOMAIN}", FAILED, "not sent: the address is not ASCII, and enrich does "
                 "not use SMTPUTF8"), Delivery(ADA, SENT, attempts=1)]
    assert mailbox.recipients == [ADA]


def test_the_archive_address_is_in_the_envelope_only(store):
    archive = f"digest-archive@{DOMAIN}"
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        send(BATCH[:2], settings_for(server, security="none", bcc=archive), store)
    assert [r.recipients for r in mailbox.received] == [[ADA, archive], [ZOE, archive]]
    for received in mailbox.received:
        assert received.message["Bcc"] is None
        assert archive.encode() not in received.content


def test_when_the_recipient_is_refused_the_archive_gets_nothing_either(store):
    archive = f"digest-archive@{DOMAIN}"
    mailbox = Mailbox(reject={ZOE})
    with running_smtp(mailbox) as server:
        report = send(BATCH[:2], settings_for(server, security="none", bcc=archive), store)
    assert statuses(report) == {ADA: SENT, ZOE: FAILED}
    assert mailbox.recipients == [ADA, archive]


def test_the_ledger_skips_what_was_sent_unless_resend(store):
    mailbox = Mailbox()
    changed = digest(ZOE, "Zoë Brontë (new)")  # another content: a new digest
    with running_smtp(mailbox) as server:
        settings = settings_for(server, security="none")
        send(BATCH[:2], settings, store)
        again = send([*BATCH[:2], changed], settings, store)
        assert statuses(again) == {ADA: ALREADY_SENT, ZOE: SENT}
        assert [e.status for e in again.entries] == [ALREADY_SENT, ALREADY_SENT, SENT]
        assert again.status == ExitStatus.OK
        other_period = send_all(BATCH[:1], settings, store, period="2026-11",
                                sleep=FakeTime().sleep)
        resent = send(BATCH[:2], settings, store, resend=True)
    assert statuses(other_period) == {ADA: SENT}
    assert statuses(resent) == {ADA: SENT, ZOE: SENT}
    assert mailbox.recipients == [ADA, ZOE, ZOE, ADA, ADA, ZOE]


def test_the_rate_limit_paces_the_batch_on_the_clock(store):
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        settings = settings_for(server, security="none", rate_per_minute=30)
        time = FakeTime()
        send(BATCH, settings, store, time)
        assert time.sleeps == [2.0, 2.0, 2.0]  # 30 a minute: one every 2 seconds

        class SlowTime(FakeTime):
            def clock(self):  # each message takes 3 s by itself
                self.now += 3
                return self.now

        slow = SlowTime()
        send(BATCH, settings, store, slow, resend=True)
    assert slow.sleeps == []
    assert len(mailbox.received) == 8


# -- the outbox

def test_the_outbox_holds_exactly_this_runs_messages(tmp_path):
    folder = tmp_path / "outbox"
    folder.mkdir()
    (folder / "left.over_at_corp.example.com.eml").write_text("an earlier run")
    (folder / "notes.txt").write_text("not ours")
    paths = write_outbox(BATCH[:2], folder)
    assert [p.name for p in paths] == ["ada.lovelace_at_corp.example.com.eml",
                                       "zoe.bronte_at_corp.example.com.eml"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "ada.lovelace_at_corp.example.com.eml", "notes.txt", "zoe.bronte_at_corp.example.com.eml"]
    for item, path in zip(BATCH, paths, strict=False):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        back = message_from_bytes(path.read_bytes(), policy=default)
        assert back["Subject"] == item.message["Subject"]
        assert back["To"].addresses[0].display_name == item.name
        assert parts(back) == parts(item.message)
    assert write_outbox(BATCH[:1], folder) == paths[:1]
    assert sorted(p.name for p in folder.glob("*.eml")) == [paths[0].name]


def test_outbox_names_are_safe_and_never_shared():
    assert outbox_name("Ada.Lovelace@Corp.Example.com") == "ada.lovelace_at_corp.example.com.eml"
    addresses = ["a_b@x.com", "a+b@x.com", "a_2bb@x.com", "a@b@x.com", "a_40b@x.com",
                 "a_at_b@x.com", "zoë@x.com", "../etc@x.com", "ab@x.com", "abx.com"]
    names = [outbox_name(a) for a in addresses]
    assert len(set(names)) == len(names)
    assert names[:3] == ["a_5fb_at_x.com.eml", "a_2bb_at_x.com.eml", "a_5f2bb_at_x.com.eml"]
    assert all(set(n) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-") for n in names)
    assert len(outbox_name("a" * 300 + "@x.com")) < 255


def test_two_digests_for_one_recipient_are_a_mistake(tmp_path):
    with pytest.raises(ValueError, match="two digests for ADA.LOVELACE@"):
        write_outbox([BATCH[0], digest(ADA.upper(), "Ada")], tmp_path)


# -- the report

def test_the_summary_table_counts_each_status_and_explains_the_others():
    report = DeliveryReport([
        Delivery(ADA, SENT, attempts=1), Delivery(ZOE, ALREADY_SENT),
        Delivery("eve@example.org", REFUSED,
                 "the domain example.org is not in digest.allowed_domains"),
        Delivery(BOB, FAILED, f"550 5.1.1 <{BOB}>: mailbox unavailable", attempts=1),
        Delivery(CY, SENT, attempts=2)])
    out = io.StringIO()
    report.print_summary(out)
    assert out.getvalue() == (
        "sent                2\n"
        "already sent        1\n"
        "possibly sent       0\n"
        "refused             1\n"
        "failed              1\n"
        "refused: eve@example.org: the domain example.org is not in digest.allowed_domains\n"
        f"failed: {BOB}: 550 5.1.1 <{BOB}>: mailbox unavailable\n")
    assert report.status == ExitStatus.PARTIAL_DATA == 1
    assert DeliveryReport([Delivery(ADA, ALREADY_SENT)]).status == ExitStatus.OK


def test_11_6_the_summary_names_the_digests_possibly_sent_and_how_to_send_them_again():
    report = DeliveryReport([
        Delivery(ADA, POSSIBLY_SENT, "the server's answer to the message never came: timed out",
                 attempts=1),
        Delivery(ZOE, SENT, attempts=1),
        Delivery(BOB, POSSIBLY_SENT, "handed to the server at 2026-11-01T08:00:00Z, and its "
                 "answer never came")], unknown_resends=["cy@corp.test"])
    out, err = io.StringIO(), io.StringIO()
    report.print_summary(out, err)
    assert out.getvalue() == (
        "sent                1\n"
        "already sent        0\n"
        "possibly sent       2\n"
        "refused             0\n"
        "failed              0\n")
    assert err.getvalue() == (
        f"possibly sent: {ADA}: the server's answer to the message never came: timed out\n"
        f"possibly sent: {BOB}: handed to the server at 2026-11-01T08:00:00Z, and its answer "
        "never came\n"
        "warning: --resend cy@corp.test: no digest of this run goes to it\n"
        "Hint: the server may have delivered the digests possibly sent without its answer "
        "reaching enrich (a slow server needs a longer digest.smtp.timeout), so they are not "
        f"sent again by themselves; if they did not arrive, add `--resend {ADA} {BOB}` to the "
        "command to send them again\n")
    # the run did not confirm every digest: a scheduler should look
    assert report.status == ExitStatus.PARTIAL_DATA


# -- the settings

def settings_from_config(tmp_path, monkeypatch, server, *, password=PASSWORD,
                         **digest) -> SmtpSettings:
    monkeypatch.setenv("ENRICH_TEST_SMTP_USER", USER)
    if password is not None:
        monkeypatch.setenv("ENRICH_TEST_SMTP_PASSWORD", password)
    return SmtpSettings.from_config(config_file(tmp_path, f"""
digest:
  from: "Copilot Enablement <{SENDER}>"
  allowed_domains: [{DOMAIN}]
  smtp:
    host: {server.host}
    port: {server.port}
    security: {server.security}
    username_env: ENRICH_TEST_SMTP_USER
    password_env: ENRICH_TEST_SMTP_PASSWORD
    ca_file: {server.ca_file}
""", **digest))


def config_file(tmp_path, text: str, **digest) -> Config:
    config = Config.load(_write(tmp_path / "enrich.yaml", text))
    return config.with_values(**{f"digest__{k}": v for k, v in digest.items()})


def _write(path, text):
    path.write_text(text)
    return path


def test_settings_from_the_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("ENRICH_TEST_SMTP_USER", USER)
    monkeypatch.setenv("ENRICH_TEST_SMTP_PASSWORD", PASSWORD)
    settings = SmtpSettings.from_config(config_file(tmp_path, f"""
digest:
  from: "Copilot Enablement <{SENDER}>"
  bcc: "Archive <archive@{DOMAIN}>"
  allowed_domains: [Corp.Example.com, example.net]
  rate_per_minute: 20
  smtp: {{host: smtp.{DOMAIN}, username_env: ENRICH_TEST_SMTP_USER,
          password_env: ENRICH_TEST_SMTP_PASSWORD}}
"""))
    assert settings == SmtpSettings(
        f"smtp.{DOMAIN}", 587, "starttls", SENDER, frozenset({DOMAIN, "example.net"}),
        f"archive@{DOMAIN}", USER, PASSWORD, None, 30, 20, 3)
    assert PASSWORD not in repr(settings)
    assert settings.allows(f"Someone@{DOMAIN.upper()}")
    assert not settings.allows(f"someone@mail.{DOMAIN}")


BASE = f"""
digest:
  from: {SENDER}
  allowed_domains: [{DOMAIN}]
  smtp: {{host: smtp.{DOMAIN}}}
"""


@pytest.mark.parametrize(("changes", "message"), [
    ({"smtp.host": None}, "digest.smtp.host: sending the digests needs the SMTP server"),
    ({"from": None}, "digest.from: sending the digests needs a sender address, e.g. "
                     "`Copilot enablement <copilot@example.com>`"),
    ({"from": "Zoë <zoë@corp.example.com>"},
     "digest.from: not an e-mail address in ASCII: 'Zoë <zoë@corp.example.com>'"),
    ({"bcc": "archive"}, "digest.bcc: not an e-mail address in ASCII: 'archive'"),
    ({"allowed_domains": []}, "digest.allowed_domains: sending the digests needs the e-mail "
                              "domains they may go to"),
    ({"allowed_domains": ["@corp.example.com"]},
     "digest.allowed_domains: not a domain: '@corp.example.com'"),
    ({"bcc": "archive@example.org"},
     "digest.bcc: the archive address 'archive@example.org' is not in an allowed domain"),
    ({"smtp.username_env": "ENRICH_TEST_SMTP_USER"},
     "digest.smtp.password_env: required with digest.smtp.username_env"),
    ({"smtp.username_env": "ENRICH_TEST_SMTP_USER", "smtp.password_env": "ENRICH_TEST_UNSET"},
     "digest.smtp.password_env: the environment variable ENRICH_TEST_UNSET is not set"),
    ({"smtp.username_env": "ENRICH_TEST_SMTP_USER", "smtp.password_env": "ENRICH_TEST_SMTP_USER",
      "smtp.security": "none"},
     "digest.smtp.security: a login with security none would send the password unencrypted"),
])
def test_settings_name_what_is_missing_or_wrong(tmp_path, monkeypatch, changes, message):
    monkeypatch.setenv("ENRICH_TEST_SMTP_USER", USER)
    monkeypatch.delenv("ENRICH_TEST_UNSET", raising=False)
    config = Config.load(_write(tmp_path / "enrich.yaml", BASE)).with_values(
        **{f"digest__{key.replace('.', '__')}": value for key, value in changes.items()})
    with pytest.raises(ConfigError) as info:
        SmtpSettings.from_config(config)
    assert str(info.value) == f"{tmp_path / 'enrich.yaml'}: {message}"
    assert info.value.exit_status == ExitStatus.BAD_CONFIG


# -- the ledger

def old_store(tmp_path, version: int):
    """A store as enrich left it at schema `version`: a user-day, an org chart and, from
    version 4, a digest sent."""
    path = tmp_path / f"v{version}.db"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        db.executescript(script)
    db.execute("INSERT INTO engagement VALUES (20000, 11, 3)")
    db.execute("INSERT INTO directory_snapshots (taken_on, sources, sha256, content) "
               "VALUES (20000, 'yaml', 'abc', x'00')")
    if version >= 4:
        db.execute("INSERT INTO digest_ledger VALUES (?, ?, 'h0', '2026-11-01T08:00:00Z')",
                   (PERIOD, ZOE))
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()
    return path


def test_a_store_of_schema_3_is_migrated_keeping_its_data_and_gaining_the_ledger(tmp_path):
    path = old_store(tmp_path, 3)
    with Store(path, tmp_path / "archive") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.directory_snapshots() == [(20000, "yaml")]
        assert store.ledger_entry(PERIOD, ADA, "h1") is None
        store.record_sent(PERIOD, ADA, "h1")
        # committed at once: another connection sees it while the store is open
        reader = sqlite3.connect(path)
        try:
            (sent_at,) = reader.execute(
                "SELECT sent_at FROM digest_ledger WHERE period = ? AND recipient = ? AND "
                "content_hash = ?", (PERIOD, ADA, "h1")).fetchone()
        finally:
            reader.close()
        assert is_sent(store, PERIOD, ADA, "h1")
        assert not is_sent(store, PERIOD, ADA, "h2") and not is_sent(store, "2026-11", ADA, "h1")
        store.record_sent(PERIOD, ADA, "h1")  # sent again (--resend): one row
    sent = datetime.strptime(sent_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - sent) < timedelta(minutes=1)


def test_11_6_a_store_of_schema_4_keeps_its_ledger_and_gains_the_possibly_sent(tmp_path):
    path = old_store(tmp_path, 4)
    with Store(path, tmp_path / "archive") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.ledger_entry(PERIOD, ZOE, "h0") == ("2026-11-01T08:00:00Z", None)
        assert store.directory_snapshots() == [(20000, "yaml")]
        store.record_sending(PERIOD, ADA, "h1")
        # committed before the message goes: a kill now leaves the digest possibly sent
        reader = sqlite3.connect(path)
        try:
            assert reader.execute(
                "SELECT sent_at IS NULL, sending_since IS NOT NULL FROM digest_ledger "
                "WHERE recipient = ?", (ADA,)).fetchone() == (1, 1)
        finally:
            reader.close()
        store.record_sent(PERIOD, ADA, "h1")
        assert store.ledger_entry(PERIOD, ADA, "h1").sending_since is None
        # a hand-over the server refused: forgotten, unless an earlier run had sent it
        store.record_sending(PERIOD, CY, "h2")
        store.clear_sending(PERIOD, CY, "h2")
        assert store.ledger_entry(PERIOD, CY, "h2") is None
        store.record_sending(PERIOD, ZOE, "h0")
        store.clear_sending(PERIOD, ZOE, "h0")
        assert store.ledger_entry(PERIOD, ZOE, "h0") == ("2026-11-01T08:00:00Z", None)
