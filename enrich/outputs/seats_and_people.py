"""How the license figures (seats, seats in use) and the adoption figures (population,
engaged) relate, with a period's own numbers.

METRICS.md section 7 counts seats: one per holder of the seat list, whoever holds it; in use
when used in the window, the last `inactive_after_days` days to the period's end. Section 5
counts people: the population is the org chart's seat holders, the people of the org chart
who engaged in the period without a seat, and the GitHub users who engaged in the period
but whom the org chart does not know (the `(unmapped)` unit); engaged are those of the
population active on a day of the period. So

    population = holders + engaged without a seat + engaged users not in the org chart

where holders are the org chart's people among the seats' holders: as many as the seats the
org chart knows, unless a person holds seats under two GitHub accounts. Seats of accounts the
org chart does not know count in the population only when their holder engaged in the
period, as such a user.
"""

from __future__ import annotations

from dataclasses import dataclass

from enrich.dates import day_str
from enrich.licenses import Summary
from enrich.rollup.units import TEAM, UNMAPPED


@dataclass(frozen=True)
class SeatsAndPeople:
    seats: int
    #: used in the window
    in_use: int
    window_days: int
    #: the window's last day, the period's
    until: str
    #: seats whose holder the org chart knows, and how many people hold them
    known_seats: int
    holders: int
    population: int
    #: people of the org chart who engaged in the period without holding a seat
    without_seat: int
    #: GitHub users who engaged in the period and whom the org chart does not know
    not_in_chart: int
    engaged: int

    @property
    def other_seats(self) -> int:
        """Seats of accounts the org chart does not know, or without an assignee."""
        return self.seats - self.known_seats


def seats_and_people(summary: Summary, rollup: dict) -> SeatsAndPeople:
    """From the license review's summary and the rollup of the same period and seats."""
    enterprise = rollup["units"][0]
    unmapped = next((unit for unit in rollup["units"]
                     if unit["dimension"] == TEAM and unit["id"] == UNMAPPED), None)
    not_in_chart = unmapped["population"] if unmapped else 0
    seats = summary.enterprise.seats
    other = sum(center.seats for center in summary.cost_centers if center.id == UNMAPPED)
    return SeatsAndPeople(
        seats=seats, in_use=summary.enterprise.active,
        window_days=summary.terms.inactive_after_days, until=day_str(summary.until),
        known_seats=seats - other, holders=summary.known_holders,
        population=enterprise["population"],
        without_seat=enterprise["population"] - not_in_chart - summary.known_holders,
        not_in_chart=not_in_chart, engaged=enterprise["engaged"])
