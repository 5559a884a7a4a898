"""The license review's files, for finance: the CSVs (`license_tables`), licenses.html and
licenses.pdf (the summary, the spend per cost center, the seats month by month, then each
cost center), one PDF per cost center for its owner on request, and the reclaim export
grouped per organization.

They hold people's names and logins: every file is readable by its owner only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from enrich.dates import day_str
from enrich.directory.model import Lead
from enrich.licenses import CostCenterReview, Review, ReviewedSeat
from enrich.licenses.history import NO_SEATS, SeatCount, SeatHistory
from enrich.licenses.review import GRACE, PENDING
from enrich.licenses.spend import CostCenterSpend, Spend
from enrich.outputs.files import write_bytes, write_text
from enrich.outputs.license_tables import candidate_order, file_part, reclaim_name, write_tables
from enrich.outputs.render import logo_uri, render_html, self_contained
from enrich.outputs.report_files import Look
from enrich.processes import forked
from enrich.rollup.units import ENTERPRISE_ID, ENTERPRISE_NAME

HTML_NAME, PDF_NAME = "licenses.html", "licenses.pdf"
EXPORT_NAME = "reclaim-export.json"


@dataclass(frozen=True)
class TrendRow:
    """A cost center's (or the enterprise's) seats and monthly cost in each month of the
    trend; None for a month without a snapshot."""

    id: str
    name: str
    seats: list[int | None]
    monthly_cost: list[float | None]


def trend_rows(history: SeatHistory) -> list[TrendRow]:
    """Every cost center of the trend, then the enterprise."""
    rows = []
    for cost_center, name in [*history.cost_center_names().items(),
                              (ENTERPRISE_ID, ENTERPRISE_NAME)]:
        counts = [None if month.taken_on is None else
                  month.enterprise if cost_center == ENTERPRISE_ID else
                  next((c for c in month.cost_centers if c.id == cost_center), NO_SEATS)
                  for month in history.months]
        rows.append(TrendRow(cost_center, name, [c and c.seats for c in counts],
                             [c and c.monthly_cost for c in counts]))
    return rows


@dataclass(frozen=True)
class CostCenterPage:
    """One cost center's section: its figures, its candidates and the seats spared."""

    review: CostCenterReview
    owner: Lead | None
    candidates: list[ReviewedSeat]
    #: how many candidates the PDF leaves to reclaim.csv
    not_listed: int
    #: the seats being cancelled, then those in grace
    spared: list[ReviewedSeat]
    unknown_plans: list[ReviewedSeat]
    #: its seats month by month
    trend: TrendRow | None
    #: its seats that the previous month's review proposed and are gone
    reclaimed: SeatCount
    #: its spend over the period
    spend: CostCenterSpend


def cost_center_pages(review: Review, spent: Spend, history: SeatHistory,
                      owners: dict[str, Lead], rows: int | None) -> list[CostCenterPage]:
    """Each cost center's page, with its first `rows` candidates (None: all)."""
    seats: dict[str, list[ReviewedSeat]] = {}
    for seat in review.seats:
        seats.setdefault(seat.holder.cost_center, []).append(seat)
    trends = {row.id: row for row in trend_rows(history)}
    reclaimed = {c.id: c for c in history.reclaimed.cost_centers} if history.reclaimed else {}
    spending = {c.id: c for c in spent.cost_centers}
    pages = []
    for center in review.cost_centers:
        mine = seats.get(center.id, [])
        candidates = sorted((s for s in mine if s.candidate), key=candidate_order)
        shown = candidates if rows is None else candidates[:rows]
        pages.append(CostCenterPage(
            center, owners.get(center.id), shown, len(candidates) - len(shown),
            [s for s in mine if s.status == PENDING] + [s for s in mine if s.status == GRACE],
            [s for s in mine if s.unknown_plan], trends.get(center.id),
            reclaimed.get(center.id, NO_SEATS), spending[center.id]))
    return pages


@dataclass(frozen=True)
class LicenseFiles:
    html: Path
    pdf: Path
    csvs: list[Path]
    per_cost_center: list[Path]
    export: Path | None
    refused: list[str]
    #: what licenses.html leaves out, so that it opens without the network
    left_out: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[Path]:
        return [*self.csvs, self.html, self.pdf, *self.per_cost_center,
                *([self.export] if self.export else [])]


