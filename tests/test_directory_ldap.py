"""The LDAP / Active Directory source against a real slapd (tests/ldap_server.py)."""

from __future__ import annotations

import re
import socket

import pytest
from ldap_server import (
    BIND_DN,
    BIND_PASSWORD,
    COPILOT_GROUP_DN,
    DANGLING_DN,
    DISABLED,
    DISABLED_NO_EXPIRY,
    GONE_MANAGER_DN,
    LOOP_DN,
    PASSWORD_ENV,
    PEOPLE_COUNT,
    PEOPLE_DN,
    PILOT_GROUP_DN,
    AdPerson,
    ad_people,
    ldap_server_fixture,  # noqa: F401 - the fixture `ldap_server`, the session's slapd
)

from enrich.config import Config
from enrich.directory.identity import EMU, LOGIN, match_users
from enrich.directory.ldap_source import NO_UNIT, LdapSource
from enrich.directory.model import ACTIVE, LEFT, Person, Unit
from enrich.directory.sources import load_directory
from enrich.errors import ConfigError, DirectoryError, SourceUnreachable

#: the mapping of the test directory's custom attributes
CUSTOM = {"login": "githubLogin", "cost_center": "extensionAttribute5"}
PLATFORM_MANAGER = "E000003"
#: the contractor has no employeeID: the DN, as the server spells it, is the id
CONTRACTOR_DN = ("cn=Contractor\\2C Kim,ou=Platform,ou=Engineering,ou=People,"
                 "dc=corp,dc=example,dc=com")


@pytest.fixture(scope="module", autouse=True)
def bind_password():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PASSWORD_ENV, BIND_PASSWORD)
        yield


@pytest.fixture(scope="module")
def people(ldap_server):
    """The main directory, read once with a page size well below the total and below the
    server's limit of 500 entries per unpaged search."""
    return LdapSource(ldap_server.spec(page_size=150, attributes=CUSTOM)).load().people


def load(server, **settings):
    return LdapSource(server.spec(**settings)).load()


def failure(kind, server, **settings) -> Exception:
    with pytest.raises(kind) as caught:
        load(server, **settings)
    return caught.value


# -- reading

def test_paged_search_returns_every_entry(people):
    assert len(people) == PEOPLE_COUNT
    assert set(people) == {p.employee_id or CONTRACTOR_DN for p in ad_people(PEOPLE_COUNT)}


def test_attributes_are_mapped(people):
    assert people["E000001"] == Person(
        id="E000001", name="Ada Lovelace", unit="Executive", email="ada.lovelace@corp.example.com",
        logins=("ada-lovelace_acme",), username="alovelace@corp.example.com", cost_center="CC-1000",
        manager=None, seat=True, status=ACTIVE, title="Chief Executive Officer")
    assert people["E900001"] == Person(
        id="E900001", name="Zoë Ångström", unit="Platform", email="zoe.angstrom@corp.example.com",
        logins=("zoe-angstrom_acme",), username="zangstrom@corp.example.com", cost_center="CC-2001",
        manager=PLATFORM_MANAGER, seat=True, status=ACTIVE, title="Staff Engineer")
    # her manager's DN is spelled in lower case; she is in the pilot group only
    assert people["E900002"] == Person(
        id="E900002", name="Grace Hopper", unit="Platform", email="grace.hopper@corp.example.com",
        logins=(), username="ghopper@corp.example.com", cost_center="CC-2001",
        manager=PLATFORM_MANAGER, seat=False, status=ACTIVE, title="Principal Engineer")
    # no employeeID: the DN is the id
    assert people[CONTRACTOR_DN] == Person(
        id=CONTRACTOR_DN, name="Kim Contractor", unit="Platform",
        username="kcontractor@corp.example.com", manager="E900001", seat=False,
        status=ACTIVE, title="Contractor")


def test_every_person_as_generated(people):
    generated = ad_people(PEOPLE_COUNT)
    id_of_dn = {p.dn.lower(): p.employee_id or CONTRACTOR_DN for p in generated}
    for entry in generated:
        assert people[id_of_dn[entry.dn.lower()]] == expected_person(entry, id_of_dn)


