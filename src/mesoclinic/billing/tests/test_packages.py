"""Packages (prepaid series): sold on an issued document, drawn by signing a session of the protocol in the
signing transaction, paid with at checkout, refunded pro rata, never below zero."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import selectors
from mesoclinic.billing.models import ItemKind, Package, PackageEntry, PackageStatus, Payment, PriceItem
from mesoclinic.billing.services import (
    LineInput,
    checkout_appointment,
    create_invoice,
    create_price_item,
    issue_invoice,
    record_payment,
    refund_package,
    refund_payment,
    set_package_expiry,
    update_billing_settings,
)
from mesoclinic.testing.billing import PL_RATES
from mesoclinic.testing.treatments import ready_draft
from mesoclinic.treatments.services import sign_session

pytestmark = pytest.mark.django_db

MORNING = datetime(2031, 3, 3, 7, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _on_the_first_sessions_morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=True):
        yield


def sell(patient, protocol, *, sessions: int = 6, price: str = "2400.00", actor=None, pay: bool = True):
    """Sell ``protocol`` as a package of ``sessions`` for ``price`` (paid in cash) on an issued receipt."""
    clinic = patient.clinic
    update_billing_settings(clinic, currency="PLN", vat_rates=PL_RATES, actor=None)
    item = package_item(clinic, protocol, sessions, price)
    invoice = create_invoice(
        patient,
        lines=[LineInput(description=item.name, quantity="1", unit_price=price, vat_rate="8", item=item)],
        actor=actor,
    )
    if pay:
        record_payment(invoice, method="cash", amount=price, actor=actor)
    issue_invoice(invoice, actor=actor)
    return Package.objects.get(invoice=invoice)


def package_item(clinic, protocol, sessions, price):
    found = PriceItem.objects.filter(clinic=clinic, kind=ItemKind.PACKAGE, protocol=protocol).first()
    return found or create_price_item(
        clinic,
        kind=ItemKind.PACKAGE,
        name=f"{protocol.name} × {sessions}",
        unit_price=price,
        vat_rate="8",
        protocol=protocol,
        sessions=sessions,
        actor=None,
    )


def test_issuing_a_package_sale_opens_a_ledger_with_its_expiry(clinic, practitioner):
    record = ready_draft(clinic)
    appointment = record.appointment
    package = sell(appointment.patient, appointment.protocol)
    assert package.sessions_total == 6 and package.sessions_left == 6
    assert package.price == Decimal("2400.00")
    assert package.expires_on == date(2032, 3, 3)  # 12 months from the day of sale, clinic time
    assert package.course_id == appointment.course_id  # the booked series is linked
    [entry] = package.entries.all()
    assert (entry.kind, entry.sessions, entry.amount) == ("sale", 6, Decimal("2400.00"))
    assert AuditEvent.objects.filter(action="billing.package.sell", object_id=str(package.pk)).exists()
    [summary] = selectors.packages_of(appointment.patient, today=date(2031, 3, 3))
    assert summary.text == "6 of 6 sessions left, expires 2032-03-03"


def test_signing_a_session_of_the_protocol_draws_one_in_the_same_transaction(clinic, practitioner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    sign_session(record, actor=practitioner.user)
    package.refresh_from_db()
    assert package.sessions_left == 5
    draw = package.entries.get(kind="draw")
    assert draw.session_record_id == record.pk and draw.appointment_id == record.appointment_id
    assert selectors.packages_of(record.patient, today=date(2031, 3, 3))[0].text == (
        "5 of 6 sessions left, expires 2032-03-03"
    )
    # Signing is once: a second attempt is refused and draws nothing more.
    with pytest.raises(ValidationError):
        sign_session(record, actor=practitioner.user)
    package.refresh_from_db()
    assert package.sessions_left == 5


def test_a_draw_that_fails_rolls_back_with_the_signature(clinic, practitioner, monkeypatch):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("mesoclinic.billing.services._ledger", broken)
    with pytest.raises(RuntimeError):
        sign_session(record, actor=practitioner.user)
    record.refresh_from_db()
    package.refresh_from_db()
    assert record.status == "draft"
    assert package.sessions_left == 6


def test_signing_without_a_package_draws_nothing(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    assert not PackageEntry.objects.exists()


def test_an_expired_package_is_not_drawn(clinic, practitioner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    set_package_expiry(package, expires_on=date(2031, 3, 2), reason="Agreed at sale: offer ends", actor=None)
    sign_session(record, actor=practitioner.user)
    package.refresh_from_db()
    assert package.sessions_left == 6
    assert package.entries.filter(kind="expiry").get().reason == "Agreed at sale: offer ends"


def test_the_expiry_changes_only_with_a_reason(clinic):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    with pytest.raises(ValidationError) as refused:
        set_package_expiry(package, expires_on=date(2032, 6, 30), reason=" ", actor=None)
    assert "reason" in refused.value.message_dict
    set_package_expiry(
        package, expires_on=date(2032, 6, 30), reason="Illness: paused three months", actor=None
    )
    package.refresh_from_db()
    assert package.expires_on == date(2032, 6, 30)


def test_a_package_session_pays_the_visit_the_signing_drew(clinic, practitioner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    sign_session(record, actor=practitioner.user)
    invoice = checkout_appointment(record.appointment, actor=None)
    payment = record_payment(
        invoice, method="package_session", amount=str(invoice.balance), package=package, actor=None
    )
    package.refresh_from_db()
    assert package.sessions_left == 5  # the signing's draw pays: no second session taken
    assert package.entries.get(kind="draw").payment_id == payment.pk
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")
    # Given back whole, the session returns to the package.
    with pytest.raises(ValidationError) as partial:
        refund_payment(payment, amount="1.00", reason="Wrong method", actor=None)
    assert "amount" in partial.value.message_dict
    refund_payment(payment, amount=str(payment.amount), reason="Wrong method", actor=None)
    package.refresh_from_db()
    assert package.sessions_left == 6
    assert package.entries.filter(kind="return").count() == 1


def test_a_package_session_without_a_signing_draws_one_and_never_below_zero(clinic):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol, sessions=1, price="400.00")
    first = create_invoice(record.patient, lines=[LineInput("Session", "1", "400.00", "8")], actor=None)
    record_payment(first, method="package_session", amount="400.00", package=package, actor=None)
    second = create_invoice(record.patient, lines=[LineInput("Session", "1", "400.00", "8")], actor=None)
    with pytest.raises(ValidationError) as refused:
        record_payment(second, method="package_session", amount="400.00", package=package, actor=None)
    assert refused.value.message_dict == {"package": ["No session of this package is left."]}
    package.refresh_from_db()
    assert package.sessions_left == 0 and package.sessions_used == 1
    with pytest.raises(ValidationError) as missing:
        record_payment(second, method="package_session", amount="400.00", actor=None)
    assert "package" in missing.value.message_dict


def test_unused_sessions_are_refunded_pro_rata(clinic, practitioner, receptionist, owner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    sign_session(record, actor=practitioner.user)
    package.refresh_from_db()
    summary = selectors.packages_of(record.patient, today=date(2031, 3, 3))[0]
    assert summary.refund_amount == Decimal("2000.00")  # 2400 × 5 / 6
    assert "sessions left" in summary.refund_rule
    with pytest.raises(ValidationError) as refused:
        refund_package(package, reason="Moving abroad", amount="2400.00", actor=receptionist.user)
    assert "only the owner" in refused.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as unexplained:
        refund_package(package, reason="Moving abroad", amount="2400.00", actor=owner.user)
    assert "override_reason" in unexplained.value.message_dict
    entry = refund_package(package, reason="Moving abroad", actor=receptionist.user)
    assert entry.amount == Decimal("2000.00") and entry.sessions == -5
    package.refresh_from_db()
    assert package.status == PackageStatus.REFUNDED and package.sessions_left == 0
    refund = Payment.objects.get(refund_of__isnull=False)
    assert refund.amount == Decimal("-2000.00") and "Moving abroad" in refund.reason
    assert package.invoice.payments.get(refund_of__isnull=True).amount == Decimal("2400.00")  # never edited
    with pytest.raises(ValidationError):
        refund_package(package, reason="Again", actor=owner.user)


def test_the_owner_may_override_the_refund_with_a_reason(clinic, owner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    entry = refund_package(
        package,
        reason="Changed her mind",
        amount="2300.00",
        override_reason="Less the consultation given: goodwill otherwise",
        actor=owner.user,
    )
    assert entry.amount == Decimal("2300.00")
    event = AuditEvent.objects.get(action="billing.package.refund")
    assert event.data["rule"] == "2400.00" and "goodwill" in event.data["reason"]


def test_a_refund_is_never_more_than_was_paid(clinic, owner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol, pay=False)
    with pytest.raises(ValidationError) as refused:
        refund_package(package, reason="Changed mind", actor=owner.user)
    assert refused.value.message_dict["amount"] == [
        "Only 0.00 was paid for this package and is left to refund."
    ]
