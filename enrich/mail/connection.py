"""Opening a session with the SMTP server: secured, verified, logged in, or a clear error."""

from __future__ import annotations

import smtplib
import ssl

from enrich.errors import ConfigError, EnrichError, SourceUnreachable
from enrich.mail.settings import SmtpSettings


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
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
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
    where = f"the SMTP server {settings.host}:{settings.port}"
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


def reply_text(reply) -> str:
    """A server's reply as text, on one line."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(str(reply).split())
