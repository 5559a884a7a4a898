"""Digests a lead can forward: whom they name and how, what they say of missing days, and
when they are not written or sent.

    unit                         lead                    people (manager)
    Engineering        eng       Dana Boss (dana@)       dana; az2 (dana)
      Billing          eng-bill  Niamh Hansen (niamh@)   niamh (dana); kai, az1, rita, ian,
                                                         olga, lea (niamh)
    Product            prod      Pia Prod (pia@)         pia
      Billing          prod-bill Omar Lead (omar@)       omar (pia); q01..q14 (omar)

Two units are named Billing; two people Aaliyah Zhang (az1 in Billing, az2 in Engineering).
March 2025, every day covered, as of 2025-04-01; everyone holds a seat (created 2024-01-01,
except q01..q14: 2025-03-25, in their grace period).
    niamh, kai: three features every weekday: champions
    rita, dana, pia, omar: code completion every Monday: regular
    az1, az2: one day: lagging
    ian: never used: the license review proposes reclaiming the seat ("never used")
    olga: last used 2025-02-01: reclaim, "unused for 58 days"
    lea: has left, never used: a leaver, whose seat the review proposes reclaiming
    q01..q14: nothing in March, seats in grace: "did not use it", not to reclaim
"""

import csv
import email
import email.policy
import io
import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pytest
from conftest import read_csv_rows, seed_row, write_jsonl
from smtp_server import Mailbox, running_smtp

from enrich.dates import Period, day_str
from enrich.errors import ExitStatus

QUINNS = [f"q{i:02}" for i in range(1, 15)]
ORG = """\
units:
  - {id: eng, name: Engineering, lead: {name: Dana Boss, email: dana@corp.test}}
  - {id: eng-bill, name: Billing, parent: eng, lead: {name: Niamh Hansen, email: niamh@corp.test}}
  - {id: prod, name: Product, lead: {name: Pia Prod, email: pia@corp.test}}
  - {id: prod-bill, name: Billing, parent: prod, lead: {name: Omar Lead, email: omar@corp.test}}
people:
  - {id: dana, name: Dana Boss, unit: eng, github: dana, email: dana@corp.test}
  - {id: az2, name: Aaliyah Zhang, unit: eng, github: az2, manager: dana,
     email: aaliyah.zhang2@corp.test}
  - {id: niamh, name: Niamh Hansen, unit: eng-bill, github: niamh, manager: dana,
     email: niamh@corp.test}
  - {id: kai, name: Kai Champ, unit: eng-bill, github: kai, manager: niamh}
  - {id: az1, name: Aaliyah Zhang, unit: eng-bill, github: az1, manager: niamh,
     email: aaliyah.zhang@corp.test}
  - {id: rita, name: Rita Regular, unit: eng-bill, github: rita, manager: niamh}
  - {id: ian, name: Ian Idle, unit: eng-bill, github: ian, manager: niamh}
  - {id: olga, name: Olga Old, unit: eng-bill, github: olga, manager: niamh}
  - {id: lea, name: Lea Left, unit: eng-bill, github: lea, manager: niamh, status: left}
  - {id: pia, name: Pia Prod, unit: prod, github: pia, email: pia@corp.test}
  - {id: omar, name: Omar Lead, unit: prod-bill, github: omar, manager: pia, email: omar@corp.test}
""" + "".join(f"  - {{id: {q}, name: Quinn {q[1:]}, unit: prod-bill, github: {q}, manager: omar}}\n"
              for q in QUINNS)
LOGINS = ["dana", "az2", "niamh", "kai", "az1", "rita", "ian", "olga", "lea", "pia", "omar",
          *QUINNS]
MARCH = Period.month("2025-03")


def uid(login: str) -> int:
    return 2000 + LOGINS.index(login)


def rows(last_day: str = "2025-03-31") -> list[dict]:
    days = [day_str(d) for d in MARCH.days if day_str(d) <= last_day]
    weekdays = [day for day in days if (Period.of(day, day).since + 3) % 7 < 5]
    result = [seed_row(day, login, uid(login), "code_completion", "panel_chat", "cli")
              for login in ("niamh", "kai") for day in weekdays]
    result += [seed_row(day, login, uid(login), "code_completion") for day in days
               for login in ("rita", "dana", "pia", "omar")
               if (Period.of(day, day).since + 3) % 7 == 0]
    result += [seed_row("2025-03-12", login, uid(login), "code_completion")
               for login in ("az1", "az2")]
    result.append(seed_row("2025-02-01", "olga", uid("olga"), "code_completion"))
    return result


