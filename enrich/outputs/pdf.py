"""HTML to PDF with WeasyPrint, for the report and the license review.

WeasyPrint may read only local files of the template folders and data URIs, never the
network. It takes half a second to load: the modules that write a PDF import this one when
they write it, so that commands writing none (fetch, import) start without it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint

from enrich.dates import to_date
from enrich.outputs.render import SHIPPED


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
