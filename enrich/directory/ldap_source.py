"""The org chart from LDAP or Active Directory, read with ldap3.

A `directory.sources[]` entry of type `ldap` (settings in `enrich.config.SOURCE_TYPES`):

```yaml
- type: ldap
  url: ldaps://dc1.corp.example.com      # or ldap://... with start_tls: true
  ca_file: corp-ca.pem                   # else the system's CAs; certificates always verified
  bind_dn: CN=svc-enrich,OU=Service Accounts,DC=corp,DC=example,DC=com
  password_env: ENRICH_LDAP_PASSWORD
  base_dn: OU=People,DC=corp,DC=example,DC=com
  filter: (&(objectCategory=person)(objectClass=user))  # the default: AD's users
  attributes: {login: githubLogin, cost_center: extensionAttribute5}
  left: {ad_disabled: true}              # or {attribute: A, values: [...]}
  seat: {group_dn: CN=Copilot Users,OU=Groups,DC=corp,DC=example,DC=com}  # or {attribute, values}
```

`attributes` maps each field of a person to an attribute, or to a list of them (the first one
an entry has wins); `null` or `[]` reads nothing. The defaults suit Active Directory; see
`DEFAULT_ATTRIBUTES`. A person's id is the entry's DN when it has none of the id attributes.
Without a login attribute, identity matching finds people by their username the way
Enterprise Managed Users make logins of it (the userPrincipalName up to `@`, and the
`emu_short_code` of a YAML layer). Units are the distinct values of the unit attribute, flat;
with `unit_from: dn` they are the OUs under `base_dn` that hold the people, as a tree.

Manager DNs resolve to the people read; one that names nobody read becomes no manager and a
line in `Directory.warnings`. Loops are left to `validate`, which reports them.
"""

from __future__ import annotations

import os
import re
import ssl
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from enrich.directory.model import ACTIVE, LEFT, Directory, Person, Unit
from enrich.directory.validate import Origin
from enrich.errors import ConfigError, DirectoryError, SourceUnreachable, unknown_name

with warnings.catch_warnings():
    # ldap3 2.9.1 imports names that pyasn1 0.6 deprecated, at import time only
    warnings.simplefilter("ignore", DeprecationWarning)
    from ldap3 import NO_ATTRIBUTES, NONE, SUBTREE, Connection, Server, Tls
    from ldap3.core.exceptions import (
        LDAPCommunicationError,
        LDAPException,
        LDAPInvalidCredentialsResult,
        LDAPInvalidFilterError,
        LDAPNoSuchObjectResult,
        LDAPOperationResult,
        LDAPStartTLSError,
    )
    from ldap3.utils.conv import escape_filter_chars

#: person field -> the attributes to read it from, first present wins (Active Directory's)
DEFAULT_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "id": ("employeeID",),
    "name": ("displayName", "cn"),
    "email": ("mail",),
    "login": (),  # no standard attribute: without one, identity matching uses the username
    "username": ("userPrincipalName", "sAMAccountName", "uid"),
    "unit": ("department",),
    "cost_center": (),  # no standard attribute: companies pick an extensionAttributeN
    "manager": ("manager",),
    "title": ("title",),
}
#: the unit of people whose entry names none: an empty id, which a later layer's unit for
#: the same person replaces (an empty field gives nothing when layers are combined)
NO_UNIT = Unit("", "(no unit)")
#: userAccountControl's ACCOUNTDISABLE bit
_AD_ACCOUNT_DISABLED = 0x2
_SEARCH_RESULT_ENTRY = 4  # the LDAP protocolOp tag of an entry in a search's answer


# -- checks of the mappings, run when the configuration is loaded

def check_attributes(mapping: dict) -> list[str]:
    problems = []
    for field_name, value in mapping.items():
        if field_name not in DEFAULT_ATTRIBUTES:
            problems.append(unknown_name(field_name, DEFAULT_ATTRIBUTES, "field"))
        elif value not in (None, []) and not _texts(value):
            problems.append(f"{field_name}: expected an attribute name or a list of them, "
                            f"got {value!r}")
    return problems


def check_left(mapping: dict) -> list[str]:
    return _check_choice(mapping, {"ad_disabled": _is_flag}, "{ad_disabled: true} or "
                         "{attribute: A, values: [V, ...]}")