def seats() -> dict:
    def seat(login):
        created = "2025-03-25T00:00:00Z" if login in QUINNS else "2024-01-01T00:00:00Z"
        return {"assignee": {"login": login, "id": uid(login)},
                "organization": {"login": "acme"}, "plan_type": "business",
                "created_at": created, "last_activity_at": None,
                "pending_cancellation_date": None, "assigning_team": None}
    return {"total_seats": len(LOGINS), "seats": [seat(login) for login in LOGINS]}


def set_up(folder, run_cli, *, last_day: str = "2025-03-31", org: str = ORG,
           settings: str = "") -> None:
    (folder / "org.yaml").write_text(org)
    (folder / "enrich.yaml").write_text(
        "company: {name: Initech}\n"
        "directory:\n  sources:\n    - {type: yaml, path: org.yaml}\n"
        f"digest:\n  from: Copilot team <copilot@corp.test>\n{settings}")
    write_jsonl(folder / "inbox" / "days.jsonl", rows(last_day))
    (folder / "seats.json").write_text(json.dumps(seats()))
    assert run_cli("import", "--covers", f"2025-02-01..{last_day}", "inbox").status == 0
    assert run_cli("import", "--seats-date", "2025-04-01", "seats.json").status == 0


@pytest.fixture
def company(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENRICH_CONFIG", raising=False)
    set_up(tmp_path, run_cli)
    return tmp_path


def digests(run_cli, folder) -> dict[str, email.message.EmailMessage]:
    """`enrich digest` of March: each lead's message by their address's local part."""
    result = run_cli("digest", "--month", "2025-03")
    assert result.status == ExitStatus.OK, result.stderr
    return {path.name.partition("_at_")[0]: email.message_from_bytes(
        path.read_bytes(), policy=email.policy.default)
        for path in sorted((folder / "out" / "outbox").glob("*.eml"))}


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def people_lines(message) -> list[str]:
    text = text_of(message)
    return text[text.index("Your people:"):text.index("\n--\n")].splitlines()[1:]


# 1. A period with missing days says so truthfully; --send refuses too many missing days


def smtp_settings(server) -> str:
    return ("  allowed_domains: [corp.test]\n  rate_per_minute: 6000\n"
            f"  smtp: {{host: {server.host}, port: {server.port}, security: none}}\n")


def test_14_1_a_digest_says_how_many_days_are_missing_and_what_its_figures_cover(
        tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    set_up(tmp_path, run_cli, last_day="2025-03-24")
    result = run_cli("digest", "--month", "2025-03")
    assert result.status == ExitStatus.PARTIAL_DATA
    assert result.stderr == ("warning: 7 of the 31 days of 2025-03 have no data (2025-03-25 "
                             "to 2025-03-31); the digests say so\n")
    message = email.message_from_bytes(
        (tmp_path / "out" / "outbox" / "niamh_at_corp.test.eml").read_bytes(),
        policy=email.policy.default)
    note = ("7 of the 31 days of March 2025 have no data (2025-03-25 to 2025-03-31): the "
            "figures below cover only the 24 days with data.")
    assert f"\n\n{note}\n\n" in text_of(message)
    assert '<p class="warning" style="' in html_of(message)
    assert note in " ".join(html_of(message).split())


def test_14_1_send_refuses_a_period_with_too_many_missing_days_unless_allowed(
        tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        set_up(tmp_path, run_cli, last_day="2025-03-24", settings=smtp_settings(server))
        refused = run_cli("digest", "--month", "2025-03", "--send")
        assert mailbox.received == []
        assert not (tmp_path / "out" / "outbox").exists()  # nothing written either
        allowed = run_cli("digest", "--month", "2025-03", "--send", "--allow-missing")
    assert refused.status == ExitStatus.BAD_INPUT
    assert refused.stdout == ""
    assert refused.stderr == (
        "Error: 7 of the 31 days of March 2025 have no data (2025-03-25 to 2025-03-31), more "
        "than digest.max_missing_share allows (20%): no digest was sent\n"
        "Hint: fetch or import the missing days, then send; `--allow-missing` sends all the "
        "same, each digest saying which days are missing; without `--send` the digests go to "
        "the outbox only\n")
    assert allowed.status == ExitStatus.PARTIAL_DATA, allowed.stderr
    assert len(mailbox.received) == 4
    assert "7 of the 31 days of March 2025 have no data" in text_of(mailbox.received[0].message)


def test_14_1_max_missing_share_is_a_setting_and_allow_missing_goes_with_send(
        tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    mailbox = Mailbox()
    with running_smtp(mailbox) as server:
        set_up(tmp_path, run_cli, last_day="2025-03-24",
               settings=smtp_settings(server) + "  max_missing_share: 0.25\n")
        sent = run_cli("digest", "--month", "2025-03", "--send")  # 7 of 31 days: 22.6%
    assert sent.status == ExitStatus.PARTIAL_DATA, sent.stderr
    assert len(mailbox.received) == 4
    usage = run_cli("digest", "--month", "2025-03", "--allow-missing")
    assert usage.status == ExitStatus.USAGE
    assert usage.stderr == ("Error: --allow-missing goes with --send: the outbox is always "
                            "written\n")


# 4. Digests a lead can forward


def test_14_4_leavers_are_never_listed_only_counted(company, run_cli):
    messages = digests(run_cli, company)
    for message in messages.values():
        assert "Lea Left" not in text_of(message) + html_of(message)
    assert ("- 1 person who has left still holds a seat; the license review proposes "
            "reclaiming it.") in people_lines(messages["niamh"])
    assert "1 person who has left still holds a seat" in html_of(messages["niamh"])


def test_14_4_the_recipient_is_never_listed_and_leads_below_are_named_as_such(company,
                                                                              run_cli):
    messages = digests(run_cli, company)
    niamh = people_lines(messages["niamh"])
    assert niamh[0] == ("- Thank your champion, who uses several features week after week: "
                        "Kai Champ.")
    assert "Niamh Hansen" not in "\n".join(niamh)
    dana = "\n".join(people_lines(messages["dana"]))
    assert "Dana Boss" not in dana
    assert ("- Thank your 2 champions, who use several features week after week: "
            "Kai Champ, Niamh Hansen (lead of Engineering / Billing).") in dana
    assert "Omar Lead" not in text_of(messages["omar"]).split("Your people:")[1]


def test_14_4_namesakes_are_told_apart_by_their_unit(company, run_cli):
    messages = digests(run_cli, company)
    assert ("  - Used Copilot in fewer than half of the weeks: Aaliyah Zhang (Engineering / "
            "Billing), Aaliyah Zhang (Engineering).") in people_lines(messages["dana"])
    # alone in her unit, Aaliyah needs nothing added
    assert ("  - Used Copilot in fewer than half of the weeks: Aaliyah Zhang."
            in people_lines(messages["niamh"]))


def test_14_4_seats_to_reclaim_are_named_as_the_license_review_has_them(company, run_cli):
    assert run_cli("licenses", "--month", "2025-03").status == ExitStatus.OK
    reclaimed = {row["name"]: row["reason"] for row in
                 read_csv_rows(company / "out" / "reclaim.csv")}
    assert reclaimed == {"Ian Idle": "never used", "Olga Old": "not in use",
                         "Lea Left": "leaver"}
    niamh = people_lines(digests(run_cli, company)["niamh"])
    assert ("  - Not using their seat; the license review proposes reclaiming it: Ian Idle "
            "(never used), Olga Old (unused for 58 days).") in niamh
    assert not any("did not use it" in line for line in niamh)


def test_14_4_lists_stay_short_and_the_full_list_is_attached(company, run_cli):
    messages = digests(run_cli, company)
    omar = messages["omar"]
    shown = ", ".join(f"Quinn {i:02}" for i in range(1, 11))
    assert people_lines(omar)[-3:] == [
        "- May need help getting started (a short pairing session or a good first task often "
        "makes the difference):",
        f"  - Have a seat but did not use it this month: {shown} and 4 more.",
        "- Everyone on these lists is in the attached copilot-people-2025-03.csv."]
    attachment = next(omar.iter_attachments())
    assert attachment.get_filename() == "copilot-people-2025-03.csv"
    table = list(csv.DictReader(io.StringIO(attachment.get_content().lstrip("\ufeff"))))
    assert [row["name"] for row in table] == [f"Quinn {q[1:]}" for q in QUINNS]
    assert {row["group"] for row in table} == {"has a seat, did not use it"}
    # regular users are counted, not named; a short list needs no attachment
    niamh = messages["niamh"]
    assert "- 1 regular user, active in at least half of the weeks." in people_lines(niamh)
    assert "Rita Regular" not in text_of(niamh) + html_of(niamh)
    assert niamh.get_content_type() == "multipart/alternative"


def test_14_4_subjects_name_the_unit_with_its_parent_where_names_repeat(company, run_cli):
    messages = digests(run_cli, company)
    assert {who: m["Subject"] for who, m in messages.items()} == {
        "dana": "Copilot in Engineering: March 2025",
        "niamh": "Copilot in Engineering / Billing: March 2025",
        "omar": "Copilot in Product / Billing: March 2025",
        "pia": "Copilot in Product: March 2025"}
    assert "<h2" in html_of(messages["omar"]) and "Product / Billing</h2>" in html_of(
        messages["omar"])


def test_14_4_distinct_unit_names_go_up_the_tree_until_names_differ():
    from enrich.rollup.units import distinct_unit_names  # here: new with this function

    def unit(unit_id, name, parent=None, dimension="team"):
        return {"dimension": dimension, "id": unit_id, "name": name, "parent": parent}
    units = [unit("eng", "Eng"), unit("prod", "Prod"), unit("eng-sec", "Security", "eng"),
             unit("prod-sec", "Security", "prod"), unit("eng-bill", "Billing", "eng"),
             unit("eng-sec-bill", "Billing", "eng-sec"),
             unit("prod-sec-bill", "Billing", "prod-sec"), unit("web", "Web", "eng"),
             unit("a", "Twin"), unit("b", "Twin"), unit("lee", "Billing", dimension="manager")]
    assert distinct_unit_names(units) == {
        "eng": "Eng", "prod": "Prod", "eng-sec": "Eng / Security",
        "prod-sec": "Prod / Security", "eng-bill": "Eng / Billing",
        "eng-sec-bill": "Eng / Security / Billing",
        "prod-sec-bill": "Prod / Security / Billing", "web": "Web",
        "a": "Twin (a)", "b": "Twin (b)", "lee": "Billing"}


def test_14_4_the_date_is_when_the_digest_was_written(company, run_cli):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    messages = digests(run_cli, company)
    after = datetime.now(timezone.utc)
    for message in messages.values():
        assert before <= parsedate_to_datetime(message["Date"]) <= after


@pytest.mark.parametrize("case", ["no sources", "no leads", "no addresses"])
def test_14_4_no_digest_to_write_says_why(tmp_path, monkeypatch, run_cli, case):
    monkeypatch.chdir(tmp_path)
    org = ORG
    if case == "no leads":
        org = "\n".join(line.split(", lead:")[0] + "}" if ", lead:" in line else line
                        for line in ORG.splitlines())
    if case == "no addresses":
        org = re.sub(r", email: [^}]*}}", "}}", ORG)
    set_up(tmp_path, run_cli, org=org)
    if case == "no sources":
        (tmp_path / "enrich.yaml").write_text("company: {name: Initech}\n")
    result = run_cli("digest", "--month", "2025-03")
    assert result.stdout == ""
    assert not list((tmp_path / "out").glob("outbox/*.eml"))
    expected = {
        "no sources": (ExitStatus.BAD_CONFIG,
                       "Error: enrich.yaml: directory.sources: no org chart: the digests go "
                       "to the unit leads and managers it names\n"
                       "Hint: name the org chart's source in directory.sources (see "
                       "config/example.yaml)\n"),
        "no leads": (ExitStatus.BAD_INPUT,
                     f"Error: no digest to write: the org chart ({tmp_path / 'org.yaml'}) "
                     "names no unit leads (digest.audience: leads)\n"
                     "Hint: give units a `lead` with a name and an e-mail address in the org "
                     "chart, or set digest.audience to managers\n"),
        "no addresses": (ExitStatus.BAD_INPUT,
                         "Error: no digest to write: none of the 4 unit leads in the org chart "
                         f"({tmp_path / 'org.yaml'}) has a usable e-mail address (Dana "
                         "Boss (lead of eng): no e-mail address; Niamh Hansen (lead of "
                         "eng-bill): no e-mail address; Pia Prod (lead of prod): no e-mail "
                         "address; and 1 more)\n"
                         "Hint: add their e-mail addresses to the org chart\n"),
    }[case]
    assert (result.status, result.stderr) == expected

