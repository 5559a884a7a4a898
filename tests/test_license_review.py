"""The licence review (METRICS.md section 7), computed by hand.

The review runs on 2025-03-31 with the default terms: the window is 2025-03-02..2025-03-31,
a seat created on or after 2025-03-18 (UTC) is in its grace period, business costs 19 and
enterprise 39 a month.

    units                      people (manager)           cost center
    eng  Engineering  cc-eng   ana, eve (left), gus       cc-eng (unit)
                               (left), ida
      web  Web                 ben (ana), cat (ben),      cc-eng (inherited)
                               hal (ben)
                               dov (ana)                  cc-fin (his own)
    ops  Operations            fay (ana), jon (ana)       none
                               lee (ana)                  cc-fin (her own)

    seat (user_id)  what it exercises                                 status    candidate
    ana (1)    engaged 03-20; last_activity_at old                    active
    ben (2)    no engagement; last_activity_at 04-02, after `until`   active
    cat (3)    two organizations; last used 02-21 (UTC)               inactive  yes, 38 days
    dov (4)    no engagement; last_activity_at 03-01 at -03:00,
               which is 03-02 UTC, the window's first day             active
    eve (5)    left, engaged 03-30                                    leaver    yes
    gus (6)    left, never used, created 03-25 (in grace)             leaver    yes
    hal (7)    pending cancellation, last engaged 01-05               pending   no
    ida (8)    never used, created 03-17 at -02:00 = 03-18 UTC        grace     no
    fay (9)    engaged 02-10; last_activity_at 03-02 at +01:00,
               which is 03-01 UTC, the day before the window          inactive  yes, 30 days
    jon (10)   never used, created 03-18 at +02:00 = 03-17 UTC,
               14 days before `until`: just out of grace              inactive  yes
    lee (11)   two organizations, both pending; engaged 03-28         pending   no
    zed (50)   unknown to the directory, plan copilot_pro, 03-15      active
    (none)     a seat object without an assignee, never used          inactive  yes
"""

from enrich.config import Config
from enrich.dates import parse_day
from enrich.directory.model import LEFT, Directory, Person, Unit
from enrich.licenses import CostCenterReview, HeldSeat, Holder, Terms, merge_holders, review
from enrich.sources.seats import Seat

TERMS = Terms(inactive_after_days=30, grace_days=14,
              prices={"business": 19, "enterprise": 39}, currency="USD")


def d(text: str) -> int:
    """A day of 2025 (`MM-DD`), or any full date."""
    return parse_day(text if len(text) == 10 else f"2025-{text}")


UNTIL = d("03-31")


def seat(user_id, login, *, organization="acme", assigning_team=None, plan_type="business",
         created_at="2024-06-01T00:00:00Z", last_activity_at=None,
         pending_cancellation_date=None) -> Seat:
    return Seat(user_id, login, organization, assigning_team, plan_type, created_at,
                last_activity_at, "vscode" if last_activity_at else None, None,
                pending_cancellation_date)


def directory() -> Directory:
    units = [Unit("eng", "Engineering", cost_center="cc-eng"), Unit("web", "Web", "eng"),
             Unit("ops", "Operations")]
    people = [
        Person("ana", "Ana Alves", "eng"),
        Person("ben", "Ben Brook", "web", manager="ana"),
        Person("cat", "Cat Cole", "web", manager="ben"),
        Person("dov", "Dov Dahl", "web", manager="ana", cost_center="cc-fin"),
        Person("eve", "Eve Egan", "eng", manager="ana", status=LEFT),
        Person("gus", "Gus Gray", "eng", manager="ana", status=LEFT),
        Person("hal", "Hal Hart", "web", manager="ben"),
        Person("ida", "Ida Ives", "eng", manager="ana"),
        Person("fay", "Fay Fox", "ops", manager="ana"),
        Person("jon", "Jon Judd", "ops", manager="ana"),
        Person("lee", "Lee Lamb", "ops", manager="ana", cost_center="cc-fin"),
    ]
    return Directory({u.id: u for u in units}, {p.id: p for p in people},
                     {"cc-eng": "Engineering CC", "cc-fin": "Finance CC"})


PERSON_OF = {1: "ana", 2: "ben", 3: "cat", 4: "dov", 5: "eve", 6: "gus", 7: "hal", 8: "ida",
             9: "fay", 10: "jon", 11: "lee"}

LAST_ACTIVE = {1: d("03-20"), 3: d("02-15"), 5: d("03-30"), 7: d("01-05"), 9: d("02-10"),
               11: d("03-28"), 50: d("03-15")}

