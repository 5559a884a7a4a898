"""The report's SVG charts: well-formed, self-contained, escaped, and drawn from the data."""

import logging
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import weasyprint
from conftest import pdf_text

from enrich.outputs.charts import (
    bar,
    daily_line,
    heat_color,
    monthly_adoption,
    nice_ticks,
    segment_bar,
    segment_legend,
    text_color_on,
)
from enrich.outputs.svg import FONT_FAMILY

SVG = "{http://www.w3.org/2000/svg}"
PRIMARY, ACCENT = "#1f4e79", "#e07b00"
COLORS = {"champion": "#1f4e79", "regular": "#5b8fc7", "lagging": "#e07b00",
          "inactive": "#d9d9d9"}
SCRIPT = "<script>alert('x')</script> & co"


def october(values) -> list[tuple[str, int | None]]:
    return [((date(2026, 10, 1) + timedelta(days=i)).isoformat(), v)
            for i, v in enumerate(values)]


def weekdays_busy(days: int = 31, busy: int = 120) -> list[int]:
    """Users per day from 2026-10-01 (a Thursday): `busy` on weekdays, 0 at weekends."""
    return [0 if (date(2026, 10, 1) + timedelta(days=i)).weekday() >= 5 else busy + i
            for i in range(days)]


def daily(values, **kwargs):
    return daily_line(october(values), width=640, height=180, color=PRIMARY, **kwargs)


MONTHS = [("2025-11", 0.31, False), ("2025-12", 0.36, False), ("2026-01", 0.41, False),
          ("2026-02", None, False), ("2026-03", 0.5, False), ("2026-04", 0.555, False),
          ("2026-05", 0.6, False), ("2026-06", 0.66, False), ("2026-07", 0.71, True),
          ("2026-08", 0.76, False), ("2026-09", 0.81, False), ("2026-10", 0.86, False)]


def monthly(points=MONTHS, **kwargs):
    return monthly_adoption(points, width=640, height=200, color=PRIMARY, accent=ACCENT,
                            **kwargs)


def segments(champion=12, regular=30, lagging=8, inactive=10, **kwargs):
    counts = {"champion": champion, "regular": regular, "lagging": lagging,
              "inactive": inactive}
    return segment_bar(counts, width=160, height=14, colors=COLORS, **kwargs)


def every_chart():
    return [daily(weekdays_busy()), daily([5, None, 7]), daily([]), daily([None] * 5),
            monthly(), monthly([]), segments(), segments(0, 0, 0, 0),
            bar(0.4, width=60, height=8, color=PRIMARY)]


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(markup) -> list[str]:
    return [t.text for t in parse(markup).iter(f"{SVG}text")]


def line_path(markup) -> ET.Element:
    (line,) = [p for p in parse(markup).iter(f"{SVG}path") if p.get("fill") == "none"
               and p.get("stroke") == PRIMARY]
    return line


@pytest.mark.parametrize(("max_value", "ticks"), [
    (100, [0, 25, 50, 75, 100]),
    (87, [0, 25, 50, 75, 100]),
    (7, [0, 2, 4, 6, 8]),
    (42, [0, 20, 40, 60]),
    (0.42, [0, 0.2, 0.4, 0.6]),
    (100_000, [0, 25_000, 50_000, 75_000, 100_000]),
    (123_456, [0, 50_000, 100_000, 150_000]),
    (1, [0, 0.25, 0.5, 0.75, 1]),
    (0, [0, 1]),
])
def test_nice_ticks_are_round_and_reach_the_maximum(max_value, ticks):
    assert nice_ticks(max_value) == ticks


@pytest.mark.parametrize(("max_value", "ticks"), [
    (10, [0, 5, 10]),
    (3, [0, 1, 2, 3]),
    (1, [0, 1]),
    (0, [0, 1]),
    (30, [0, 10, 20, 30]),
])
def test_nice_ticks_for_counts_keep_to_whole_steps(max_value, ticks):
    assert nice_ticks(max_value, integer=True) == ticks


def test_nice_ticks_take_at_most_count_steps():
    for max_value in range(1, 2000, 7):
        ticks = nice_ticks(max_value, count=5)
        assert 3 <= len(ticks) <= 6
        assert ticks[-2] < max_value <= ticks[-1]


@pytest.mark.parametrize("chart", every_chart())
def test_every_chart_is_a_self_contained_accessible_svg(chart):
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert {"viewBox", "width", "height", "aria-label"} <= set(root.attrib)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == root.get("aria-label")
    for forbidden in ("href", "<image", "url(", "<script", "@import"):
        assert forbidden not in chart
    # the documents' fonts, named once on the root, since WeasyPrint's SVG ignores page CSS
    assert root.get("font-family") == FONT_FAMILY
    assert chart.count("font-family") == 1


