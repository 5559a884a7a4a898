"""Identity matching: GitHub users (a user_id with all its logins) to directory people."""

from __future__ import annotations

import pytest

from enrich.directory.identity import emu_login_stem, match_users
from enrich.directory.model import Directory, Person, Unit
from enrich.errors import DirectoryError


def directory(*people: Person, aliases=None, emu_short_code=None) -> Directory:
    return Directory(units={"u": Unit("u", "Unit")}, people={p.id: p for p in people},
                     aliases=aliases or {}, emu_short_code=emu_short_code)


def person(person_id: str, **fields) -> Person:
    return Person(person_id, person_id.title(), "u", **fields)


ADA = person("ada", email="ada.l@example.com", logins=("ada-l",), username="ada.lovelace")
GRACE = person("grace", email="grace@example.com", logins=("GHopper",),
               username="grace.hopper@corp.example.com")
ALAN = person("alan", email="alan@example.com", username="alan.turing")
ORG = directory(ADA, GRACE, ALAN, aliases={"countess": "ada", "old-alan": "alan"},
                emu_short_code="acme")


def matched(users, org=ORG, **options) -> dict[int, tuple[str, str]]:
    matching = match_users(org, users, **options)
    return {user: (matching.person_of[user], matching.rule_of[user])
            for user in matching.person_of}


def test_each_rule():
    assert matched({
        1: ["countess"],
        2: ["ghopper"],
        3: ["alan-turing_acme"],
        4: ["alan"],
    }, match_email_local_part=True) == {
        1: ("ada", "alias"),
        2: ("grace", "login"),
        3: ("alan", "emu"),
        4: ("alan", "email"),
    }


def test_logins_are_compared_without_case():
    assert matched({1: ["COUNTESS"], 2: ["Ada-L"], 3: ["Grace-Hopper_ACME"]}) == {
        1: ("ada", "alias"), 2: ("ada", "login"), 3: ("grace", "emu")}


def test_the_email_rule_is_off_by_default():
    matching = match_users(ORG, {4: ["alan"]})

    assert matching.person_of == {}
    assert matching.unmatched == {4}


def test_an_earlier_rule_wins():
    org = directory(
        person("by-alias"), person("by-login", logins=("jdoe_acme",)),
        person("by-emu", username="jdoe", email="jdoe_acme@example.com"),
        aliases={"jdoe_acme": "by-alias"}, emu_short_code="acme")

    assert matched({1: ["jdoe_acme"]}, org, match_email_local_part=True) == {
        1: ("by-alias", "alias")}
    del org.aliases["jdoe_acme"]
    assert matched({1: ["jdoe_acme"]}, org, match_email_local_part=True) == {
        1: ("by-login", "login")}
    org.people["by-login"] = person("by-login")
    assert matched({1: ["jdoe_acme"]}, org, match_email_local_part=True) == {
        1: ("by-emu", "emu")}


def test_all_logins_of_a_user_are_tried_under_one_rule_before_the_next():
    # "alan" finds Alan by the email rule, but the later login finds Ada by an earlier rule.
    assert matched({1: ["alan", "ada-l"]}, match_email_local_part=True) == {1: ("ada", "login")}


def test_a_renamed_user_matches_through_its_old_login():
    assert matched({1: ["old-alan", "alan-the-great"]}) == {1: ("alan", "alias")}


def test_two_user_ids_of_one_person_both_count_as_that_person():
    matching = match_users(ORG, {1: ["countess"], 2: ["ada-l"], 3: ["nobody"]})

    assert matching.person_of == {1: "ada", 2: "ada"}
    assert sorted(matching.users_of("ada")) == [1, 2]
    assert matching.users_of("grace") == []
    assert matching.unmatched == {3}


@pytest.mark.parametrize(("username", "login"), [
    ("jane.o'neil", "jane-o-neil_acme"),
    ("jane.doe@corp.example.com", "jane-doe_acme"),  # an Entra ID UPN: only before the @
    ("jane..doe", "jane--doe_acme"),  # one `-` per character, never collapsed
    ("jane_doe", "jane-doe_acme"),
    ("josé", "jos-_acme"),  # only ASCII letters stay
    ("J.Doe", "j-doe_ACME"),
])
def test_emu_username_normalization(username, login):
    org = directory(person("jane", username=username), emu_short_code="acme")

    assert matched({1: [login]}, org) == {1: ("jane", "emu")}


@pytest.mark.parametrize("login", ["jane-doe", "jane-doe_other", "jane--doe_acme", "_acme",
                                   "jane-doe_acme_acme"])
def test_emu_logins_that_do_not_match(login):
    org = directory(person("jane", username="jane-doe"), emu_short_code="acme")

    assert match_users(org, {1: [login]}).unmatched == {1}


def test_the_short_code_is_compared_without_case():
    org = directory(person("jane", username="jane.doe"), emu_short_code="AcMe")

    assert matched({1: ["jane-doe_acme"], 2: ["Jane-Doe_ACME"]}, org) == {
        1: ("jane", "emu"), 2: ("jane", "emu")}


def test_without_a_short_code_there_is_no_emu_rule():
    org = directory(person("jane", username="jane.doe"))

    assert match_users(org, {1: ["jane-doe_acme"]}).unmatched == {1}


def test_emu_login_stem():
    assert emu_login_stem("Jane.O'Neil@corp.example.com") == "jane-o-neil"


def test_two_people_found_by_one_rule_is_an_error_naming_both():
    org = directory(person("jane1", username="jane.doe"), person("jane2", username="jane_doe"),
                    emu_short_code="acme")

    with pytest.raises(DirectoryError) as caught:
        match_users(org, {7: ["Jane-Doe_acme"]})

    assert str(caught.value) == ("GitHub user 7 matches 2 people by the emu rule: "
                                 "jane1 (login 'Jane-Doe_acme') and jane2 (login 'Jane-Doe_acme')")
    assert caught.value.hint == "add an alias (login -> person id) to say which person it is"


def test_two_logins_of_one_user_aliased_to_two_people_is_an_error():
    with pytest.raises(DirectoryError) as caught:
        match_users(ORG, {7: ["Countess", "old-alan"]})

    assert str(caught.value) == ("GitHub user 7 matches 2 people by the alias rule: "
                                 "ada (login 'Countess') and alan (login 'old-alan')")
    assert caught.value.hint == "point the aliases of all its logins at one person"


def test_two_people_by_a_later_rule_do_not_matter_once_an_earlier_rule_decided():
    org = directory(person("jane1", username="jane.doe"), person("jane2", username="jane_doe"),
                    aliases={"jane-doe_acme": "jane2"}, emu_short_code="acme")

    assert matched({1: ["jane-doe_acme"]}, org) == {1: ("jane2", "alias")}


def test_two_logins_finding_the_same_person_is_no_conflict():
    assert matched({1: ["ada-l", "countess"], 2: ["ada-l", "ADA-L"]}) == {
        1: ("ada", "alias"), 2: ("ada", "login")}
