"""Team-lead digests: who gets one, what it says, and the e-mail it becomes.

    unit                  lead                      people (manager)
    Platform  plat        Zoë Brontë (z@corp.test)  zoe, p1..p6 (zoe), lee (zoe)
      Web     web         Lee <b>Bold</b> (lee@)    w1..w3 (lee)
    Apps      apps        Zoë Brontë                a1..a4 (zoe); a5 has no seat
    Ops       ops         nobody                    o1

March 2025, every day covered. Seats: everyone but a5.
    p1, p2: code_completion + panel_chat + cli every weekday of 4 weeks or more: champions
    p3: code_completion on one day: lagging
    w1: code_completion every Monday: regular (narrow)
    a1: code_completion twice in one week: lagging
    the others: nothing (inactive)
"""

import email
import email.policy
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from conftest import seed_row, undated, write_jsonl
from smtp_server import Mailbox, running_smtp, smtp_certificates_fixture  # noqa: F401

from enrich import job
from enrich.config import Config
from enrich.dates import Period, day_str, parse_day
from enrich.errors import ExitStatus
from enrich.mail import outbox_name
from enrich.mail.outgoing import wire_bytes
from enrich.outputs import digest_people
from enrich.outputs.digest import BOTH, LEADS, MANAGERS, recipients
from enrich.outputs.digest_mail import change_words

ORG = """\
units:
  - {id: plat, name: Platform, lead: {name: Zoë Brontë, email: Z@corp.test}}
  - {id: web, name: Web, parent: plat, lead: {name: "Lee <b>Bold</b>", email: lee@corp.test}}
  - {id: apps, name: Apps, lead: {name: Zoë Brontë, email: z@corp.test}}
  - {id: ops, name: Ops}
people:
  - {id: zoe, name: Zoë Brontë, unit: plat, github: zoe, email: z@corp.test}
  - {id: lee, name: "Lee <b>Bold</b>", unit: web, github: lee, manager: zoe, email: lee@corp.test}
  - {id: p1, name: Pat One, unit: plat, github: p1, manager: zoe}
  - {id: p2, name: Pat Two, unit: plat, github: p2, manager: zoe}
  - {id: p3, name: Pat Three, unit: plat, github: p3, manager: zoe}
  - {id: p4, name: Pat Four, unit: plat, github: p4, manager: zoe}
  - {id: p5, name: Pat Five, unit: plat, github: p5, manager: zoe}
  - {id: p6, name: Pat Six, unit: plat, github: p6, manager: zoe}
  - {id: w1, name: Wil One, unit: web, github: w1, manager: lee}
  - {id: w2, name: Wil Two, unit: web, github: w2, manager: lee}
  - {id: w3, name: Wil Three, unit: web, github: w3, manager: lee}
  - {id: a1, name: Ari One, unit: apps, github: a1, manager: zoe}
  - {id: a2, name: Ari Two, unit: apps, github: a2, manager: zoe}
  - {id: a3, name: Ari Three, unit: apps, github: a3, manager: zoe}
  - {id: a4, name: Ari Four, unit: apps, github: a4, manager: zoe}
  - {id: a5, name: Ari Five, unit: apps, github: a5, manager: zoe, seat: false}
  - {id: o1, name: Oli One, unit: ops, github: o1}
"""
LOGINS = ["zoe", "lee", *(f"p{i}" for i in range(1, 7)), "w1", "w2", "w3",
          *(f"a{i}" for i in range(1, 6)), "o1"]


def uid(login: str) -> int:
    return 1000 + LOGINS.index(login)


def rows() -> list[dict]:
    march = Period.month("2025-03")
    weekdays = [day_str(d) for d in march.days if (d + 3) % 7 < 5]
    result = []
    for login in ("p1", "p2"):
        result += [seed_row(day[:10], login, uid(login), "code_completion", "panel_chat", "cli")
                   for day in weekdays]
    result.append(seed_row("2025-03-12", "p3", uid("p3"), "code_completion"))
    mondays = [day_str(d) for d in march.days if (d + 3) % 7 == 0]
    result += [seed_row(day, "w1", uid("w1"), "code_completion") for day in mondays]
    result += [seed_row(day, "a1", uid("a1"), "code_completion")
               for day in ("2025-03-11", "2025-03-12")]
    return result


