"""The monthly adoption trend: the enterprise unit's definitions, month by month."""

import pytest

from enrich.dates import Period, day_str, parse_day
from enrich.rollup.trend import MonthAdoption, enterprise_adoption, trend_months
from tests.test_rollup_units import PERSON_OF, ROWS, d, directory, rollup, unit


def active_users():
    return {user for user, _, bits in ROWS if bits}


@pytest.mark.parametrize("holders", [None, {"ana", "cat", "eve", "gus"}, set()])
def test_enterprise_adoption_is_the_rollups_enterprise_unit(holders):
    enterprise = unit(rollup(seat_holders=holders), "enterprise", "enterprise")
    assert enterprise_adoption(directory(), PERSON_OF, active_users(), holders) == (
        enterprise["engaged"], enterprise["population"])


def test_enterprise_adoption_by_hand():
    # active: ana, cat (two user_ids), dov, eve, fay, hal (left, engaged) and the unknown
    # users 90, 91 and 95; ben and 92 only have rows without engagement
    assert enterprise_adoption(directory(), PERSON_OF, active_users(), None) == (9, 10)
    # with seats: the holders (gus has left but holds one) and whoever engaged
    assert enterprise_adoption(directory(), PERSON_OF, active_users(), {"ben", "gus"}) == (9, 11)
    assert enterprise_adoption(directory(), PERSON_OF, set(), {"ben", "gus"}) == (0, 2)


def test_trend_months_end_with_the_periods_month_cut_at_its_end():
    months = trend_months(parse_day("2026-03-15"), 4)
    assert [(day_str(m.since), day_str(m.until)) for m in months] == [
        ("2025-12-01", "2025-12-31"), ("2026-01-01", "2026-01-31"),
        ("2026-02-01", "2026-02-28"), ("2026-03-01", "2026-03-15")]
    assert [m.calendar_month for m in months] == [True, True, True, False]
    assert len(trend_months(Period.month("2026-10").until)) == 12


def test_a_month_without_data_or_population_has_no_rate():
    month = Period.month("2025-03")
    assert MonthAdoption(month, {"reported": 0, "empty": 0, "missing": 31}, 0, 10
                         ).adoption_rate is None
    assert MonthAdoption(month, {"reported": 1, "empty": 0, "missing": 30}, 0, 0
                         ).adoption_rate is None
    partial = MonthAdoption(month, {"reported": 20, "empty": 1, "missing": 10}, 3, 4)
    assert (partial.adoption_rate, partial.incomplete) == (0.75, True)
    assert d("03-01") == month.since
