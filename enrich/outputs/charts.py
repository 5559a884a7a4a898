"""The report's charts, drawn as inline SVG from the rollup's numbers.

Each builder returns `Markup` that a template embeds as is. Charts name no font: their text
inherits the page's font in a browser and is sans-serif in WeasyPrint, and label widths are
estimated generously (`svg.text_width`) so that labels keep apart in either. Sizes are in
CSS pixels; colours are "#rrggbb".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from itertools import accumulate
from math import ceil, floor, log10

from markupsafe import Markup

from enrich.outputs.render import NOT_AVAILABLE
from enrich.outputs.svg import (
    AXIS,
    DARK,
    FONT_SIZE,
    MUTED,
    WHITE,
    Plot,
    color_code,
    count_labels,
    fit_size,
    hatch,
    luminance,
    middle,
    mix,
    no_data,
    num,
    svg,
    tag,
    text,
    text_width,
)
from enrich.rollup.person import SEGMENTS

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
#: days between labels on a daily axis: every day, every other, then whole weeks from a Monday
_DAY_STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364)
_MISSING_FILL = "#f2f2f2"
_MISSING_HATCH = "#cfcfcf"
#: the smallest width a segment of a stacked bar is drawn with, so that one person shows
_THINNEST = 1.5


def nice_ticks(max_value: float, count: int = 4, *, integer: bool = False) -> list[float]:
    """Axis values from 0 to at least `max_value` in at most `count` equal steps, each step
    1, 2, 2.5 or 5 times a power of ten; `integer` keeps to whole steps (counts of people)."""
    if integer:
        max_value = max(max_value, 1)
    if max_value <= 0:
        return [0, 1]
    exponent = floor(log10(max_value / count))
    if integer:
        exponent = max(exponent, 0)
    steps = (m * 10.0**p for p in (exponent, exponent + 1) for m in (1, 2, 2.5, 5))
    step = next(s for s in steps
                if (s.is_integer() or not integer) and max_value <= s * count * (1 + 1e-9))
    return [round(i * step, 12) for i in range(ceil(max_value / step - 1e-9) + 1)]


def heat_color(share: float, color: str) -> str:
    """The background of a heatmap cell: near-white at 0, `color` itself at 1."""
    return mix(color, WHITE, 0.95 * (1 - min(max(share, 0.0), 1.0)))


def text_color_on(background: str) -> str:
    """Dark grey or white, whichever contrasts more with `background` (WCAG 2)."""
    lum = luminance(background)
    return WHITE if 1.05 / (lum + 0.05) >= (lum + 0.05) / (luminance(DARK) + 0.05) else DARK


def _short_day(label: str) -> str:
    """"2026-10-06" as "Oct 6"; any other label as it is."""
    day = _as_date(label)
    return f"{_MONTHS[day.month - 1]} {day.day}" if day else label


def _as_date(label: str) -> date | None:
    try:
        return date.fromisoformat(label)
    except ValueError:
        return None


def _runs(flags: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of consecutive true flags, end exclusive."""
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            yield start, i
            start = None


def daily_line(points: Sequence[tuple[str, int | None]], *, width: float, height: float,
               color: str, missing_days: Collection[str] = (),
               label: str = "Daily active users") -> Markup:
    """Daily active users over a period: a line over a light area, broken by a hatched band
    where days have no data.

    `points` are (day, users) in order; a day is an ISO date (shown as "Oct 6") or any label.
    Users None, or a day in `missing_days`, mean the day has no data: unlike a day nobody was
    active, it is not drawn as zero.
    """
    if not points:
        return no_data(width, height, label)
    values = [None if day in missing_days else value for day, value in points]
    known = [v for v in values if v is not None]
    ticks = nice_ticks(max(known, default=0), integer=True)
    names = [_short_day(day) for day, _ in points]
    name_width = max(text_width(n) for n in names) + 8
    has_gaps = len(known) < len(values)
    tick_labels = count_labels(ticks)
    plot = Plot(left=max(text_width(max(tick_labels, key=len)) + 10, name_width / 2),
                top=FONT_SIZE + 8 if has_gaps else FONT_SIZE / 2 + 2,
                right=width - max(name_width / 2, 8), bottom=height - FONT_SIZE - 10,
                ticks=ticks)
    slot = plot.slot(len(points))
    body = []
    for start, end in _runs([v is None for v in values]):
        body += _missing_band(plot.left + start * slot, plot.top, (end - start) * slot,
                              plot.bottom - plot.top)
    if has_gaps:
        body += _missing_key(plot.right, plot.top - 8)
    body += plot.grid(tick_labels)
    body += _day_labels(plot, [day for day, _ in points], names, name_width)
    body += _line(plot, values, color)
    summary = f"{label}, {names[0]} to {names[-1]}"
    if known:
        summary += f", peak {max(known):,}"
    if has_gaps:
        summary += f", {len(values) - len(known)} days without data"
    return svg(width, height, summary, body)