def expected_person(entry: AdPerson, id_of_dn: dict[str, str]) -> Person:
    """What the source should make of a generated entry; `id_of_dn` by lower-cased DN."""
    return Person(
        id=id_of_dn[entry.dn.lower()], name=entry.display_name, unit=entry.department,
        email=entry.mail, logins=(entry.github_login,) if entry.github_login else (),
        username=entry.upn, cost_center=entry.cost_center,
        manager=id_of_dn[entry.manager_dn.lower()] if entry.manager_dn else None,
        seat=COPILOT_GROUP_DN in entry.groups,
        status=LEFT if entry.user_account_control & 0x2 else ACTIVE, title=entry.title)


def test_defaults_read_active_directory_attributes(ldap_server):
    # without a mapping: no login or cost center attribute is read
    person = load(ldap_server).people["E900001"]
    assert (person.logins, person.cost_center) == ((), None)


def test_logins_from_the_attribute_or_the_emu_username(ldap_server, tmp_path):
    # the EMU short code comes from a YAML layer; Grace has no githubLogin
    overlay = tmp_path / "emu.yaml"
    overlay.write_text("emu_short_code: acme\n")
    directory = load_directory([ldap_server.spec(attributes=CUSTOM),
                                {"type": "yaml", "path": overlay}])
    matching = match_users(directory, {1: ["ada-lovelace_acme"], 2: ["ghopper_acme"]})
    assert matching.person_of == {1: "E000001", 2: "E900002"}
    assert matching.rule_of == {1: LOGIN, 2: EMU}


def test_attribute_lists_take_the_first_present(ldap_server):
    directory = load(ldap_server, attributes={"name": ["nickname", "sn", "cn"], "title": None})
    assert directory.people["E900001"].name == "Ångström"
    assert directory.people["E900001"].title is None


def test_units_from_the_dn_form_a_tree(ldap_server):
    directory = load(ldap_server, unit_from="dn")
    units = directory.units
    assert units["Engineering"] == Unit("Engineering", "Engineering", None)
    assert units["Engineering/Platform"] == Unit("Engineering/Platform", "Platform", "Engineering")
    assert units["Sales/Sales EMEA"] == Unit("Sales/Sales EMEA", "Sales EMEA", "Sales")
    assert len(units) == 1 + 6 + 13  # Executive, the departments, the teams
    assert directory.people["E900001"].unit == "Engineering/Platform"
    assert directory.people["E000002"].unit == "Engineering"  # the head of engineering


def test_people_without_a_unit(ldap_server):
    directory = load(ldap_server, attributes={"unit": "businessCategory"})  # nobody has one
    assert directory.units == {"": NO_UNIT}
    assert {p.unit for p in directory.people.values()} == {""}
    assert re.fullmatch(r"2000 people have no unit \(such as cn=.+\): they are in the unit "
                        r"\(no unit\)", directory.warnings[0])


def test_two_entries_with_one_id(ldap_server):
    error = failure(DirectoryError, ldap_server, base_dn=LOOP_DN, attributes={"id": "title"})
    assert re.fullmatch(r"two entries have the id Looper: cn=Loop\\2C \w+,ou=Loop,.+ and "
                        r"cn=Loop\\2C \w+,ou=Loop,.+", str(error))


def test_main_directory_validates_without_warnings(ldap_server):
    directory = load_directory([ldap_server.spec(attributes=CUSTOM)])
    assert len(directory.people) == PEOPLE_COUNT
    assert directory.warnings == []


# -- status and seats

def test_disabled_accounts_have_left(people):
    assert people["E900004"].status == LEFT  # userAccountControl 66050: disabled and more
    generated = ad_people(PEOPLE_COUNT)
    disabled = {p.employee_id for p in generated if p.user_account_control & 0x2}
    # both spellings of a disabled account are there: 514 and 66050
    assert {p.user_account_control for p in generated if p.employee_id in disabled} == {
        DISABLED, DISABLED_NO_EXPIRY}
    assert {p.id for p in people.values() if p.left} == disabled