def check_seat(mapping: dict) -> list[str]:
    return _check_choice(mapping, {"group_dn": _is_text}, "{group_dn: DN} or "
                         "{attribute: A, values: [V, ...]}")


def _check_choice(mapping: dict, own: dict[str, Callable], expected: str) -> list[str]:
    """Empty, one of `own` keys with a valid value, or an attribute and its values."""
    if not mapping:
        return []
    if len(mapping) == 1:
        (key, value), = mapping.items()
        if key in own and own[key](value):
            return []
    elif mapping.keys() == {"attribute", "values"} and _is_text(mapping["attribute"]) \
            and _texts(mapping["values"]):
        return []
    return [f"expected {expected}, got {mapping!r}"]


def _is_flag(value) -> bool:
    return isinstance(value, bool)


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _texts(value) -> tuple[str, ...]:
    """A text or a list of texts, as a tuple; empty when it is neither."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(_is_text(name) for name in names):
        return ()
    return tuple(names)


# -- the source

class LdapSource:
    """A directory source reading people from an LDAP server; see the module docstring."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.url = spec["url"]
        self.name = f"{self.url}/{spec['base_dn']}"
        self.origins: dict[tuple[str, str], Origin] = {}

    def load(self) -> Directory:
        spec = self.spec
        mapping = _Mapping.of(spec)
        builder = _Builder(mapping, spec["base_dn"])
        with _connection(spec, _password(spec)) as connection:
            search = _Search(connection, spec)
            for entry in search.entries(mapping.requested()):
                builder.add(entry)
            if not builder.found:
                raise _nothing_matches(spec)
            seat_holders = search.seat_holders(mapping.seat_group)
        self.origins = builder.origins()
        return builder.directory(self.name, seat_holders)


def _nothing_matches(spec: dict) -> ConfigError:
    return ConfigError(f"no entry under {spec['base_dn']} matches the filter {spec['filter']} "
                       f"of the LDAP source {spec['url']}",
                       hint="check base_dn and filter; the default filter is Active "
                            "Directory's, OpenLDAP needs one such as (objectClass=inetOrgPerson)")


def _password(spec: dict) -> str | None:
    if spec["bind_dn"] is None:
        return None
    name = spec["password_env"]
    if name is None:
        raise ConfigError(f"the LDAP source {spec['url']} has a bind_dn but no password_env",
                          hint="set password_env to the name of the environment variable "
                               "that holds the password")
    password = os.environ.get(name)
    if not password:
        raise ConfigError(f"the environment variable {name} is not set (password_env of the "
                          f"LDAP source {spec['url']})",
                          hint=f"set {name} to the password of {spec['bind_dn']}")
    return password


# -- connecting

class _VerifiedTls(Tls):
    """TLS that verifies the server's certificate and host name with Python's ssl module.

    ldap3 checks the host name itself with `ssl.match_hostname`, which is deprecated (a
    warning on every connection), gone in Python 3.12 and blind to IP addresses. Remembers
    why a handshake failed, which ldap3 reports only as text.
    """

    def __init__(self, ca_file):
        super().__init__(validate=ssl.CERT_REQUIRED,
                         ca_certs_file=None if ca_file is None else str(ca_file))
        self.failure: ssl.SSLError | None = None

    def wrap_socket(self, connection, do_handshake=False):
        context = ssl.create_default_context(cafile=self.ca_certs_file)
        try:
            connection.socket = context.wrap_socket(
                connection.socket, server_hostname=connection.server.host,
                do_handshake_on_connect=do_handshake)
        except ssl.SSLError as exc:
            self.failure = exc
            raise


@contextmanager
def _connection(spec: dict, password: str | None) -> Iterator[Connection]:
    """An open, bound connection, closed when the block ends; failures as one message each."""
    url = spec["url"]
    use_ssl = _uses_ssl(spec)
    tls = _VerifiedTls(spec["ca_file"])
    server = Server(url, use_ssl=use_ssl, tls=tls, get_info=NONE,
                    connect_timeout=spec["timeout"])
    # auto_referrals off: a referral would take the bind password to another server
    connection = Connection(server, user=spec["bind_dn"], password=password, read_only=True,
                            raise_exceptions=True, auto_referrals=False,
                            return_empty_attributes=False, receive_timeout=spec["timeout"],
                            fast_decoder=True)  # whose last step _read_entries_as_text replaces
    try:
        try:
            connection.open()
            if not use_ssl:
                connection.start_tls()
        except LDAPException as exc:
            raise _unreachable(url, exc, tls) from None
        _bind(connection, spec)
        _read_entries_as_text(connection)
        yield connection
    finally:
        _close(connection)