def write_license_files(review: Review, spent: Spend, history: SeatHistory,
                        owners: dict[str, Lead], look: Look, folder: Path, *, rows: int,
                        per_cost_center: bool = False, export: bool = False) -> LicenseFiles:
    folder = Path(folder)
    # a large enterprise's CSVs take as long as its PDF: they are written beside it
    tables = forked(lambda: _write_tables(review, spent, history, owners, folder, export,
                                          per_cost_center))
    html = render_license_html(review, spent, history,
                               cost_center_pages(review, spent, history, owners, rows), look)
    standalone, left_out = self_contained(html)
    html_path = write_text(folder / HTML_NAME, standalone)
    refused: list[str] = []
    pdf_path = _pdf(html, folder / PDF_NAME, review, look, refused)
    singles = []
    if per_cost_center:
        for page in cost_center_pages(review, spent, history, owners, None):
            single = render_license_html(review, spent, history, [page], look, one=True)
            name = f"licenses-{file_part(page.review.id)}.pdf"
            singles.append(_pdf(single, folder / name, review, look, refused))
    csvs, export_path = tables()
    return LicenseFiles(html_path, pdf_path, csvs, singles, export_path, sorted(set(refused)),
                        left_out)


def _write_tables(review: Review, spent: Spend, history: SeatHistory,
                  owners: dict[str, Lead], folder: Path, export: bool, per_cost_center: bool
                  ) -> tuple[list[Path], Path | None]:
    """The CSVs and, when asked, the reclaim export."""
    return (write_tables(review, spent, history, owners, folder,
                         per_cost_center=per_cost_center),
            write_text(folder / EXPORT_NAME, reclaim_export(review)) if export else None)


def _pdf(html: str, path: Path, review: Review, look: Look, refused: list[str]) -> Path:
    from enrich.outputs.pdf import render_pdf  # see its module: loaded when needed

    pdf, urls = render_pdf(html, folders=[look.templates] if look.templates else [],
                           created=review.until,
                           title=f"{look.company}: GitHub Copilot licenses, "
                                 f"{day_str(review.until)}")
    refused += urls
    return write_bytes(path, pdf)


def render_license_html(review: Review, spent: Spend, history: SeatHistory,
                        pages: list[CostCenterPage], look: Look, *, one: bool = False) -> str:
    context = {
        "review": review, "spend": spent, "history": history, "pages": pages, "one": one,
        "company": {"name": look.company, "logo": logo_uri(look.logo)},
        "colors": look.colors(), "page_size": look.page_size,
        "currency": review.terms.currency, "day": day_str, "reclaim_name": reclaim_name,
        "trend": trend_rows(history),
        "window": (day_str(review.since), day_str(review.until)),
    }
    return render_html("licenses.html", context, look.templates)


def reclaim_export(review: Review) -> str:
    """The candidates per organization, as GitHub's API removes seats: a person reviews and
    applies it; enrich never removes a seat itself.

    A seat granted through a team cannot be removed user by user: such logins are listed
    apart, to be taken out of the team (or the team out of Copilot).
    """
    organizations: dict[str | None, dict] = {}
    for seat in sorted(review.candidates, key=lambda s: (s.seat.login or "").lower()):
        held = seat.seat
        if held.login is None:
            continue  # a seat without an assignee is nobody's to remove
        entry = {"login": held.login, "reason": seat.reason,
                 "days_since_last_use": seat.inactive_days, "cost_center": seat.holder.cost_center,
                 "monthly_price": seat.price}
        for org in held.organizations or (None,):
            group = organizations.setdefault(org, {"direct": [], "through_teams": []})
            if held.assigning_teams:
                group["through_teams"].append({**entry, "teams": list(held.assigning_teams)})
            else:
                group["direct"].append(entry)
    export = {
        "note": "Reclaim candidates of the license review, for a person to check and apply. "
                "enrich never removes a seat.",
        "window": {"since": day_str(review.since), "until": day_str(review.until)},
        "organizations": [_org_request(org, group)
                          for org, group in sorted(organizations.items(),
                                                   key=lambda item: item[0] or "")],
    }
    return json.dumps(export, indent=2, ensure_ascii=False) + "\n"


def _org_request(org: str | None, group: dict) -> dict:
    logins = [entry["login"] for entry in group["direct"]]
    request = None
    if org and logins:
        request = {"method": "DELETE", "path": f"/orgs/{org}/copilot/billing/selected_users",
                   "body": {"selected_usernames": logins}}
    return {"organization": org, "request": request, "seats": group["direct"],
            "through_teams": group["through_teams"]}
