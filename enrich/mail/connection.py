"""Opening a session with the SMTP server: secured, verified, logged in, or a clear error.

A mistake in the settings (a TLS mode the port does not speak, a login the server refuses or
demands) is a ConfigError that names the setting to change; a server that cannot be reached,
or whose certificate is not trusted, is SourceUnreachable.
"""

from __future__ import annotations

import smtplib
import socket
import ssl

from enrich.errors import ConfigError, EnrichError, SourceUnreachable
from enrich.mail.settings import SmtpSettings

#: seconds to wait for the server's greeting before asking whether the port expects TLS
GREETING_PATIENCE = 1.0


class ExpectsTls(OSError):
    """The server sent no greeting, and answers a TLS hello: its port is for implicit TLS."""


class _PlainFirst(smtplib.SMTP):
    """smtplib's client, which notices at once a port that expects TLS from the first byte.

    Such a server sends no greeting: it waits for the client's TLS hello, and the client would
    wait for its whole time-out, then blame the host. When no greeting comes within
    GREETING_PATIENCE, a second connection tries a TLS hello; the first keeps waiting for a
    server that is merely slow to greet.
    """

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        patience = min(timeout, GREETING_PATIENCE)
        if not _greets(sock, patience, timeout) and _speaks_tls(host, port, patience):
            sock.close()
            raise ExpectsTls(f"{host}:{port} sent no greeting, and speaks TLS")
        return sock


def _greets(sock: socket.socket, patience: float, timeout: float) -> bool:
    """Whether the server has said something (or closed) within `patience` seconds; what it
    said is left for smtplib to read."""
    sock.settimeout(patience)
    try:
        sock.recv(1, socket.MSG_PEEK)
        return True
    except TimeoutError:
        return False
    finally:
        sock.settimeout(timeout)


def _speaks_tls(host: str, port: int, timeout: float) -> bool:
    # this connection only asks whether the port speaks TLS and carries nothing: the server's
    # certificate does not matter here (the session's own connection verifies it)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout) as raw, context.wrap_socket(raw):
            return True
    except ssl.SSLError as exc:  # a TLS alert is TLS too
        return "ALERT" in (exc.reason or "")
    except OSError:
        return False


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """A session secured as `settings.security` says (the server's certificate verified against
    `ca_file` or the system's authorities, never a fall-back to plain text), logged in when the
    settings have a user name.

    Raises SourceUnreachable, or ConfigError when the server refuses the user name and
    password.
    """
    context = None
    if settings.security != "none":
        context = ssl.create_default_context(
            cafile=None if settings.ca_file is None else str(settings.ca_file))
    smtp, step = None, "connect"
    try:
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=context)
        else:
            smtp = _PlainFirst(settings.host, settings.port, timeout=settings.timeout)
        smtp.ehlo()
        if settings.security == "starttls":
            step = "starttls"
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            step = "login"
            smtp.login(settings.username, settings.password)
        return smtp
    except OSError as exc:  # smtplib's and ssl's errors are OSErrors too
        if smtp is not None:
            smtp.close()
        raise _error(settings, step, exc) from None


def _error(settings: SmtpSettings, step: str, exc: OSError) -> EnrichError:
    where = _where(settings)
    if isinstance(exc, ExpectsTls):
        return ConfigError(
            f"{where} expects TLS from the first byte (implicit TLS), but "
            f"digest.smtp.security is {settings.security}",
            hint="set digest.smtp.security to tls, or digest.smtp.port to the server's "
                 "STARTTLS port (usually 587)")
    if isinstance(exc, ssl.SSLError) and exc.reason == "WRONG_VERSION_NUMBER" and step == "connect":
        return ConfigError(
            f"{where} answered in plain text, not TLS, but digest.smtp.security is tls "
            "(implicit TLS)",
            hint="set digest.smtp.security to starttls, or digest.smtp.port to the server's "
                 "implicit-TLS port (usually 465)")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SourceUnreachable(
            f"the certificate of {where} is not trusted: {exc.verify_message}",
            hint="set digest.smtp.ca_file to the PEM file of the certificate authority that "
                 "signed it")
    if isinstance(exc, ssl.SSLError):
        return SourceUnreachable(
            f"no TLS with {where}: {exc.reason or exc}",
            hint="security tls needs the server's TLS port (465), starttls its submission "
                 "port (587)")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return ConfigError(
            f"{where} refused the login of {settings.username}: {exc.smtp_code} "
            f"{reply_text(exc.smtp_error)}",
            hint="check the user name and the password in the environment variables that "
                 "digest.smtp.username_env and digest.smtp.password_env name")
    if isinstance(exc, smtplib.SMTPNotSupportedError) and step == "starttls":
        return SourceUnreachable(f"{where} does not offer STARTTLS",
                                 hint="set digest.smtp.security to tls if the server listens "
                                      "for TLS (port 465)")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SourceUnreachable(f"{where} does not offer a login (AUTH)",
                                 hint="leave out digest.smtp.username_env and password_env to "
                                      "send without one")
    if isinstance(exc, smtplib.SMTPResponseException):
        return SourceUnreachable(f"{where} refused the session: {exc.smtp_code} "
                                 f"{reply_text(exc.smtp_error)}")
    return SourceUnreachable(f"cannot reach {where}: {exc}",
                             hint="check digest.smtp.host and digest.smtp.port, and that the "
                                  "server accepts connections from this machine")


def session_refused(settings: SmtpSettings, smtp: smtplib.SMTP, code: int, reply) -> EnrichError:
    """The error of a server that takes no mail from this session (530, RFC 3207 and 4954):
    it wants TLS or a login first, which no message of the batch will get either."""
    said = f"{code} {reply_text(reply)}"
    if settings.security == "none" and smtp.has_extn("starttls"):
        return ConfigError(
            f"{_where(settings)} takes no mail over an unencrypted connection ({said}), and "
            "digest.smtp.security is none", hint="set digest.smtp.security to starttls")
    if not settings.username:
        return ConfigError(
            f"{_where(settings)} takes mail only after a login ({said})",
            hint="name the environment variables of the user name and the password in "
                 "digest.smtp.username_env and digest.smtp.password_env")
    return SourceUnreachable(f"{_where(settings)} refused the session: {said}")


def _where(settings: SmtpSettings) -> str:
    return f"the SMTP server {settings.host}:{settings.port}"


def reply_text(reply) -> str:
    """A server's reply as text, on one line."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(str(reply).split())