def test_left_from_an_attribute(ldap_server):
    directory = load(ldap_server, left={"attribute": "title", "values": ["CONTRACTOR"]})
    assert [p.id for p in directory.people.values() if p.left] == [CONTRACTOR_DN]


def test_seats_from_group_membership(people):
    members = {p.employee_id or CONTRACTOR_DN for p in ad_people(PEOPLE_COUNT)
               if COPILOT_GROUP_DN in p.groups}
    assert 0 < len(members) < PEOPLE_COUNT
    assert {p.id for p in people.values() if p.seat} == members


def test_group_dn_is_escaped_in_the_filter(ldap_server):
    # "CN=Copilot (Pilot*),...": unescaped, the parentheses would break the filter
    directory = load(ldap_server, seat={"group_dn": PILOT_GROUP_DN})
    assert {p.id for p in directory.people.values() if p.seat} == {"E900001", "E900002"}


def test_an_empty_seat_group_is_a_warning(ldap_server):
    group = "CN=Copilot Userz,OU=Groups,DC=corp,DC=example,DC=com"
    directory = load(ldap_server, seat={"group_dn": group})
    assert {p.seat for p in directory.people.values()} == {False}
    assert directory.warnings == [f"nobody read is a member of the seat group {group}: no one "
                                  "holds a seat"]


def test_seats_from_an_attribute(ldap_server):
    directory = load(ldap_server, seat={"attribute": "department", "values": "data"})
    seated = [p for p in directory.people.values() if p.seat]
    assert seated and all(p.unit == "Data" for p in seated)
    assert all(p.seat is False for p in directory.people.values() if p.unit != "Data")


def test_no_seat_setting_leaves_seats_unknown(ldap_server):
    directory = load(ldap_server, seat={})
    assert {p.seat for p in directory.people.values()} == {None}


# -- managers

def test_dangling_manager_dn_is_a_warning(ldap_server):
    directory = load(ldap_server, base_dn=DANGLING_DN)
    assert directory.people["D1"].manager is None
    assert directory.warnings == [
        f"cn=Orphan\\2C Olive,{DANGLING_DN.replace('OU=', 'ou=').replace('DC=', 'dc=')}: "
        f"the manager {GONE_MANAGER_DN} is not among the people read (gone, or outside "
        "base_dn or the filter); no manager kept"]


def test_manager_loop_is_an_error_naming_the_people(ldap_server):
    with pytest.raises(DirectoryError) as caught:
        load_directory([ldap_server.spec(base_dn=LOOP_DN)])
    assert str(caught.value) == (
        "cn=Loop\\2C Anna,ou=Loop,ou=Anomalies,dc=corp,dc=example,dc=com: "
        "manager loop: L1 -> L2 -> L3 -> L1")


# -- connections and their failures

def test_ldaps(ldap_server):
    directory = load(ldap_server, url=ldap_server.ldaps_url, start_tls=False)
    assert len(directory.people) == PEOPLE_COUNT


@pytest.mark.parametrize("ldaps", [False, True], ids=["starttls", "ldaps"])
@pytest.mark.parametrize("ca", ["other", "system"])
def test_untrusted_certificate(ldap_server, ldaps, ca):
    url = ldap_server.ldaps_url if ldaps else ldap_server.url
    ca_file = ldap_server.other_ca_file if ca == "other" else None
    error = failure(SourceUnreachable, ldap_server, url=url, start_tls=not ldaps,
                    ca_file=ca_file)
    assert str(error) == (f"the certificate of the LDAP server {url} is not trusted: "
                          "self-signed certificate in certificate chain")
    assert error.hint == ("set ca_file to the PEM file of the certificate authority that "
                          "signed it")


