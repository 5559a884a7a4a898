"""A real OpenLDAP server (slapd) on loopback, holding an org chart laid out like Active Directory.

    from ldap_server import ldap_server_fixture     # the fixture `ldap_server`

    def test_something(ldap_server):            # the session's server, started once
        spec = ldap_server.spec(page_size=100)  # a checked `directory.sources[]` entry
        directory = LdapSource(spec).load()

    with running_slapd(workdir, ad_ldif(people)) as server:   # outside pytest (bench/ldap.py)
        ...

The directory (`ad_people(count)`, deterministic):

- `OU=People,DC=corp,DC=example,DC=com`, an OU per department and below it one per team
  (`DEPARTMENTS`); every person an `inetOrgPerson` with the auxiliary class `adUser` of a
  small schema (OIDs under `2.25.`) that adds Active Directory's attributes:
  `sAMAccountName`, `userPrincipalName`, `employeeID`, `department` (the team),
  `userAccountControl`, `memberOf`, `extensionAttribute5` (the cost center) and a custom
  `githubLogin`. A CEO, a head per department, a manager per team; every
  `manager` DN resolves. Some accounts are disabled (`userAccountControl` bit 0x2), about 90%
  are in `CN=Copilot Users`, a few in `CN=Copilot (Pilot*)` (a DN that must be escaped in a
  filter). Every CN holds a comma (`Lovelace, Ada`); a few people (`_special`) cover
  non-ASCII names, a manager DN spelled in lower case, no employeeID.
- `OU=Loop,OU=Anomalies,...`: three people who manage each other in a circle;
  `OU=Dangling,OU=Anomalies,...`: a person whose manager's DN names no entry.
- `CN=svc-enrich,OU=Service Accounts,...`: the account to bind as (`BIND_PASSWORD`), with the
  size limit of a normal user: 500 entries unless paged. Anonymous users may read nothing.

TLS: a CA made with `openssl req -x509` signs the server's certificate for 127.0.0.1 and
localhost; StartTLS on the `ldap://` port, TLS on the `ldaps://` port. `other_ca_file` is a CA
that signed nothing here, for the wrong-CA case.
"""

from __future__ import annotations

import base64
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from enrich.config import SOURCE_TYPES

BASE_DN = "DC=corp,DC=example,DC=com"
PEOPLE_DN = f"OU=People,{BASE_DN}"
GROUPS_DN = f"OU=Groups,{BASE_DN}"
COPILOT_GROUP_DN = f"CN=Copilot Users,{GROUPS_DN}"
#: parentheses and a star: placed unescaped in a filter, they break it or match too much
PILOT_GROUP_DN = f"CN=Copilot (Pilot*),{GROUPS_DN}"
ANOMALIES_DN = f"OU=Anomalies,{BASE_DN}"
LOOP_DN = f"OU=Loop,{ANOMALIES_DN}"
DANGLING_DN = f"OU=Dangling,{ANOMALIES_DN}"
GONE_MANAGER_DN = f"CN=Gone\\, Manager,OU=Sales,{PEOPLE_DN}"
BIND_DN = f"CN=svc-enrich,OU=Service Accounts,{BASE_DN}"
BIND_PASSWORD = "Bind-s3cret!"
PASSWORD_ENV = "ENRICH_TEST_LDAP_PASSWORD"
DOMAIN = "corp.example.com"
EMU_SHORT_CODE = "acme"

#: userAccountControl: NORMAL_ACCOUNT (0x200), with ACCOUNTDISABLE (0x2), and disabled with
#: DONT_EXPIRE_PASSWORD (0x10000) too, so that only the bit, not the value, tells
ENABLED, DISABLED, DISABLED_NO_EXPIRY = 512, 514, 66050