SEATS = [
    seat(50, "zed", plan_type="copilot_pro"),
    seat(None, None, created_at="2024-12-01T00:00:00Z"),
    seat(1, "ana", last_activity_at="2025-01-01T00:00:00Z"),
    seat(2, "ben", plan_type="enterprise", last_activity_at="2025-04-02T09:00:00Z"),
    # As strings "...T23:00:00Z" is the later; as instants "...T20:00:00-08:00" is (02-21 UTC).
    seat(3, "cat", created_at="2025-01-10T00:00:00Z",
         last_activity_at="2025-02-20T20:00:00-08:00", pending_cancellation_date="2025-04-01"),
    seat(3, "cat", organization="acme-labs", assigning_team="ml", plan_type="enterprise",
         created_at="2024-11-05T12:00:00Z", last_activity_at="2025-02-20T23:00:00Z"),
    seat(4, "dov", last_activity_at="2025-03-01T22:30:00-03:00"),
    seat(5, "eve"),
    seat(6, "gus", plan_type="enterprise", created_at="2025-03-25T10:00:00Z"),
    seat(7, "hal", pending_cancellation_date="2025-04-15"),
    seat(8, "ida", created_at="2025-03-17T23:30:00-02:00"),
    seat(9, "fay", last_activity_at="2025-03-02T00:30:00+01:00"),
    seat(10, "jon", created_at="2025-03-18T01:00:00+02:00"),
    seat(11, "lee", pending_cancellation_date="2025-04-10"),
    seat(11, "lee", organization="acme-labs", pending_cancellation_date="2025-04-20"),
]


def run():
    return review(SEATS, directory(), PERSON_OF, until=UNTIL, last_active=LAST_ACTIVE,
                  terms=TERMS)


def test_the_window_is_the_last_inactive_after_days_up_to_until():
    result = run()
    assert (result.since, result.until) == (d("03-02"), d("03-31"))


def test_each_seat_by_cost_center_then_login():
    rows = [(s.seat.login, s.holder.cost_center, s.seat.plan_type, s.price, s.unknown_plan,
             s.active, s.status, s.reason, s.inactive_days, s.candidate) for s in run().seats]
    assert rows == [
        ("ana", "cc-eng", "business", 19, False, True, "in use", None, None, False),
        ("ben", "cc-eng", "enterprise", 39, False, True, "in use", None, None, False),
        ("cat", "cc-eng", "enterprise", 39, False, False, "not in use", "not in use", 38, True),
        ("eve", "cc-eng", "business", 19, False, True, "leaver", "leaver", None, True),
        ("gus", "cc-eng", "enterprise", 39, False, False, "leaver", "leaver", None, True),
        ("hal", "cc-eng", "business", 19, False, False, "pending", "not in use", 85, False),
        ("ida", "cc-eng", "business", 19, False, False, "grace", "never used", None, False),
        ("dov", "cc-fin", "business", 19, False, True, "in use", None, None, False),
        ("lee", "cc-fin", "business", 19, False, True, "pending", None, None, False),
        ("fay", "(none)", "business", 19, False, False, "not in use", "not in use", 30, True),
        ("jon", "(none)", "business", 19, False, False, "not in use", "never used", None, True),
        ("zed", "(unmapped)", "copilot_pro", 19, True, True, "in use", None, None, False),
        (None, "(unmapped)", "business", 19, False, False, "not in use", "never used", None,
         True),
    ]


def test_the_days_each_seat_carries():
    rows = {s.seat.login: (s.seat.created_day, s.last_engaged_day, s.seat.last_activity_day)
            for s in run().seats}
    assert rows["ana"] == (d("2024-06-01"), d("03-20"), d("01-01"))
    assert rows["ben"] == (d("2024-06-01"), None, d("04-02"))
    assert rows["dov"] == (d("2024-06-01"), None, d("03-02"))
    assert rows["fay"] == (d("2024-06-01"), d("02-10"), d("03-01"))
    assert rows["ida"] == (d("03-18"), None, None)
    assert rows["jon"] == (d("03-17"), None, None)
    assert rows[None] == (d("2024-12-01"), None, None)


def test_a_holder_of_two_organizations_is_one_seat():
    cat, = (s for s in run().seats if s.seat.login == "cat")
    assert cat.seat == HeldSeat(
        user_id=3, login="cat", plan_type="enterprise", created_day=d("2024-11-05"),
        last_activity_day=d("02-21"), pending_cancellation_day=None,
        organizations=("acme", "acme-labs"), assigning_teams=("ml",))
    lee, = (s for s in run().seats if s.seat.login == "lee")
    assert lee.seat.pending_cancellation_day == d("04-20")
    assert lee.seat.organizations == ("acme", "acme-labs")