def test_failed_bind(ldap_server, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    error = failure(ConfigError, ldap_server)
    assert str(error) == (f"the LDAP server {ldap_server.url} refused the bind as {BIND_DN}: "
                          "invalid credentials")
    assert error.hint == ("check bind_dn, and the password in the environment variable "
                          f"{PASSWORD_ENV}")
    assert "not-the-password" not in f"{error} {error.hint}"


def test_missing_password_variable(ldap_server, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    error = failure(ConfigError, ldap_server)
    assert str(error) == (f"the environment variable {PASSWORD_ENV} is not set (password_env "
                          f"of the LDAP source {ldap_server.url})")


def test_unreachable_server(ldap_server, unused_port):
    url = f"ldap://127.0.0.1:{unused_port}"
    error = failure(SourceUnreachable, ldap_server, url=url)
    assert str(error) == (f"cannot reach the LDAP server {url}: socket connection error while "
                          "opening: [Errno 111] Connection refused")


@pytest.fixture
def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_base_dn_that_names_no_entry(ldap_server):
    base = "OU=Nowhere,DC=corp,DC=example,DC=com"
    error = failure(ConfigError, ldap_server, base_dn=base)
    assert str(error) == (f"the base_dn {base} of the LDAP source {ldap_server.url} names no "
                          f"entry that {BIND_DN} may read")


def test_anonymous_users_see_nothing(ldap_server):
    error = failure(ConfigError, ldap_server, bind_dn=None, password_env=None)
    assert str(error) == (f"the base_dn {PEOPLE_DN} of the LDAP source {ldap_server.url} "
                          "names no entry that an anonymous bind may read")


def test_no_entry_matches(ldap_server):
    error = failure(ConfigError, ldap_server, filter="(employeeID=nobody)")
    assert str(error) == (f"no entry under {PEOPLE_DN} matches the filter (employeeID=nobody) "
                          f"of the LDAP source {ldap_server.url}")
    assert "(objectClass=inetOrgPerson)" in error.hint


def test_invalid_filter(ldap_server):
    error = failure(ConfigError, ldap_server, filter="objectClass=person")
    assert str(error) == ("the filter 'objectClass=person' of the LDAP source "
                          f"{ldap_server.url} is not a valid LDAP filter")


# -- settings

@pytest.mark.parametrize("url, start_tls, message", [
    ("ldap://dc1.example.com", False, "the LDAP source ldap://dc1.example.com would send the "
                                      "password and the org chart unencrypted"),
    ("ldaps://dc1.example.com", True, "the LDAP source ldaps://dc1.example.com has start_tls, "
                                      "but ldaps:// is TLS already"),
    ("http://dc1.example.com", False, "the LDAP source's url 'http://dc1.example.com' is "
                                      "neither ldaps:// nor ldap://"),
])
def test_no_unencrypted_connection(ldap_server, url, start_tls, message):
    assert str(failure(ConfigError, ldap_server, url=url, start_tls=start_tls)) == message


@pytest.mark.parametrize("setting, value, problem", [
    ("attributes", "{emial: mail}", "unknown field 'emial' (did you mean email?); expected "
                                    "some of id, name, email, login, username, unit, "
                                    "cost_center, manager, title"),
    ("attributes", "{name: [displayName, 3]}", "name: expected an attribute name or a list "
                                               "of them, got ['displayName', 3]"),
    ("left", "{ad_disabled: yes please}", "expected {ad_disabled: true} or {attribute: A, "
                                          "values: [V, ...]}, got {'ad_disabled': 'yes "
                                          "please'}"),
    ("seat", "{group: Copilot}", "expected {group_dn: DN} or {attribute: A, values: [V, "
                                 "...]}, got {'group': 'Copilot'}"),
])
def test_mappings_are_checked_with_the_configuration(tmp_path, setting, value, problem):
    path = tmp_path / "enrich.yaml"
    path.write_text("directory:\n  sources:\n    - type: ldap\n      url: ldaps://dc1\n"
                    f"      base_dn: DC=corp\n      {setting}: {value}\n")
    with pytest.raises(ConfigError) as caught:
        Config.load(path)
    assert str(caught.value) == (f"{path}, line 6: directory.sources[0].{setting}: {problem}")
