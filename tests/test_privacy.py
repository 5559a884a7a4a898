"""Privacy thresholds (METRICS.md section 6), decided once for every wide-audience output."""

from enrich.outputs.privacy import COMPLEMENT, SMALL, hidden_by_period, hidden_units


def unit(uid, population, parent=None, previous=None):
    return {"id": uid, "parent": parent, "population": population,
            "previous": None if previous is None else {"population": previous}}


def test_a_small_unit_is_hidden_and_so_is_its_smallest_sibling():
    units = [unit("a", 3), unit("b", 10), unit("c", 20), unit("d", 10)]
    # b and d tie at 10: the id decides, so the choice is the same on every run
    assert hidden_units(units, 5) == {"a": SMALL, "b": COMPLEMENT}


def test_two_small_siblings_protect_each_other():
    units = [unit("a", 3), unit("b", 4), unit("c", 20)]
    assert hidden_units(units, 5) == {"a": SMALL, "b": SMALL}


def test_an_only_child_has_no_sibling_to_hide():
    assert hidden_units([unit("a", 50), unit("a1", 2, "a")], 5) == {"a1": SMALL}


def test_the_threshold_is_a_population_below_min_group_size():
    units = [unit("a", 5), unit("b", 4), unit("c", 9)]
    assert hidden_units(units, 5) == {"b": SMALL, "a": COMPLEMENT}


def test_siblings_are_judged_under_each_parent():
    units = [unit("eng", 40), unit("ops", 30),
             unit("web", 2, "eng"), unit("api", 30, "eng"), unit("sre", 8, "eng"),
             unit("desk", 12, "ops"), unit("field", 18, "ops")]
    assert hidden_units(units, 5) == {"web": SMALL, "sre": COMPLEMENT}


def test_each_period_is_judged_on_its_own_population():
    units = [unit("a", 8, previous=3), unit("b", 9, previous=20), unit("c", 30, previous=30)]
    now, before = hidden_by_period(units, 5)
    assert now == {}
    assert before == {"a": SMALL, "b": COMPLEMENT}


def test_units_without_a_previous_period_are_left_out_of_it():
    units = [unit("a", 8), unit("b", 2)]
    assert hidden_by_period(units, 5) == ({"b": SMALL, "a": COMPLEMENT}, {})


def test_a_unit_with_nobody_in_its_population_hides_nothing():
    units = [unit("a", 0), unit("b", 9), unit("c", 30)]
    assert hidden_units(units, 5) == {}
    units = [unit("a", 0), unit("b", 3), unit("c", 30)]
    assert hidden_units(units, 5) == {"b": SMALL, "c": COMPLEMENT}


def test_a_complement_is_not_left_to_be_worked_out_from_its_children():
    # tiny is hidden, so apps (the smallest other) is too; apps has no member of its own, so
    # its children would add up to it: the smallest two of them are hidden as well
    units = [unit("plat", 40), unit("tiny", 2), unit("apps", 12),
             unit("web", 5, "apps"), unit("ios", 4, "apps"), unit("api", 3, "apps")]
    assert hidden_units(units, 3) == {"tiny": SMALL, "apps": COMPLEMENT, "api": COMPLEMENT,
                                      "ios": COMPLEMENT}


def test_a_complement_with_members_of_its_own_keeps_its_children_shown():
    units = [unit("plat", 40), unit("tiny", 3), unit("apps", 14),
             unit("web", 5, "apps"), unit("ios", 6, "apps")]
    assert hidden_units(units, 5) == {"tiny": SMALL, "apps": COMPLEMENT}


def test_an_only_child_holding_everyone_is_hidden_with_its_parent_and_so_on_down():
    units = [unit("plat", 40), unit("tiny", 3), unit("apps", 12),
             unit("apps-core", 12, "apps"), unit("x", 7, "apps-core"), unit("y", 5, "apps-core")]
    assert hidden_units(units, 5) == {"tiny": SMALL, "apps": COMPLEMENT,
                                      "apps-core": COMPLEMENT, "x": COMPLEMENT, "y": COMPLEMENT}


def test_14_5_the_unmapped_accounts_hide_no_unit_beside_them():
    # the management chains: the top manager's tree holds 280 people, 3 GitHub accounts are
    # not in the org chart: the tree stays shown
    units = [unit("ceo", 280), unit("(unmapped)", 3), unit("vp1", 150, "ceo"),
             unit("vp2", 125, "ceo")]
    assert hidden_units(units, 5) == {"(unmapped)": SMALL}
    # the teams: the smallest team is not hidden to protect them either
    units = [unit("ops", 78), unit("data", 66), unit("eng", 76), unit("(unmapped)", 3)]
    assert hidden_units(units, 5) == {"(unmapped)": SMALL}


def test_14_5_a_small_team_beside_the_unmapped_accounts_is_two_hidden_siblings():
    units = [unit("ops", 78), unit("data", 3), unit("eng", 76), unit("(unmapped)", 3)]
    assert hidden_units(units, 5) == {"(unmapped)": SMALL, "data": SMALL}


def test_14_5_one_small_team_still_hides_the_smallest_other():
    units = [unit("eng", 42), unit("web", 3, "eng"), unit("api", 30, "eng"),
             unit("sre", 7, "eng")]
    assert hidden_units(units, 5) == {"web": SMALL, "sre": COMPLEMENT}


def test_14_5_each_period_is_judged_on_its_own():
    units = [unit("tree", 280, previous=270), unit("a", 3, previous=6),
             unit("b", 40, previous=40), unit("(unmapped)", 7, previous=4)]
    # the smallest other is the unmapped accounts: hidden as a complement, they give nothing
    assert hidden_by_period(units, 5) == ({"a": SMALL, "(unmapped)": COMPLEMENT},
                                          {"(unmapped)": SMALL})
