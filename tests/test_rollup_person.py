"""Per-person metrics (METRICS.md section 4), computed by hand."""

from enrich.config import Config
from enrich.dates import Period, parse_day
from enrich.rollup.coverage import Coverage
from enrich.rollup.engagement import engagement_by_person
from enrich.rollup.inputs import DEFAULT_THRESHOLDS, PeriodInput, Thresholds
from enrich.rollup.person import (
    CHAMPION,
    INACTIVE,
    LAGGING,
    NO_ENGAGEMENT,
    REGULAR,
    person_metrics,
)

FEATURES = ["code_completion", "panel_chat", "cli", "mobile_chat"]
COMPLETION, PANEL, CLI, MOBILE = 1, 2, 4, 8
ALL = COMPLETION | PANEL | CLI | MOBILE


def d(text: str) -> int:
    return parse_day(text)


def coverage(since, until, measured=None, status=None) -> Coverage:
    """Every day reported and measuring every feature, unless told otherwise."""
    period = Period.of(since, until)
    status = {day: "reported" for day in period.days} | (status or {})
    measured = {day: ALL for day in period.days if status[day] == "reported"} | (measured or {})
    return Coverage.of(PeriodInput(period, FEATURES, status, measured, []))


def metrics_of(rows, cov, thresholds=DEFAULT_THRESHOLDS):
    """Metrics of user 1 (rows are (day text, bits))."""
    _, unmapped = engagement_by_person([(1, d(day), bits) for day, bits in rows], cov, {}, {})
    return person_metrics(unmapped[1], cov, thresholds) if 1 in unmapped else NO_ENGAGEMENT


# 2025-01-01 is a Wednesday: January 2025 meets five ISO weeks, the first and the last only
# partly: Dec 30-Jan 5, Jan 6-12, 13-19, 20-26, Jan 27-Feb 2.
JANUARY = ("2025-01-01", "2025-01-31")


def test_weeks_that_cross_the_period_edges_count_whole():
    cov = coverage(*JANUARY)
    assert cov.weeks_in_period == 5
    m = metrics_of([("2025-01-01", COMPLETION), ("2025-01-31", PANEL), ("2025-01-30", CLI)], cov)
    assert m.active_days == 3
    assert m.active_weeks == 2
    assert m.consistency == 2 / 5
    assert (m.first_active, m.last_active) == (d("2025-01-01"), d("2025-01-31"))
    assert m.breadth == 3
    # consistency 0.4 < 0.5: lagging although broad
    assert m.segment == LAGGING


def test_weeks_count_whether_or_not_their_days_have_data():
    # Jan 13-31 missing: weeks_in_period stays 5, so an every-week user cannot exceed 2/5.
    missing = {day: "missing" for day in Period.of("2025-01-13", "2025-01-31").days}
    cov = coverage(*JANUARY, status=missing)
    m = metrics_of([("2025-01-02", COMPLETION), ("2025-01-06", COMPLETION)], cov)
    assert (m.active_weeks, m.consistency) == (2, 0.4)


def test_feature_days_and_no_activity():
    cov = coverage(*JANUARY)
    m = metrics_of([("2025-01-02", COMPLETION | PANEL), ("2025-01-03", COMPLETION),
                    ("2025-01-04", 0)], cov)
    assert m.feature_days(FEATURES) == {"code_completion": 2, "panel_chat": 1, "cli": 0,
                                        "mobile_chat": 0}
    # A row with no engagement is not an active day.
    assert m.active_days == 2
    nothing = metrics_of([("2025-01-04", 0)], cov)
    assert (nothing.active_days, nothing.segment, nothing.narrow) == (0, INACTIVE, False)
    assert (nothing.first_active, nothing.last_active) == (None, None)


def test_two_rows_of_one_user_and_day_are_ored_not_counted_twice():
    cov = coverage(*JANUARY)
    m = metrics_of([("2025-01-02", COMPLETION), ("2025-01-02", COMPLETION | CLI)], cov)
    assert m.active_days == 1
    assert m.feature_days(FEATURES)["code_completion"] == 1
    assert m.breadth == 2


def test_two_user_ids_of_one_person_merge_by_or_per_day():
    cov = coverage(*JANUARY)
    rows = [(1, d("2025-01-02"), COMPLETION), (2, d("2025-01-02"), PANEL),
            (2, d("2025-01-09"), COMPLETION), (3, d("2025-01-02"), CLI)]
    mapped, unmapped = engagement_by_person(rows, cov, {1: "ann", 2: "ann"}, {"ann": object()})
    m = person_metrics(mapped["ann"], cov, Thresholds())
    assert m.active_days == 2
    assert m.feature_days(FEATURES) == {"code_completion": 2, "panel_chat": 1, "cli": 0,
                                        "mobile_chat": 0}
    assert m.active_weeks == 2
    assert list(unmapped) == [3]


def test_a_user_matched_to_someone_the_directory_lacks_is_unmapped():
    rows = [(1, d("2025-01-02"), COMPLETION)]
    mapped, unmapped = engagement_by_person(rows, coverage(*JANUARY), {1: "gone"}, {})
    assert (mapped, list(unmapped)) == ({}, [1])


def test_breadth_counts_only_features_measured_on_half_the_reported_days():
    # 4 reported days: cli measured on 2 of them (half: measured in P), mobile on 1 (not).
    days = ["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09"]
    measured = {d(day): COMPLETION | PANEL for day in days}
    measured[d("2025-01-06")] |= CLI | MOBILE
    measured[d("2025-01-07")] |= CLI
    cov = coverage("2025-01-06", "2025-01-09", measured=measured)
    assert cov.features_measured_in_p == ["cli", "code_completion", "panel_chat"]
    assert [name for name, _ in cov.features_with_data] == [
        "cli", "code_completion", "mobile_chat", "panel_chat"]
    m = metrics_of([("2025-01-06", CLI | MOBILE), ("2025-01-07", COMPLETION)], cov)
    assert m.breadth == 2
    assert m.feature_days(FEATURES)["mobile_chat"] == 1


