"""Marking a lot recalled from its page: reason and confirmation required."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.testing import client_for, make_lot


def _url(lot_id: int) -> str:
    return reverse("inventory:mark_recalled", args=[lot_id])


def test_it_marks_the_lot_recalled(clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(clinic)
    response = client_for(physician).post(_url(lot.pk), {"reason": "Notice 42", "confirm": "on"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.recall_reason == "Notice 42"


def test_it_requires_the_confirmation(clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(clinic)
    response = client_for(physician).post(_url(lot.pk), {"reason": "Notice 42"})
    assert response.status_code == 422
    assert 'value="Notice 42"' in response.content.decode()
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_it_refuses_a_receptionist(clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(clinic)
    assert client_for(receptionist).post(_url(lot.pk), {"reason": "x", "confirm": "on"}).status_code == 403


def test_it_404s_for_another_clinics_lot(other_clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(other_clinic)
    assert client_for(physician).post(_url(lot.pk), {"reason": "x", "confirm": "on"}).status_code == 404


def test_it_only_allows_post(clinic: Clinic, physician: StaffMember) -> None:
    assert client_for(physician).get(_url(make_lot(clinic).pk)).status_code == 405
