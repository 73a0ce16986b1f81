"""Marking a lot recalled from the recall page."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import client_for, make_lot


def _url(lot):
    return reverse("vigilance:recall_mark", args=[lot.pk])


def test_it_marks_the_lot_recalled(clinic, practitioner):
    lot = make_lot(clinic)
    response = client_for(practitioner).post(_url(lot), {"reason": "FSN 2026-14", "confirm": "on"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.is_recalled, lot.recall_reason) == (True, "FSN 2026-14")


def test_it_needs_the_confirmation_and_keeps_the_reason(clinic, practitioner):
    lot = make_lot(clinic)
    response = client_for(practitioner).post(_url(lot), {"reason": "FSN 2026-14"})
    assert "Tick the box to confirm" in response.text
    assert 'value="FSN 2026-14"' in response.text
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_it_needs_a_reason(clinic, practitioner):
    lot = make_lot(clinic)
    response = client_for(practitioner).post(_url(lot), {"reason": "", "confirm": "on"})
    assert response.status_code == 200
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_it_is_404_for_another_clinics_lot(clinic, other_clinic, practitioner):
    lot = make_lot(other_clinic)
    assert client_for(practitioner).post(_url(lot), {"reason": "x", "confirm": "on"}).status_code == 404


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    lot = make_lot(clinic)
    assert client_for(receptionist).post(_url(lot), {"reason": "x", "confirm": "on"}).status_code == 403


def test_it_only_allows_post(clinic, practitioner):
    assert client_for(practitioner).get(_url(make_lot(clinic))).status_code == 405
