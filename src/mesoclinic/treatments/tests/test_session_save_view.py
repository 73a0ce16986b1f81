"""Saving a draft from the tablet form: zones, scanned lots, parameters; signing after saving."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.testing import client_for, make_lot
from mesoclinic.testing.treatments import NEEDLE_PARAMETERS, ready_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(clinic):
    return ready_draft(clinic)


def url(record):
    return reverse("treatments:save", args=[record.pk])


def form(record, **extra):
    lines = list(record.products.all())
    data = {
        "zone": ["forehead"],
        "volume_forehead": "1",
        "line_lot": [line.lot_id for line in lines],
        "line_quantity": [str(line.quantity) for line in lines],
        "duration_minutes": "30",
        "aftercare": "Sunscreen",
        "notes": "",
        **{f"param_{k}": v for k, v in NEEDLE_PARAMETERS.items()},
    }
    data.update(extra)
    return data


def test_it_only_allows_post(practitioner, record):
    assert client_for(practitioner).get(url(record)).status_code == 405


def test_it_does_not_touch_another_clinics_record(outsider, record):
    assert client_for(outsider).post(url(record), form(record)).status_code == 404


def test_a_receptionist_may_not_edit(receptionist, record):
    assert client_for(receptionist).post(url(record), form(record)).status_code == 403


def test_a_scanned_lot_number_adds_a_line(clinic, practitioner, record):
    make_lot(clinic, "vitamin_c_ampoule", lot_number="VC-77")
    response = client_for(practitioner).post(
        url(record), form(record, scan="vc-77", scan_quantity="0.5", action="add_lot")
    )
    assert response.status_code == 302
    assert record.products.filter(lot__lot_number="VC-77", quantity=0.5).exists()


def test_an_unknown_lot_is_explained_and_nothing_typed_is_lost(practitioner, record):
    response = client_for(practitioner).post(url(record), form(record, scan="NOPE", notes="keep me"))
    page = response.content.decode()
    assert response.status_code == 422
    assert "No lot “NOPE”" in page
    assert "keep me" in page


def test_sign_saves_then_signs(practitioner, record):
    response = client_for(practitioner).post(url(record), form(record, action="sign", notes="fine"))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.is_signed
    assert record.notes == "fine"


def test_a_refused_sign_lists_the_reasons_and_keeps_the_draft(clinic, practitioner):
    record = ready_draft(clinic, consent=False)
    response = client_for(practitioner).post(url(record), form(record, action="sign", notes="typed"))
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="sign-errors"' in page and "no valid consent" in page
    record.refresh_from_db()
    assert not record.is_signed
    assert record.notes == "typed"


def test_a_wrong_number_is_refused_on_save_beside_its_field_and_kept_as_typed(practitioner, record):
    before = dict(record.parameters)
    response = client_for(practitioner).post(url(record), form(record, param_depth_mm="15", notes="typed"))
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="param-depth_mm_error"' in page
    assert "Injection depth must be 0.5–13 mm, not 15." in page
    assert 'value="15"' in page
    assert "typed" in page
    record.refresh_from_db()
    assert (record.parameters, record.notes) == (before, "")


def test_saving_a_draft_that_holds_an_expired_lot_names_it_and_signs_nothing(clinic, practitioner):
    record = ready_draft(clinic, expired=True)  # saved before lots were checked on entry
    response = client_for(practitioner).post(url(record), form(record, action="sign", notes="typed"))
    page = response.content.decode()
    assert response.status_code == 422
    assert "Lot LI-OLD of" in page and "expired on 30 June 2030" in page
    assert "typed" in page  # what was typed is shown again, to save once the lot is removed
    record.refresh_from_db()
    assert not record.is_signed
