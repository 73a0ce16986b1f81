"""The session records API."""

from __future__ import annotations

import pytest

from mesoclinic.testing import client_for
from mesoclinic.testing.treatments import first_appointment, ready_draft

pytestmark = pytest.mark.django_db
BASE = "/api/v1/sessions"


def test_it_opens_a_record_from_an_appointment(clinic, practitioner):
    appointment = first_appointment(clinic)
    response = client_for(practitioner).post(f"{BASE}/open/{appointment.pk}")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"


def test_it_hides_another_clinics_record(clinic, outsider):
    record = ready_draft(clinic)
    assert client_for(outsider).get(f"{BASE}/{record.pk}").status_code == 404


def test_a_receptionist_may_not_read_a_record(clinic, receptionist):
    record = ready_draft(clinic)
    assert client_for(receptionist).get(f"{BASE}/{record.pk}").status_code == 403


def test_a_refused_sign_is_422_with_the_reasons(clinic, practitioner):
    record = ready_draft(clinic, expired=True)
    response = client_for(practitioner).post(f"{BASE}/{record.pk}/sign", {}, content_type="application/json")
    assert response.status_code == 422
    assert any("LI-OLD" in reason for reason in response.json()["errors"]["sign"])
    record.refresh_from_db()
    assert not record.is_signed


def test_it_signs_and_amends(clinic, practitioner):
    record = ready_draft(clinic)
    client = client_for(practitioner)
    assert (
        client.post(f"{BASE}/{record.pk}/sign", {}, content_type="application/json").json()["status"]
        == "signed"
    )
    response = client.post(
        f"{BASE}/{record.pk}/amend", {"reason": "typo", "notes": "ok"}, content_type="application/json"
    )
    assert response.json()["amendment_count"] == 1


def test_it_updates_a_draft(clinic, practitioner):
    record = ready_draft(clinic)
    response = client_for(practitioner).patch(
        f"{BASE}/{record.pk}",
        {"notes": "x", "zones": [{"zone": "chin", "volume_ml": "0.2"}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [z["zone"] for z in response.json()["zones"]] == ["chin"]


def test_a_draft_with_a_wrong_number_is_422_by_field(clinic, practitioner):
    record = ready_draft(clinic)
    response = client_for(practitioner).patch(
        f"{BASE}/{record.pk}", {"parameters": {"depth_mm": 40}}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["parameters"] == ["Injection depth must be 0.5–13 mm, not 40."]


def test_null_product_and_zone_lists_leave_the_lines_as_they_are(clinic, practitioner):
    """Found by schemathesis: an explicit null was iterated (500)."""
    record = ready_draft(clinic)
    response = client_for(practitioner).patch(
        f"{BASE}/{record.pk}",
        {"notes": "y", "products": None, "zones": None},
        content_type="application/json",
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.notes == "y"
    assert record.products.count() == 2
    assert record.zones.count() == 2


def test_it_reports_course_progress(clinic, receptionist):
    appointment = first_appointment(clinic)
    response = client_for(receptionist).get(f"{BASE}/courses/{appointment.course_id}")
    assert len(response.json()["sessions"]) == 4


def test_a_zone_without_a_volume_is_recorded_without_one(clinic, practitioner):
    """Issue 13: a zone sent without ``volume_ml`` (the schema allows it) answered 500."""
    record = ready_draft(clinic)
    response = client_for(practitioner).patch(
        f"{BASE}/{record.pk}", {"zones": [{"zone": "chin"}]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert [(z["zone"], z["volume_ml"]) for z in response.json()["zones"]] == [("chin", None)]
    assert record.zones.get().volume_ml is None


def test_a_lone_surrogate_or_a_control_character_in_session_notes_is_refused(clinic, practitioner):
    record = ready_draft(clinic)
    client = client_for(practitioner)
    surrogate = client.patch(
        f"{BASE}/{record.pk}", '{"notes": "ok \\udfff"}', content_type="application/json"
    )
    assert surrogate.status_code == 422
    escape = client.patch(f"{BASE}/{record.pk}", {"notes": "a\x1bb"}, content_type="application/json")
    assert escape.status_code == 422
    record.refresh_from_db()
    assert "\x1b" not in record.notes