@pytest.fixture
def company(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    org = ORG.replace(", seat: false", "").replace("github: ", "seat: true, github: ").replace(
        "seat: true, github: a5", "seat: false, github: a5")
    (tmp_path / "org.yaml").write_text(org)
    (tmp_path / "enrich.yaml").write_text(
        "company: {name: Initech}\n"
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n"
        "digest: {from: Copilot team <copilot@corp.test>}\n")
    write_jsonl(tmp_path / "inbox" / "mar.jsonl", rows())
    assert run_cli("import", "--covers", "2025-02-01..2025-03-31", "inbox").status == 0
    return tmp_path


def make_digests(company, audience=LEADS):
    config = Config.load(company / "enrich.yaml").with_values(digest__audience=audience)
    period = Period.month("2025-03")
    result = job.digest(config, period, as_of=parse_day("2025-04-01"))
    assert result.status == ExitStatus.OK
    return {path.name: email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in result.outbox}


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_lead_of_two_units_gets_one_digest_for_both(company):
    config = Config.load(company / "enrich.yaml")
    directory = job.load_org_chart(config, job.open_store(config))
    leads = recipients(directory, LEADS)
    assert [(r.address, r.units) for r in leads] == [
        ("lee@corp.test", (("team", "web"),)),
        ("Z@corp.test", (("team", "apps"), ("team", "plat")))]
    managers = recipients(directory, MANAGERS)
    assert [(r.address, r.units) for r in managers] == [
        ("lee@corp.test", (("manager", "lee"),)), ("z@corp.test", (("manager", "zoe"),))]
    both = recipients(directory, BOTH)
    assert [len(r.units) for r in both] == [2, 3]


def test_the_digest_names_only_the_leads_own_people_by_segment(company):
    messages = make_digests(company)
    assert len(messages) == 2
    zoe = next(m for m in messages.values() if "corp.test" in m["To"] and "Z@" in m["To"])
    text, html = parts(zoe)
    # Platform: zoe, p1..p6, lee and w1..w3 (its subtree); 11 in the population
    assert "People who used Copilot: 4 of 11" in text
    assert ("Thank your 2 champions, who use several features week after week: Pat One, "
            "Pat Two.") in text
    assert "1 regular user, active in at least half of the weeks." in text
    assert "  - Used Copilot in fewer than half of the weeks: Pat Three." in text
    # Apps: a5 holds no seat, so is not in the population, nor named
    assert "People who used Copilot: 1 of 4" in text
    assert "Ari Five" not in text and "Ari Five" not in html
    assert "Oli One" not in text  # Ops is nobody's here
    lee = next(m for m in messages.values() if "lee@" in m["To"])
    lee_text, _ = parts(lee)
    assert "Pat One" not in lee_text and "Wil Two" in lee_text


def test_features_are_compared_with_the_company_and_gaps_come_with_a_tip(company):
    zoe = next(m for m in make_digests(company).values() if "Z@" in m["To"])
    text, html = parts(zoe)
    # Apps: a1 used code completion only; the company: 5 engaged, 5 completion, 2 chat
    assert "- Code completion: 100% / 100%" in text
    assert "- Chat panel: 0% / 40%  <- few tried it" in text
    assert "How to start: https://docs.github.com/en/copilot/" in text
    assert 'href="https://docs.github.com/en/copilot/' in html
    assert text.count("Worth a try:") == 2


def test_the_mime_structure_and_encoded_headers(company):
    zoe = next(m for m in make_digests(company).values() if "Z@" in m["To"])
    assert zoe.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in zoe.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in zoe.iter_parts())
    assert zoe["Subject"] == "Copilot in Apps and Platform: March 2025"
    assert str(zoe["To"]) == "Zoë Brontë <Z@corp.test>"
    raw = zoe.as_bytes()
    assert b"Zo=C3=AB" in raw or b"=?utf-8?" in raw  # the header is encoded, never raw UTF-8
    assert all(ord(c) < 128 for c in raw.decode("ascii"))
    assert zoe["From"] == "Copilot team <copilot@corp.test>"


