"""A digest as an e-mail: multipart/alternative, plain text and HTML with its CSS inlined;
when a list of people is cut short, inside multipart/mixed with the full list attached (CSV).

The content hash covers what the recipient reads (address, subject, both parts, the
attachment), not the Date or Message-ID, so a re-run recognises a digest it already sent.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from dataclasses import dataclass
from email.contentmanager import _encode_text
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

import css_inline

from enrich.dates import day_ranges
from enrich.errors import ConfigError
from enrich.mail.outgoing import wire_bytes
from enrich.outputs.depth import Use, feature_share
from enrich.outputs.digest import Digest
from enrich.outputs.digest_people import Group, People
from enrich.outputs.render import NOT_AVAILABLE, decimal, pct, render_html
from enrich.outputs.rollup_files import cell

#: CSS into style attributes for mail clients that drop <style>; never fetch a stylesheet
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


@dataclass(frozen=True)
class Letterhead:
    """What every digest of a run shares."""

    company: str
    period_title: str
    #: the period as files name it: `2025-03`, `2025-03-01..2025-03-15`
    period_label: str
    sender: str
    reply_to: str | None
    main_color: str
    accent_color: str
    #: a folder of templates overriding the shipped ones
    templates: Path | None = None

    @classmethod
    def from_config(cls, config, period_title: str, period_label: str) -> Letterhead:
        sender = config.get("digest.from") or f"{config.get('company.name')} Copilot " \
            "<copilot@localhost>"
        for key in ("digest.from", "digest.reply_to"):
            value = config.get(key)
            if value and "@" not in parseaddr(value)[1]:
                raise ConfigError(f"not an e-mail address: {value!r}", path=config.path,
                                  key=key)
        return cls(config.get("company.name"), period_title, period_label, sender,
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


def listed(group: Group) -> str:
    """The people a line of a digest names, each with their note, and how many it leaves
    out: "Ana Lee, Ben Ray (lead of Web) and 4 more"."""
    names = ", ".join(f"{n.name} ({n.note})" if n.note else n.name for n in group.shown)
    return f"{names} and {group.more} more" if group.more else names


def missing_note(digest: Digest, period_title: str) -> str:
    """What the figures cover when days of the period have no data."""
    missing, days = len(digest.missing_days), digest.period_days
    covered = days - missing
    ranges = day_ranges(digest.missing_days)
    if not covered:
        return f"None of the {days} days of {period_title} has data ({ranges}): the figures " \
               "below say nothing of what happened."
    return (f"{missing} of the {days} days of {period_title} "
            f"{'has' if missing == 1 else 'have'} no data ({ranges}): the figures below cover "
            f"only the {covered} {'day' if covered == 1 else 'days'} with data.")


def leaver_lines(people: People) -> list[str]:
    """The people of a unit who have left, counted: nobody to coach."""
    lines = []
    if n := people.leavers_to_reclaim:
        who = "person who has left still holds" if n == 1 else "people who have left still hold"
        lines.append(f"{n} {who} a seat; the license review proposes reclaiming "
                     f"{'it' if n == 1 else 'them'}.")
    if n := people.other_leavers:
        who = "person who has left is" if n == 1 else "people who have left are"
        lines.append(f"{n} {who} counted in the figures above, not listed.")
    return lines


def attachment_name(head: Letterhead) -> str:
    return f"copilot-people-{head.period_label.replace('..', '-to-')}.csv"


#: a unit's depth of use in a digest, beside the company's: (title, how it reads)
_DEPTH_LINES = (
    ("Acceptance rate", lambda use: pct(use.now["acceptance_rate"], 0)),
    ("Interactions per active day", lambda use: decimal(use.now["interactions_per_active_day"])),
    ("Agent mode", lambda use: pct(feature_share(use.now, "agent"), 0)),
    ("Top IDE", lambda use: _top(use, "ide_share")),
    ("Top language", lambda use: _top(use, "language_share")),
)


def _top(use: Use, mix: str) -> str:
    top = use.top_key(mix)
    return NOT_AVAILABLE if top is None else f"{top.name} ({pct(top.share, 0)})"


def depth_lines(unit: Use, company: Use) -> list[tuple[str, str, str]]:
    """(title, the unit's figure, the company's) of each line of a section's depth of use;
    never a person's: the unit's shows only when enough people stand behind it."""
    return [(title, shown(unit), shown(company)) for title, shown in _DEPTH_LINES]


def render_digest(digest: Digest, head: Letterhead) -> tuple[str, str, str]:
    """The subject, the plain text and the HTML (CSS inlined) of a digest."""
    context = {
        "digest": digest, "company": head.company, "period_title": head.period_title,
        "enterprise": digest.enterprise, "section_names": _section_names(digest),
        "subject": subject_of(digest, head.period_title),
        "colors": {"main": head.main_color, "accent": head.accent_color},
        "change_words": change_words, "listed": listed, "attachment": attachment_name(head),
        "missing_note": missing_note, "leaver_lines": leaver_lines, "depth_lines": depth_lines,
    }
    text = render_html("digest.txt", context, head.templates, text=True)
    html = _INLINER.inline(render_html("digest.html", context, head.templates))
    return context["subject"], text, html


#: the columns of the attached list of people
PEOPLE_COLUMNS = ("unit_of_digest", "group", "name", "unit", "email", "active_days", "note")
#: how the attached list calls each group of `enrich.outputs.digest_people.NAMED_GROUPS`
GROUP_WORDS = {"champion": "champion",
               "lagging": "used Copilot in fewer than half of the weeks",
               "inactive": "has a seat, did not use it",
               "reclaim": "the license review proposes reclaiming the seat"}


def people_csv(digest: Digest) -> str:
    """Everyone on the lists of a digest, section by section (regular users, only counted,
    are not): UTF-8 with a byte-order mark, so that a spreadsheet reads the names right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PEOPLE_COLUMNS)
    for section in digest.sections:
        unit = cell("Everyone reporting to you" if section.dimension == "manager"
                    else section.name)
        writer.writerows((unit, GROUP_WORDS[group], cell(named.name), cell(named.unit),
                          cell(named.email), named.active_days, cell(named.note))
                         for group, named in section.people.listed)
    return "\ufeff" + out.getvalue()


