"""Per-unit metrics and the rollup (METRICS.md sections 5 and 8), computed by hand.

The org chart of these tests:

    units                      people (manager)        cost center
    eng  Engineering  cc-eng   ana                     cc-eng (unit)
      web  Web                 ben (ana), cat (ben)    cc-eng (inherited)
      api  API        cc-api   dov (ben)               cc-eng (his own)
                               eve (dov)               cc-api
                               hal (dov), has left     cc-api
    ops  Operations            fay (ana)               none
                               gus (fay), has left     none

The period is 2025-03-05 (a Wednesday) to 2025-03-18: ISO weeks Mar 3-9, 10-16, 17-23.
Mar 8 and 9 are empty, Mar 18 is missing: 11 reported days, 13 days with data.
"""

import pytest

from enrich.dates import Period, day_str, parse_day
from enrich.directory.model import LEFT, Directory, Person, Unit
from enrich.rollup import PeriodInput, Thresholds, compute_rollup

FEATURES = ["panel_chat", "code_completion", "cli", "mobile_chat", "knowledge_base_chat"]
P, C, L, M = 1, 2, 4, 8  # panel_chat, code_completion, cli, mobile_chat
PERIOD = Period.of("2025-03-05", "2025-03-18")


def d(text: str) -> int:
    return parse_day(f"2025-{text}")


def directory() -> Directory:
    units = [Unit("eng", "Engineering", cost_center="cc-eng"), Unit("web", "Web", "eng"),
             Unit("api", "API", "eng", cost_center="cc-api"), Unit("ops", "Operations")]
    people = [
        Person("ana", "Ana Alves", "eng"),
        Person("ben", "Ben Brook", "web", manager="ana"),
        Person("cat", "Cat Cole", "web", manager="ben"),
        Person("dov", "Dov Dahl", "api", manager="ben", cost_center="cc-eng"),
        Person("eve", "Eve Egan", "api", manager="dov"),
        Person("hal", "Hal Hart", "api", manager="dov", status=LEFT),
        Person("fay", "Fay Fox", "ops", manager="ana"),
        Person("gus", "Gus Gray", "ops", manager="fay", status=LEFT),
    ]
    return Directory({u.id: u for u in units}, {p.id: p for p in people},
                     {"cc-eng": "Engineering CC", "cc-api": "API CC", "cc-unused": "Unused"})


PERSON_OF = {1: "ana", 2: "ben", 3: "cat", 33: "cat", 4: "dov", 5: "eve", 6: "fay", 7: "gus",
             8: "hal"}
LOGINS = {90: "zoe", 91: "=cmd", 92: "idle", 95: "yan", 96: "old"}

ROWS = [
    (1, "03-05", C), (1, "03-10", C | P), (1, "03-16", C | L),
    (2, "03-07", 0),
    (3, "03-06", C), (33, "03-06", P), (33, "03-11", C),
    *((4, day, C) for day in ("03-05", "03-06", "03-07", "03-10", "03-11", "03-12", "03-17")),
    (5, "03-05", C | P), (5, "03-12", C | P | L | M), (5, "03-17", C),
    (6, "03-14", L),
    (8, "03-13", P),
    (90, "03-05", C), (90, "03-06", C),
    (91, "03-07", P), (91, "03-10", C),
    (92, "03-05", 0),
    (95, "03-13", L), (95, "03-14", L), (95, "03-15", L),
]


def period_input(period, rows, status=None, measured=None) -> PeriodInput:
    status = status or {}
    status = {day: status.get(day, "missing") for day in period.days}
    return PeriodInput(period, FEATURES, status, measured or {},
                       [(user, d(day), bits) for user, day, bits in rows])


def current() -> PeriodInput:
    status = {day: "reported" for day in PERIOD.days}
    status |= {d("03-08"): "empty", d("03-09"): "empty", d("03-18"): "missing"}
    measured = {day: P | C | L for day, kind in status.items() if kind == "reported"}
    for day in ("03-10", "03-11", "03-12", "03-13", "03-14"):
        measured[d(day)] |= M
    return period_input(PERIOD, ROWS, status, measured)


def nothing_before() -> PeriodInput:
    return period_input(PERIOD.previous(), [])


