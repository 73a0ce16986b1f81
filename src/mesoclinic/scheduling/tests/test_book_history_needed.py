"""A patient whose history was never taken cannot be booked for an invasive treatment (issue 12, item 3).

Screening says "history needed", never "OK"; no override lifts it (the history must be taken); a
needle-free treatment may still be booked, with the history asked for before the first session.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import ScreeningBlockedError, book_series
from mesoclinic.testing import client_for, make_patient, take_history
from mesoclinic.testing.scheduling import ELECTROPORATION, MONDAY, NEEDLE, call, protocol_for_modality

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_patient(clinic):
    return make_patient(clinic, history_taken=False)


def test_a_needle_series_is_refused_until_the_history_is_taken(clinic, setup, new_patient, physician):
    needle = protocol_for_modality(clinic, "needle")
    sessions = propose_series(setup.location, needle, earliest=MONDAY).sessions
    with pytest.raises(ScreeningBlockedError) as refused:
        book_series(new_patient, needle, setup.location, sessions, actor=physician.user, override_reason="x")
    assert str(refused.value).startswith("History needed")
    assert [f["factor"] for f in refused.value.findings] == ["history_needed"]
    assert not Appointment.objects.exists()
    take_history(new_patient)
    book_series(new_patient, needle, setup.location, sessions, actor=physician.user)
    assert Appointment.objects.filter(patient=new_patient).count() == len(sessions)


def test_a_needle_free_series_may_be_booked_before_the_history(clinic, setup, new_patient, receptionist):
    electroporation = protocol_for_modality(clinic, "electroporation")
    sessions = propose_series(setup.location, electroporation, earliest=MONDAY).sessions
    book_series(new_patient, electroporation, setup.location, sessions, actor=receptionist.user)
    assert Appointment.objects.filter(patient=new_patient).count() == len(sessions)


def test_the_api_answers_409_with_the_reason(clinic, setup, new_patient, receptionist):
    client = client_for(receptionist)
    needle = protocol_for_modality(clinic, "needle")
    proposal = call(
        client,
        "post",
        "/api/v1/scheduling/series/proposal",
        {
            "patient_id": new_patient.pk,
            "protocol": needle.slug,
            "location_id": setup.location.pk,
            "earliest": MONDAY.isoformat(),
        },
    ).json()
    assert proposal["screening"]["decision"] == "history_needed"
    body = {
        "patient_id": new_patient.pk,
        "protocol": needle.slug,
        "location_id": setup.location.pk,
        "sessions": proposal["sessions"],
    }
    response = call(client, "post", "/api/v1/scheduling/series", body)
    assert response.status_code == 409
    assert response.json()["detail"].startswith("History needed")
    assert [f["factor"] for f in response.json()["findings"]] == ["history_needed"]
    assert not Appointment.objects.exists()


def test_the_wizard_stops_at_screening_with_the_reason_and_no_override(clinic, setup, new_patient, physician):
    client = client_for(physician)
    url = reverse("scheduling:book")
    response = client.get(url, {"patient": new_patient.pk, "protocol": NEEDLE})
    body = response.content.decode()
    assert response.context["step"] == "screening"
    assert "History needed: do not book." in body
    assert 'name="override"' not in body
    assert "step=consent" not in body
    assert reverse("patients:detail", args=[new_patient.pk]) + "?tab=history" in body
    skipping = client.get(
        url,
        {
            "patient": new_patient.pk,
            "protocol": NEEDLE,
            "location": setup.location.pk,
            "earliest": "2031-03-03",
            "consent": "later",
            "override": "1",
            "step": "dates",
        },
    )
    assert skipping.context["step"] == "screening"


def test_the_wizard_lets_a_needle_free_treatment_continue_with_a_note(
    clinic, setup, new_patient, receptionist
):
    response = client_for(receptionist).get(
        reverse("scheduling:book"), {"patient": new_patient.pk, "protocol": ELECTROPORATION}
    )
    body = response.content.decode()
    assert "History needed before the first session." in body
    assert "step=consent" in body
