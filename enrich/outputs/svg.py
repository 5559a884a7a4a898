"""The pieces the charts are drawn with: elements, text, a value axis, hatching, colours.

Numbers are written with one decimal, so the same data gives the same bytes. Text is escaped,
and nothing refers outside the chart (no href, no url(), not even to its own <defs>), so
charts placed side by side on a page cannot clash and render alike in a browser and in
WeasyPrint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
#: the documents' own fonts: WeasyPrint does not carry page CSS into inline SVG
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"
FONT_SIZE = 10
#: the smallest text a chart shrinks a label to before it gives up fitting it
SMALLEST_FONT = 7
INK = "#333333"
MUTED = "#767676"
GRID = "#e4e4e4"
AXIS = "#9a9a9a"
WHITE = "#ffffff"
DARK = "#222222"
#: characters about as wide as the font size; the others are taken at DejaVu Sans's digit
#: width (0.64 em), wider than most fonts' letters, so estimated labels never collide
_WIDE = frozenset("%@MWmw")
_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def num(value: float) -> str:
    """`value` with at most one decimal: "12", "12.5"."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def tag(name: str, content: str = "", **attrs: str | float | None) -> str:
    """One element; `content` is markup. An attribute name loses a trailing "_" ("class_") and
    spells "-" as "_" ("text_anchor"); None leaves the attribute out."""
    parts = [name]
    for key, value in attrs.items():
        if value is None:
            continue
        shown = num(value) if isinstance(value, int | float) else escape(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{shown}"')
    opening = " ".join(parts)
    return f"<{opening}>{content}</{name}>" if content else f"<{opening}/>"


def text(x: float, y: float, content: str, *, size: float = FONT_SIZE, fill: str = INK,
         anchor: str = "start") -> str:
    """A line of text with its baseline at `y`, in the chart's font (FONT_FAMILY)."""
    return tag("text", str(escape(content)), x=x, y=y,
               font_size=None if size == FONT_SIZE else size, fill=fill,
               text_anchor=None if anchor == "start" else anchor)


def middle(y: float, size: float = FONT_SIZE) -> float:
    """The baseline that centres digits and capitals on `y`.

    dominant-baseline would say this, but WeasyPrint only approximates it.
    """
    return y + 0.35 * size


def text_width(content: str, size: float = FONT_SIZE) -> float:
    """An estimate of the width of `content`, on the wide side."""
    return size * sum(1.0 if char in _WIDE else 0.64 for char in content)


def fit_size(content: str, space: float, size: float = FONT_SIZE) -> float:
    """The largest font size up to `size` at which `content` fits in `space`, but no smaller
    than SMALLEST_FONT."""
    width = text_width(content, 1)
    return max(SMALLEST_FONT, min(size, round(space / width, 1))) if width else size


def svg(width: float, height: float, label: str, body: Iterable[str]) -> Markup:
    """A chart: `label` describes it to screen readers and shows as its tooltip."""
    content = tag("title", str(escape(label))) + "".join(body)
    return Markup(tag("svg", content, xmlns=SVG_NS, width=width, height=height,
                      viewBox=f"0 0 {num(width)} {num(height)}", role="img",
                      aria_label=label, class_="chart", font_family=FONT_FAMILY,
                      font_size=FONT_SIZE))


@dataclass(frozen=True)
class Plot:
    """The plotting area of a chart, with a value axis from 0 to the last tick on its left
    and a width that `slot` divides among the days or months shown."""

    left: float
    top: float
    right: float
    bottom: float
    ticks: list[float]

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * value / self.ticks[-1]

    def slot(self, count: int) -> float:
        return (self.right - self.left) / count

    def grid(self, labels: Sequence[str]) -> Iterator[str]:
        for value, label in zip(self.ticks, labels, strict=True):
            y = self.y(value)
            yield tag("path", d=f"M{num(self.left)},{num(y)}H{num(self.right)}",
                      stroke=AXIS if value == 0 else GRID, stroke_width=1)
            yield text(self.left - 6, middle(y), label, fill=MUTED, anchor="end")


def count_labels(ticks: Sequence[float]) -> list[str]:
    """Tick labels for counts: "2,500"; "25k" once the axis reaches 10,000; "1.5M"."""
    top = ticks[-1]
    divisor, suffix = (1e6, "M") if top >= 1e6 else (1e3, "k") if top >= 1e4 else (1, "")
    return [f"{t / divisor:,g}{suffix}" if t else "0" for t in ticks]


def no_data(width: float, height: float, label: str) -> Markup:
    """A chart with nothing to show: a dashed frame saying "no data"."""
    size = fit_size("no data", width - 4)
    return svg(width, height, f"{label}: no data", [
        tag("rect", x=0.5, y=0.5, width=width - 1, height=height - 1, fill="none",
            stroke=GRID, stroke_dasharray="3 2"),
        text(width / 2, middle(height / 2, size), "no data", size=size, fill=MUTED,
             anchor="middle"),
    ])


def hatch(x: float, y: float, width: float, height: float, spacing: float = 4) -> str:
    """Path data for "/" lines `spacing` apart that fill the rectangle, cut at its edges."""
    segments = []
    bottom = y + height
    offset = -height + spacing / 2
    while offset < width:
        # a line through (x + offset, bottom), rising one up for one across
        start = max(offset, 0.0)
        end = min(offset + height, width)
        segments.append(f"M{num(x + start)},{num(bottom - (start - offset))}"
                        f"L{num(x + end)},{num(bottom - (end - offset))}")
        offset += spacing
    return "".join(segments)


def rgb(color: str) -> tuple[int, int, int]:
    """The channels of "#rrggbb" or "#rgb"; ValueError names anything else."""
    if not _HEX.fullmatch(color):
        raise ValueError(f"not a colour: {color!r} (expected #rrggbb)")
    digits = color[1:] if len(color) == 7 else "".join(d * 2 for d in color[1:])
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def color_code(color: str) -> str:
    """`color` as "#rrggbb"."""
    return mix(color, color, 0)


def mix(color: str, other: str, amount: float) -> str:
    """`color` moved `amount` (0..1) of the way to `other`, mixed in sRGB; as "#rrggbb"."""
    channels = (round(a + (b - a) * amount) for a, b in zip(rgb(color), rgb(other), strict=True))
    return "#" + "".join(f"{c:02x}" for c in channels)


def luminance(color: str) -> float:
    """The WCAG 2 relative luminance: 0 for black, 1 for white."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