def rollup(previous=None, **options) -> dict:
    return compute_rollup(directory(), PERSON_OF, LOGINS, current(),
                          previous or nothing_before(), **options)


def unit(result: dict, dimension: str, unit_id: str) -> dict:
    [found] = [u for u in result["units"] if (u["dimension"], u["id"]) == (dimension, unit_id)]
    return found


def features(cli, code_completion, mobile_chat, panel_chat) -> dict:
    """A feature map in report order."""
    return {"cli": cli, "code_completion": code_completion, "mobile_chat": mobile_chat,
            "panel_chat": panel_chat}


def segments(champion, regular, lagging, inactive) -> dict:
    return {"champion": champion, "regular": regular, "lagging": lagging, "inactive": inactive}


def test_period_days_and_features():
    result = rollup()
    assert result["period"] == {
        "since": "2025-03-05", "until": "2025-03-18",
        "days": {"reported": 11, "empty": 2, "missing": 1},
        "missing_days": ["2025-03-18"],
        "measured_days": {"cli": 11, "code_completion": 11, "mobile_chat": 5, "panel_chat": 11},
        "depth_days": 0,
        "depth_note": "depth of use is not measured: 0 of the 11 reported days come from "
                      "usage-metrics reports, the only source of it, and it takes half of them",
        "previous": None,
    }
    # mobile_chat is measured on 5 of 11 reported days: not measured in P;
    # knowledge_base_chat is never measured.
    assert result["features"] == ["cli", "code_completion", "panel_chat"]


def test_units_in_dimension_then_id_order():
    assert [(u["dimension"], u["id"]) for u in rollup()["units"]] == [
        ("enterprise", "enterprise"),
        ("team", "(unmapped)"), ("team", "api"), ("team", "eng"), ("team", "ops"),
        ("team", "web"),
        ("cost_center", "(none)"), ("cost_center", "(unmapped)"), ("cost_center", "cc-api"),
        ("cost_center", "cc-eng"), ("cost_center", "cc-unused"),
        ("manager", "(unmapped)"), ("manager", "ana"), ("manager", "ben"), ("manager", "dov"),
        ("manager", "fay"),
    ]


def test_enterprise_holds_every_member_and_the_unmapped_users():
    e = unit(rollup(), "enterprise", "enterprise")
    assert list(e) == [
        "dimension", "id", "name", "parent", "members", "population", "engaged",
        "adoption_rate", "mean_active_days", "median_active_days", "segments", "narrow",
        "feature_users", "feature_adoption", "feature_user_days", "awareness_gaps",
        "mean_daily_active", "daily_active", "depth", "previous"]
    # gus left, has no seat data and did not engage: not a member. hal left but engaged.
    # Active days: ana 3, cat 2 (two user_ids, Mar 6 once), dov 7, eve 3, fay 1, hal 1,
    # unmapped 90: 2, 91: 2, 95: 3; ben and 92 only have rows without engagement.
    assert e["members"] == 10
    assert e["population"] == 10
    assert e["engaged"] == 9
    assert e["adoption_rate"] == 0.9
    assert e["mean_active_days"] == 24 / 9
    assert e["median_active_days"] == 2.0
    assert e["segments"] == segments(champion=1, regular=4, lagging=4, inactive=1)
    assert e["narrow"] == 5
    assert e["feature_users"] == features(cli=4, code_completion=6, mobile_chat=1, panel_chat=5)
    assert e["feature_adoption"] == features(4 / 9, 6 / 9, 1 / 9, 5 / 9)
    assert e["feature_user_days"] == features(cli=6, code_completion=18, mobile_chat=1,
                                              panel_chat=6)
    assert e["awareness_gaps"] == []
    assert e["previous"] is None


def test_daily_active_over_days_with_data_only():
    e = unit(rollup(), "enterprise", "enterprise")
    assert e["daily_active"] == {
        "2025-03-05": 4, "2025-03-06": 3, "2025-03-07": 2, "2025-03-08": 0, "2025-03-09": 0,
        "2025-03-10": 3, "2025-03-11": 2, "2025-03-12": 2, "2025-03-13": 2, "2025-03-14": 2,
        "2025-03-15": 1, "2025-03-16": 1, "2025-03-17": 2}
    # The empty days count as zeros; the missing Mar 18 does not count at all.
    assert e["mean_daily_active"] == 24 / 13