#: department OU -> its teams (the `department` attribute of the people in them)
DEPARTMENTS = {
    "Engineering": ["Platform", "Mobile", "Data", "Security"],
    "Sales": ["Sales EMEA", "Sales Americas"],
    "Marketing": ["Brand", "Growth"],
    "Finance": ["Accounting", "Treasury"],
    "Operations": ["IT", "Facilities"],
    "Support": ["Customer Support"],
}
#: department -> its cost center
COST_CENTERS = {department: f"CC-{2001 + i}" for i, department in enumerate(DEPARTMENTS)}
FIRST_NAMES = ["Ada", "Alan", "Barbara", "Claude", "Dennis", "Donald", "Edsger", "Frances",
               "Grace", "Hedy", "John", "Ken", "Leslie", "Linus", "Margaret", "Niklaus",
               "Radia", "Robin", "Shafi", "Tim"]
LAST_NAMES = ["Allen", "Berners-Lee", "Dijkstra", "Hamilton", "Hopper", "Kay", "Knuth",
              "Lamarr", "Lamport", "Liskov", "Lovelace", "McCarthy", "Milner", "Perlman",
              "Ritchie", "Shannon", "Thompson", "Torvalds", "Turing", "Wirth"]


@dataclass
class AdPerson:
    """One user entry, as written to the LDIF."""

    cn: str
    given_name: str
    surname: str
    sam: str
    #: the OUs that hold the entry, from the top down
    ous: tuple[str, ...]
    department: str
    title: str
    employee_id: str | None = None
    mail: str | None = None
    manager_dn: str | None = None
    cost_center: str | None = None
    github_login: str | None = None
    user_account_control: int = ENABLED
    groups: tuple[str, ...] = (COPILOT_GROUP_DN,)
    #: where the OUs sit
    container: str = PEOPLE_DN

    @property
    def dn(self) -> str:
        return f"CN={_escape_rdn(self.cn)},{_ou_path(self.ous, self.container)}"

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.surname}"

    @property
    def upn(self) -> str:
        return f"{self.sam}@{DOMAIN}"


def _ou_path(ous: tuple[str, ...], container: str) -> str:
    return ",".join([*(f"OU={ou}" for ou in reversed(ous)), container])


