"""The recall selector: from a lot, through preparations, to every session line and patient."""

from __future__ import annotations

from datetime import UTC, datetime

from mesoclinic.testing import make_lot, make_patient, make_signed_session
from mesoclinic.testing.vigilance import add_zones, make_preparation
from mesoclinic.vigilance.selectors import recall


def test_it_finds_the_patient_of_a_lot_used_directly(clinic, practitioner):
    lot = make_lot(clinic, lot_number="A1")
    patient = make_patient(clinic)
    make_signed_session(patient, practitioner, uses=[(lot, 1)])
    result = recall([lot])
    assert [p.patient.pk for p in result.patients] == [patient.pk]
    assert [u.via for u in result.uses] == [("lot A1",)]


def test_it_follows_an_ingredient_lot_into_a_preparation(clinic, practitioner):
    ingredient = make_lot(clinic, lot_number="I1")
    prep = make_preparation(ingredient, lot_number="P7")
    patient = make_patient(clinic)
    make_signed_session(patient, practitioner, uses=[(prep, 2)])
    result = recall([ingredient])
    assert [p.patient.pk for p in result.patients] == [patient.pk]
    assert result.uses[0].via == ("lot I1", "preparation P7")
    assert [r.lot for r in result.lots] == [ingredient, prep]


def test_it_follows_preparations_made_from_preparations(clinic, practitioner):
    ingredient = make_lot(clinic, lot_number="I1")
    base = make_preparation(ingredient, lot_number="P1")
    final = make_preparation(base, lot_number="P2", cocktail_code="revitalising_polyvitamin")
    patient = make_patient(clinic)
    make_signed_session(patient, practitioner, uses=[(final, 1)])
    assert recall([ingredient]).uses[0].via == ("lot I1", "preparation P1", "preparation P2")


def test_it_does_not_list_patients_of_other_lots(clinic, practitioner):
    lot = make_lot(clinic, lot_number="A1")
    other = make_lot(clinic, lot_number="B1")
    make_signed_session(make_patient(clinic), practitioner, uses=[(other, 1)])
    assert recall([lot]).patients == []


def test_it_counts_each_patient_once_with_first_and_last_session(clinic, practitioner):
    lot = make_lot(clinic)
    patient = make_patient(clinic)
    early, late = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 5, 1, 9, tzinfo=UTC)
    make_signed_session(patient, practitioner, uses=[(lot, 1)], performed_at=early)
    make_signed_session(patient, practitioner, uses=[(lot, 1)], performed_at=late)
    [entry] = recall([lot]).patients
    assert (entry.sessions, entry.first, entry.last) == (2, early, late)


def test_it_lists_the_zones_of_each_session(clinic, practitioner):
    lot = make_lot(clinic)
    record = make_signed_session(make_patient(clinic), practitioner, uses=[(lot, 1)])
    add_zones(record, "forehead", "cheek_left")
    assert recall([lot]).uses[0].zones == ("forehead", "cheek_left")


def test_it_flags_a_voided_line(clinic, practitioner):
    from mesoclinic.treatments.models import SessionAmendment, SessionProduct  # noqa: PLC0415

    lot = make_lot(clinic)
    record = make_signed_session(make_patient(clinic), practitioner, uses=[(lot, 1)])
    amendment = SessionAmendment.objects.create(
        record=record, number=1, at=datetime(2026, 6, 2, tzinfo=UTC), reason="wrong lot", changes={}
    )
    SessionProduct.objects.filter(record=record).update(voided_by=amendment)
    [use] = recall([lot]).uses
    assert use.voided and use.amended


def test_it_reaches_a_diamond_once(clinic, practitioner):
    ingredient = make_lot(clinic, lot_number="I1")
    p1 = make_preparation(ingredient, lot_number="P1")
    p2 = make_preparation(ingredient, p1, lot_number="P2", cocktail_code="revitalising_polyvitamin")
    make_signed_session(make_patient(clinic), practitioner, uses=[(p2, 1)])
    result = recall([ingredient])
    assert [r.lot.lot_number for r in result.lots] == ["I1", "P1", "P2"]
    assert len(result.uses) == 1


def test_it_needs_a_bounded_number_of_queries(clinic, practitioner, django_assert_max_num_queries):
    ingredient = make_lot(clinic, lot_number="I1")
    preps = [make_preparation(ingredient, lot_number=f"P{n}") for n in range(3)]
    for n in range(12):
        record = make_signed_session(make_patient(clinic), practitioner, uses=[(preps[n % 3], 1)])
        add_zones(record, "forehead")
    with django_assert_max_num_queries(6):
        result = recall([ingredient])
        assert len(result.patients) == 12