def test_teams_total_their_subtree():
    result = rollup()
    web, api, eng = (unit(result, "team", t) for t in ("web", "api", "eng"))
    assert (web["name"], web["parent"], api["parent"], eng["parent"]) == ("Web", "eng", "eng", None)

    assert (web["members"], web["population"], web["engaged"]) == (2, 2, 1)
    assert web["adoption_rate"] == 0.5
    assert web["segments"] == segments(champion=0, regular=1, lagging=0, inactive=1)
    assert web["feature_users"] == features(cli=0, code_completion=1, mobile_chat=0,
                                            panel_chat=1)
    assert web["feature_user_days"] == features(cli=0, code_completion=2, mobile_chat=0,
                                                panel_chat=1)

    assert (api["members"], api["engaged"], api["narrow"]) == (3, 3, 2)
    assert api["mean_active_days"] == 11 / 3
    assert api["median_active_days"] == 3.0
    assert api["segments"] == segments(champion=1, regular=1, lagging=1, inactive=0)
    assert api["feature_user_days"] == features(cli=1, code_completion=10, mobile_chat=1,
                                                panel_chat=3)
    assert api["mean_daily_active"] == 11 / 13

    # eng = ana + web + api
    assert (eng["members"], eng["population"], eng["engaged"]) == (6, 6, 5)
    assert eng["adoption_rate"] == 5 / 6
    assert (eng["mean_active_days"], eng["median_active_days"]) == (3.2, 3.0)
    assert eng["segments"] == segments(champion=1, regular=3, lagging=1, inactive=1)
    assert eng["feature_users"] == features(cli=2, code_completion=4, mobile_chat=1,
                                            panel_chat=4)
    assert eng["feature_user_days"] == features(cli=2, code_completion=15, mobile_chat=1,
                                                panel_chat=5)
    assert eng["feature_adoption"] == features(0.4, 0.8, 0.2, 0.8)


def test_awareness_gaps_only_for_features_measured_in_p():
    result = rollup()
    # Nobody in web used cli (measured in P) or mobile_chat (not measured in P).
    assert unit(result, "team", "web")["awareness_gaps"] == ["cli"]
    # fay used cli only; gaps come in feature order.
    assert unit(result, "team", "ops")["awareness_gaps"] == ["code_completion", "panel_chat"]
    # mobile_chat: 1/9 < 0.5 but not measured in P; cli: 4/9 < 0.5; panel_chat: 5/9.
    loose = rollup(thresholds=Thresholds(awareness_gap_below=0.5))
    assert unit(loose, "enterprise", "enterprise")["awareness_gaps"] == ["cli"]


def test_cost_centers_flat_with_none_for_people_without_one():
    result = rollup()
    cc_eng, cc_api, none, unused = (
        unit(result, "cost_center", c) for c in ("cc-eng", "cc-api", "(none)", "cc-unused"))
    # ana by her unit, ben and cat inherited from eng, dov by his own cost center
    assert (cc_eng["name"], cc_eng["parent"], cc_eng["members"], cc_eng["engaged"]) == (
        "Engineering CC", None, 4, 3)
    assert (cc_eng["mean_active_days"], cc_eng["median_active_days"]) == (4.0, 3.0)
    assert (cc_api["members"], cc_api["engaged"]) == (2, 2)
    # fay; gus left without a seat or engagement
    assert (none["name"], none["members"], none["engaged"]) == ("(none)", 1, 1)
    assert (unused["members"], unused["population"], unused["adoption_rate"]) == (0, 0, None)


def test_manager_units_hold_transitive_reports_but_not_the_manager():
    result = rollup()
    ana, ben, dov, fay = (unit(result, "manager", m) for m in ("ana", "ben", "dov", "fay"))
    assert [(m["name"], m["parent"]) for m in (ana, ben, dov, fay)] == [
        ("Ana Alves", None), ("Ben Brook", "ana"), ("Dov Dahl", "ben"), ("Fay Fox", "ana")]
    assert (ana["members"], ana["engaged"]) == (6, 5)
    # ben: cat 2, dov 7, eve 3, hal 1 active days
    assert (ben["members"], ben["engaged"]) == (4, 4)
    assert ben["mean_active_days"] == 3.25
    assert ben["median_active_days"] == 2.5  # (2 + 3) / 2
    assert (dov["members"], dov["median_active_days"]) == (2, 2.0)


