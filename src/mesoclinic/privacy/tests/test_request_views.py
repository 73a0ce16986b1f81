"""The owner's erasure screens, the restricted chart (banner, audited) and the erasure API."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.patients.models import Patient
from mesoclinic.privacy.models import ErasureRequest, RequestStatus
from mesoclinic.privacy.services import record_erasure_request
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db

FORM = {
    "requested_by": "Anna Nowak",
    "channel": "letter",
    "requested_on": "2026-11-20",
    "reason": "Moved abroad",
}


def _create(patient):
    return reverse("privacy:request_create", args=[patient.pk])


def test_the_owner_records_a_request_from_the_chart(treated, owner):
    client = client_for(owner)
    chart = client.get(reverse("patients:detail", args=[treated.pk])).content.decode()
    assert _create(treated) in chart
    form = client.get(_create(treated)).content.decode()
    assert "must be kept until" in form or "kept until" in form
    response = client.post(_create(treated), FORM)
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert (request.requested_by, request.channel, request.reason) == ("Anna Nowak", "letter", "Moved abroad")
    assert request.requested_at.date() == date(2026, 11, 20)
    treated.refresh_from_db()
    assert treated.is_restricted


def test_a_bad_form_saves_nothing(treated, owner):
    response = client_for(owner).post(_create(treated), {**FORM, "channel": "pigeon"})
    assert response.status_code == 200
    assert not ErasureRequest.objects.exists()


@pytest.mark.parametrize("role", ["physician", "practitioner", "receptionist", "auditor"])
def test_only_the_owner_manages_requests(treated, role, request):
    client = client_for(request.getfixturevalue(role))
    assert client.get(_create(treated)).status_code == 403
    assert client.post(_create(treated), FORM).status_code == 403
    assert client.get(reverse("privacy:requests")).status_code == 403
    assert not ErasureRequest.objects.exists()


def test_it_404s_for_another_clinics_patient(other_clinic, owner):
    assert client_for(owner).get(_create(make_patient(other_clinic))).status_code == 404


def test_the_restricted_chart_shows_a_banner_and_is_audited(treated, owner, practitioner, receptionist):
    record_erasure_request(treated, requested_by="Patient", channel="email", actor=owner.user)
    chart = reverse("patients:detail", args=[treated.pk])
    page = client_for(practitioner).get(chart).content.decode()
    assert 'id="restriction-banner"' in page
    assert "Book a series" not in page
    event = AuditEvent.objects.get(action="patient.restricted_view")
    assert (event.actor, event.object_id) == (practitioner.user, str(treated.pk))
    assert client_for(receptionist).get(chart).status_code == 404


def test_the_restricted_patient_is_not_in_the_list(treated, owner, practitioner):
    assert (
        reverse("patients:detail", args=[treated.pk])
        in client_for(practitioner).get(reverse("patients:list")).content.decode()
    )
    record_erasure_request(treated, requested_by="Patient", channel="email", actor=owner.user)
    chart = reverse("patients:detail", args=[treated.pk])
    client = client_for(practitioner)
    assert chart not in client.get(reverse("patients:list")).content.decode()
    assert chart not in client.get(reverse("patients:list"), {"q": treated.family_name}).content.decode()


def test_the_review_page_lists_requests_with_their_retention(treated, clinic, owner):
    record_erasure_request(treated, requested_by="Patient", channel="email", actor=owner.user)
    never = make_patient(clinic, history_taken=False)
    due = record_erasure_request(never, requested_by="Patient", channel="phone", actor=owner.user)
    page = client_for(owner).get(reverse("privacy:requests")).content.decode()
    assert treated.full_name in page and never.full_name in page
    assert reverse("privacy:request_erase", args=[due.pk]) in page  # due now: nothing to keep
    assert page.count("due for erasure") == 1


def test_erase_now_erases_what_is_due_and_refuses_what_is_not(treated, clinic, owner):
    kept = record_erasure_request(treated, requested_by="Patient", channel="email", actor=owner.user)
    never = make_patient(clinic, history_taken=False)
    due = record_erasure_request(never, requested_by="Patient", channel="phone", actor=owner.user)
    client = client_for(owner)
    client.post(reverse("privacy:request_erase", args=[kept.pk]))
    client.post(reverse("privacy:request_erase", args=[due.pk]))
    assert Patient.objects.filter(pk=treated.pk).exists()
    assert not Patient.objects.filter(pk=never.pk).exists()
    kept.refresh_from_db()
    due.refresh_from_db()
    assert (kept.status, due.status) == (RequestStatus.RESTRICTED, RequestStatus.ERASED)


def test_withdraw_needs_a_reason_and_lifts_the_restriction(treated, owner):
    request = record_erasure_request(treated, requested_by="Patient", channel="email", actor=owner.user)
    url = reverse("privacy:request_withdraw", args=[request.pk])
    client = client_for(owner)
    client.post(url, {"reason": ""})
    request.refresh_from_db()
    assert request.status == RequestStatus.RESTRICTED
    client.post(url, {"reason": "Recorded for the wrong patient"})
    request.refresh_from_db()
    treated.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN and not treated.is_restricted


def test_request_actions_404_across_clinics_and_only_allow_post(other_clinic, owner, outsider):
    foreign = make_patient(other_clinic)
    request = record_erasure_request(foreign, requested_by="Patient", channel="email", actor=outsider.user)
    client = client_for(owner)
    assert client.post(reverse("privacy:request_erase", args=[request.pk])).status_code == 404
    assert (
        client.post(reverse("privacy:request_withdraw", args=[request.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert client.get(reverse("privacy:request_erase", args=[request.pk])).status_code == 405
    assert Patient.objects.filter(pk=foreign.pk).exists()


def test_the_privacy_index_sends_each_role_to_its_page(owner, physician, practitioner):
    assert client_for(owner).get(reverse("privacy:index"))["Location"] == reverse("privacy:requests")
    assert client_for(physician).get(reverse("privacy:index"))["Location"] == reverse("privacy:library")
    assert client_for(practitioner).get(reverse("privacy:index")).status_code == 403


def test_the_api_records_lists_and_erases(clinic, owner, physician):
    patient = make_patient(clinic, history_taken=False)
    client = client_for(owner)
    created = client.post(
        f"/api/v1/privacy/patients/{patient.pk}/erasure-requests",
        {"requested_by": "Patient", "channel": "email"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "restricted" and body["retained_until"] is None
    assert client.get("/api/v1/privacy/erasure-requests").json()["count"] == 1
    erased = client.post(f"/api/v1/privacy/erasure-requests/{body['id']}/erase")
    assert erased.json()["status"] == "erased"
    assert client_for(physician).get("/api/v1/privacy/erasure-requests").status_code == 403


def test_the_api_refuses_erasure_within_retention_with_the_reason(treated, owner):
    request = record_erasure_request(treated, requested_by="Patient", channel="email", actor=owner.user)
    response = client_for(owner).post(f"/api/v1/privacy/erasure-requests/{request.pk}/erase")
    assert response.status_code == 422
    assert "must be kept until" in str(response.json())