def test_html_escapes_names_and_css_is_inlined(company):
    zoe = next(m for m in make_digests(company, BOTH).values() if "z@" in m["To"].lower())
    text, html = parts(zoe)
    # lee, whose name holds markup, is one of zoe's people
    assert "Lee <b>Bold</b>" in text
    assert "Lee &lt;b&gt;Bold&lt;/b&gt;" in html and "<b>Bold" not in html
    assert "<style>" not in html.split("</head>")[1]
    assert 'class="banner" style="background-color: #1f4e79' in html


def test_the_same_store_gives_the_same_outbox_bytes_but_the_date(company):
    config = Config.load(company / "enrich.yaml")
    period, as_of = Period.month("2025-03"), parse_day("2025-04-01")
    first = {p.name: undated(p.read_bytes())
             for p in job.digest(config, period, as_of=as_of).outbox}
    second = {p.name: undated(p.read_bytes())
              for p in job.digest(config, period, as_of=as_of).outbox}
    assert first == second


def test_a_digest_says_when_days_are_missing(company, run_cli):
    # one day of April reported, the 29 others missing
    write_jsonl(company / "apr.jsonl", [seed_row("2025-04-02", "p1", uid("p1"), "cli")])
    assert run_cli("import", "apr.jsonl").status == 0
    config = Config.load(company / "enrich.yaml")
    result = job.digest(config, Period.month("2025-04"), as_of=parse_day("2025-05-01"))
    assert result.status == ExitStatus.PARTIAL_DATA
    message = email.message_from_bytes(result.outbox[0].read_bytes(),
                                       policy=email.policy.default)
    text, _ = parts(message)
    assert "29 of the 30 days of April 2025 have no data (" in text


def test_change_in_words():
    assert [change_words(c) for c in (None, 0.2, 4.6, -12.0)] == [
        "no earlier data", "steady", "up 5 pts", "down 12 pts"]


def test_subject_for_a_manager_and_for_many_units(company):
    messages = make_digests(company, BOTH)
    zoe = next(m for m in messages.values() if "z@" in m["To"].lower())
    assert zoe["Subject"] == "Copilot in Apps, Platform and your reporting tree: March 2025"
    lee = next(m for m in messages.values() if "lee@" in m["To"])
    assert lee["Subject"] == "Copilot in Web and your reporting tree: March 2025"


def test_enrich_digest_on_the_command_line(run_cli, company):
    result = run_cli("digest", "--month", "2025-03")
    assert result.status == 0, result.stderr
    assert result.stdout == f"wrote 2 digests to {company / 'out' / 'outbox'}\n"
    assert run_cli("digest", "--month", "2025-03", "--resend").status == ExitStatus.USAGE


def test_digest_send_delivers_each_lead_once_and_refuses_other_domains(run_cli, company,
                                                                       smtp_certificates,
                                                                       monkeypatch):
    (company / "org.yaml").write_text((company / "org.yaml").read_text().replace(
        "lee@corp.test}}", "lee@elsewhere.test}}"))
    monkeypatch.setenv("SMTP_USER", "enrich")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    mailbox = Mailbox()
    with running_smtp(mailbox, "starttls", smtp_certificates,
                      users={"enrich": "s3cret"}) as server:
        (company / "enrich.yaml").write_text(
            "company: {name: Initech}\n"
            "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n"
            "digest:\n  from: Copilot team <copilot@corp.test>\n"
            "  allowed_domains: [corp.test]\n  bcc: archive@corp.test\n"
            f"  smtp: {{host: {server.host}, port: {server.port}, security: starttls,\n"
            f"         ca_file: {server.ca_file}, username_env: SMTP_USER,\n"
            "         password_env: SMTP_PASSWORD}\n")
        first = run_cli("digest", "--month", "2025-03", "--send")
        again = run_cli("digest", "--month", "2025-03", "--send")
    assert first.status == ExitStatus.PARTIAL_DATA  # one recipient refused
    assert [m.recipients for m in mailbox.received] == [["Z@corp.test", "archive@corp.test"]]
    received = mailbox.received[0].message
    assert received["Subject"] == "Copilot in Apps and Platform: March 2025"
    assert "Bcc" not in received
    assert "\nrefused             1\n" in first.stdout
    assert first.stderr.startswith("refused: lee@elsewhere.test: the domain elsewhere.test is")
    assert "s3cret" not in first.stdout + first.stderr
    assert "already sent" in again.stdout and len(mailbox.received) == 1