def _uses_ssl(spec: dict) -> bool:
    url, start_tls = spec["url"], spec["start_tls"]
    scheme = url.partition("://")[0].lower()
    if scheme == "ldaps" and not start_tls:
        return True
    if scheme == "ldap" and start_tls:
        return False
    if scheme == "ldaps":
        raise ConfigError(f"the LDAP source {url} has start_tls, but ldaps:// is TLS already",
                          hint="remove start_tls, or use ldap:// with start_tls")
    if scheme == "ldap":
        raise ConfigError(f"the LDAP source {url} would send the password and the org chart "
                          "unencrypted", hint="set start_tls: true, or use ldaps://")
    raise ConfigError(f"the LDAP source's url {url!r} is neither ldaps:// nor ldap://")


def _unreachable(url: str, exc: LDAPException, tls: _VerifiedTls) -> SourceUnreachable:
    if isinstance(tls.failure, ssl.SSLCertVerificationError):
        return SourceUnreachable(
            f"the certificate of the LDAP server {url} is not trusted: "
            f"{tls.failure.verify_message}",
            hint="set ca_file to the PEM file of the certificate authority that signed it")
    if tls.failure is not None:
        return SourceUnreachable(
            f"no TLS with the LDAP server {url}: {tls.failure.reason or tls.failure}",
            hint="ldaps:// needs the server's TLS port (636), ldap:// with start_tls its "
                 "plain port (389)")
    if isinstance(exc, LDAPStartTLSError):
        return SourceUnreachable(f"the LDAP server {url} refused StartTLS: {exc}",
                                 hint="use ldaps:// if the server offers it")
    return SourceUnreachable(f"cannot reach the LDAP server {url}: {exc}",
                             hint="check the url, and that the server runs and accepts "
                                  "connections from this machine")


def _bind(connection: Connection, spec: dict) -> None:
    url, bind_dn = spec["url"], spec["bind_dn"] or "anonymous"
    try:
        connection.bind()
    except LDAPInvalidCredentialsResult as exc:
        raise ConfigError(f"the LDAP server {url} refused the bind as {bind_dn}: invalid "
                          f"credentials{_diagnostic(exc)}",
                          hint=f"check bind_dn, and the password in the environment "
                               f"variable {spec['password_env']}") from None
    except LDAPOperationResult as exc:
        raise SourceUnreachable(f"the LDAP server {url} refused the bind as {bind_dn}: "
                                f"{exc.description}{_diagnostic(exc)}") from None
    except LDAPCommunicationError as exc:
        raise _lost(url, exc) from None


def _diagnostic(exc: LDAPOperationResult) -> str:
    # Active Directory says why here ("... data 775": the account is locked)
    return f" ({exc.message})" if exc.message else ""


def _lost(url: str, exc: LDAPException) -> SourceUnreachable:
    return SourceUnreachable(f"lost the connection to the LDAP server {url}: {exc}",
                             hint="run again; raise timeout if the server is slow")


def _read_entries_as_text(connection: Connection) -> None:
    """Makes the connection give each entry as `{"dn", "attributes": {name: [text]}}`, names
    lower-cased.

    ldap3 turns every entry into two case-insensitive dictionaries (raw and formatted values)
    through generic per-value conversions: more than half the time to read 100,000 entries.
    This keeps its decoding of the message and replaces that last step, for this connection
    only.
    """
    decode_other = connection.strategy.decode_response_fast

    def decode(message: dict) -> dict:
        if message["protocolOp"] != _SEARCH_RESULT_ENTRY:
            return decode_other(message)
        dn, attributes = message["payload"][0][3], message["payload"][1][3]
        return {"type": "searchResEntry", "dn": dn.decode("utf-8", "replace"), "attributes": {
            name[3].decode("utf-8", "replace").lower():
                [value[3].decode("utf-8", "replace") for value in values[3]]
            for (_, _, _, (name, values)) in attributes}}

    connection.strategy.decode_response_fast = decode


def _close(connection: Connection) -> None:
    # an unbind that cannot be sent (a failed handshake leaves no socket) ends it all the same
    with suppress(LDAPException):
        connection.unbind()
    # ldap3 leaves the socket of a failed connect open, the connection marked closed
    if connection.socket is not None:
        connection.socket.close()


