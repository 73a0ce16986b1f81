"""Every issued document as a PDF from the print view's template (WeasyPrint), in the clinic's language, and
e-mailed to the patient on request through EMAIL_BACKEND (the test backend's outbox)."""

from __future__ import annotations

import io
import json

import pytest
from django.core import mail
from pypdf import PdfReader

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import documents
from mesoclinic.billing.services import issue_invoice, record_payment
from mesoclinic.patients.services import update_patient
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def receipt():
    clinic = pl_clinic()
    invoice = draft(make_patient(clinic), line(description="Mezoterapia twarzy", unit_price="450.00"))
    record_payment(invoice, method="cash", amount="450.00", actor=None)
    return issue_invoice(invoice, actor=None)


def test_the_pdf_is_the_printed_document_in_the_clinics_language(receipt) -> None:
    receipt.clinic.language = "pl"
    receipt.clinic.save(update_fields=["language"])
    desk = client_for(make_staff(receipt.clinic, Role.RECEPTIONIST))
    response = desk.get(f"/billing/documents/{receipt.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = text_of(response.content)
    assert receipt.number in text
    assert "Mezoterapia twarzy" in text
    assert "450.00" in text or "450,00" in text
    assert "SPRZEDAWCA" in text.upper()  # "Seller" in Polish
    api = desk.get(f"/api/v1/billing/invoices/{receipt.pk}/pdf")
    assert api.status_code == 200
    assert api.content.startswith(b"%PDF-")


def test_a_draft_has_no_pdf_and_another_clinic_gets_404(receipt) -> None:
    desk = client_for(make_staff(receipt.clinic, Role.RECEPTIONIST))
    unissued = draft(receipt.patient)
    assert desk.get(f"/billing/documents/{unissued.pk}/pdf/").status_code == 404
    other = client_for(make_staff(pl_clinic("Other"), Role.OWNER))
    assert other.get(f"/billing/documents/{receipt.pk}/pdf/").status_code == 404


def test_it_is_emailed_to_the_patient_on_request(receipt, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    desk = client_for(make_staff(receipt.clinic, Role.RECEPTIONIST))
    refused = desk.post(
        f"/api/v1/billing/invoices/{receipt.pk}/email", data=json.dumps({}), content_type="application/json"
    )
    assert refused.status_code == 422
    assert "The patient has no e-mail address" in refused.content.decode()
    update_patient(receipt.patient, actor=None, email="ala@example.com")
    sent = desk.post(
        f"/api/v1/billing/invoices/{receipt.pk}/email", data=json.dumps({}), content_type="application/json"
    )
    assert sent.status_code == 200, sent.content
    assert sent.json() == {"sent_to": "ala@example.com"}
    [message] = mail.outbox
    assert message.to == ["ala@example.com"]
    assert receipt.number in message.subject
    [(name, body, kind)] = message.attachments
    assert (name, kind) == (documents.filename(receipt), "application/pdf")
    assert receipt.number in text_of(body)
    assert AuditEvent.objects.filter(action="billing.document.email").count() == 1
    screen = desk.post(f"/billing/documents/{receipt.pk}/email/", {"to": "not-an-address"}, follow=True)
    assert "is not an e-mail address" in screen.content.decode()
    assert len(mail.outbox) == 1


def test_making_a_pdf_leaves_truncated_photos_refused(receipt) -> None:
    """Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process; after a PDF a worker
    must still refuse a truncated photo (tests/security/test_upload_attacks.py failed after one)."""
    from PIL import ImageFile  # noqa: PLC0415

    documents.render_pdf(receipt, receipt.clinic)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