def _missing_band(x: float, y: float, width: float, height: float) -> list[str]:
    return [tag("rect", x=x, y=y, width=width, height=height, fill=_MISSING_FILL),
            tag("path", d=hatch(x, y, width, height), stroke=_MISSING_HATCH, stroke_width=1)]


def _missing_key(right: float, baseline: float) -> list[str]:
    """"[hatched square] no data", ending at `right`."""
    x = right - text_width("no data") - 14
    return [*_missing_band(x, baseline - 9, 10, 10),
            text(x + 14, baseline, "no data", fill=MUTED)]


def _day_labels(plot: Plot, days: Sequence[str], names: Sequence[str],
                name_width: float) -> Iterator[str]:
    """Labels under the days, as many as fit; once they are a week apart, on Mondays."""
    slot = plot.slot(len(days))
    step = next((s for s in _DAY_STEPS if s * slot >= name_width), len(days))
    first_day = _as_date(days[0])
    first = (7 - first_day.weekday()) % 7 if step >= 7 and first_day else 0
    for i in range(first, len(days), step):
        x = plot.left + (i + 0.5) * slot
        yield tag("path", d=f"M{num(x)},{num(plot.bottom)}v4", stroke=AXIS, stroke_width=1)
        yield text(x, plot.bottom + FONT_SIZE + 6, names[i], fill=MUTED, anchor="middle")


def _line(plot: Plot, values: Sequence[int | None], color: str) -> Iterator[str]:
    """The line and the area under it, one subpath per run of days with data."""
    slot = plot.slot(len(values))
    area, line = [], []
    for start, end in _runs([v is not None for v in values]):
        xy = [(plot.left + (i + 0.5) * slot, plot.y(values[i])) for i in range(start, end)]
        if len(xy) == 1:
            yield tag("circle", cx=xy[0][0], cy=xy[0][1], r=2, fill=color)
            continue
        path = "L".join(f"{num(x)},{num(y)}" for x, y in xy)
        line.append(f"M{path}")
        area.append(f"M{num(xy[0][0])},{num(plot.bottom)}L{path}"
                    f"L{num(xy[-1][0])},{num(plot.bottom)}Z")
    if line:
        yield tag("path", d="".join(area), fill=mix(color, WHITE, 0.82))
        yield tag("path", d="".join(line), fill="none", stroke=color, stroke_width=1.8,
                  stroke_linejoin="round", stroke_linecap="round")


def monthly_adoption(points: Sequence[tuple[str, float | None, bool]], *, width: float,
                     height: float, color: str, accent: str,
                     label: str = "Adoption rate by month", unknown: str = "no data"
                     ) -> Markup:
    """Adoption (or any share) month by month: a bar per month with its rate printed above.

    `points` are (month, rate, incomplete) oldest first; a month is "2026-10" (shown as "Oct",
    with the year under the first month and each January) or any label, a rate is 0..1.
    An incomplete month (days without data) is hatched in `accent`, starred and explained
    under the chart; a rate of None leaves the month's slot empty, saying why: `unknown`.
    """
    if not points:
        return no_data(width, height, label)
    months = [_month_name(m) for m, _, _ in points]
    with_years = any(year for _, year in months)
    starred = any(rate is not None and incomplete for _, rate, incomplete in points)
    ticks = nice_ticks(max([rate * 100 for _, rate, _ in points if rate is not None] + [20]))
    rows = 1 + with_years + starred
    plot = Plot(left=text_width("100%") + 10, top=FONT_SIZE + 6, right=width - 4,
                bottom=height - 6 - rows * (FONT_SIZE + 4), ticks=ticks)
    slot = plot.slot(len(points))
    name_size = min(fit_size(part, slot - 2) for name in months for part in name if part)
    values = [f"{rate:.0%}" + "*" * incomplete if rate is not None else None
              for _, rate, incomplete in points]
    value_size = min((fit_size(v, slot - 2) for v in values if v), default=FONT_SIZE)
    body = list(plot.grid([f"{t:g}%" for t in ticks]))
    for i, ((_, rate, incomplete), (month, year), value) in enumerate(
            zip(points, months, values, strict=True)):
        x = plot.left + (i + 0.5) * slot
        body.append(text(x, plot.bottom + FONT_SIZE + 4, month, anchor="middle", size=name_size))
        if year and (i == 0 or month == _MONTHS[0]):
            body.append(text(x, plot.bottom + 2 * FONT_SIZE + 6, year, fill=MUTED,
                             anchor="middle", size=name_size))
        if value is None:
            body += _unknown_note(x, plot.bottom, slot, unknown)
        else:
            top = plot.y(rate * 100)
            body.append(text(x, top - 4, value, anchor="middle", size=value_size))
            body += _month_bar(x, top, plot.bottom, min(slot * 0.6, 44),
                               accent if incomplete else None, color)
    if starred:
        body.append(text(plot.left, height - 6, "* incomplete month: some days have no data",
                          fill=MUTED, size=9))
    summary = ", ".join(_month_summary(name, rate, incomplete, unknown)
                        for name, (_, rate, incomplete) in zip(months, points, strict=True))
    return svg(width, height, f"{label}: {summary}", body)


