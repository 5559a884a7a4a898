"""Jinja2 templates to HTML for every rendered output (and to PDF: enrich.outputs.pdf).

The shipped templates live in the repository's `templates/` folder (in the wheel as
`enrich/templates`); a configured folder comes first, so a company can override any of them.
The HTML is self-contained: styles inline, charts as inline SVG, the logo as a data URI.
"""

from __future__ import annotations

import base64
import functools
import html as html_lib
import mimetypes
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jinja2
from markupsafe import Markup

from enrich.dates import day_ranges, to_date
from enrich.errors import ConfigError

SHIPPED = Path(__file__).resolve().parent.parent / "templates"
_LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}


@functools.lru_cache(maxsize=8)
def environment(folder: Path | None = None, *, text: bool = False) -> jinja2.Environment:
    """HTML templates are autoescaped; plain-text ones (`text`) are not, and their block tags
    take their line with them."""
    loaders = [jinja2.FileSystemLoader(folder)] if folder else []
    loaders.append(jinja2.FileSystemLoader(SHIPPED))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=not text,
                             undefined=jinja2.StrictUndefined, trim_blocks=text,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(pct=pct, points=points, number=number, decimal=decimal, money=money,
                       cents=cents,
                       month_name=month_name, day_ranges=day_ranges, threshold=threshold,
                       pct_beside=pct_beside)
    env.globals.update(difference=difference)
    return env


def render_html(template: str, context: dict, folder: Path | None = None, *,
                text: bool = False) -> str:
    """`template` rendered; with `text`, as plain text (not escaped)."""
    try:
        return environment(folder, text=text).get_template(template).render(context)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or template
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"template error: {exc.message}", path=Path(where), line=line) from exc


# An HTML file that stands alone fetches nothing when it is opened: what a template refers to
# outside the file itself (a web font, a style sheet, an image on a server, a file on this
# machine) is left out of it. Only data: URIs and references within the page (#id) stay.
_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style\s*>)", re.IGNORECASE | re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r"""(\sstyle\s*=\s*)("[^"]*"|'[^']*')""", re.IGNORECASE)
_CSS_URL = r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s'"]*))\s*\)"""
_IMPORT = re.compile(r"@import\s+(?:" + _CSS_URL + r"""|"([^"]*)"|'([^']*)')[^;]*;?""",
                     re.IGNORECASE)
_URL = re.compile(_CSS_URL, re.IGNORECASE)
#: start tags that make a browser fetch, and the attributes it fetches
_FETCHING_TAG = re.compile(
    r"<(img|script|iframe|embed|object|source|track|video|audio|input|link|image|use|frame)"
    r"\b[^>]*>", re.IGNORECASE)
_FETCHING_ATTRIBUTE = re.compile(
    r"""\s(src|srcset|href|xlink:href|poster|data|background)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""",
    re.IGNORECASE)


def self_contained(html: str) -> tuple[str, list[str]]:
    """`html` without what it would fetch when opened, and what was left out (each once, in
    the order found): remote (or local) `@import` rules, `url()`s of style sheets and style
    attributes, and the fetching attributes of elements (`<img src>`, `<link href>`, ...)."""
    left_out: dict[str, None] = {}

    def external(url: str) -> bool:
        # quotes in a style attribute are entities: url(&quot;...&quot;)
        url = html_lib.unescape(url).strip().strip("\"'").strip()
        if url.lower().startswith("data:") or url.startswith("#") or not url:
            return False
        left_out[url] = None
        return True

    def css(text: str) -> str:
        text = _IMPORT.sub(lambda m: "" if external(_first(m)) else m[0], text)
        return _URL.sub(lambda m: "none" if external(_first(m)) else m[0], text)

    def tag(match: re.Match) -> str:
        def attribute(found: re.Match) -> str:
            value = found[2].strip("\"'")
            urls = [part.split()[0] for part in value.split(",") if part.split()] \
                if found[1].lower() == "srcset" else [value]
            return "" if [u for u in urls if external(u)] else found[0]
        return _FETCHING_ATTRIBUTE.sub(attribute, match[0])

    html = _STYLE_BLOCK.sub(lambda m: m[1] + css(m[2]) + m[3], html)
    html = _STYLE_ATTRIBUTE.sub(lambda m: m[1] + css(m[2]), html)
    html = _FETCHING_TAG.sub(tag, html)
    return html, list(left_out)


def _first(match: re.Match) -> str:
    return next(group for group in match.groups() if group is not None)


def logo_uri(path: Path | None) -> str | None:
    """The configured logo as a data URI: the HTML stays one file that can be sent alone."""
    if path is None:
        return None
    kind = mimetypes.guess_type(path.name)[0]
    if kind not in _LOGO_TYPES:
        raise ConfigError("the logo must be a PNG, JPEG or SVG file", path=path,
                          key="company.logo")
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


# Filters: rounding happens only in what people read (METRICS.md section 8).

NOT_AVAILABLE = "–"
#: decimals of a percentage as people read it ("72.9%"), and of a change in points
PCT_DIGITS = 1


def difference(now: float | None, before: float | None, digits: int = PCT_DIGITS
               ) -> float | None:
    """`now - before` as people read them: the difference of the two figures as printed,
    rounded to `digits` decimals, so that "44.4% to 70.4%" goes with "+26.0 points" (not the
    exact +25.9). None when either is None."""
    if now is None or before is None:
        return None
    return round(round(now, digits) - round(before, digits), digits)


def pct(share: float | None, digits: int = 1) -> str:
    return NOT_AVAILABLE if share is None else f"{share * 100:.{digits}f}%"


def threshold(share: float) -> str:
    """A configured share as a rule states it: "10%", "7.5%"."""
    return f"{round(share * 100, 4):g}%"


def pct_beside(share: float | None, below: float, under: bool) -> str:
    """A share in whole percent, printed so that it agrees with a rule "fewer than `below`"
    that `under` says it meets or not: 9.96% under a 10% rule reads "<10%", not "10%"; a share
    that does not meet it gets the decimals it needs not to read as if it did (12.5% beside
    a 12.5% rule, not "12%")."""
    if share is None:
        return NOT_AVAILABLE
    limit = round(below * 100, 4)  # 0.1 * 100 is 10.000000000000002
    if under:
        shown = pct(share, 0)
        return f"<{threshold(below)}" if float(shown[:-1]) >= limit else shown
    digits = 0
    while float(pct(share, digits)[:-1]) < limit and digits < 3:
        digits += 1
    return pct(share, digits)


def points(change: float | None) -> Markup | str:
    """A change in percentage points, with a real minus sign."""
    if change is None:
        return NOT_AVAILABLE
    text = f"{abs(change):.1f}"
    if text == "0.0":
        return "±0.0 pts"
    return f"{'+' if change > 0 else '−'}{text} pts"


def number(value: int | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value:,}"


def decimal(value: float | None, digits: int = 1) -> str:
    return NOT_AVAILABLE if value is None else f"{value:,.{digits}f}"


def money(value: float | None, currency: str = "USD") -> str:
    return NOT_AVAILABLE if value is None else f"{value:,.0f} {currency}"


def cents(value: Decimal | float | None, currency: str = "USD") -> str:
    """An amount to the cent (half up, as invoices round): billed amounts, and the seat cost
    beside them; without `currency` in a table whose head names it."""
    if value is None:
        return NOT_AVAILABLE
    rounded = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{rounded:,.2f} {currency}" if currency else f"{rounded:,.2f}"


def month_name(day: int) -> str:
    return to_date(day).strftime("%B %Y")