def test_holders_as_the_directory_knows_them():
    holders = {s.seat.login: s.holder for s in run().seats}
    assert holders["cat"] == Holder("cat", "Cat Cole", "web", "Web", "ben", "Ben Brook",
                                    "cc-eng", "Engineering CC", False)
    assert holders["ana"] == Holder("ana", "Ana Alves", "eng", "Engineering", None, None,
                                    "cc-eng", "Engineering CC", False)
    assert holders["dov"].cost_center_name == "Finance CC"
    assert holders["gus"].left
    assert holders["fay"].cost_center == holders["fay"].cost_center_name == "(none)"
    assert holders["zed"] == holders[None] == Holder(cost_center="(unmapped)",
                                                     cost_center_name="(unmapped)")


def test_lists_apart():
    result = run()
    assert [s.seat.login for s in result.candidates] == ["cat", "eve", "gus", "fay", "jon", None]
    assert [s.seat.login for s in result.pending] == ["hal", "lee"]
    assert [s.seat.login for s in result.in_grace] == ["ida"]


def test_per_cost_center():
    assert run().cost_centers == [
        CostCenterReview("cc-eng", "Engineering CC", seats=7,
                         seats_by_plan={"business": 4, "enterprise": 3}, monthly_cost=193,
                         active=3, inactive=4, candidates=3, idle_cost=97, in_grace=1,
                         pending=1),
        CostCenterReview("cc-fin", "Finance CC", seats=2, seats_by_plan={"business": 2},
                         monthly_cost=38, active=2, inactive=0, candidates=0, idle_cost=0,
                         in_grace=0, pending=1),
        CostCenterReview("(none)", "(none)", seats=2, seats_by_plan={"business": 2},
                         monthly_cost=38, active=0, inactive=2, candidates=2, idle_cost=38,
                         in_grace=0, pending=0),
        CostCenterReview("(unmapped)", "(unmapped)", seats=2,
                         seats_by_plan={"business": 1, "copilot_pro": 1}, monthly_cost=38,
                         active=1, inactive=1, candidates=1, idle_cost=19, in_grace=0,
                         pending=0),
    ]


def test_enterprise_totals():
    assert run().enterprise == CostCenterReview(
        "enterprise", "Enterprise", seats=13,
        seats_by_plan={"business": 9, "copilot_pro": 1, "enterprise": 3}, monthly_cost=307,
        active=6, inactive=7, candidates=6, idle_cost=154, in_grace=1, pending=2)


def test_the_same_review_whatever_the_order_of_the_seat_objects():
    again = review(list(reversed(SEATS)), directory(), PERSON_OF, until=UNTIL,
                   last_active=LAST_ACTIVE, terms=TERMS)
    assert again == run()


def test_merging_seat_objects():
    held = merge_holders([
        seat(1, "ana", plan_type="custom"),
        seat(1, "ana", organization="beta", plan_type="business",
             pending_cancellation_date="2025-04-01"),
        seat(None, None, plan_type="enterprise"),
        seat(None, None, organization="beta"),
    ], TERMS)
    assert [(h.user_id, h.plan_type, h.pending_cancellation_day, h.organizations)
            for h in held] == [
        # an unknown plan priced as business does not win over business itself
        (1, "business", None, ("acme", "beta")),
        # seat objects without an assignee are never merged
        (None, "enterprise", None, ("acme",)),
        (None, "business", None, ("beta",)),
    ]


def test_an_unknown_plan_is_priced_as_the_configured_business_price():
    terms = Terms(30, 14, {"business": 21, "enterprise": 39}, "EUR")
    zed, = review([seat(50, "zed", plan_type="copilot_pro")], directory(), {}, until=UNTIL,
                  last_active={}, terms=terms).seats
    assert (zed.price, zed.unknown_plan) == (21, True)


def test_terms_merge_configured_prices_over_the_defaults(tmp_path):
    path = tmp_path / "enrich.yaml"
    path.write_text("licenses:\n  prices:\n    business: 21\n    unknown: 10\n"
                    "  grace_days: 7\n  currency: EUR\n")
    assert Terms.from_config(Config.load(path)) == Terms(
        inactive_after_days=30, grace_days=7,
        prices={"business": 21, "enterprise": 39, "unknown": 10}, currency="EUR")


def test_default_terms(tmp_path):
    path = tmp_path / "enrich.yaml"
    path.write_text("")
    assert Terms.from_config(Config.load(path)) == TERMS
