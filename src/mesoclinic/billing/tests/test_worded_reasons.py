"""Reasons MesoClinic writes on billing records itself (issue 15): kept as an English template with its values
beside the English text, and shown in each reader's language; a row written before (text only) shows as it was.
Financial records are never rewritten: only new rows carry a template."""

from __future__ import annotations

import pytest
from django.utils import translation

from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.billing.models import PackageEntry, PackageEntryKind, Payment
from mesoclinic.billing.services import create_credit_note, issue_invoice, refund_package
from mesoclinic.billing.tests.test_packages import sell
from mesoclinic.clinical_codes.words import N_, Worded
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic
from mesoclinic.testing.treatments import ready_draft

pytestmark = pytest.mark.django_db


def _polish_owner(clinic):
    staff = make_staff(clinic, Role.OWNER, name="Anna Nowak")
    StaffMember.objects.filter(pk=staff.pk).update(language="pl")
    staff.refresh_from_db()
    return staff


def _overridden_refund(clinic, owner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    refund_package(package, reason="Wyjazd", amount="2300.00", override_reason="Dobra wola", actor=owner.user)
    return package


def test_a_package_refund_reads_in_polish_for_a_polish_reader_and_keeps_its_english_text(clinic, owner):
    package = _overridden_refund(clinic, owner)
    refund = Payment.objects.get(refund_of__isnull=False)
    entry = PackageEntry.objects.get(package=package, kind=PackageEntryKind.REFUND)
    assert refund.reason == "Package refund: Wyjazd (override: Dobra wola)"  # the English text, kept
    assert refund.reason_params == {"reason": "Wyjazd", "override": "Dobra wola"}
    with translation.override("pl"):
        assert refund.reason_text == "Zwrot za pakiet: Wyjazd (wyjątek: Dobra wola)"
        assert entry.reason_text == "Wyjazd (wyjątek: Dobra wola)"
    with translation.override("en"):
        assert refund.reason_text == "Package refund: Wyjazd (override: Dobra wola)"
        assert entry.reason_text == "Wyjazd (override: Dobra wola)"


def test_the_package_page_shows_the_ledger_reason_in_the_staff_members_language(clinic, owner):
    package = _overridden_refund(clinic, owner)
    polish = _polish_owner(clinic)
    page = client_for(polish).get(f"/billing/packages/{package.pk}/").content.decode()
    assert "Wyjazd (wyjątek: Dobra wola)" in page and "override" not in page
    english = client_for(owner).get(f"/billing/packages/{package.pk}/").content.decode()
    assert "Wyjazd (override: Dobra wola)" in english


def test_a_row_written_before_the_template_shows_its_text_as_it_was(clinic, owner):
    package = _overridden_refund(clinic, owner)
    refund = Payment.objects.get(refund_of__isnull=False)
    Payment.objects.filter(pk=refund.pk).update(
        reason="Package refund: old words", reason_template="", reason_params={}
    )
    refund.refresh_from_db()
    with translation.override("pl"):
        assert refund.reason_text == "Package refund: old words"
    assert package.invoice.payments.get(refund_of__isnull=True).reason_text == ""


def test_a_persons_own_reason_is_never_translated(clinic, owner):
    record = ready_draft(clinic)
    package = sell(record.patient, record.appointment.protocol)
    refund_package(package, reason="Moving abroad", actor=owner.user)
    entry = PackageEntry.objects.get(package=package, kind=PackageEntryKind.REFUND)
    assert (entry.reason, entry.reason_template) == ("Moving abroad", "")
    with translation.override("pl"):
        assert entry.reason_text == "Moving abroad"


def test_a_credit_note_written_by_mesoclinic_reads_in_the_api_callers_language():
    clinic = pl_clinic()
    invoice = issue_invoice(draft(make_patient(clinic), line(unit_price="100.00")), actor=None)
    note = create_credit_note(
        invoice,
        lines=[line(unit_price="100.00")],
        reason=Worded(N_("Waived: %(reason)s"), {"reason": "Choroba"}),
        actor=None,
    )
    assert (note.reason, note.reason_template) == ("Waived: Choroba", "Waived: %(reason)s")
    polish = _polish_owner(clinic)
    english = make_staff(clinic, Role.OWNER)
    answer = client_for(polish).get(f"/api/v1/billing/invoices/{note.pk}")
    assert answer.status_code == 200, answer.content
    assert answer.json()["reason"] == "Umorzono: Choroba"
    assert (
        client_for(english).get(f"/api/v1/billing/invoices/{note.pk}").json()["reason"] == "Waived: Choroba"
    )
