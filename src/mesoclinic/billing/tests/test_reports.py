"""Money reports: revenue without counting a package session or a gift card twice, grouped by period and by
the appointment's modality, practitioner and location; payments by method; VAT per rate from the documents'
VAT tables; outstanding balances, package liability, gift cards and deposits held; the accounting export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mesoclinic.accounts.models import Role
from mesoclinic.billing import reports
from mesoclinic.billing.models import DocumentRate, Package
from mesoclinic.billing.services import create_credit_note, create_invoice, issue_invoice, record_payment
from mesoclinic.billing.tests.test_packages import sell
from mesoclinic.testing import client_for, csv_text, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic, sell_gift_card
from mesoclinic.testing.treatments import first_appointment

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2031, 3, 3)
NOON = datetime(2031, 3, 3, 7, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def till():
    """A visit (450 at 23 %, paid in cash, a 50.00 credit note), a package of 6 sold for 1,200 (8 %) and a
    session of it paying a visit of 200, a gift card of 200 sold, and a receipt issued with 100 owing."""
    clinic = pl_clinic()
    appointment = first_appointment(clinic)
    patient = appointment.patient
    visit = create_invoice(
        patient, appointment=appointment, lines=[line(unit_price="450.00", vat_rate="23")], actor=None
    )
    record_payment(visit, method="cash", amount="450.00", actor=None)
    issue_invoice(visit, actor=None)
    create_credit_note(visit, lines=[line(unit_price="50.00", vat_rate="23")], reason="Goodwill", actor=None)
    package = sell(patient, appointment.protocol, sessions=6, price="1200.00")
    session = draft(patient, line(unit_price="200.00", vat_rate="8"))
    record_payment(session, method="package_session", amount="200.00", package=package, actor=None)
    issue_invoice(session, actor=None)
    sell_gift_card(make_patient(clinic), "200.00")
    owing = draft(make_patient(clinic), line(unit_price="100.00", vat_rate="zw"))
    issue_invoice(owing, actor=None)
    return clinic, appointment


def test_revenue_counts_each_sale_once(till) -> None:
    clinic, appointment = till
    [month] = reports.revenue(clinic, DAY, DAY, group="month")
    # 450 − 50 (credit note) + 1,200 (package) + 200 − 200 (paid by a package session) + 0 (gift card) + 100
    assert (month.label, month.amount, month.count) == ("2031-03-01", D("1700.00"), 6)
    [today] = reports.revenue(clinic, DAY, DAY, group="day")
    assert today.amount == D("1700.00")
    by_practitioner = {r.label: r.amount for r in reports.revenue(clinic, DAY, DAY, group="practitioner")}
    assert by_practitioner[appointment.practitioner.display_name] == D("400.00")
    assert by_practitioner[reports.NONE_LABEL] == D("1300.00")
    by_modality = {r.label: r.amount for r in reports.revenue(clinic, DAY, DAY, group="modality")}
    assert by_modality[appointment.protocol.modality.name] == D("400.00")
    by_location = reports.revenue(clinic, DAY, DAY, group="location", location_id=appointment.location_id)
    assert [(r.label, r.amount) for r in by_location] == [(appointment.location.name, D("400.00"))]
    assert reports.revenue(clinic, date(2031, 4, 1), date(2031, 4, 30)) == []


def test_payments_by_method_and_vat_by_rate(till) -> None:
    clinic, _ = till
    methods = {r.label: (r.amount, r.count) for r in reports.payments_by_method(clinic, DAY, DAY)}
    assert methods == {"Cash": (D("1850.00"), 3), "Package session": (D("200.00"), 1)}
    rows = {r.rate: r for r in reports.vat_by_rate(clinic, DAY, DAY)}
    assert set(rows) == {"23", "8", "zw"}
    # 450 − 50 and the 200 gift card at 23 %: per document, 84.15 − 9.35 + 37.40
    assert (rows["23"].gross, rows["23"].vat, rows["23"].documents) == (D("600.00"), D("112.20"), 3)
    assert (rows["8"].gross, rows["8"].vat, rows["8"].net) == (D("1400.00"), D("103.70"), D("1296.30"))
    assert (rows["zw"].gross, rows["zw"].vat) == (D("100.00"), D("0.00"))
    assert DocumentRate.objects.count() == 6


def test_vat_by_rate_goes_by_the_day_issued_in_the_clinics_time_zone_and_by_location(till) -> None:
    clinic, appointment = till
    assert set(DocumentRate.objects.values_list("clinic_id", "issued_on")) == {(clinic.pk, DAY)}
    late = draft(make_patient(clinic), line(unit_price="123.00", vat_rate="23"))
    # 23:30 in Warsaw on 31 March is 21:30 UTC: the document is of 31 March, in March's row.
    with time_machine.travel(datetime(2031, 3, 31, 23, 30, tzinfo=ZoneInfo("Europe/Warsaw")), tick=False):
        issue_invoice(late, actor=None)
    assert DocumentRate.objects.get(invoice=late).issued_on == date(2031, 3, 31)
    [(label, gross, n)] = [
        (r.period, r.gross, r.documents)
        for r in reports.vat_by_rate(clinic, date(2031, 3, 1), date(2031, 4, 30))
        if r.rate == "23"
    ]
    assert (label, gross, n) == ("2031-03-01", D("723.00"), 4)
    weeks = {(r.period, r.rate) for r in reports.vat_by_rate(clinic, DAY, date(2031, 3, 31), period="week")}
    assert ("2031-03-03", "8") in weeks and ("2031-03-31", "23") in weeks  # weeks start on Monday
    days = {(r.period, r.rate) for r in reports.vat_by_rate(clinic, DAY, date(2031, 3, 31), period="day")}
    assert ("2031-03-31", "23") in days and ("2031-03-03", "zw") in days
    at_location = reports.vat_by_rate(clinic, DAY, DAY, location_id=appointment.location_id)
    assert [(r.rate, r.gross) for r in at_location] == [("23", D("400.00"))]
    assert reports.vat_by_rate(clinic, date(2031, 4, 1), date(2031, 4, 30)) == []


def test_standings_now(till) -> None:
    clinic, _ = till
    total, top = reports.outstanding(clinic)
    assert (total.amount, total.count) == (D("100.00"), 1)
    assert [b.owed for b in top] == [D("100.00")]
    liability, expired = reports.package_liability(clinic, DAY)
    assert (liability.amount, liability.count) == (D("1000.00"), 1)
    assert expired.amount == D("0.00")
    later = Package.objects.get().expires_on.replace(day=1).replace(year=2033)
    assert reports.package_liability(clinic, later)[1].amount == D("1000.00")
    cards, _expired = reports.gift_cards_outstanding(clinic, DAY)
    assert (cards.amount, cards.count) == (D("200.00"), 1)
    assert reports.deposits_held(clinic).amount == D("0.00")


def test_the_accounting_export_has_a_row_per_document_and_rate(till) -> None:
    clinic, _ = till
    rows = list(reports.document_rows(clinic, DAY, DAY))
    assert len(rows) == 6
    note = next(r for r in rows if r[1] == "credit_note")
    assert note[3]  # the number of the document it corrects
    assert note[10:] == [D("-40.65"), D("-9.35"), D("-50.00")]
    assert all(len(r) == len(reports.DOCUMENT_COLUMNS) for r in rows)
    payments = list(reports.payment_rows(clinic, DAY, DAY))
    assert [p[3] for p in payments].count("cash") == 3
    assert all(len(p) == len(reports.PAYMENT_COLUMNS) for p in payments)


def test_the_money_page_plots_and_exports_for_the_owner_and_auditor_only(till) -> None:
    clinic, _ = till
    query = {"start": "2031-03-01", "end": "2031-03-31", "group": "day"}
    for role in (Role.OWNER, Role.AUDITOR):
        page = client_for(make_staff(clinic, role)).get("/reports/money/", query)
        assert page.status_code == 200
        body = page.content.decode()
        assert 'id="revenue-day"' in body
        assert "<svg" in body
        assert "1000.00 PLN" in body  # package liability
    assert client_for(make_staff(clinic, Role.RECEPTIONIST)).get("/reports/money/").status_code == 403
    owner = client_for(make_staff(clinic, Role.OWNER))
    table = csv_text(owner.get("/reports/money/", {**query, "format": "csv"}))
    assert "revenue_by_day,2031-03-03,,,,1700.00,6" in table
    documents = csv_text(owner.get("/reports/money/export/", {**query, "part": "documents"}))
    assert documents.splitlines()[0].lstrip("\ufeff") == ",".join(reports.DOCUMENT_COLUMNS)
    assert len(documents.strip().splitlines()) == 7
    payments = csv_text(owner.get("/reports/money/export/", {**query, "part": "payments"}))
    assert len(payments.strip().splitlines()) == 5