def _escape_rdn(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("+", "\\+")


def ad_people(count: int, seed: int = 4) -> list[AdPerson]:
    """`count` people (at least 40): a CEO, a head per department and a manager per team,
    the `SPECIAL` people, then people spread over the teams."""
    rng = random.Random(seed)
    ceo = AdPerson("Lovelace, Ada", "Ada", "Lovelace", "alovelace", ("Executive",), "Executive",
                   "Chief Executive Officer", employee_id="E000001",
                   mail=f"ada.lovelace@{DOMAIN}", cost_center="CC-1000",
                   github_login="ada-lovelace_acme")
    people = [ceo]
    managers = {}
    for department, teams in DEPARTMENTS.items():
        head = _generated(len(people), rng, (department,), department, f"Head of {department}",
                          ceo)
        people.append(head)
        for team in teams:
            managers[team] = _generated(len(people), rng, (department, team), team,
                                        f"{team} Manager", head)
            people.append(managers[team])
    people += _special(managers)
    teams = [(department, team) for department in DEPARTMENTS for team in DEPARTMENTS[department]]
    while len(people) < count:
        department, team = teams[len(people) % len(teams)]
        title = "Engineer" if department == "Engineering" else "Specialist"
        people.append(_generated(len(people), rng, (department, team), team, title,
                                 managers[team]))
    return people


def _generated(number: int, rng: random.Random, ous: tuple[str, ...], department: str,
               title: str, manager: AdPerson) -> AdPerson:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    sam = f"{first[0]}{last.replace('-', '')}{number}".lower()
    disabled = DISABLED_NO_EXPIRY if number % 2 else DISABLED
    return AdPerson(
        f"{last}, {first} {number}", first, last, sam, ous, department, title,
        employee_id=f"E{number + 1:06d}", mail=f"{first}.{last}{number}@{DOMAIN}".lower(),
        manager_dn=manager.dn,
        # some people have no cost center of their own, some no stored login (the EMU
        # username tells), some have left, some hold no seat
        cost_center=None if number % 50 == 0 else COST_CENTERS[ous[0]],
        github_login=None if number % 5 == 0 else f"{sam}_{EMU_SHORT_CODE}",
        user_account_control=disabled if number % 97 == 0 else ENABLED,
        groups=() if number % 10 == 0 else (COPILOT_GROUP_DN,))


def _special(managers: dict[str, AdPerson]) -> list[AdPerson]:
    """People the tests look at by name, each for a case the generated ones do not cover."""
    platform = ("Engineering", "Platform")
    return [
        # non-ASCII names, in the pilot group too
        AdPerson("Ångström, Zoë", "Zoë", "Ångström", "zangstrom", platform, "Platform",
                 "Staff Engineer", employee_id="E900001", mail=f"zoe.angstrom@{DOMAIN}",
                 manager_dn=managers["Platform"].dn, cost_center="CC-2001",
                 github_login="zoe-angstrom_acme", groups=(COPILOT_GROUP_DN, PILOT_GROUP_DN)),
        # a manager DN spelled in lower case; only in the pilot group
        AdPerson("Hopper, Grace (pilot)", "Grace", "Hopper", "ghopper", platform, "Platform",
                 "Principal Engineer", employee_id="E900002", mail=f"grace.hopper@{DOMAIN}",
                 manager_dn=managers["Platform"].dn.lower(), cost_center="CC-2001",
                 groups=(PILOT_GROUP_DN,)),
        # no employeeID, no mail, no cost center, no group; a manager DN not in ASCII
        AdPerson("Contractor, Kim", "Kim", "Contractor", "kcontractor", platform, "Platform",
                 "Contractor", manager_dn=f"CN=Ångström\\, Zoë,{_ou_path(platform, PEOPLE_DN)}",
                 groups=()),
        # disabled, with another bit set beside the disabled one
        AdPerson("Former, Frank", "Frank", "Former", "fformer", ("Sales", "Sales EMEA"),
                 "Sales EMEA", "Account Executive", employee_id="E900004",
                 mail=f"frank.former@{DOMAIN}", manager_dn=managers["Sales EMEA"].dn,
                 cost_center="CC-2002", github_login="fformer_acme",
                 user_account_control=DISABLED_NO_EXPIRY),
    ]


def anomalies() -> list[AdPerson]:
    """Under `ANOMALIES_DN`: a manager loop (Anna -> Ben -> Cleo -> Anna) and a person whose
    manager is not in the directory."""
    loop = [AdPerson(f"Loop, {name}", name, "Loop", f"loop{name.lower()}", ("Loop",), "Loop",
                     "Looper", employee_id=f"L{number}", container=ANOMALIES_DN)
            for number, name in enumerate(["Anna", "Ben", "Cleo"], start=1)]
    for person, manager in zip(loop, loop[1:] + loop[:1], strict=True):
        person.manager_dn = manager.dn
    dangling = AdPerson("Orphan, Olive", "Olive", "Orphan", "oorphan", ("Dangling",), "Orphans",
                        "Analyst", employee_id="D1", manager_dn=GONE_MANAGER_DN,
                        container=ANOMALIES_DN)
    return [*loop, dangling]


# -- LDIF

def ad_ldif(people: list[AdPerson]) -> Iterator[str]:
    """The whole directory as LDIF records: the tree, the groups, the people."""
    yield _record(BASE_DN, ["top", "domain"], [("dc", "corp")])
    containers = {PEOPLE_DN, GROUPS_DN, ANOMALIES_DN, f"OU=Service Accounts,{BASE_DN}"}
    containers |= {_ou_path(p.ous[:depth], p.container)
                   for p in people for depth in range(1, len(p.ous) + 1)}
    for dn in sorted(containers, key=lambda dn: dn.count(",")):  # parents first
        yield _record(dn, ["top", "organizationalUnit"], [("ou", dn[3:dn.index(",")])])
    yield _record(BIND_DN, ["top", "person"], [("cn", "svc-enrich"), ("sn", "enrich"),
                                              ("userPassword", BIND_PASSWORD)])
    for group in (COPILOT_GROUP_DN, PILOT_GROUP_DN):
        members = [p.dn for p in people if group in p.groups] or [BIND_DN]
        yield _record(group, ["top", "groupOfNames"],
                      [("cn", group[3:group.index(",OU=")]), *(("member", m) for m in members)])
    for person in people:
        yield _person_record(person)


def _person_record(person: AdPerson) -> str:
    values = [
        ("cn", person.cn), ("sn", person.surname), ("givenName", person.given_name),
        ("displayName", person.display_name), ("mail", person.mail),
        ("sAMAccountName", person.sam), ("userPrincipalName", person.upn),
        ("employeeID", person.employee_id), ("department", person.department),
        ("title", person.title), ("manager", person.manager_dn),
        ("extensionAttribute5", person.cost_center), ("githubLogin", person.github_login),
        ("userAccountControl", str(person.user_account_control)),
        *(("memberOf", group) for group in person.groups),
    ]
    return _record(person.dn, ["top", "person", "organizationalPerson", "inetOrgPerson",
                               "adUser"], [(name, value) for name, value in values if value])


def _record(dn: str, classes: list[str], values: Iterable[tuple[str, str]]) -> str:
    lines = [_ldif_line("dn", dn), *(_ldif_line("objectClass", c) for c in classes)]
    lines += [_ldif_line(name, value) for name, value in values]
    return "\n".join(lines) + "\n\n"


def _ldif_line(name: str, value: str) -> str:
    # RFC 2849: a value that is not plain ASCII, or starts with a space, ':' or '<', is base64
    if value.isascii() and value[:1] not in (" ", ":", "<"):
        return f"{name}: {value}"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}"