def test_a_unit_with_nobody_has_null_ratios():
    fay = unit(rollup(), "manager", "fay")  # her only report, gus, left
    assert (fay["members"], fay["population"], fay["engaged"]) == (0, 0, 0)
    for name in ("adoption_rate", "mean_active_days", "median_active_days"):
        assert fay[name] is None
    assert fay["feature_adoption"] == features(None, None, None, None)
    assert fay["awareness_gaps"] == []
    assert fay["segments"] == segments(0, 0, 0, 0)
    assert fay["mean_daily_active"] == 0.0


def test_seat_holders_and_engaged_members_form_the_population():
    result = rollup(seat_holders={"ana", "cat", "eve", "gus"})
    e = unit(result, "enterprise", "enterprise")
    # gus now a member (a leaver with a seat); ben neither holds a seat nor engaged.
    assert (e["members"], e["population"], e["engaged"]) == (11, 10, 9)
    assert e["segments"] == segments(champion=1, regular=4, lagging=4, inactive=1)
    web = unit(result, "team", "web")
    assert (web["members"], web["population"], web["engaged"], web["adoption_rate"]) == (
        2, 1, 1, 1.0)
    assert web["segments"]["inactive"] == 0
    ops = unit(result, "team", "ops")
    assert (ops["members"], ops["population"], ops["engaged"], ops["adoption_rate"]) == (
        2, 2, 1, 0.5)
    fay = unit(result, "manager", "fay")
    assert (fay["members"], fay["population"], fay["adoption_rate"]) == (1, 1, 0.0)
    ana = unit(result, "manager", "ana")
    assert (ana["members"], ana["population"], ana["engaged"]) == (7, 6, 5)


def test_unmapped_users_form_a_unit_in_every_dimension():
    result = rollup()
    for dimension in ("team", "cost_center", "manager"):
        u = unit(result, dimension, "(unmapped)")
        assert (u["name"], u["parent"]) == ("(unmapped)", None)
        assert (u["members"], u["population"], u["engaged"]) == (3, 3, 3)
        assert u["median_active_days"] == 2.0
        assert u["segments"] == segments(champion=0, regular=1, lagging=2, inactive=0)
        assert u["feature_users"] == features(cli=1, code_completion=2, mobile_chat=0,
                                              panel_chat=1)


def test_unmapped_list_most_active_first_then_user_id():
    # 92 has a row but no engagement.
    assert rollup()["unmapped"] == [
        {"user_id": 95, "login": "yan", "active_days": 3},
        {"user_id": 90, "login": "zoe", "active_days": 2},
        {"user_id": 91, "login": "=cmd", "active_days": 2},
    ]


def test_previous_of_a_calendar_month_is_the_calendar_month_before():
    march = Period.month("2025-03")
    now = period_input(march, ROWS, {day: "reported" for day in march.days},
                       {day: P | C | L for day in march.days})
    february = Period.month("2025-02")
    before = period_input(
        february, [(33, "02-03", C), (96, "02-03", P), (5, "02-03", 0)],
        {d("02-01"): "empty", d("02-02"): "empty", d("02-03"): "reported"}, {d("02-03"): C | P})
    result = compute_rollup(directory(), PERSON_OF, LOGINS, now, before)

    assert result["period"]["previous"] == {
        "since": "2025-02-01", "until": "2025-02-28",
        "days": {"reported": 1, "empty": 2, "missing": 25},
        "missing_days": [day_str(day) for day in range(d("02-04"), d("02-28") + 1)],
        "measured_days": {"code_completion": 1, "panel_chat": 1},
        "features": ["code_completion", "panel_chat"],
        "depth_days": 0,
        "depth_note": "depth of use is not measured: 0 of the 1 reported day come from "
                      "usage-metrics reports, the only source of it, and it takes half of them",
    }
    e = unit(result, "enterprise", "enterprise")["previous"]
    # hal, who left, engaged in March only: a member then, not in February.
    assert (e["members"], e["population"], e["engaged"]) == (7, 7, 2)
    assert e["adoption_rate"] == 2 / 7
    assert e["feature_users"] == {"code_completion": 1, "panel_chat": 1}
    assert e["daily_active"] == {"2025-02-01": 0, "2025-02-02": 0, "2025-02-03": 2}
    assert e["mean_daily_active"] == 2 / 3
    # February 2025 meets five ISO weeks; one active week each is lagging.
    assert e["segments"] == segments(champion=0, regular=0, lagging=2, inactive=5)
    assert unit(result, "team", "api")["previous"]["members"] == 2
    assert unit(result, "team", "(unmapped)")["previous"]["members"] == 1
    # The unmatched list is about the period itself.
    assert [u["user_id"] for u in result["unmapped"]] == [95, 90, 91]


