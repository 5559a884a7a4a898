"""The spend review (METRICS.md section 10): billed usage attributed to people, cost centers
and `not attributable`, reconciled to the cent, beside the seats at list price.

The company is the license review's (tests/test_licenses_finance.py): in March 2025 CC-1
holds 3 business seats (57 USD), CC-2 1 (19 USD) and the holders not in the org chart 1
(fox, 19 USD). Its usage report for March, by hand:

    user   cost center   rows (gross / discount / net)            gross    discount  net
    ann    CC-1          0.40/0.40/0, 1.3333/0.3333/1.00          1.7333   0.7333    1.00
    eve    CC-1          0.1/0/0.1 three times                    0.3      0         0.3
    gil    CC-2          2.05/0/2.05 (no seat)                    2.05     0         2.05
    fox    (unmapped)    0.7/0.2/0.5 (a seat, not in the chart)   0.7      0.2       0.5
    hal    (unmapped)    0.01/0/0.01 (no seat, not in the chart)  0.01     0         0.01
    (none) not attrib.   3.3333/0/3.3333 (acme), 0.0067/0/0.0067  3.34     0         3.34

CC-1: 2.0333 / 0.7333 / 1.30; CC-2: 2.05 / 0 / 2.05; (unmapped): 0.71 / 0.2 / 0.51.
Attributed: 4.7933 / 0.9333 / 3.86, + not attributable 3.34 / 0 / 3.34 = the total,
8.1333 / 0.9333 / 7.20. Totals: CC-1 57 + 1.30 = 58.30, CC-2 21.05, (unmapped) 19.51,
enterprise 95 + 7.20 = 102.20. Engaged in March: ann (CC-1), gil (CC-2), fox and hal
(unmapped). Left out: ann's February row, an Actions row and a seat licence row.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from fractions import Fraction

import pytest
from conftest import pdf_text, read_csv_rows, words
from test_licenses_finance import configure, finance  # noqa: F401 - the company, a fixture

from enrich import job
from enrich.config import Config
from enrich.dates import Period, parse_day
from enrich.errors import ExitStatus
from enrich.job.licensing import spend_review
from enrich.licenses.review import UNKNOWN_HOLDER, CostCenterReview, Holder
from enrich.licenses.spend import attribute, seat_months, spend
from enrich.rollup.units import ENTERPRISE_ID
from enrich.sample import SampleSpec, write_sample
from enrich.sources.billing import Amounts
from enrich.store import MIGRATIONS, BilledUsage, Store

HEADER = ("date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,"
          "discount_amount,net_amount,username,organization,repository,workflow_path,"
          "cost_center_name,model\n")
MARCH = (
    "2025-03-03,copilot,copilot_premium_request,10,requests,0.04,0.40,0.40,0,ann,acme,,,GH-1,GPT-5\n"
    "2025-03-04,Copilot,copilot_premium_request,33.3325,requests,0.04,1.3333,0.3333,1.00,ann,acme,,,GH-1,Claude\n"
    "2025-03-05,copilot,copilot_premium_request,2.5,requests,0.04,0.1,0,0.1,eve,acme,,,,GPT-5\n"
    "2025-03-06,copilot,copilot_premium_request,2.5,requests,0.04,0.1,0,0.1,eve,acme,,,,GPT-5\n"
    "2025-03-07,copilot,copilot_premium_request,2.5,requests,0.04,0.1,0,0.1,EVE,acme,,,,GPT-5\n"
    "2025-03-12,copilot,copilot_premium_request,51.25,requests,0.04,2.05,0,2.05,gil,acme,,,,GPT-5\n"
    "2025-03-15,copilot,copilot_premium_request,17.5,requests,0.04,0.7,0.2,0.5,fox,acme,,,,GPT-5\n"
    "2025-03-20,copilot,copilot_premium_request,0.25,requests,0.04,0.01,0,0.01,hal,acme,,,,GPT-5\n"
    "2025-03-21,copilot,copilot_premium_request,83.3325,requests,0.04,3.3333,0,3.3333,,acme,,,,GPT-5\n"
    "2025-03-22,copilot,copilot_premium_request,0.1675,requests,0.04,0.0067,0,0.0067,,,,,,GPT-5\n"
    "2025-03-10,actions,actions_linux,625,minutes,0.008,5.00,0,5.00,ann,acme,api,ci.yml,,\n"
    "2025-03-01,copilot,copilot_for_business,1,user-months,19,19,0,19,ann,acme,,,,\n"
    "2025-02-27,copilot,copilot_premium_request,2475,requests,0.04,99,0,99,ann,acme,,,,GPT-5\n")


@pytest.fixture
def billed(finance, run_cli):  # noqa: F811 - the fixture, imported
    (finance / "usage.csv").write_text(HEADER + MARCH, encoding="utf-8-sig")
    result = run_cli("import", "usage.csv")
    assert result.status == ExitStatus.OK, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "imported  usage.csv (usage report): 13 read, 11 stored, 0 merged, 0 rejected",
        "          1 row of other products left aside (actions 1); 1 row of Copilot seat "
        "licences left aside: the license review prices the seats itself"]
    return finance


def test_12_5_billed_usage_is_attributed_and_reconciles_to_the_cent(run_cli, billed):
    result = run_cli("licenses", "--month", "2025-03")
    assert result.status == ExitStatus.OK, result.stderr
    assert result.stdout.splitlines()[1] == (
        "spend of 2025-03: seats 95.00 USD at list price; usage billed 7.20 USD net, 8.13 USD "
        "gross (3.34 USD net not attributable); total 102.20 USD (seat list price + billed "
        "usage)")
    rows = {row["cost_center"]: row for row in read_csv_rows(billed / "out" / "chargeback.csv")}
    spent = {cc: (r["seat_cost"], r["usage_gross"], r["usage_discount"], r["usage_net"],
                  r["total"], r["engaged"], r["usage_net_per_engaged"])
             for cc, r in rows.items()}
    assert spent == {
        "CC-1": ("57.00", "2.0333", "0.7333", "1.30", "58.30", "1", "1.300000"),
        "CC-2": ("19.00", "2.05", "0.00", "2.05", "21.05", "1", "2.050000"),
        "(unmapped)": ("19.00", "0.71", "0.20", "0.51", "19.51", "2", "0.255000"),
        "(not attributable)": ("", "3.34", "0.00", "3.34", "3.34", "", "")}
    # every row once: the sums of chargeback.csv and of spend.csv are the source's total
    for name in ("chargeback.csv", "spend.csv"):
        table = read_csv_rows(billed / "out" / name)
        assert [sum(Decimal(r[c]) for r in table) for c in (
            "usage_gross", "usage_discount", "usage_net")] == [
            Decimal("8.1333"), Decimal("0.9333"), Decimal("7.20")], name
    people = [(r["attribution"], r["login"], r["cost_center"], r["usage_net"])
              for r in read_csv_rows(billed / "out" / "spend.csv")]
    assert people == [
        ("person", "ann", "CC-1", "1.00"), ("person", "eve", "CC-1", "0.30"),
        ("person", "gil", "CC-2", "2.05"), ("unmapped", "fox", "(unmapped)", "0.50"),
        ("unmapped", "hal", "(unmapped)", "0.01"), ("not attributable", "", "", "3.3333"),
        ("not attributable", "", "", "0.0067")]
    seats = {r["login"]: (r["usage_net"], r["billed_currency"])
             for r in read_csv_rows(billed / "out" / "licenses.csv")}
    assert seats["ann"] == ("1.00", "USD") and seats["ivy"] == ("0.00", "USD")


def test_12_5_the_spend_review_pdf_says_which_figure_is_which(run_cli, billed):
    assert run_cli("licenses", "--month", "2025-03").status == ExitStatus.OK
    text = words(pdf_text(billed / "out" / "licenses.pdf"))
    assert "Finance CC (CC-1) 3 57.00 2.03 0.73 1.30 58.30 1 1.30" in text
    assert "Engineering CC (CC-2) 1 19.00 2.05 0.00 2.05 21.05 1 2.05" in text
    assert "Holders not in the org chart 1 19.00 0.71 0.20 0.51 19.51 2 0.26" in text
    assert "Not attributable billed to no user – – 3.34 0.00 3.34 3.34 – –" in text
    assert "Enterprise 5 95.00 8.13 0.93 7.20 102.20 4 1.80" in text
    assert ("GitHub billed 7.20 USD net for March 2025 (8.13 USD gross, less 0.93 USD of "
            "included allowance), from the usage report CSV (10 days with usage): 3.86 USD "
            "attributed to people") in " ".join(text.split())
    assert "+ 3.34 USD not attributable (billed to no user) = 7.20 USD, the source's total " \
        "to the cent." in " ".join(text.split())
    assert "seat list price + billed usage" in text
    assert "not GitHub's own cost centers" in " ".join(text.split())
    # each cost center's page says its spend
    assert ("Spend of March 2025: seats 57.00 USD at list price (an estimate); usage billed "
            "1.30 USD net (2.03 USD gross, less 0.73 USD of included allowance); total "
            "58.30 USD (seat list price + billed usage)") in " ".join(text.split())


def test_12_5_the_reports_license_page_shows_spend_per_cost_center(run_cli, billed):
    configure(billed, "metrics: {min_group_size: 1}\n")
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    text = " ".join(words(pdf_text(billed / "out" / "report.pdf")).split())
    assert "Finance CC 57.00 USD 1.30 USD 58.30 USD 1.30 USD" in text
    assert "Not attributable (billed to no user) – 3.34 USD 3.34 USD –" in text
    assert "Enterprise 95.00 USD 7.20 USD 102.20 USD 1.80 USD" in text
    assert "3.86 USD attributed to people" in text and "the source's total to the cent" in text


def test_12_5_a_small_cost_centers_spend_is_hidden_in_the_report(run_cli, billed):
    """Default privacy (5): every cost center holds fewer seats than that; the spend rows
    hide with the license rows."""
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    text = " ".join(words(pdf_text(billed / "out" / "report.pdf")).split())
    assert "Finance CC fewer than 5 seats" in text
    assert "58.30" not in text and "21.05" not in text
    assert "Enterprise 95.00 USD 7.20 USD 102.20 USD" in text


def test_12_5_a_cost_center_without_seats_has_its_spend(run_cli, billed):
    """Kim, of a cost center that holds no seat, was billed usage (her seat went in
    February): the cost center has a row of its own, hidden in the report by its people."""
    org = (billed / "org.yaml").read_text().replace(
        "CC-2: Engineering CC}", "CC-2: Engineering CC, CC-3: Ops CC}").replace(
        "units:\n", "units:\n  - {id: ops, name: Ops, cost_center: CC-3}\n").replace(
        "people:\n", "people:\n  - {id: k, name: Kim Kay, unit: ops, github: kim}\n")
    (billed / "org.yaml").write_text(org)
    (billed / "kim.csv").write_text(HEADER + "2025-03-31,copilot,copilot_premium_request,5,"
                                    "requests,0.04,0.2,0,0.2,kim,acme,,,,GPT-5\n")
    assert run_cli("import", "kim.csv").status == ExitStatus.OK
    assert run_cli("licenses", "--month", "2025-03").status == ExitStatus.OK
    rows = {r["cost_center"]: r for r in read_csv_rows(billed / "out" / "chargeback.csv")}
    assert (rows["CC-3"]["seats"], rows["CC-3"]["seat_cost"], rows["CC-3"]["usage_net"],
            rows["CC-3"]["total"]) == ("0", "0.00", "0.20", "0.20")
    assert run_cli("report", "--month", "2025-03").status == ExitStatus.OK
    text = " ".join(words(pdf_text(billed / "out" / "report.pdf")).split())
    assert text.count("Ops CC fewer than 5 people") == 2  # in both tables


def test_12_5_billed_amounts_in_another_currency_are_not_added_up(run_cli, billed):
    configure(billed, "licenses: {currency: EUR, prices: {business: 18}}\n")
    result = run_cli("licenses", "--month", "2025-03")
    assert result.stdout.splitlines()[1].endswith("; not added up: two currencies")
    rows = {r["cost_center"]: r for r in read_csv_rows(billed / "out" / "chargeback.csv")}
    assert (rows["CC-1"]["seat_cost"], rows["CC-1"]["currency"], rows["CC-1"]["usage_net"],
            rows["CC-1"]["billed_currency"], rows["CC-1"]["total"]) == (
        "54.00", "EUR", "1.30", "USD", "")
    text = " ".join(words(pdf_text(billed / "out" / "licenses.pdf")).split())
    assert "is not worked out here: the prices are in EUR, the bill in USD" in text
    assert ("usage billed 1.30 USD net (2.03 USD gross, less 0.73 USD of included allowance); "
            "not added up: the seats are priced in EUR, the usage billed in USD") in text


def test_12_5_a_usage_report_replaces_the_days_it_holds(run_cli, billed):
    """Another export of the same days (ann's row corrected) replaces them: nothing counted
    twice; the same file again is recognised."""
    fixed = MARCH.replace(",0.40,0.40,0,ann", ",0.44,0.40,0.04,ann")
    (billed / "usage-2.csv").write_text(HEADER + fixed, encoding="utf-8")
    assert run_cli("import", "usage-2.csv").status == ExitStatus.OK
    assert "already imported" in run_cli("import", "usage-2.csv").stdout
    run_cli("licenses", "--month", "2025-03")
    rows = {r["cost_center"]: r for r in read_csv_rows(billed / "out" / "chargeback.csv")}
    assert (rows["CC-1"]["usage_gross"], rows["CC-1"]["usage_net"]) == ("2.0733", "1.34")


def test_12_5_usage_report_rows_are_checked_with_file_and_line(run_cli, finance):  # noqa: F811
    (finance / "bad.csv").write_text(
        HEADER + MARCH.splitlines()[0] + "\n"
        "2025-03-04,copilot,copilot_premium_request,1,requests,0.04,abc,0,0,ann,,,,,\n"
        "2025-13-04,copilot,copilot_premium_request,1,requests,0.04,0.04,0,0.04,ann,,,,,\n")
    result = run_cli("import", "bad.csv")
    assert result.status == ExitStatus.BAD_INPUT
    assert result.stderr.splitlines()[0] == (
        "Error: bad.csv, line 3: column 'gross_amount' is 'abc'; expected a decimal number")
    result = run_cli("import", "--skip-bad-rows", "--rejects", "rejects.jsonl", "bad.csv")
    assert result.status == ExitStatus.PARTIAL_DATA
    assert "3 read, 1 stored, 0 merged, 2 rejected" in result.stdout
    rejects = (finance / "rejects.jsonl").read_text()
    assert '"line":3' in rejects and '"line":4' in rejects
    assert "column 'date' is '2025-13-04'; expected a date (YYYY-MM-DD)" in rejects


def test_12_5_a_usage_report_with_other_headers_is_read_by_its_mapping(run_cli, finance):  # noqa: F811
    configure(finance, "billing:\n  columns: {date: Day, username: User, net_amount: Net}\n")
    (finance / "mine.csv").write_bytes(
        "Day;Product;SKU;Quantity;Gross amount;Discount amount;Net;User\n"
        "2025-03-03;copilot;copilot_premium_request;1;0.04;0;0.04;ann\n".encode("cp1252"))
    result = run_cli("import", "mine.csv")
    assert result.status == ExitStatus.OK, result.stderr
    assert "1 read, 1 stored" in result.stdout
    # a mapped header the file lacks rejects it, naming the header it has
    (finance / "other.csv").write_text(HEADER + MARCH.splitlines()[0] + "\n")
    result = run_cli("import", "other.csv")
    assert result.stderr.splitlines()[0] == (
        "Error: other.csv, line 1: not a usage report: the header does not name the columns "
        "Day, product, sku, quantity, gross_amount, discount_amount, Net")


def test_12_5_a_misspelt_column_mapping_is_a_configuration_error(run_cli, finance):  # noqa: F811
    configure(finance, "billing:\n  columns:\n    gross_amount: Gross\n    usernme: User\n")
    result = run_cli("import", "usage.csv")
    assert result.status == ExitStatus.BAD_CONFIG
    assert result.stderr.splitlines()[0] == (
        "Error: enrich.yaml, line 8: billing.columns: unknown field 'usernme' "
        "(did you mean username?); expected some of date, username, user_id, organization, "
        "product, sku, model, unit_type, price_per_unit, quantity, gross_amount, "
        "discount_amount, net_amount")


def test_12_5_a_store_of_schema_5_is_migrated_and_gains_the_billed_usage(tmp_path):
    db = sqlite3.connect(tmp_path / "old.db")
    for number, script in enumerate(MIGRATIONS[:5], 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    db.execute("INSERT INTO engagement VALUES (20000, 11, 3)")
    db.commit()
    db.close()
    with Store(tmp_path / "old.db", tmp_path / "archive") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert list(store.engagement(Period(20000, 20000))) == [(11, 20000, 3)]
        assert store.billed_usage(Period(20000, 20000)) == ([], {})
        assert store.billing_days("ai_credit", 20000, 20000) == set()


def test_12_5_the_spend_of_hand_computed_rows():
    """`spend` alone: amounts that floats would not add up exactly, a person with two GitHub
    accounts counted once, and the seat cost of a period that is not a calendar month."""
    period = Period.of("2025-03-17", "2025-04-15")  # 15/31 of March and 15/30 of April
    assert seat_months(period) == Fraction(15, 31) + Fraction(1, 2)
    center = CostCenterReview("CC-1", "One", 2, {"business": 2}, 38.0, 2, 0, 0, 0.0, 0, 0)
    pat = Holder("p1", "Pat", "u", "U", None, None, "CC-1", "One")
    tenth = 10 ** 8  # the store keeps amounts in 10**-9
    billed = BilledUsage([("pat", 1, None, tenth, 0, tenth),
                          ("pat-alt", 2, None, 2 * tenth, 0, 2 * tenth),
                          ("nobody", -1, None, 3 * tenth, tenth, 2 * tenth),
                          (None, None, "acme", 7 * tenth, 0, 7 * tenth)], {"usage_report": 3})
    billed = attribute(billed, {1: pat, 2: pat, -1: UNKNOWN_HOLDER})
    spent = spend(period, [center], center, "USD", billed, {"CC-1": 1, ENTERPRISE_ID: 2})
    one, unmapped = spent.cost_centers
    # 38 a month for 15/31 + 1/2 of a month: 18.387... + 19 = 37.39
    assert (one.seat_cost, one.usage, one.users, one.total) == (
        Decimal("37.39"), Amounts(Decimal("0.3"), Decimal("0"), Decimal("0.3")), 1,
        Decimal("37.69"))
    assert (unmapped.id, unmapped.seats, unmapped.usage.net, unmapped.engaged) == (
        "(unmapped)", 0, Decimal("0.2"), 0)
    assert spent.not_attributable == Amounts(Decimal("0.7"), Decimal("0"), Decimal("0.7"))
    assert spent.attributed.net + spent.not_attributable.net == Decimal("1.2") == \
        spent.source_total.net
    assert spent.reconciles
    assert one.share == Decimal("0.25") and spent.enterprise.usage_per_engaged == \
        Decimal("0.6")


def test_12_5_engaged_per_cost_center_is_the_rollups(tmp_path):
    """The spend review counts engaged people the way the rollup does, from the period's
    active users only: the same figure per cost center, on the sample enterprise."""
    sample = write_sample(tmp_path, SampleSpec(last_month="2025-03", people=60, months=1))
    config = Config.load(sample.config)
    period, as_of = Period.month("2025-03"), parse_day("2025-04-01")
    job.import_files(config, [sample.inbox, sample.seats, *sample.billing],
                     seats_taken_on=period.until, today=as_of)
    with job.open_store(config) as store:
        org = job.Org.load(config, store, as_of)
        rolled = org.roll_up(config, store, period)
        review = job.license_review(config, store, org, period.until, as_of)
        spent = spend_review(config, store, org, period, review.cost_centers,
                             review.enterprise)
    engaged = {u["id"]: u["engaged"] for u in rolled["units"] if u["dimension"] == "cost_center"}
    assert {c.id: c.engaged for c in spent.cost_centers} == {
        c.id: engaged[c.id] for c in spent.cost_centers}
    assert spent.enterprise.engaged == rolled["units"][0]["engaged"]
    assert spent.reconciles and spent.not_attributable.net > 0 and spent.attributed.gross > 0
