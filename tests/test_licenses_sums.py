"""The license review's sums, made the quick way for a hundred thousand seats: the same values
as adding up row by row."""

from test_license_review import PERSON_OF, directory

from enrich.licenses.review import holder_of
from enrich.licenses.spend import attribute
from enrich.sources.billing import NO_AMOUNTS, Amounts, from_nanos
from enrich.store import BilledUsage

# (login, user_id, organization, gross, discount, net) in nanos, as Store.billed_usage sums
TOTALS = [
    ("ana", 1, "acme", 1_250_000_000, 250_000_000, 1_000_000_000),
    ("ana", 1, "acme-labs", 40_000_000, 40_000_000, 0),
    ("ben", 2, "acme", 0, 0, 0),
    ("Ben", 2, "acme-labs", 7, 0, 7),  # a second login of the same user: the first one names it
    (None, None, "acme", 3_000_000_000, 0, 3_000_000_000),
    (None, None, "acme", 1, 1, 0),
    (None, None, None, 5, 0, 5),
]


def row_by_row(totals):
    """What adding up each row's amounts gives."""
    users, organizations = {}, {}
    for login, user_id, organization, *nanos in totals:
        amounts = Amounts(*map(from_nanos, nanos))
        if user_id is None:
            organizations[organization] = organizations.get(organization, NO_AMOUNTS) + amounts
        else:
            entry = users.setdefault(user_id, [login, NO_AMOUNTS])
            entry[1] += amounts
    return users, organizations


def test_13_licenses_billed_usage_sums_as_row_by_row():
    holders = {user_id: holder_of(user_id, directory(), PERSON_OF) for user_id in (1, 2)}
    attribution = attribute(BilledUsage(TOTALS, {"usage_report": 31}), holders)
    users, organizations = row_by_row(TOTALS)
    # the same decimals, down to their exponent: the CSVs and the JSON export write them
    assert [(u.user_id, u.login, repr(u.amounts)) for u in attribution.users] == [
        (user_id, login, repr(amounts)) for user_id, (login, amounts) in sorted(users.items())]
    assert {org: repr(a) for org, a in attribution.not_attributable_by_organization.items()} \
        == {org: repr(a) for org, a in organizations.items()}
    assert list(attribution.not_attributable_by_organization) == ["acme", None]


def test_13_licenses_holders_with_places_kept_are_the_same():
    places = {}
    org = directory()
    for user_id in [*PERSON_OF, 99, None, *PERSON_OF]:
        assert holder_of(user_id, org, PERSON_OF, places) == holder_of(user_id, org, PERSON_OF)
    assert places  # kept for the next