MARCH = ("digest", "--month", "2025-03", "--send")
LEE, ZOE = "lee@corp.test", "Z@corp.test"  # the leads, in the order their digests go


def send_config(company, server, smtp: str = "") -> None:
    """A configuration that sends the digests to `server` (plain SMTP), with no pause."""
    (company / "enrich.yaml").write_text(
        "company: {name: Initech}\n"
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n"
        "digest:\n  from: Copilot team <copilot@corp.test>\n"
        "  allowed_domains: [corp.test]\n  rate_per_minute: 6000\n"
        f"  smtp: {{host: {server.host}, port: {server.port}, security: none{smtp}}}\n")


def test_11_6_a_slow_server_gets_each_digest_once_and_the_run_names_those_possibly_sent(
        run_cli, company):
    mailbox = Mailbox(data_delay=2)  # accepts each message, and says so after 2 s
    with running_smtp(mailbox) as server:
        send_config(company, server, ", timeout: 1")
        slow = run_cli(*MARCH)
        mailbox.data_delay = 0  # well again: nothing is sent twice all the same
        again = run_cli(*MARCH)
        assert [m.recipients for m in mailbox.received] == [[LEE], [ZOE]]
        resent = run_cli(*MARCH, "--resend", LEE)
    assert slow.status == again.status == resent.status == ExitStatus.PARTIAL_DATA
    assert "\npossibly sent       2\n" in slow.stdout
    hint = ("Hint: the server may have delivered the digests possibly sent without its answer "
            "reaching enrich (a slow server needs a longer digest.smtp.timeout), so they are "
            "not sent again by themselves; if they did not arrive, add "
            f"`--resend {LEE} {ZOE}` to the command to send them again\n")
    assert slow.stderr == "".join(
        f"possibly sent: {who}: the server's answer to the message never came: Connection "
        "unexpectedly closed: timed out\n" for who in (LEE, ZOE)) + hint
    assert "\nsent                0\n" in again.stdout
    assert again.stderr.startswith(f"possibly sent: {LEE}: handed to the server at ")
    assert again.stderr.endswith(hint)
    assert [m.recipients for m in mailbox.received] == [[LEE], [ZOE], [LEE]]
    assert "\nsent                1\n" in resent.stdout
    assert resent.stderr.startswith(f"possibly sent: {ZOE}: handed to the server at ")


