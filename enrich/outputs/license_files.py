"""The license review's files, for finance: licenses.csv (every seat), reclaim.csv (the
candidates), licenses.html and licenses.pdf (the summary, then each cost center), one PDF per
cost center on request, and the reclaim export grouped per organization.

They hold people's names and logins: every file is readable by its owner only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from enrich.dates import day_str
from enrich.licenses import CostCenterReview, Review, ReviewedSeat
from enrich.licenses.review import GRACE, LEAVER, NEVER_USED, PENDING
from enrich.outputs.files import atomic_open, write_bytes, write_text
from enrich.outputs.render import logo_uri, render_html
from enrich.outputs.report_files import Look
from enrich.outputs.rollup_files import cell
from enrich.processes import forked

CSV_NAME, RECLAIM_NAME = "licenses.csv", "reclaim.csv"
HTML_NAME, PDF_NAME = "licenses.html", "licenses.pdf"
EXPORT_NAME = "reclaim-export.json"
SEAT_COLUMNS = (
    "cost_center", "cost_center_name", "login", "user_id", "name", "person_id", "unit",
    "unit_name", "manager", "manager_name", "plan_type", "unknown_plan", "monthly_price",
    "organizations", "assigning_teams", "created_day", "last_engaged_day",
    "last_activity_day", "pending_cancellation_day", "active", "status", "reason",
    "inactive_days", "candidate")
#: candidates the most worth reclaiming first: people who left, seats never used, the longest
#: unused
_REASON_ORDER = {LEAVER: 0, NEVER_USED: 1}


def candidate_order(seat: ReviewedSeat) -> tuple:
    return (_REASON_ORDER.get(seat.reason, 2), -(seat.inactive_days or 0),
            (seat.seat.login or "").lower())


@dataclass(frozen=True)
class CostCenterPage:
    """One cost center's section: its figures, its candidates and the seats spared."""

    review: CostCenterReview
    candidates: list[ReviewedSeat]
    #: how many candidates the PDF leaves to reclaim.csv
    not_listed: int
    in_grace: list[ReviewedSeat]
    pending: list[ReviewedSeat]
    unknown_plans: list[ReviewedSeat]


def cost_center_pages(review: Review, rows: int) -> list[CostCenterPage]:
    seats: dict[str, list[ReviewedSeat]] = {}
    for seat in review.seats:
        seats.setdefault(seat.holder.cost_center, []).append(seat)
    pages = []
    for center in review.cost_centers:
        mine = seats.get(center.id, [])
        candidates = sorted((s for s in mine if s.candidate), key=candidate_order)
        pages.append(CostCenterPage(
            center, candidates[:rows], max(0, len(candidates) - rows),
            [s for s in mine if s.status == GRACE], [s for s in mine if s.status == PENDING],
            [s for s in mine if s.unknown_plan]))
    return pages


@dataclass(frozen=True)
class LicenseFiles:
    csv: Path
    reclaim: Path
    html: Path
    pdf: Path
    per_cost_center: list[Path]
    export: Path | None
    refused: list[str]

    @property
    def all(self) -> list[Path]:
        return [self.csv, self.reclaim, self.html, self.pdf, *self.per_cost_center,
                *([self.export] if self.export else [])]


def write_license_files(review: Review, look: Look, folder: Path, *, rows: int,
                        per_cost_center: bool = False, export: bool = False) -> LicenseFiles:
    folder = Path(folder)
    # a large enterprise's CSVs take as long as its PDF: they are written beside it
    tables = forked(lambda: _write_tables(review, folder, export))
    pages = cost_center_pages(review, rows)
    html = render_license_html(review, pages, look)
    html_path = write_text(folder / HTML_NAME, html)
    refused: list[str] = []
    pdf_path = _pdf(html, folder / PDF_NAME, review, look, refused)
    singles = []
    if per_cost_center:
        for page in pages:
            single = render_license_html(review, [page], look, one=True)
            name = f"licenses-{_file_part(page.review.id)}.pdf"
            singles.append(_pdf(single, folder / name, review, look, refused))
    csv_path, reclaim, export_path = tables()
    return LicenseFiles(csv_path, reclaim, html_path, pdf_path, singles, export_path,
                        sorted(set(refused)))


def _write_tables(review: Review, folder: Path, export: bool) -> tuple[Path, Path, Path | None]:
    """licenses.csv, reclaim.csv and, when asked, the reclaim export."""
    order = {center.id: i for i, center in enumerate(review.cost_centers)}
    candidates = sorted(review.candidates,
                        key=lambda s: (order[s.holder.cost_center], *candidate_order(s)))
    return (_write_seats(folder / CSV_NAME, review.seats),
            _write_seats(folder / RECLAIM_NAME, candidates),
            write_text(folder / EXPORT_NAME, reclaim_export(review)) if export else None)


def _file_part(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("._") or "_"


def _pdf(html: str, path: Path, review: Review, look: Look, refused: list[str]) -> Path:
    from enrich.outputs.pdf import render_pdf  # see its module: loaded when needed

    pdf, urls = render_pdf(html, folders=[look.templates] if look.templates else [],
                           created=review.until,
                           title=f"{look.company}: GitHub Copilot licenses, "
                                 f"{day_str(review.until)}")
    refused += urls
    return write_bytes(path, pdf)


def render_license_html(review: Review, pages: list[CostCenterPage], look: Look, *,
                        one: bool = False) -> str:
    context = {
        "review": review, "pages": pages, "one": one,
        "company": {"name": look.company, "logo": logo_uri(look.logo)},
        "colors": look.colors(), "page_size": look.page_size,
        "currency": review.terms.currency, "day": day_str,
        "window": (day_str(review.since), day_str(review.until)),
    }
    return render_html("licenses.html", context, look.templates)


def seat_row(seat: ReviewedSeat) -> list:
    held, holder = seat.seat, seat.holder
    return [holder.cost_center, holder.cost_center_name, held.login, held.user_id,
            holder.name, holder.person, holder.unit, holder.unit_name, holder.manager,
            holder.manager_name, held.plan_type, seat.unknown_plan, seat.price,
            " ".join(held.organizations), " ".join(held.assigning_teams),
            _day(held.created_day), _day(seat.last_engaged_day), _day(held.last_activity_day),
            _day(held.pending_cancellation_day), seat.active, seat.status, seat.reason,
            seat.inactive_days, seat.candidate]


def _day(day: int | None) -> str | None:
    return None if day is None else day_str(day)


def _write_seats(path: Path, seats: Iterable[ReviewedSeat]) -> Path:
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh)
        writer.writerow(SEAT_COLUMNS)
        writer.writerows([cell(value) for value in seat_row(seat)] for seat in seats)
    return path


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
                 "inactive_days": seat.inactive_days, "cost_center": seat.holder.cost_center,
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