# -- the server

SCHEMA = """\
# Active Directory's user attributes, and a GitHub login, for OpenLDAP. The OIDs sit under
# 2.25.<UUID>, which needs no registration.
objectidentifier adAttr 2.25.291661462879899337460644968283465100259.1
objectidentifier adClass 2.25.291661462879899337460644968283465100259.2

attributetype ( adAttr:1 NAME 'githubLogin' DESC 'GitHub login'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( adAttr:2 NAME 'extensionAttribute5' DESC 'AD custom attribute: the cost center'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( adAttr:3 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( adAttr:4 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( adAttr:5 NAME 'employeeID'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( adAttr:6 NAME 'department'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( adAttr:7 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( adAttr:8 NAME 'memberOf'
  EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )

objectclass ( adClass:1 NAME 'adUser' DESC 'the attributes of an Active Directory user'
  SUP top AUXILIARY
  MAY ( githubLogin $ extensionAttribute5 $ sAMAccountName $ userPrincipalName $
        employeeID $ department $ userAccountControl $ memberOf ) )
"""

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include {dir}/ad.schema

pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb

TLSCACertificateFile {dir}/ca.pem
TLSCertificateFile {dir}/server.pem
TLSCertificateKeyFile {dir}/server.key

# a normal user gets 500 entries per search, as many as it likes when it pages
sizelimit size.soft=500 size.hard=unlimited size.prtotal=unlimited

database mdb
maxsize 4294967296
suffix "{base}"
rootdn "cn=admin,{base}"
rootpw admin-only-for-slapadd
directory {dir}/data
index objectClass,memberOf eq