# -- searching

class _Search:
    def __init__(self, connection: Connection, spec: dict):
        self.connection = connection
        self.url, self.base_dn, self.filter = spec["url"], spec["base_dn"], spec["filter"]
        self.reader = spec["bind_dn"] or "an anonymous bind"
        self.page_size = spec["page_size"]

    def entries(self, attributes: list[str], search_filter: str | None = None) -> Iterator[dict]:
        """Every entry under base_dn that matches, page by page; referrals skipped."""
        search_filter = search_filter or self.filter
        pages = self.connection.extend.standard.paged_search(
            self.base_dn, search_filter, SUBTREE, attributes=attributes or NO_ATTRIBUTES,
            paged_size=self.page_size, paged_criticality=True, generator=True)
        try:
            for entry in pages:
                if entry["type"] == "searchResEntry":
                    yield entry
        except LDAPInvalidFilterError:
            raise ConfigError(f"the filter {search_filter!r} of the LDAP source {self.url} is "
                              "not a valid LDAP filter",
                              hint="write it in parentheses, e.g. (&(objectClass=user)"
                                   "(department=Sales)), with ( ) * \\ in values written "
                                   "\\28 \\29 \\2a \\5c") from None
        except LDAPNoSuchObjectResult:
            # servers answer so too when the entry exists but the bind may not see it
            raise ConfigError(f"the base_dn {self.base_dn} of the LDAP source {self.url} "
                              f"names no entry that {self.reader} may read") from None
        except LDAPOperationResult as exc:
            raise SourceUnreachable(f"the LDAP server {self.url} refused the search of "
                                    f"{self.base_dn}: {exc.description}"
                                    f"{_diagnostic(exc)}") from None
        except LDAPCommunicationError as exc:
            raise _lost(self.url, exc) from None

    def seat_holders(self, group_dn: str | None) -> set[str] | None:
        """The lower-cased DNs of the people in the group; None without a group.

        Entry DNs, from the same server as those of the people: spelled alike.
        """
        if group_dn is None:
            return None
        # the group's DN goes into a filter: escaped, or "(", ")" and "*" in it would break
        # the filter or widen it
        in_group = f"(&{self.filter}(memberOf={escape_filter_chars(group_dn)}))"
        return {entry["dn"].lower() for entry in self.entries([], in_group)}


# -- from entries to people

@dataclass(frozen=True)
class _Mapping:
    """Which lower-cased attributes each field comes from, and how status and seat are told."""

    fields: dict[str, tuple[str, ...]]
    unit_from_dn: bool
    ad_disabled: bool
    left_attribute: str | None
    left_values: frozenset[str]
    seat_group: str | None
    seat_attribute: str | None
    seat_values: frozenset[str]

    @classmethod
    def of(cls, spec: dict) -> _Mapping:
        configured = {name: _texts(value) for name, value in spec["attributes"].items()}
        fields = {name: tuple(a.lower() for a in names)
                  for name, names in {**DEFAULT_ATTRIBUTES, **configured}.items()}
        left, seat = spec["left"], spec["seat"]
        unit_from_dn = spec["unit_from"] == "dn"
        if unit_from_dn:
            fields["unit"] = ()
        return cls(fields, unit_from_dn, left.get("ad_disabled", False),
                   _lower(left.get("attribute")), _folded(left.get("values", [])),
                   seat.get("group_dn"), _lower(seat.get("attribute")),
                   _folded(seat.get("values", [])))

    def requested(self) -> list[str]:
        names = [name for names in self.fields.values() for name in names]
        if self.ad_disabled:
            names.append("useraccountcontrol")
        names += [name for name in (self.left_attribute, self.seat_attribute) if name]
        return sorted(set(names))


def _lower(name: str | None) -> str | None:
    return None if name is None else name.lower()


def _folded(values) -> frozenset[str]:
    return frozenset(value.casefold() for value in _texts(values))