def build_message(digest: Digest, head: Letterhead, date) -> tuple[bytes, str]:
    """The message as it crosses the wire (`enrich.mail.outgoing.wire_bytes`) and its content
    hash. `date` (a datetime: when the message is written) goes in the Date header; the
    sender sets the sending time instead."""
    subject, text, html = render_digest(digest, head)
    attachment = people_csv(digest) if digest.cut else ""
    recipient = digest.recipient
    content_hash = hashlib.sha256("\0".join(
        (recipient.address.lower(), subject, text, html, attachment)).encode()).hexdigest()
    to = Address(" ".join(recipient.name.split()), addr_spec=recipient.address)
    frame = _frame(head, bool(attachment))
    return frame.fill({
        _TO: _header("To", to), _SUBJECT: _header("Subject", subject),
        _DATE: format_datetime(date).encode(), _HASH: content_hash[:len(_HASH)].encode(),
        _BOUNDARY: content_hash[:len(_BOUNDARY)].encode(),
        _TEXT: _body(text, "quoted-printable"), _HTML: _body(html, "quoted-printable"),
        _ATTACHMENT: _body(attachment, "base64") if attachment else b""}), content_hash


# The email package takes about 4 ms to build and write a digest's message, most of it on
# what every digest shares: its headers, the MIME structure and the parts' headers. It builds
# that frame once per run and shape instead (`_frame`), with a placeholder in each place
# that differs from one digest to the next; each digest's headers and parts are then encoded
# by the same functions the email package uses, and put in those places.

#: placeholders, none of which a frame holds elsewhere: the To and Subject headers (whole
#: lines: folding depends on the value), the Date and the content hash in the Message-ID and
#: the boundaries (as long as what replaces them, so that folding cannot depend on them), the
#: parts' encoded bodies
_TO, _SUBJECT = b"To: to@zq.invalid\r\n", b"Subject: zqsubjectzq\r\n"
_DATE = b"Sat, 01 Jan 2000 00:00:00 +0000"
_HASH = b"zqzqzqzqzqzqzqzqzqzqzqzqzqzqzqzq"
_BOUNDARY = _HASH[:24]  # (sought after _HASH, which it begins)
_TEXT, _HTML, _ATTACHMENT = b"zqtextzq\r\n", b"zqhtmlzq\r\n", b"zqattachmentzq\r\n"
_SLOTS = re.compile(b"|".join(re.escape(slot) for slot in (
    _TO, _SUBJECT, _DATE, _HASH, _BOUNDARY, _TEXT, _HTML, _ATTACHMENT)))


@dataclass(frozen=True)
class _Frame:
    """A message's bytes cut at its placeholders: the fixed pieces, and the placeholder
    after each but the last."""

    pieces: tuple[bytes, ...]
    slots: tuple[bytes, ...]

    @classmethod
    def of(cls, data: bytes) -> _Frame:
        return cls(tuple(_SLOTS.split(data)), tuple(_SLOTS.findall(data)))

    def fill(self, values: dict[bytes, bytes]) -> bytes:
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out += (values[slot], piece)
        return b"".join(out)


@functools.lru_cache(maxsize=16)
def _frame(head: Letterhead, attached: bool) -> _Frame:
    """The frame of a digest's message, built by the email package with placeholders."""
    message = EmailMessage(policy=SMTP)
    message["From"] = head.sender
    message["To"] = _TO[4:-2].decode()
    if head.reply_to:
        message["Reply-To"] = head.reply_to
    message["Subject"] = _SUBJECT[9:-2].decode()
    message["Date"] = _DATE.decode()
    message["Message-ID"] = f"<{_HASH.decode()}@enrich.digest>"
    message.set_content(_TEXT[:-2].decode(), cte="quoted-printable")
    message.add_alternative(_HTML[:-2].decode(), subtype="html", cte="quoted-printable")
    if attached:
        message.add_attachment(_ATTACHMENT[:-2].decode(), subtype="csv",
                               filename=attachment_name(head), cte="base64")
    # the same digest, the same bytes: every boundary is made of the content's hash
    for number, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"=_enrich_{number}_{_BOUNDARY.decode()}")
    data = wire_bytes(message)
    # the placeholder bodies as the email package encodes them, to find them in the frame
    data = data.replace(_body(_TEXT[:-2].decode(), "quoted-printable"), _TEXT)
    data = data.replace(_body(_HTML[:-2].decode(), "quoted-printable"), _HTML)
    data = data.replace(_body(_ATTACHMENT[:-2].decode(), "base64"), _ATTACHMENT)
    return _Frame.of(data)


def _header(name: str, value) -> bytes:
    """A header as the wire carries it: folded, non-ASCII encoded (RFC 2047)."""
    return SMTP.fold_binary(name, SMTP.header_store_parse(name, value)[1])


def _body(text: str, cte: str) -> bytes:
    """A part's body as the wire carries it: UTF-8, encoded as `cte`, CRLF line ends.
    `_encode_text` is what `EmailMessage.set_content` encodes a text with."""
    return _encode_text(text, "utf-8", cte, SMTP)[1].replace("\n", "\r\n").encode("ascii")
