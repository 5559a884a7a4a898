"""Which directory person each GitHub user is (PRODUCT.md, "Identity matching").

A GitHub user is a `user_id` with every login it has had. The rules are tried in order and the
first that finds anyone decides; all of the user's logins are tried under one rule before the
next rule. Comparisons ignore case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from enrich.directory.model import Directory
from enrich.errors import DirectoryError

ALIAS, LOGIN, EMU, EMAIL = "alias", "login", "emu", "email"

_NOT_EMU_CHARACTER = re.compile(r"[^A-Za-z0-9]")

#: an alias decides every later rule, so it settles a user whom one of them matches twice
_AMBIGUOUS_HINT = "add an alias (login -> person id) to say which person it is"
_AMBIGUOUS_ALIAS_HINT = "point the aliases of all its logins at one person"


@dataclass(frozen=True)
class Matching:
    #: user_id -> person id
    person_of: dict[int, str]
    #: user_id -> the rule that matched it: "alias", "login", "emu" or "email"
    rule_of: dict[int, str]
    #: user_ids that matched nobody
    unmatched: frozenset[int]

    def users_of(self, person_id: str) -> list[int]:
        """Every user_id matched to the person; several when they used several accounts."""
        return list(self._users_by_person.get(person_id, ()))

    @cached_property
    def _users_by_person(self) -> dict[str, list[int]]:
        users: dict[str, list[int]] = {}
        for user_id, person_id in self.person_of.items():
            users.setdefault(person_id, []).append(user_id)
        return users


#: (user_id, the lower-cased login or, under the EMU rule, its stem)
_Candidate = tuple[int, str]
#: (user_id, the id of a person it found)
_Hit = tuple[int, str]


class _Index:
    """Lookup key -> people; nearly every key finds exactly one person."""

    def __init__(self, pairs: list[tuple[str, str]]):
        # dict() of pairs runs in C, several times faster than a loop; reversed, so that the
        # first person in directory order stays. The rare keys that several people share are
        # collected afterwards.
        self.first: dict[str, str] = dict(reversed(pairs))
        self.others: dict[str, list[str]] = {}
        if len(self.first) < len(pairs):
            for key, person_id in pairs:
                if self.first[key] != person_id:
                    self.others.setdefault(key, []).append(person_id)

    def hits(self, candidates: list[_Candidate], matched: Mapping[int, str]) -> list[_Hit]:
        """The people the candidates find, leaving out users an earlier rule `matched`."""
        first, others = self.first, self.others
        if not first:
            return []
        hits = [(user_id, first[key]) for user_id, key in candidates
                if key in first and user_id not in matched]
        if others:
            hits += [(user_id, person_id) for user_id, key in candidates
                     if key in others and user_id not in matched for person_id in others[key]]
        return hits


def _same_keys(candidates: list[_Candidate]) -> list[_Candidate]:
    return candidates


@dataclass(frozen=True)
class _Rule:
    name: str
    index: _Index
    #: the candidates with their lookup keys under this rule (only EMU changes them)
    keys: Callable[[list[_Candidate]], list[_Candidate]] = _same_keys

    def find(self, candidates: list[_Candidate], matched: Mapping[int, str]) -> list[_Hit]:
        return self.index.hits(self.keys(candidates), matched)


def match_users(directory: Directory, users: Mapping[int, Sequence[str]], *,
                match_email_local_part: bool = False) -> Matching:
    """Match each user_id, given with all its logins, to at most one person of `directory`.

    Raises DirectoryError when one rule finds two people for one user.
    """
    # Rule by rule over all users at once rather than user by user: comprehensions and dicts
    # built in C take about half the time of a function call per user and rule.
    # Users whom an earlier rule matched are skipped by the look-ups, not removed from
    # `candidates`, which would copy the list once per rule.
    candidates = [(user_id, login.lower())
                  for user_id, logins in users.items() for login in logins]
    person_of: dict[int, str] = {}
    rule_of: dict[int, str] = {}
    for rule in _rules(directory, match_email_local_part):
        if len(person_of) == len(users):
            break
        hits = rule.find(candidates, person_of)
        found = dict(hits)
        if len(found) < len(hits):
            _check_one_person_each(rule, hits, users)
        person_of.update(found)
        rule_of.update(dict.fromkeys(found, rule.name))
    return Matching(person_of, rule_of, frozenset(users.keys() - person_of.keys()))


def _check_one_person_each(rule: _Rule, hits: list[_Hit],
                           users: Mapping[int, Sequence[str]]) -> None:
    first: dict[int, str] = {}
    for user_id, person_id in hits:
        if first.setdefault(user_id, person_id) != person_id:
            raise _ambiguous(rule, user_id, users[user_id])


def _ambiguous(rule: _Rule, user_id: int, logins: Sequence[str]) -> DirectoryError:
    login_of: dict[str, str] = {}
    for login in logins:
        for _user_id, person_id in rule.find([(user_id, login.lower())], {}):
            login_of.setdefault(person_id, login)
    people = [f"{person_id} (login {login!r})" for person_id, login in login_of.items()]
    listed = ", ".join(people[:-1]) + " and " + people[-1]
    hint = _AMBIGUOUS_ALIAS_HINT if rule.name == ALIAS else _AMBIGUOUS_HINT
    return DirectoryError(f"GitHub user {user_id} matches {len(people)} people by the "
                          f"{rule.name} rule: {listed}", hint=hint)


def _rules(directory: Directory, match_email_local_part: bool) -> Iterator[_Rule]:
    """The rules in order; lazily, since an index is not built once every user has matched."""
    people = directory.people.values()
    yield _Rule(ALIAS, _Index(list(directory.aliases.items())))
    yield _Rule(LOGIN, _Index([(login.lower(), p.id) for p in people for login in p.logins]))
    if directory.emu_short_code:
        yield _Rule(EMU, _Index([(emu_login_stem(p.username), p.id)
                                 for p in people if p.username]),
                    _emu_stems(directory.emu_short_code))
    if match_email_local_part:
        yield _Rule(EMAIL, _Index([(p.email.split("@")[0].lower(), p.id)
                                   for p in people if p.email]))


def emu_login_stem(username: str) -> str:
    """The login GitHub makes of an identity-provider username, before `_SHORTCODE`, lower-cased.

    An Entra ID UPN counts only up to `@`; ASCII letters and digits stay and every other
    character becomes `-`, one for one (SOURCES.md section 5).
    """
    return _NOT_EMU_CHARACTER.sub("-", username.split("@", 1)[0]).lower()


def _emu_stems(short_code: str) -> Callable[[list[_Candidate]], list[_Candidate]]:
    """Keep the logins that end in `_SHORTCODE`, keyed by what comes before it."""
    suffix = "_" + short_code.lower()
    cut = len(suffix)

    def stems(candidates: list[_Candidate]) -> list[_Candidate]:
        return [(user_id, key[:-cut]) for user_id, key in candidates
                if len(key) > cut and key.endswith(suffix)]

    return stems