access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
"""


@dataclass(frozen=True)
class LdapServer:
    host: str
    port: int
    ldaps_port: int
    #: the CA that signed the server's certificate, and one that did not
    ca_file: Path
    other_ca_file: Path

    @property
    def url(self) -> str:
        return f"ldap://{self.host}:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.host}:{self.ldaps_port}"

    def spec(self, **settings) -> dict:
        """A `directory.sources[]` entry as the configuration hands it over: every setting,
        its default unless given; StartTLS with the right CA, bound as the service account,
        reading the people (inetOrgPerson: AD's default filter needs AD's objectCategory),
        AD's disabled bit, seats from the Copilot group."""
        spec = {name: setting.default for name, setting in SOURCE_TYPES["ldap"].items()}
        spec.update(type="ldap", url=self.url, start_tls=True, ca_file=self.ca_file,
                    bind_dn=BIND_DN, password_env=PASSWORD_ENV, base_dn=PEOPLE_DN,
                    filter="(objectClass=inetOrgPerson)",
                    left={"ad_disabled": True}, seat={"group_dn": COPILOT_GROUP_DN})
        spec.update(settings)
        return spec


def slapd_path() -> str | None:
    # root's PATH has /usr/sbin; another user's may not
    return shutil.which("slapd") or shutil.which("slapd", path="/usr/sbin")


@contextmanager
def running_slapd(workdir: Path, ldif: Iterable[str]) -> Iterator[LdapServer]:
    """slapd on two free loopback ports, loaded with `ldif`, stopped when the block ends."""
    (workdir / "data").mkdir(parents=True)
    _make_certificates(workdir)
    (workdir / "ad.schema").write_text(SCHEMA)
    conf = workdir / "slapd.conf"
    conf.write_text(SLAPD_CONF.format(dir=workdir, base=BASE_DN))
    with open(workdir / "data.ldif", "w", encoding="utf-8") as out:
        out.writelines(ldif)
    _run([_sbin("slapadd"), "-q", "-f", conf, "-l", workdir / "data.ldif"])
    server = LdapServer("127.0.0.1", _free_port(), _free_port(), workdir / "ca.pem",
                        workdir / "other-ca.pem")
    urls = f"{server.url} {server.ldaps_url}"
    with open(workdir / "slapd.log", "wb") as log:
        process = subprocess.Popen([slapd_path(), "-h", urls, "-f", conf, "-d", "0"],
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(process, server, workdir / "slapd.log")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _make_certificates(workdir: Path) -> None:
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca = ["-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
    for name in ("ca", "other-ca"):
        _run(["openssl", "req", "-x509", *key, *ca, "-days", "30", "-subj",
              f"/CN=enrich test {name}", "-keyout", workdir / f"{name}.key",
              "-out", workdir / f"{name}.pem"])
    _run(["openssl", "req", "-x509", *key, "-days", "30", "-subj", "/CN=localhost",
          "-CA", workdir / "ca.pem", "-CAkey", workdir / "ca.key",
          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
          "-addext", "extendedKeyUsage=serverAuth",
          "-keyout", workdir / "server.key", "-out", workdir / "server.pem"])


def _run(argv: list) -> None:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}")


def _sbin(tool: str) -> str:
    return str(Path(slapd_path()).with_name(tool))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(process: subprocess.Popen, server: LdapServer, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited ({process.returncode}): {log.read_text()}")
        if all(_answers(server.host, port) for port in (server.port, server.ldaps_port)):
            return
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"slapd did not listen within 15 s: {log.read_text()}")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


PEOPLE_COUNT = 2_000


@pytest.fixture(scope="session", name="ldap_server")
def ldap_server_fixture(tmp_path_factory) -> Iterator[LdapServer]:
    """The session's slapd with `ad_people(PEOPLE_COUNT)` and the anomalies."""
    if slapd_path() is None:
        message = "slapd is not installed: apt-get install -y slapd ldap-utils"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI must run the LDAP tests)", pytrace=False)
        pytest.skip(message)
    people = ad_people(PEOPLE_COUNT) + anomalies()
    with running_slapd(tmp_path_factory.mktemp("slapd"), ad_ldif(people)) as server:
        yield server