def test_11_6_a_run_killed_while_the_server_delays_leaves_its_digest_possibly_sent(
        run_cli, company):
    mailbox = Mailbox(data_delay=60)  # the first message is accepted, and its answer waits
    with running_smtp(mailbox) as server:
        send_config(company, server)
        enrich = subprocess.Popen([sys.executable, "-m", "enrich", *MARCH], cwd=company,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while not mailbox.received and enrich.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            ended = enrich.poll() is not None
            assert mailbox.received, enrich.stderr.read().decode() if ended else "no message"
        finally:
            enrich.kill()  # SIGKILL: no clean-up of any kind
            enrich.wait()
            enrich.stderr.close()
        mailbox.data_delay = 0
        rerun = run_cli(*MARCH)
        resent = run_cli(*MARCH, "--resend", LEE)
    assert enrich.returncode == -signal.SIGKILL
    assert rerun.status == ExitStatus.PARTIAL_DATA
    assert rerun.stderr.startswith(f"possibly sent: {LEE}: handed to the server at ")
    assert f"`--resend {LEE}`" in rerun.stderr
    assert "\nsent                1\n" in rerun.stdout  # Zoë's
    assert resent.status == ExitStatus.OK, resent.stderr
    # each lead got one digest, then Lee a second one, as --resend asked
    assert [m.recipients for m in mailbox.received] == [[LEE], [ZOE], [LEE]]


def test_11_12_security_none_against_a_server_that_requires_starttls_stops_at_once(
        run_cli, company, smtp_certificates):
    mailbox = Mailbox()
    with running_smtp(mailbox, "starttls", smtp_certificates) as server:
        send_config(company, server)
        result = run_cli(*MARCH)
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr == (
        f"Error: the SMTP server 127.0.0.1:{server.port} takes no mail over an unencrypted "
        "connection (530 Must issue a STARTTLS command first), and digest.smtp.security is "
        "none; no digest was sent\n"
        "Hint: set digest.smtp.security to starttls\n")
    assert mailbox.rcpt_attempts == {}


def test_leads_without_a_usable_address_are_named_and_skipped(run_cli, company):
    org = (company / "org.yaml").read_text()
    ops = '{id: ops, name: "Ops\\nTeam", lead: {name: Oli, email: o@corp.test}}'
    org = org.replace("lee@corp.test}}", "lee@localhost}}").replace("{id: ops, name: Ops}", ops)
    (company / "org.yaml").write_text(org)
    result = run_cli("digest", "--month", "2025-03")
    assert result.status == 0, result.stderr
    assert result.stderr == (
        "warning: no digest for Lee <b>Bold</b> (lead of web): 'lee@localhost' is not an "
        "e-mail address\n")
    assert result.stdout.startswith("wrote 2 digests")
    ops = email.message_from_bytes(
        (company / "out" / "outbox" / "o_at_corp.test.eml").read_bytes(),
        policy=email.policy.default)
    assert ops["Subject"] == "Copilot in Ops Team: March 2025"


def depth(people: int, acceptance: float, agent: float, ide: str, language: str) -> dict:
    """A rollup `depth` object (METRICS.md section 9)."""
    return {"days": 21, "people": people, "acceptance_rate": acceptance,
            "interactions_per_active_day": 4.0 + people / 4, "loc_added_per_engaged": 120.0,
            "ai_credits": None, "ai_credits_per_engaged": None,
            "ide_share": {ide: 0.8, "neovim": 0.1},
            "feature_share": {"code_completion": 1.0, "chat_panel_agent_mode": agent},
            "language_share": {language: 0.6}, "model_share": {"gpt-4.1": 0.5}}


def digests_with_depth(company) -> dict[str, tuple[str, str]]:
    """The leads' digests from the period's rollup, given depth of use: the enterprise's,
    Platform's (6 people behind it), Apps' (5) and Web's (2, too few to show)."""
    config = Config.load(company / "enrich.yaml")
    period, as_of = Period.month("2025-03"), parse_day("2025-04-01")
    rolled = job.rollup(config, period, as_of=as_of, keep_directory=True)
    given = {"enterprise": depth(10, 0.2777, 0.25, "intellij", "go"),
             "plat": depth(6, 0.3141, 0.5, "vscode", "python"),
             "apps": depth(5, 0.2, 0.0, "vscode", "typescript"),
             "web": depth(2, 0.9876, 1.0, "xcode", "swift")}
    rolled.rollup["period"]["depth_days"] = 21
    for unit in rolled.rollup["units"]:
        unit["depth"] = given.get(unit["id"]) if unit["dimension"] != "manager" else None
    result = job.digest(config, period, as_of=as_of, rolled=rolled)
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in result.outbox]
    return {message["To"].addresses[0].addr_spec.lower(): lines(*parts(message))
            for message in messages}


def lines(text: str, html: str) -> tuple[str, str]:
    """Both parts of a message with the plain text's line breaks as "\n"."""
    return text.replace("\r\n", "\n"), html


def test_12_4_a_digest_shows_its_units_depth_beside_the_companys(company):
    text, html = digests_with_depth(company)["z@corp.test"]
    platform = text[text.index("\nPlatform\n"):]
    assert ("Depth of use (your team / company):\n"
            "- Acceptance rate: 31% / 28%\n"
            "- Interactions per active day: 5.5 / 6.5\n"
            "- Agent mode: 50% / 25%\n"
            "- Top IDE: VS Code (80%) / JetBrains IDEs (80%)\n"
            "- Top language: Python (60%) / Go (60%)\n") in platform
    assert "The 6 people who used Copilot on the 21 days" in platform
    apps = text[text.index("\nApps\n"):text.index("\nPlatform\n")]
    assert "- Agent mode: 0% / 25%" in apps and "- Top language: TypeScript (60%)" in apps
    assert "Acceptance rate</td>" in html and ">31%</td>" in html