class _Builder:
    """Turns entries into people and units; resolves managers and seats once all are in."""

    def __init__(self, mapping: _Mapping, base_dn: str):
        self.mapping = mapping
        self.ou_tree = _OuTree(base_dn) if mapping.unit_from_dn else None
        self.units: dict[str, Unit] = {}
        #: person id -> (DN, Person fields, manager DN)
        self.found: dict[str, tuple[str, dict, str | None]] = {}
        self.people_by_dn = _DnIndex()
        self.without_unit: list[str] = []

    def add(self, entry: dict) -> None:
        dn, values = entry["dn"], entry["attributes"]
        fields = self.mapping.fields

        def first(field_name: str) -> str | None:
            for name in fields[field_name]:
                found = values.get(name)
                if found and found[0].strip():
                    return found[0].strip()
            return None

        person_id = first("id") or dn
        if person_id in self.found:
            raise DirectoryError(f"two entries have the id {person_id}: "
                                 f"{self.found[person_id][0]} and {dn}",
                                 hint="map id to an attribute that is unique per person, or "
                                      "narrow the filter (admin accounts often share an "
                                      "employeeID)")
        username = first("username")
        self.found[person_id] = (dn, {
            "id": person_id, "name": first("name") or username or person_id,
            "unit": self.unit_of(dn, first("unit")), "email": first("email"),
            "logins": self.logins(values), "username": username,
            "cost_center": first("cost_center"), "seat": self.seat_of(values),
            "status": LEFT if self.has_left(dn, values) else ACTIVE, "title": first("title"),
        }, first("manager"))
        self.people_by_dn.add(dn, person_id)

    def unit_of(self, dn: str, value: str | None) -> str:
        if self.ou_tree is not None:
            value = self.ou_tree.unit_of(dn, self.units)
        if value is None:
            self.without_unit.append(dn)
            self.units[NO_UNIT.id] = NO_UNIT
            return NO_UNIT.id
        if value not in self.units:
            self.units[value] = Unit(value, value)
        return value

    def logins(self, values: dict) -> tuple[str, ...]:
        for name in self.mapping.fields["login"]:
            logins = tuple(login.strip() for login in values.get(name, ()) if login.strip())
            if logins:
                return logins
        return ()

    def seat_of(self, values: dict) -> bool | None:
        """The seat an attribute tells, if any; group membership is settled in `directory`."""
        mapping = self.mapping
        if mapping.seat_attribute is None:
            return None
        return _any_of(values.get(mapping.seat_attribute), mapping.seat_values)

    def has_left(self, dn: str, values: dict) -> bool:
        mapping = self.mapping
        if mapping.ad_disabled:
            control = (values.get("useraccountcontrol") or ["0"])[0]
            try:
                return int(control) & _AD_ACCOUNT_DISABLED != 0
            except ValueError:
                raise DirectoryError(f"{dn}: userAccountControl is not a number: "
                                     f"{control!r}") from None
        if mapping.left_attribute is None:
            return False
        return _any_of(values.get(mapping.left_attribute), mapping.left_values)

    def directory(self, source: str, seat_holders: set[str] | None) -> Directory:
        """The people and units read; `seat_holders`: the seat group's members' DNs."""
        directory = Directory(source=source)
        for person_id in sorted(self.found):
            dn, fields, manager_dn = self.found[person_id]
            fields["manager"] = self.manager_of(dn, manager_dn, directory.warnings)
            if seat_holders is not None:
                fields["seat"] = dn.lower() in seat_holders
            directory.people[person_id] = Person(**fields)
        directory.units = {unit_id: self.units[unit_id] for unit_id in sorted(self.units)}
        directory.warnings += self.gaps(seat_holders)
        return directory

    def gaps(self, seat_holders: set[str] | None) -> list[str]:
        """What the read as a whole lacks, for `Directory.warnings`."""
        gaps = []
        if seat_holders is not None and not seat_holders:
            gaps.append(f"nobody read is a member of the seat group {self.mapping.seat_group}: "
                        "no one holds a seat")
        if self.without_unit:
            gaps.append(f"{len(self.without_unit)} people have no unit (such as "
                        f"{self.without_unit[0]}): they are in the unit {NO_UNIT.name}")
        return gaps

    def origins(self) -> dict[tuple[str, str], Origin]:
        """Where each person was read: the DN, which messages of `validate` then name."""
        return {("person", person_id): Origin(dn) for person_id, (dn, _, _) in self.found.items()}

    def manager_of(self, dn: str, manager_dn: str | None, notes: list[str]) -> str | None:
        if manager_dn is None:
            return None
        manager = self.people_by_dn.find(manager_dn)
        if manager is None:
            notes.append(f"{dn}: the manager {manager_dn} is not among the people read "
                         "(gone, or outside base_dn or the filter); no manager kept")
        return manager