def test_charts_are_the_same_bytes_for_the_same_data():
    assert [str(c) for c in every_chart()] == [str(c) for c in every_chart()]


def test_a_day_without_data_breaks_the_line_over_a_hatched_band():
    values = weekdays_busy()
    values[13] = values[14] = None
    chart = daily(values)
    assert line_path(chart).get("d").count("M") == 2
    bands = [r for r in parse(chart).iter(f"{SVG}rect") if r.get("fill") == "#f2f2f2"]
    assert len(bands) == 2  # the two days, and the key's swatch
    assert "no data" in texts(chart)
    assert "2 days without data" in parse(chart).get("aria-label")


def test_weekend_zeros_are_drawn_not_left_out():
    chart = daily(weekdays_busy())
    assert line_path(chart).get("d").count("M") == 1
    assert "no data" not in texts(chart)


def test_missing_days_are_gaps_even_with_a_value():
    chart = daily(weekdays_busy(), missing_days={"2026-10-14"})
    assert line_path(chart).get("d").count("M") == 2


def test_a_day_alone_between_gaps_is_a_dot():
    chart = daily([None, 5, None, 6, 7])
    assert len(list(parse(chart).iter(f"{SVG}circle"))) == 1
    assert line_path(chart).get("d").count("M") == 1


def test_day_labels_are_mondays_once_every_day_does_not_fit():
    labels = texts(daily(weekdays_busy()))
    assert [t for t in labels if t.startswith("Oct")] == ["Oct 5", "Oct 12", "Oct 19", "Oct 26"]


def test_a_short_period_labels_every_day():
    labels = texts(daily_line(october([1, 2, 3]), width=400, height=120, color=PRIMARY))
    assert [t for t in labels if t.startswith("Oct")] == ["Oct 1", "Oct 2", "Oct 3"]


def test_large_counts_are_labelled_in_thousands():
    chart = daily([100_000, 80_000, 0])
    assert texts(chart)[:5] == ["0", "25k", "50k", "75k", "100k"]


def test_counts_below_ten_thousand_are_labelled_in_full():
    assert texts(daily([7_400, 3_000]))[:5] == ["0", "2,000", "4,000", "6,000", "8,000"]


def test_degenerate_days_still_draw():
    assert texts(daily([])) == ["no data"]
    assert texts(daily([0, 0, 0]))[:2] == ["0", "1"]
    assert len(list(parse(daily([5])).iter(f"{SVG}circle"))) == 1
    nothing = daily([None] * 7)
    assert not [p for p in parse(nothing).iter(f"{SVG}path") if p.get("stroke") == PRIMARY]
    assert "no data" in texts(nothing)


def test_monthly_bars_print_their_rates():
    chart = monthly()
    bars = [r for r in parse(chart).iter(f"{SVG}rect") if r.get("fill") == PRIMARY]
    assert len(bars) == 10
    labels = texts(chart)
    assert [t for t in labels if t.endswith(("%", "*")) and not t.startswith("*")][5:] == [
        "31%", "36%", "41%", "50%", "56%", "60%", "66%", "71%*", "76%", "81%", "86%"]


def test_an_incomplete_month_is_hatched_starred_and_explained():
    chart = monthly()
    outlined = [r for r in parse(chart).iter(f"{SVG}rect") if r.get("stroke") == ACCENT]
    assert len(outlined) == 1
    assert "* incomplete month: some days have no data" in texts(chart)
    assert "Jul 2026 71% (incomplete)" in parse(chart).get("aria-label")


def test_a_month_without_data_leaves_its_slot_empty():
    labels = texts(monthly())
    assert labels.count("no data") == 1
    assert "Feb" in labels


def test_the_year_shows_under_the_first_month_and_january():
    labels = texts(monthly())
    assert [t for t in labels if t.isdigit()] == ["2025", "2026"]


def test_the_percent_axis_fits_the_highest_rate():
    assert texts(monthly([("2026-10", 0.42, False)]))[:4] == ["0%", "20%", "40%", "60%"]
    assert texts(monthly([("2026-10", 0.0, False)]))[:5] == ["0%", "5%", "10%", "15%", "20%"]


def test_months_without_any_data_still_draw():
    assert texts(monthly([])) == ["no data"]
    assert "no data" in texts(monthly([("2026-10", None, False)]))