def test_previous_is_null_only_when_none_of_its_days_has_data():
    result = rollup(nothing_before())
    assert result["period"]["previous"] is None
    assert all(u["previous"] is None for u in result["units"])

    one_empty_day = period_input(PERIOD.previous(), [], {d("03-04"): "empty"})
    result = rollup(one_empty_day)
    assert result["period"]["previous"]["since"] == "2025-02-19"  # the 14 days before
    assert result["period"]["previous"]["days"] == {"reported": 0, "empty": 1, "missing": 13}
    e = unit(result, "enterprise", "enterprise")["previous"]
    assert (e["members"], e["engaged"], e["adoption_rate"]) == (6, 0, 0.0)
    assert (e["feature_users"], e["awareness_gaps"]) == ({}, [])
    assert (e["daily_active"], e["mean_daily_active"]) == ({"2025-03-04": 0}, 0.0)


def test_the_previous_period_must_be_the_one_before():
    wrong = period_input(Period.of("2025-02-01", "2025-02-14"), [])
    with pytest.raises(ValueError, match="2025-02-19..2025-03-04"):
        rollup(wrong)


def test_new_features_come_after_the_canonical_ones():
    period = Period.of("2025-03-03", "2025-03-03")
    data = PeriodInput(period, ["custom_model", "agent", "cli"], {period.since: "reported"},
                       {period.since: 7}, [(1, period.since, 7)])
    result = compute_rollup(directory(), PERSON_OF, LOGINS, data,
                            PeriodInput(period.previous(), [], {}, {}, []))
    assert result["features"] == ["cli", "agent", "custom_model"]
    assert list(unit(result, "team", "eng")["feature_users"]) == ["cli", "agent",
                                                                  "custom_model"]


def test_14_5_units_of_the_same_name_are_told_apart_by_their_path():
    from enrich.rollup.units import distinct_unit_names

    def unit(uid, name, parent=None, dimension="team"):
        return {"dimension": dimension, "id": uid, "name": name, "parent": parent}

    units = [unit("eng", "Engineering"), unit("prod", "Product"),
             unit("eng-bill", "Billing", "eng"), unit("prod-bill", "Billing", "prod"),
             unit("eng-data", "Data", "eng"), unit("prod-data", "Data", "prod"),
             unit("eng-data-ins", "Insights", "eng-data"),
             unit("prod-data-ins", "Insights", "prod-data"),
             unit("eng-web", "Web", "eng"),
             unit("top-a", "Lab"), unit("top-b", "Lab"),
             unit("cc-1", "Billing", dimension="cost_center")]
    assert distinct_unit_names(units) == {
        "eng": "Engineering", "prod": "Product",
        "eng-bill": "Engineering / Billing", "prod-bill": "Product / Billing",
        "eng-data": "Engineering / Data", "prod-data": "Product / Data",
        # "Data / Insights" twice: up one more level
        "eng-data-ins": "Engineering / Data / Insights",
        "prod-data-ins": "Product / Data / Insights",
        "eng-web": "Web",
        # nothing above to tell them apart by: their ids
        "top-a": "Lab (top-a)", "top-b": "Lab (top-b)",
        # another dimension: its names are compared with its own units only
        "cc-1": "Billing"}