def test_12_4_a_unit_with_few_people_behind_its_depth_shows_none(company):
    text, html = digests_with_depth(company)["lee@corp.test"]
    assert ("Depth of use:\nNot shown: fewer than 5 people used Copilot on the days that "
            "measure it, so the figures would be theirs.") in text
    for figure in ("98.8%", "99%", "Xcode", "Swift", "100%\n"):
        assert figure not in text.split("Depth of use")[1], figure
    assert "Xcode" not in html and "99%" not in html


def test_12_4_a_period_from_the_seed_format_says_depth_is_not_measured(company):
    text, html = lines(*parts(next(m for m in make_digests(company).values()
                                   if "lee@" in m["To"])))
    assert ("Depth of use:\nNot measured for March 2025: none of its 21 reported days comes "
            "from GitHub's usage-metrics reports, which say how much people use Copilot, not "
            "only whether.") in text
    assert "Not measured for March 2025" in html


def email_package_bytes(message) -> bytes:
    """The bytes the email package writes for a digest of the same content: its headers,
    parts and boundaries set as the message has them."""
    made = EmailMessage(policy=SMTP)
    for name in ("From", "To", "Reply-To", "Subject", "Date", "Message-ID"):
        if message[name] is not None:
            made[name] = message[name].addresses[0] if name == "To" else str(message[name])
    made.set_content(message.get_body(("plain",)).get_content(), cte="quoted-printable")
    made.add_alternative(message.get_body(("html",)).get_content(), subtype="html",
                         cte="quoted-printable")
    for attached in message.iter_attachments():
        made.add_attachment(attached.get_content(), subtype="csv",
                            filename=attached.get_filename(), cte="base64")
    boundaries = [p.get_boundary() for p in message.walk() if p.is_multipart()]
    for part, boundary in zip([p for p in made.walk() if p.is_multipart()], boundaries,
                              strict=True):
        part.set_boundary(boundary)
    return wire_bytes(made)


def test_13_1_each_digest_is_the_message_the_email_package_writes(company, monkeypatch):
    # non-ASCII and quoted names, a long subject to fold, a Reply-To, and lists cut short
    # (a CSV attached) beside digests without one
    monkeypatch.setattr(digest_people, "MAX_NAMED", 3)
    (company / "org.yaml").write_text((company / "org.yaml").read_text().replace(
        "name: Apps,", "name: Applications and Services for the Whole Company Everywhere,"))
    config = Config.load(company / "enrich.yaml").with_values(
        digest__audience=BOTH, digest__reply_to="Enablement Zürich <help@corp.test>")
    result = job.digest(config, Period.month("2025-03"), as_of=parse_day("2025-04-01"))
    written = [path.read_bytes() for path in result.outbox]
    messages = [email.message_from_bytes(data, policy=email.policy.default)
                for data in written]
    assert sorted(bool(list(m.iter_attachments())) for m in messages) == [False, True]
    assert any("\n " in str(m["Subject"]) or len(m["Subject"]) > 78 for m in messages)
    assert [email_package_bytes(m) for m in messages] == written


def test_13_1_a_digest_sent_is_the_one_in_the_outbox_dated_when_sent(run_cli, company):
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        send_config(company, server)
        assert run_cli(*MARCH).status == ExitStatus.OK
    outbox = {path.name: path.read_bytes() for path in (company / "out" / "outbox").iterdir()}
    sent = {outbox_name(m.recipients[0]): m.content for m in mailbox.received}
    assert sent.keys() == outbox.keys()
    assert {name: undated(data) for name, data in sent.items()} == {
        name: undated(data) for name, data in outbox.items()}
    assert all(b"\r\nDate: " in data for data in sent.values())