def test_segments_without_people_are_left_out():
    chart = segments(champion=0)
    groups = list(parse(chart).iter(f"{SVG}g"))
    assert [g.find(f"{SVG}title").text for g in groups] == [
        "Regular: 30 of 48 (62%)", "Lagging: 8 of 48 (17%)", "Inactive: 10 of 48 (21%)"]


def test_segments_fill_the_bar_and_a_tiny_one_still_shows():
    chart = segments(champion=1, regular=3, lagging=40, inactive=956)
    rects = list(parse(chart).iter(f"{SVG}rect"))
    widths = [float(r.get("width")) for r in rects]
    assert sum(widths) == pytest.approx(160)
    assert min(widths) >= 1.5
    assert float(rects[-1].get("x")) + widths[-1] == pytest.approx(160)


def test_segment_shares_are_written_where_they_fit_in_a_contrasting_colour():
    chart = segments(champion=12, regular=30, lagging=3, inactive=15)
    shares = {t.text: t.get("fill") for t in parse(chart).iter(f"{SVG}text")}
    assert shares == {"20%": "#ffffff", "50%": "#222222", "25%": "#222222"}  # not 5%


def test_a_unit_without_people_gets_no_data():
    assert texts(segments(0, 0, 0, 0)) == ["no data"]


def test_the_legend_names_the_segments_in_order():
    legend = str(segment_legend(COLORS))
    names = ["Champion", "Regular", "Lagging", "Inactive"]
    assert [legend.index(n) for n in names] == sorted(legend.index(n) for n in names)
    assert all(f"background:{c}" in legend for c in COLORS.values())


def test_a_small_bar_fills_its_share():
    chart = bar(0.4, width=60, height=8, color=PRIMARY)
    rects = list(parse(chart).iter(f"{SVG}rect"))
    assert [r.get("width") for r in rects] == ["60", "24"]
    assert parse(chart).get("aria-label") == "40%"
    assert len(list(parse(bar(None, width=60, height=8, color=PRIMARY)).iter(f"{SVG}rect"))) == 1
    assert [r.get("width") for r in parse(bar(30, width=60, height=8, color=PRIMARY,
                                              max_value=20)).iter(f"{SVG}rect")] == ["60", "60"]


@pytest.mark.parametrize("chart", [
    daily_line([(SCRIPT, 4), ("2026-10-02", 5)], width=300, height=120, color=PRIMARY,
               label=SCRIPT),
    monthly_adoption([(SCRIPT, 0.5, False)], width=300, height=120, color=PRIMARY,
                     accent=ACCENT, label=SCRIPT),
    segments(label=SCRIPT),
    bar(0.5, width=60, height=8, color=PRIMARY, label=SCRIPT),
])
def test_names_are_escaped(chart):
    root = parse(chart)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert root.find(f"{SVG}title").text.startswith(SCRIPT)


def test_heat_colours_run_from_near_white_to_the_colour():
    assert heat_color(1, PRIMARY) == PRIMARY
    assert heat_color(0, PRIMARY) == "#f4f6f8"
    assert heat_color(0.5, "#000") == "#797979"
    assert heat_color(-1, PRIMARY) == heat_color(0, PRIMARY)
    assert heat_color(2, PRIMARY) == PRIMARY


def test_text_on_a_background_contrasts_with_it():
    assert text_color_on("#ffffff") == "#222222"
    assert text_color_on("#d9d9d9") == "#222222"
    assert text_color_on(PRIMARY) == "#ffffff"
    assert text_color_on("#000") == "#ffffff"
    assert text_color_on(heat_color(0.1, PRIMARY)) == "#222222"


@pytest.mark.parametrize("color", ["navy", "#12345g", "#+f0000", "1f4e79", "#1f4e7"])
def test_a_colour_that_is_not_hex_is_named(color):
    with pytest.raises(ValueError) as raised:
        heat_color(0.5, color)
    assert str(raised.value) == f"not a colour: '{color}' (expected #rrggbb)"


def chart_page(tmp_path):
    html = "".join(f"<div>{chart}</div>" for chart in every_chart())
    pdf = tmp_path / "charts.pdf"
    weasyprint.HTML(string=f"<html><body>{html}</body></html>").write_pdf(pdf)
    return pdf


def test_weasyprint_draws_every_chart_without_a_complaint(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        chart_page(tmp_path)
    assert caplog.records == []


def test_the_pdf_holds_the_charts_text(tmp_path):
    text = pdf_text(chart_page(tmp_path), layout=False)
    for shown in ("Oct 12", "71%*", "incomplete month", "no data", "20%"):
        assert shown in text
