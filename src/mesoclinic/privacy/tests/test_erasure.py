"""Erasure requests: restriction while records must be kept, erasure once the retention period is over."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.http import Http404

from mesoclinic.audit.models import AuditEvent
from mesoclinic.inventory.models import StockMovement
from mesoclinic.outcomes.models import Photo, PhotoAnalysis
from mesoclinic.patients.models import MedicalHistory, Patient
from mesoclinic.patients.selectors import get_patient_for_user, patients_for_clinic
from mesoclinic.privacy.models import ErasureRequest, RequestStatus
from mesoclinic.privacy.selectors import last_clinical_entry, retention_ends_on
from mesoclinic.privacy.services import (
    erase_patient,
    purge_due_erasures,
    purge_expired,
    record_erasure_request,
    withdraw_erasure_request,
)
from mesoclinic.privacy.tests.conftest import AFTER_RETENTION, WITHIN_RETENTION, photo_of
from mesoclinic.testing import make_patient, make_signed_session
from mesoclinic.treatments.models import SessionProduct, SessionRecord
from mesoclinic.vigilance.models import AdverseEvent, FollowUp
from mesoclinic.vigilance.services import add_follow_up

pytestmark = pytest.mark.django_db


def _request(patient, owner):
    return record_erasure_request(
        patient, requested_by="The patient", channel="email", reason="Moving away", actor=owner.user
    )


def test_it_records_who_asked_when_and_how_and_restricts_the_patient(treated, owner):
    request = _request(treated, owner)
    request.refresh_from_db()
    treated.refresh_from_db()
    assert (request.requested_by, request.channel, request.reason) == ("The patient", "email", "Moving away")
    assert request.recorded_by == owner.user
    assert request.status == RequestStatus.RESTRICTED
    assert "art. 17(3)" in request.legal_basis
    assert treated.restricted_at is not None
    assert AuditEvent.objects.filter(action="erasure_request.record", object_id=str(request.pk)).exists()


def test_retention_runs_eight_years_from_the_last_clinical_entry(treated):
    last = last_clinical_entry(treated)
    assert last is not None and last >= date(2026, 6, 2)
    assert retention_ends_on(treated) == last.replace(year=last.year + 8)


def test_a_patient_without_clinical_entries_has_no_retention(clinic):
    assert retention_ends_on(make_patient(clinic, history_taken=False)) is None


def test_a_restricted_patient_leaves_lists_and_search_and_the_front_desk(
    treated, owner, receptionist, practitioner
):
    _request(treated, owner)
    assert treated not in patients_for_clinic(treated.clinic)
    assert not patients_for_clinic(treated.clinic, search=treated.family_name).exists()
    with pytest.raises(Http404):
        get_patient_for_user(receptionist, treated.pk)
    assert get_patient_for_user(practitioner, treated.pk) == treated


def test_a_restricted_patient_takes_no_new_clinical_entry(treated, owner, practitioner):
    _request(treated, owner)
    with pytest.raises(ValidationError, match="restricted"), transaction.atomic():
        make_signed_session(treated, practitioner)
    with pytest.raises(ValidationError, match="restricted"), transaction.atomic():
        photo_of(treated, seed=5)
    assert SessionRecord.objects.filter(patient=treated).count() == 1


def test_an_adverse_event_follow_up_is_still_possible(treated, owner, practitioner):
    _request(treated, owner)
    event = AdverseEvent.objects.get(patient=treated)
    add_follow_up(event, note="Recovered fully", outcome="recovered", actor=practitioner.user)
    assert FollowUp.objects.filter(event=event).count() == 2


def test_a_second_open_request_is_refused(treated, owner):
    _request(treated, owner)
    with pytest.raises(ValidationError, match="already"):
        _request(treated, owner)


def test_withdrawing_lifts_the_restriction(treated, owner):
    request = _request(treated, owner)
    withdraw_erasure_request(request, reason="Changed her mind", actor=owner.user)
    treated.refresh_from_db()
    request.refresh_from_db()
    assert treated.restricted_at is None
    assert request.status == RequestStatus.WITHDRAWN


def test_nothing_is_erased_within_the_retention_period(treated, owner):
    request = _request(treated, owner)
    assert purge_due_erasures(today=WITHIN_RETENTION) == []
    with pytest.raises(ValidationError, match="must be kept until"):
        erase_patient(request, today=WITHIN_RETENTION, actor=owner.user)
    assert Patient.objects.filter(pk=treated.pk).exists()


def test_the_dry_run_names_who_is_due_and_erases_nothing(treated, owner):
    _request(treated, owner)
    [result] = purge_due_erasures(today=AFTER_RETENTION, dry_run=True)
    assert result.patient_id == treated.pk and not result.erased
    assert result.counts["treatments.sessionrecord"] == 1
    assert Patient.objects.filter(pk=treated.pk).exists()


def test_after_the_retention_period_everything_personal_is_erased(
    treated, owner, django_capture_on_commit_callbacks
):
    request = _request(treated, owner)
    photos = list(Photo.objects.filter(patient=treated))
    files = [name for p in photos for name in (p.image.name, p.thumbnail.name)]
    files += [n for a in PhotoAnalysis.objects.filter(photo__in=photos) for n in a.overlays.values()]
    assert files and all(default_storage.exists(name) for name in files)
    movements = StockMovement.objects.count()
    session_ids = list(SessionRecord.objects.filter(patient=treated).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        [result] = purge_due_erasures(today=AFTER_RETENTION)

    assert result.erased
    assert not Patient.objects.filter(pk=treated.pk).exists()
    assert not Patient.history.filter(id=treated.pk).exists()
    assert not MedicalHistory.history.filter(patient_id=treated.pk).exists()
    assert not SessionRecord.objects.filter(pk__in=session_ids).exists()
    assert not SessionRecord.history.filter(id__in=session_ids).exists()
    assert not SessionProduct.objects.filter(record_id__in=session_ids).exists()
    assert not AdverseEvent.objects.filter(patient_id=treated.pk).exists()
    assert not Photo.objects.filter(patient_id=treated.pk).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert StockMovement.objects.count() == movements  # the stock ledger is not personal data
    request.refresh_from_db()
    assert (request.status, request.patient_id, request.patient_ref) == (
        RequestStatus.ERASED,
        None,
        treated.pk,
    )
    assert request.requested_by == "" and request.reason == ""
    event = AuditEvent.objects.get(action="patient.erase")
    assert event.data == {"patient_id": treated.pk, "legal_basis": request.legal_basis}


def test_erasure_leaves_other_patients_alone(treated, owner, clinic, practitioner):
    other = make_patient(clinic)
    make_signed_session(other, practitioner)
    _request(treated, owner)
    purge_due_erasures(today=AFTER_RETENTION)
    assert SessionRecord.objects.filter(patient=other).count() == 1
    assert MedicalHistory.objects.filter(patient=other).exists()


def test_a_patient_who_never_had_a_clinical_entry_is_erased_by_the_next_purge(clinic, owner):
    patient = make_patient(clinic, history_taken=False)
    _request(patient, owner)
    [result] = purge_due_erasures(today=date(2026, 11, 25))
    assert result.erased
    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert "no clinical record" in ErasureRequest.objects.get().legal_basis


def test_the_purge_command_and_the_task(clinic, owner, capsys):
    first, second = make_patient(clinic, history_taken=False), make_patient(clinic, history_taken=False)
    _request(first, owner)
    call_command("privacy", "purge", "--dry-run")
    assert "would erase patient" in capsys.readouterr().out
    assert Patient.objects.filter(pk=first.pk).exists()
    call_command("privacy", "purge", "--today", "2026-11-25")
    assert "1 patient(s) erased" in capsys.readouterr().out
    assert not Patient.objects.filter(pk=first.pk).exists()
    _request(second, owner)
    assert purge_expired.enqueue().return_value == 1
    assert not Patient.objects.filter(pk=second.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_patient_is_erased_after_an_earlier_withdrawn_request(treated, owner):
    """Request, withdraw, request again, erase: the withdrawn request must not hold the patient back.

    Transactional, so that the foreign keys are checked at a real commit, as in production.
    """
    first = _request(treated, owner)
    withdraw_erasure_request(first, reason="Changed her mind", actor=owner.user)
    second = _request(treated, owner)

    erase_patient(second, today=AFTER_RETENTION, actor=owner.user)

    assert not Patient.objects.filter(pk=treated.pk).exists()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.patient_id, first.patient_ref) == (RequestStatus.WITHDRAWN, None, treated.pk)
    assert first.requested_by == "" and first.reason == ""  # personal data of the earlier request goes too
    assert (second.status, second.patient_id) == (RequestStatus.ERASED, None)
