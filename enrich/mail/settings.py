"""The SMTP settings of a run, checked before any digest is built."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from enrich.errors import ConfigError
from enrich.mail.outgoing import domain_of


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    #: starttls, tls (implicit) or none
    security: str
    #: the envelope sender: the address of `digest.from`
    sender: str
    #: lower case; a recipient's domain must be one of them exactly (subdomains do not count)
    allowed_domains: frozenset[str]
    #: an archive address added to the envelope of each message, never to its headers
    bcc: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: certificate authorities to trust; None: the system's
    ca_file: Path | None = None
    timeout: float = 30
    rate_per_minute: int = 60
    #: attempts after the first, when a server answers 4xx or drops the connection
    retries: int = 3

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        """The settings, or a ConfigError naming the setting that is missing or wrong."""
        def fail(key: str, message: str, hint: str | None = None):
            return ConfigError(message, path=config.path, key=key, hint=hint)

        host = config.get("digest.smtp.host")
        if not host:
            raise fail("digest.smtp.host", "sending the digests needs the SMTP server",
                       hint="set digest.smtp.host, or leave out --send to write the outbox only")
        if not config.get("digest.from"):
            raise fail("digest.from", "sending the digests needs a sender address, e.g. "
                       "`Copilot enablement <copilot@example.com>`")
        sender = _address(config, "digest.from", fail)
        allowed = frozenset(d.strip().lower() for d in config.get("digest.allowed_domains"))
        if not allowed:
            raise fail("digest.allowed_domains", "sending the digests needs the e-mail "
                       "domains they may go to", hint="e.g. allowed_domains: [example.com]")
        if bad := sorted(d for d in allowed if not d or "@" in d or " " in d):
            raise fail("digest.allowed_domains", f"not a domain: {bad[0]!r}")
        bcc = _address(config, "digest.bcc", fail) if config.get("digest.bcc") else None
        if bcc and domain_of(bcc) not in allowed:
            raise fail("digest.bcc", f"the archive address {bcc!r} is not in an allowed domain",
                       hint="add its domain to digest.allowed_domains")
        username, password = _credentials(config, fail)
        security = config.get("digest.smtp.security")
        if username and security == "none":
            raise fail("digest.smtp.security", "a login with security none would send the "
                       "password unencrypted", hint="use starttls or tls")
        return cls(host, config.get("digest.smtp.port"), security, sender, allowed, bcc,
                   username, password, config.get("digest.smtp.ca_file"),
                   config.get("digest.smtp.timeout"), config.get("digest.rate_per_minute"),
                   config.get("digest.retries"))

    def allows(self, address: str) -> bool:
        return domain_of(address) in self.allowed_domains


def _address(config, key: str, fail) -> str:
    """The address of a setting like `Name <local@domain>`: ASCII, as the envelope needs
    (this sender does not use SMTPUTF8)."""
    value = config.get(key)
    address = parseaddr(value)[1]
    if domain_of(address) is None or not address.isascii():
        raise fail(key, f"not an e-mail address in ASCII: {value!r}")
    return address


def _credentials(config, fail) -> tuple[str | None, str | None]:
    """The user name and password from the environment variables the settings name."""
    names = {key: config.get(f"digest.smtp.{key}") for key in ("username_env", "password_env")}
    if not any(names.values()):
        return None, None
    for key, other in (("username_env", "password_env"), ("password_env", "username_env")):
        if not names[key]:
            raise fail(f"digest.smtp.{key}", f"required with digest.smtp.{other}",
                       hint="name the environment variables of both the user name and the "
                            "password, or neither")
    values = []
    for key, name in names.items():
        value = os.environ.get(name)
        if not value:
            raise fail(f"digest.smtp.{key}", f"the environment variable {name} is not set",
                       hint=f"set {name}, or remove digest.smtp.{key} to send without a login")
        values.append(value)
    return values[0], values[1]
