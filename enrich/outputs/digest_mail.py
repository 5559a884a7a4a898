"""A digest as an e-mail: multipart/alternative, plain text and HTML with its CSS inlined.

The content hash covers what the recipient reads (address, subject, both parts), not the
Date or Message-ID, so a re-run recognises a digest it already sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

import css_inline

from enrich.errors import ConfigError
from enrich.outputs.digest import Digest
from enrich.outputs.render import render_html

#: CSS into style attributes for mail clients that drop <style>; never fetch a stylesheet
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


@dataclass(frozen=True)
class Letterhead:
    """What every digest of a run shares."""

    company: str
    period_title: str
    sender: str
    reply_to: str | None
    main_color: str
    accent_color: str
    #: a folder of templates overriding the shipped ones
    templates: Path | None = None

    @classmethod
    def from_config(cls, config, period_title: str) -> Letterhead:
        sender = config.get("digest.from") or f"{config.get('company.name')} Copilot " \
            "<copilot@localhost>"
        for key in ("digest.from", "digest.reply_to"):
            value = config.get(key)
            if value and "@" not in parseaddr(value)[1]:
                raise ConfigError(f"not an e-mail address: {value!r}", path=config.path,
                                  key=key)
        return cls(config.get("company.name"), period_title, sender,
                   config.get("digest.reply_to"), config.get("company.color"),
                   config.get("company.accent_color"), config.get("templates"))


def subject_of(digest: Digest, period_title: str) -> str:
    """One line, whatever line breaks the org chart's names hold."""
    return " ".join(f"Copilot in {_section_names(digest)}: {period_title}".split())


def _section_names(digest: Digest) -> str:
    names = ["your reporting tree" if s.dimension == "manager" else s.name
             for s in digest.sections]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) <= 3 \
        else f"{names[0]} and {len(names) - 1} more units"


def change_words(change: float | None) -> str:
    """A change of adoption in percentage points, as a lead reads it on a phone."""
    if change is None:
        return "no earlier data"
    if round(change) == 0:
        return "steady"
    return f"{'up' if change > 0 else 'down'} {abs(change):.0f} pts"


def render_digest(digest: Digest, head: Letterhead) -> tuple[str, str, str]:
    """The subject, the plain text and the HTML (CSS inlined) of a digest."""
    context = {
        "digest": digest, "company": head.company, "period_title": head.period_title,
        "enterprise": digest.enterprise, "section_names": _section_names(digest),
        "subject": subject_of(digest, head.period_title),
        "colors": {"main": head.main_color, "accent": head.accent_color},
        "change_words": change_words,
    }
    text = render_html("digest.txt", context, head.templates, text=True)
    html = _INLINER.inline(render_html("digest.html", context, head.templates))
    return context["subject"], text, html


def build_message(digest: Digest, head: Letterhead, date) -> tuple[EmailMessage, str]:
    """The message and its content hash. `date` (a datetime) goes in the Date header; the
    sender sets the sending time instead."""
    subject, text, html = render_digest(digest, head)
    recipient = digest.recipient
    content_hash = hashlib.sha256("\0".join(
        (recipient.address.lower(), subject, text, html)).encode()).hexdigest()
    message = EmailMessage(policy=SMTP)
    message["From"] = head.sender
    message["To"] = Address(" ".join(recipient.name.split()), addr_spec=recipient.address)
    if head.reply_to:
        message["Reply-To"] = head.reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = f"<{content_hash[:32]}@enrich.digest>"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    message.set_boundary(f"=_enrich_{content_hash[:24]}")  # the same digest, the same bytes
    return message, content_hash
