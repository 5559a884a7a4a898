"""Jinja2 templates to HTML, and HTML to PDF with WeasyPrint, for every rendered output.

The shipped templates live in the repository's `templates/` folder (in the wheel as
`enrich/templates`); a configured folder comes first, so a company can override any of them.
The HTML is self-contained: styles inline, charts as inline SVG, the logo as a data URI.
WeasyPrint may read only local files of the template folders and data URIs, never the
network.
"""

from __future__ import annotations

import base64
import functools
import logging
import mimetypes
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import weasyprint
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
                       month_name=month_name, day_ranges=day_ranges)
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


class LocalOnly(weasyprint.URLFetcher):
    """Fetches data URIs and files under the given folders; refuses, and notes, the rest."""

    def __init__(self, folders: list[Path]):
        super().__init__(allowed_protocols={"data", "file"})
        self.folders = [Path(f).resolve() for f in folders]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(folder) for folder in self.folders):
                return super().fetch(url, headers)
        self.refused.append(url)
        raise ValueError(_REFUSED)


_REFUSED = "only the report's own files are read"


def _not_refused(record: logging.LogRecord) -> bool:
    return _REFUSED not in record.getMessage()


def render_pdf(html: str, *, folders: list[Path], created: int,
               title: str) -> tuple[bytes, list[str]]:
    """The PDF of `html`, and the URLs it referred to but was refused.

    The PDF's dates are the day `created` (from the period), never the clock, so the same
    HTML gives the same bytes.
    """
    fetcher = LocalOnly([SHIPPED, *folders])
    stamp = datetime(*to_date(created).timetuple()[:3], tzinfo=timezone.utc).isoformat()
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.addFilter(_not_refused)  # the caller reports each refused URL, once
    try:
        document = weasyprint.HTML(string=html, base_url=str(SHIPPED) + "/",
                                   url_fetcher=fetcher).render()
    finally:
        weasyprint_log.removeFilter(_not_refused)
    document.metadata.created = document.metadata.modified = stamp
    document.metadata.title = title
    document.metadata.generator = "enrich"
    return document.write_pdf(), fetcher.refused


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


def pct(share: float | None, digits: int = 1) -> str:
    return NOT_AVAILABLE if share is None else f"{share * 100:.{digits}f}%"


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


def month_name(day: int) -> str:
    return to_date(day).strftime("%B %Y")