def _month_summary(name: tuple[str, str], rate: float | None, incomplete: bool,
                   unknown: str) -> str:
    month = " ".join(part for part in name if part)
    if rate is None:
        return f"{month} {unknown}"
    return f"{month} {rate:.0%}" + (" (incomplete)" if incomplete else "")


def _month_name(label: str) -> tuple[str, str]:
    """("Oct", "2026") for "2026-10"; any other label as it is, with no year."""
    match = _MONTH.fullmatch(label)
    if not match or not 1 <= int(match[2]) <= 12:
        return label, ""
    return _MONTHS[int(match[2]) - 1], match[1]


def _unknown_note(x: float, bottom: float, slot: float, note: str) -> list[str]:
    """Why a month has no bar ("no data") over the axis: a word a line if the slot is
    narrow, a dash if even that does not fit (the chart's title still says it)."""
    lines = [note] if text_width(note, 9) <= slot - 2 else note.split()
    size = min(fit_size(line, slot - 2, 9) for line in lines)
    if max(text_width(line, size) for line in lines) > slot - 2:
        lines = [NOT_AVAILABLE]
    return [text(x, bottom - 6 - (size + 2) * (len(lines) - 1 - i), line, fill=MUTED,
                 anchor="middle", size=size) for i, line in enumerate(lines)]


def _month_bar(x: float, top: float, bottom: float, width: float, hatched_in: str | None,
               color: str) -> list[str]:
    left, height = x - width / 2, bottom - top
    if not height:
        return []
    if hatched_in:
        return [tag("rect", x=left, y=top, width=width, height=height,
                    fill=mix(hatched_in, WHITE, 0.7)),
                tag("path", d=hatch(left, top, width, height, 5), stroke=hatched_in,
                    stroke_width=1.2),
                tag("rect", x=left + 0.5, y=top + 0.5, width=width - 1,
                    height=height - 1, fill="none", stroke=hatched_in)]
    return [tag("rect", x=left, y=top, width=width, height=height, fill=color)]


def segment_bar(counts: Mapping[str, int], *, width: float, height: float,
                colors: Mapping[str, str], label: str = "Segments") -> Markup:
    """One 100% bar of a unit's people by segment (champion, regular, lagging, inactive).

    Segments without people are left out, the others are at least a sliver wide; a segment
    wide enough shows its share, and each names its count on hover.
    """
    total = sum(counts.get(s, 0) for s in SEGMENTS)
    if not total:
        return no_data(width, height, label)
    shown = [s for s in SEGMENTS if counts.get(s)]
    widths = [max(counts[s] / total * width, _THINNEST) for s in shown]
    widest = widths.index(max(widths))
    widths[widest] -= sum(widths) - width
    edges = [round(e, 1) for e in accumulate(widths, initial=0.0)]
    size = min(FONT_SIZE, height - 4)
    body, summary = [], []
    for segment, x, end in zip(shown, edges[:-1], edges[1:], strict=True):
        share = f"{counts[segment] / total:.0%}"
        name = segment.capitalize()
        summary.append(f"{name} {share}")
        shapes = tag("title", f"{name}: {counts[segment]:,} of {total:,} ({share})")
        shapes += tag("rect", x=x, y=0, width=end - x, height=height, fill=colors[segment])
        if text_width(share, size) + 4 <= end - x:
            shapes += text((x + end) / 2, middle(height / 2, size), share, size=size,
                           fill=text_color_on(colors[segment]), anchor="middle")
        body.append(tag("g", shapes))
    return svg(width, height, f"{label}: {', '.join(summary)}", body)


def segment_legend(colors: Mapping[str, str]) -> Markup:
    """The segments' names after squares of their colours, as HTML that wraps with the text."""
    items = (
        f'<span style="white-space:nowrap;margin-right:1em">'
        f'<span style="display:inline-block;width:0.75em;height:0.75em;margin-right:0.3em;'
        f'background:{color_code(colors[s])}"></span>{s.capitalize()}</span>'
        for s in SEGMENTS)
    return Markup(f'<span class="segment-legend">{"".join(items)}</span>')


def bar(value: float | None, *, width: float, height: float, color: str,
        max_value: float = 1.0, label: str | None = None) -> Markup:
    """A small bar for a table cell: `value` out of `max_value` filled in `color` over a pale
    track. `label` (for screen readers) is the share of `max_value` unless given."""
    share = min(max((value or 0) / max_value, 0.0), 1.0)
    if label is None:
        label = "no data" if value is None else f"{share:.0%}"
    body = [tag("rect", x=0, y=0, width=width, height=height, fill=mix(color, WHITE, 0.85))]
    if share:
        body.append(tag("rect", x=0, y=0, width=share * width, height=height, fill=color))
    return svg(width, height, label, body)