def _any_of(values: list[str] | None, wanted: frozenset[str]) -> bool:
    return any(value.casefold() in wanted for value in values or ())


class _OuTree:
    """With `unit_from: dn`: the OUs between base_dn and an entry, as a tree of units whose ids
    are their paths (`Engineering/Platform`), since OU names repeat across branches."""

    def __init__(self, base_dn: str):
        self.base_length = len(_rdns(base_dn))
        #: lower-cased parent DN -> its unit; a directory's people sit in few places
        self.by_container: dict[str, str | None] = {}

    def unit_of(self, dn: str, units: dict[str, Unit]) -> str | None:
        """The unit of the entry `dn`, adding it and its parents to `units`."""
        container = _split_dn(dn)[1]
        key = container.lower()
        if key not in self.by_container:
            self.by_container[key] = self.register(container, units)
        return self.by_container[key]

    def register(self, container: str, units: dict[str, Unit]) -> str | None:
        rdns = _rdns(container)
        below_base = rdns[:len(rdns) - self.base_length]
        ous = [value for name, value in reversed(below_base) if name == "ou"]
        parent = None
        for depth in range(1, len(ous) + 1):
            unit_id = "/".join(ous[:depth])
            units.setdefault(unit_id, Unit(unit_id, ous[depth - 1], parent))
            parent = unit_id
        return parent


# -- DNs

# `\.?` rather than `\.`: a malformed DN ending in a backslash still moves on
_FIRST_RDN = re.compile(r"((?:\\.?|[^,\\])*),?")
_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{2}|.)")


class _DnIndex:
    """Person ids by DN, found as LDAP compares DNs: attribute names and values without case,
    escapes undone.

    Servers spell one DN differently: OpenLDAP gives an entry as `cn=Hopper\\2C Grace,...`
    and a manager reference to it as `CN=Hopper\\, Grace,...`; Active Directory spells both
    alike. So a DN is looked up as it is spelled first (lower-cased), and only when that
    fails, once normalized.
    """

    def __init__(self):
        self.spelled: dict[str, str] = {}
        self.normalized: dict[tuple[str, ...], str] | None = None
        self.keys = _DnKeys()

    def add(self, dn: str, person_id: str) -> None:
        self.spelled[dn.lower()] = person_id

    def find(self, dn: str) -> str | None:
        found = self.spelled.get(dn.lower())
        if found is not None:
            return found
        if self.normalized is None:
            self.normalized = {self.keys.of(spelled): person_id
                               for spelled, person_id in self.spelled.items()}
        found = self.normalized.get(self.keys.of(dn))
        if found is not None:
            self.spelled[dn.lower()] = found  # the next reference spelled so is quick
        return found


class _DnKeys:
    """A DN as a tuple of normalized RDNs (`("cn=ada lovelace", "ou=people", ...)`). A
    directory's entries have few distinct parents, so each parent is normalized once."""

    def __init__(self):
        self.parents: dict[str, tuple[str, ...]] = {"": ()}

    def of(self, dn: str) -> tuple[str, ...]:
        rdn, parent = _split_dn(dn)
        if parent not in self.parents:
            self.parents[parent] = self.of(parent)
        name, value = _rdn_parts(rdn)
        return (f"{name}={value.casefold()}", *self.parents[parent])


def _split_dn(dn: str) -> tuple[str, str]:
    """The first RDN and the parent DN."""
    match = _FIRST_RDN.match(dn)
    return match.group(1), dn[match.end():]


def _rdns(dn: str) -> list[tuple[str, str]]:
    """Each RDN as (lower-cased attribute name, value unescaped)."""
    rdns = []
    while dn:
        rdn, dn = _split_dn(dn)
        rdns.append(_rdn_parts(rdn))
    return rdns


def _rdn_parts(rdn: str) -> tuple[str, str]:
    name, _, value = rdn.partition("=")
    if "\\" in value:
        value = _unescape(value)
    return name.strip().lower(), value.strip()


def _unescape(value: str) -> str:
    # `\2C` is a byte of the value's UTF-8 (`\C3\A5` is one character), `\,` the character
    data = bytearray()
    position = 0
    for escape in _ESCAPE.finditer(value):
        data += value[position:escape.start()].encode()
        code = escape.group(1)
        data += bytes.fromhex(code) if len(code) == 2 else code.encode()
        position = escape.end()
    data += value[position:].encode()
    return data.decode("utf-8", "replace")
