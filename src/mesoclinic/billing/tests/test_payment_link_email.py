"""Billing → Payment links → Send by e-mail: a link still waiting for the card goes to the patient's address
through Django's EMAIL_BACKEND, in the patient's language, audited; a patient without an address, a paid link,
another clinic's link and a role that takes no payments are refused in words (never a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import online
from mesoclinic.billing.models import OnlinePayment, OnlinePaymentStatus
from mesoclinic.billing.services import issue_invoice
from mesoclinic.patients.models import Patient
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic

pytestmark = pytest.mark.django_db
NOON = datetime(2031, 5, 12, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
LIST = "/billing/online-payments/"


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def clinic():
    return pl_clinic()


@pytest.fixture
def desk(clinic):
    return client_for(make_staff(clinic, Role.RECEPTIONIST))


def _link(clinic, *, email: str = "", language: str = "en", status: str = OnlinePaymentStatus.PENDING):
    invoice = issue_invoice(draft(make_patient(clinic), line(unit_price="1234.50")), actor=None)
    Patient.objects.filter(pk=invoice.patient_id).update(email=email, preferred_language=language)
    return OnlinePayment.objects.create(
        clinic=clinic,
        patient=invoice.patient,
        kind="balance",
        reference=f"ref-{invoice.pk}-{status}",
        invoice=invoice,
        amount=Decimal("1234.50"),
        currency="PLN",
        intent_id=f"pi_{invoice.pk}_{status}",
        status=status,
        created_at=timezone.now(),
    )


def _send(client, link):
    return client.post(reverse("billing:email_online_payment", args=[link.pk]), follow=True)


def test_the_link_is_e_mailed_in_the_patients_language_and_audited(clinic, desk) -> None:
    polish = _link(clinic, email="anna@example.com", language="pl")
    answer = _send(desk, polish)
    assert answer.status_code == 200 and "Sent to anna@example.com." in answer.content.decode()
    [sent] = mail.outbox
    assert sent.to == ["anna@example.com"]
    assert sent.subject == f"Link do płatności od {clinic.name}"
    assert f"http://testserver/pay/{polish.reference}/" in sent.body
    assert "1\u00a0234,50\u00a0zł" in sent.body and polish.invoice.number in sent.body
    assert sent.body.startswith("Dzień dobry")
    event = AuditEvent.objects.get(action="billing.online.email")
    assert (event.data["to"], event.data["language"]) == ("anna@example.com", "pl")
    english = _link(clinic, email="ben@example.com", language="en")
    _send(desk, english)
    assert mail.outbox[1].subject == f"Payment link from {clinic.name}"
    assert "1,234.50 PLN" in mail.outbox[1].body or "1234.50 PLN" in mail.outbox[1].body


def test_a_language_mesoclinic_does_not_speak_falls_back_to_the_clinics(clinic) -> None:
    link = _link(clinic, email="kim@example.com", language="ko")
    online.email_link(link, url="https://clinic.example/pay/x/", actor=None)
    assert AuditEvent.objects.get(action="billing.online.email").data["language"] == (clinic.language or "en")


def test_no_address_a_bad_one_or_a_paid_link_is_refused_in_words(clinic, desk) -> None:
    nowhere = _link(clinic)
    answer = _send(desk, nowhere)
    assert answer.status_code == 200
    assert f"{nowhere.patient.full_name} has no e-mail address" in answer.content.decode()
    bad = _link(clinic, email="not-an-address")
    with pytest.raises(ValidationError) as refused:
        online.email_link(bad, url="https://clinic.example/pay/x/", actor=None)
    assert "to" in refused.value.message_dict
    paid = _link(clinic, email="anna@example.com", status=OnlinePaymentStatus.SUCCEEDED)
    answer = _send(desk, paid)
    assert "Only a payment link still waiting for the card is sent." in answer.content.decode()
    assert mail.outbox == [] and not AuditEvent.objects.filter(action="billing.online.email").exists()


def test_the_list_offers_it_and_only_the_desk_of_the_clinic_sends(clinic, desk) -> None:
    with_address = _link(clinic, email="anna@example.com")
    without = _link(clinic)
    page = desk.get(LIST).content.decode()
    assert page.count('data-testid="email-link"') == 2
    assert f'id="no-email-{without.pk}"' in page and f'id="no-email-{with_address.pk}"' not in page
    assert _send(client_for(make_staff(clinic, Role.AUDITOR)), with_address).status_code == 403
    theirs = _link(pl_clinic("Elsewhere"), email="x@example.com")
    assert desk.post(reverse("billing:email_online_payment", args=[theirs.pk])).status_code == 404
    assert mail.outbox == []
