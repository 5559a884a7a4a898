"""Copilot seat assignments as the seats API returns them (SOURCES.md section 3)."""

from __future__ import annotations

from dataclasses import astuple, dataclass

from enrich.dates import all_plain_days, parse_day
from enrich.sources.engagement import MAX_ID, RowError, show_value


@dataclass(slots=True)  # made by the hundred thousand: slotted, several times faster than frozen
class Seat:
    """One seat object; one holder may have several (one per granting organization or team)."""

    user_id: int | None
    login: str | None
    organization: str | None
    assigning_team: str | None
    plan_type: str
    created_at: str | None
    last_activity_at: str | None
    last_activity_editor: str | None
    last_authenticated_at: str | None
    pending_cancellation_date: str | None


#: the plan types of the seats API: a seat whose plan GitHub does not say is `unknown`
PLANS = ("business", "enterprise", "unknown")


def is_seat_page(record: object) -> bool:
    return isinstance(record, dict) and isinstance(record.get("seats"), list)


def parse_page(record: dict) -> list[Seat]:
    """The seats of one page (`{"total_seats": n, "seats": [...]}`)."""
    return [parse_seat(i, seat) for i, seat in enumerate(record["seats"])]


#: a seat as the store keeps it: the values of `Seat`'s fields, in their order
SeatRow = tuple


def page_rows(record: dict) -> list[SeatRow]:
    """The seats of one page as rows: what `parse_page` gives, without an object per seat.

    A seat list of a large enterprise holds a hundred thousand seats: the seats of a page
    are checked together, and a page with anything unusual in it (a bad seat, a timestamp
    that is not in UTC) is left to `parse_page`, which says what is wrong with which seat.
    """
    rows = _plain_rows(record["seats"])
    return [astuple(seat) for seat in parse_page(record)] if rows is None else rows


def _plain_rows(seats: list) -> list[SeatRow] | None:
    """The rows of seats that are all well-formed, with dates and UTC timestamps; else
    None."""
    rows = []
    for seat in seats:
        if type(seat) is not dict:
            return None
        get = seat.get
        assignee = get("assignee")
        if assignee is None:
            user_id = login = None
        elif type(assignee) is dict:
            user_id, login = assignee.get("id"), assignee.get("login")
            if type(user_id) is not int or not 0 < user_id <= MAX_ID or \
                    type(login) is not str or not login:
                return None
        else:
            return None
        editor, plan = get("last_activity_editor"), get("plan_type") or PLANS[-1]
        if editor is not None and type(editor) is not str or type(plan) is not str:
            return None
        rows.append((user_id, login, _name(get("organization"), "login"),
                     _name(get("assigning_team"), "slug"), plan, get("created_at"),
                     get("last_activity_at"), editor, get("last_authenticated_at"),
                     get("pending_cancellation_date")))
    stamps = [value for row in rows for value in (row[5], row[6], row[8], row[9])
              if value is not None]
    return rows if all_plain_days(stamps) else None


def parse_seat(index: int, seat: object) -> Seat:
    where = f"seats[{index}]"
    if not isinstance(seat, dict):
        raise RowError(f"{where} is {show_value(seat)}; expected a seat object")
    assignee = seat.get("assignee")
    user_id = login = None
    if assignee is not None:
        if not isinstance(assignee, dict):
            raise RowError(
                f"{where}.assignee is {show_value(assignee)}; expected an object or null")
        user_id, login = assignee.get("id"), assignee.get("login")
        if type(user_id) is not int or not 0 < user_id <= MAX_ID:
            raise RowError(
                f"{where}.assignee.id is {show_value(user_id)}; expected a positive integer")
        if not isinstance(login, str) or not login:
            raise RowError(
                f"{where}.assignee.login is {show_value(login)}; expected a GitHub login")
    for field in ("created_at", "last_activity_at", "last_authenticated_at",
                  "pending_cancellation_date"):
        value = seat.get(field)
        if value is not None:
            try:
                parse_day(value)
            except ValueError:
                raise RowError(f"{where}.{field} is {show_value(value)}; expected a date") from None
    editor = seat.get("last_activity_editor")
    if editor is not None and not isinstance(editor, str):
        raise RowError(f"{where}.last_activity_editor is {show_value(editor)}; "
                       "expected an editor name")
    plan = seat.get("plan_type") or PLANS[-1]
    if not isinstance(plan, str):
        raise RowError(f"{where}.plan_type is {show_value(plan)}; expected a plan name")
    return Seat(
        user_id=user_id,
        login=login,
        organization=_name(seat.get("organization"), "login"),
        assigning_team=_name(seat.get("assigning_team"), "slug"),
        plan_type=plan,
        created_at=seat.get("created_at"),
        last_activity_at=seat.get("last_activity_at"),
        last_activity_editor=editor,
        last_authenticated_at=seat.get("last_authenticated_at"),
        pending_cancellation_date=seat.get("pending_cancellation_date"),
    )


def _name(obj, field: str) -> str | None:
    if isinstance(obj, dict):
        value = obj.get(field) or obj.get("name")
        return value if isinstance(value, str) else None
    return None
