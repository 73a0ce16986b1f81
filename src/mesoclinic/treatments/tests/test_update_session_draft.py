"""Editing a draft session record; a signed one refuses every change but an amendment."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.testing import make_lot
from mesoclinic.testing.treatments import first_appointment, ready_draft
from mesoclinic.treatments.models import SignedRecordError
from mesoclinic.treatments.services import open_session, sign_session, update_session_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(clinic):
    return open_session(first_appointment(clinic), actor=None)


def test_it_saves_notes_and_duration(draft):
    update_session_draft(draft, actor=None, notes="  Tolerated well ", duration_minutes="35")
    draft.refresh_from_db()
    assert (draft.notes, draft.duration_minutes) == ("Tolerated well", 35)


def test_it_replaces_product_lines(clinic, draft):
    first, second = make_lot(clinic), make_lot(clinic)
    update_session_draft(draft, actor=None, products=[(first, "1")])
    update_session_draft(draft, actor=None, products=[(second, "0.5")])
    assert [(p.lot, str(p.quantity)) for p in draft.products.all()] == [(second, "0.500")]


def test_it_replaces_zones_with_volumes(draft):
    update_session_draft(draft, actor=None, zones=[("forehead", "1.5"), ("chin", "")])
    assert [(z.zone, z.volume_ml) for z in draft.zones.order_by("zone")] == [
        ("chin", None),
        ("forehead", pytest.approx(1.5)),
    ]


def test_it_refuses_an_unknown_zone(draft):
    with pytest.raises(ValidationError, match="not a zone"):
        update_session_draft(draft, actor=None, zones=[("elbow", "1")])


def test_it_refuses_a_quantity_of_zero(clinic, draft):
    with pytest.raises(ValidationError, match="more than zero"):
        update_session_draft(draft, actor=None, products=[(make_lot(clinic), "0")])


def test_it_refuses_another_clinics_lot(other_clinic, draft):
    with pytest.raises(ValidationError, match="not one of this clinic's lots"):
        update_session_draft(draft, actor=None, products=[(make_lot(other_clinic), "1")])


def test_it_refuses_out_of_range_or_non_numeric_parameters_when_saved_and_saves_nothing(draft):
    with pytest.raises(ValidationError) as out_of_range:
        update_session_draft(draft, actor=None, parameters={"depth_mm": "99", "gauge": "30G"}, notes="x")
    assert out_of_range.value.message_dict["parameters"] == ["Injection depth must be 0.5–13 mm, not 99."]
    with pytest.raises(ValidationError) as not_a_number:
        update_session_draft(draft, actor=None, parameters={"depth_mm": "deep"})
    assert not_a_number.value.message_dict["parameters"] == ["Injection depth must be a number."]
    draft.refresh_from_db()
    assert (draft.parameters, draft.notes) == ({}, "")


def test_it_saves_a_draft_with_a_required_parameter_still_blank(draft):
    update_session_draft(draft, actor=None, parameters={"depth_mm": "1,5", "gauge": ""})
    draft.refresh_from_db()
    assert draft.parameters == {"depth_mm": 1.5}


def test_it_refuses_a_signed_record(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    with pytest.raises(ValidationError, match="signed and locked"):
        update_session_draft(record, actor=None, notes="changed")
    record.refresh_from_db()
    assert record.notes == ""


def test_save_refuses_to_change_a_signed_record(clinic, practitioner):
    record = ready_draft(clinic)
    sign_session(record, actor=practitioner.user)
    record.refresh_from_db()
    record.notes = "sneaky"
    with pytest.raises(SignedRecordError):
        record.save()


def test_it_refuses_notes_longer_than_a_page(draft):
    with pytest.raises(ValidationError) as error:
        update_session_draft(draft, actor=None, notes="x" * 5001)
    assert "under 5000 characters" in error.value.message_dict["notes"][0]