def test_half_rule_with_an_odd_number_of_reported_days():
    # 5 reported days (the 6th is empty and does not count): 2 is less than half, 3 is not.
    days = [d(f"2025-01-{n:02d}") for n in range(6, 11)]
    measured = {day: COMPLETION for day in days}
    for day in days[:2]:
        measured[day] |= CLI
    for day in days[:3]:
        measured[day] |= PANEL
    cov = coverage("2025-01-06", "2025-01-11", measured=measured,
                   status={d("2025-01-11"): "empty"})
    assert len(cov.reported) == 5
    assert cov.features_measured_in_p == ["code_completion", "panel_chat"]


def test_nothing_is_measured_in_a_period_without_reported_days():
    cov = coverage("2025-01-06", "2025-01-07",
                   status={d("2025-01-06"): "empty", d("2025-01-07"): "missing"})
    assert cov.features_measured_in_p == []
    assert cov.features_with_data == []


# January 6-26 2025: three whole ISO weeks.
THREE_WEEKS = ("2025-01-06", "2025-01-26")


def test_segments_first_rule_wins():
    cov = coverage(*THREE_WEEKS)
    every_week_broad = [("2025-01-06", COMPLETION | PANEL), ("2025-01-13", CLI),
                        ("2025-01-20", COMPLETION)]
    assert metrics_of(every_week_broad, cov).segment == CHAMPION
    every_week_narrow = [("2025-01-06", COMPLETION), ("2025-01-13", COMPLETION),
                         ("2025-01-20", COMPLETION)]
    assert metrics_of(every_week_narrow, cov).segment == REGULAR
    two_weeks_broad = [("2025-01-06", COMPLETION | PANEL | CLI), ("2025-01-13", COMPLETION)]
    assert metrics_of(two_weeks_broad, cov).segment == REGULAR
    one_week_broad = [("2025-01-06", COMPLETION | PANEL | CLI)]
    assert metrics_of(one_week_broad, cov).segment == LAGGING


def test_consistency_thresholds_are_inclusive_as_written():
    # Four whole weeks: 3/4 = 0.75 is a champion's consistency; 2/4 = 0.5 is not lagging.
    cov = coverage("2025-01-06", "2025-02-02")
    broad = COMPLETION | PANEL | CLI
    three_of_four = [("2025-01-06", broad), ("2025-01-13", COMPLETION), ("2025-01-20", PANEL)]
    assert metrics_of(three_of_four, cov).consistency == 0.75
    assert metrics_of(three_of_four, cov).segment == CHAMPION
    two_of_four = [("2025-01-06", broad), ("2025-01-13", COMPLETION)]
    assert metrics_of(two_of_four, cov).segment == REGULAR


def test_an_unmeasured_feature_does_not_make_a_champion():
    # mobile_chat measured on 1 of 21 days: the third feature does not count.
    measured = {day: COMPLETION | PANEL for day in Period.of(*THREE_WEEKS).days}
    measured[d("2025-01-20")] |= MOBILE
    cov = coverage(*THREE_WEEKS, measured=measured)
    m = metrics_of([("2025-01-06", COMPLETION), ("2025-01-13", PANEL),
                    ("2025-01-20", MOBILE)], cov)
    assert (m.breadth, m.consistency, m.segment) == (2, 1.0, REGULAR)


def test_thresholds_are_configurable():
    cov = coverage(*THREE_WEEKS)
    rows = [("2025-01-06", COMPLETION | PANEL), ("2025-01-13", COMPLETION)]
    assert metrics_of(rows, cov).segment == REGULAR
    easy = Thresholds(champion_min_features=2, champion_min_consistency=0.6)
    assert metrics_of(rows, cov, easy).segment == CHAMPION
    strict = Thresholds(lagging_below_consistency=0.7)
    assert metrics_of(rows, cov, strict).segment == LAGGING


def test_narrow_whatever_the_segment():
    cov = coverage(*THREE_WEEKS)
    one_feature = [("2025-01-06", COMPLETION), ("2025-01-13", COMPLETION),
                   ("2025-01-20", COMPLETION)]
    m = metrics_of(one_feature, cov)
    assert (m.breadth, m.narrow, m.segment) == (1, True, REGULAR)
    assert metrics_of(one_feature, cov, Thresholds(champion_min_features=1)).segment == CHAMPION
    assert metrics_of(one_feature, cov, Thresholds(champion_min_features=1)).narrow
    two_features = [("2025-01-06", COMPLETION | CLI)]
    assert not metrics_of(two_features, cov).narrow


def test_engaged_only_with_features_not_measured_in_p_is_narrow():
    measured = {day: COMPLETION for day in Period.of(*THREE_WEEKS).days}
    measured[d("2025-01-06")] |= MOBILE
    m = metrics_of([("2025-01-06", MOBILE)], coverage(*THREE_WEEKS, measured=measured))
    assert (m.active_days, m.breadth, m.narrow, m.segment) == (1, 0, True, LAGGING)


def test_thresholds_from_configuration(tmp_path):
    (tmp_path / "enrich.yaml").write_text(
        "metrics:\n  champion_min_features: 4\n  champion_min_consistency: 0.8\n"
        "  lagging_below_consistency: 0.4\n  awareness_gap_below: 0.2\n")
    assert Thresholds.from_config(Config.load(tmp_path / "enrich.yaml")) == Thresholds(
        4, 0.8, 0.4, 0.2)
    assert Thresholds.from_config(Config.defaults(tmp_path)) == Thresholds()
