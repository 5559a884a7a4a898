import pytest

from enrich.dates import Period, day_ranges, day_str, parse_day, week_of


def test_timestamps_reduce_to_their_utc_day():
    assert day_str(parse_day("2025-01-01T00:00:00.0000000Z")) == "2025-01-01"
    assert day_str(parse_day("2025-01-01T23:30:00-02:00")) == "2025-01-02"
    assert day_str(parse_day("2025-01-01")) == "2025-01-01"


@pytest.mark.parametrize("text", ["2025-13-01", "yesterday", "2025-01-01Tnoon", ""])
def test_bad_days_are_refused(text):
    with pytest.raises(ValueError):
        parse_day(text)


def test_previous_period_of_a_month_is_the_previous_calendar_month():
    march = Period.month("2025-03")
    assert (day_str(march.since), day_str(march.until)) == ("2025-03-01", "2025-03-31")
    feb = march.previous()
    assert (day_str(feb.since), day_str(feb.until), len(feb)) == ("2025-02-01", "2025-02-28", 28)
    assert Period.of("2025-03-01", "2025-03-31").calendar_month


def test_previous_period_of_a_range_is_the_same_length_just_before():
    p = Period.of("2025-03-05", "2025-03-11")
    prev = p.previous()
    assert (day_str(prev.since), day_str(prev.until)) == ("2025-02-26", "2025-03-04")


def test_iso_weeks_run_monday_to_sunday():
    assert week_of(parse_day("2025-03-02")) + 1 == week_of(parse_day("2025-03-03"))  # Sun, Mon
    assert week_of(parse_day("2025-03-03")) == week_of(parse_day("2025-03-09"))
    # March 2025 starts on a Saturday and ends on a Monday: six ISO weeks touch it
    assert len(Period.month("2025-03").weeks()) == 6


def test_day_ranges_read_as_runs():
    assert day_ranges(["2025-03-05", "2025-03-01", "2025-03-02", "2025-03-03", "2025-03-31",
                       "2025-04-01"]) == (
        "2025-03-01 to 2025-03-03, 2025-03-05, 2025-03-31 to 2025-04-01")
    assert day_ranges(["2025-03-31"]) == "2025-03-31"
    assert day_ranges([]) == ""
