"""The mapping core on plain objects (no database): statuses, codes, ids and what must never be exported."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace as Row

import pytest

from mesoclinic.interop.fhir import codes
from mesoclinic.interop.fhir import resources as fr
from mesoclinic.interop.fhir.bundles import validate

CTX = fr.ExportContext(clinic_id=1, clinic_slug="rosa", media_url=lambda pk: f"https://clinic.example/p/{pk}")
AT = datetime(2026, 6, 1, 9, tzinfo=UTC)


def appointment(status: str) -> Row:
    protocol = Row(slug="glow", name="Glow", modality=Row(code="needle"))
    return Row(
        pk=5, protocol=protocol, patient_id=2, practitioner_id=3, location_id=4, room_id=6, device_id=None,
        status=status, cancel_reason="", session_index=2, starts_at=AT, ends_at=AT + timedelta(minutes=30),
        created_at=AT, notes="",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("ours", "fhir"),
    [
        ("booked", "booked"),
        ("checked_in", "checked-in"),
        ("completed", "fulfilled"),
        ("cancelled", "cancelled"),
        ("no_show", "noshow"),
    ],
)
def test_appointment_statuses_map_to_fhirs(ours, fhir):
    resource = validate(fr.appointment_resource(appointment(ours), CTX))
    assert resource["status"] == fhir
    assert resource["minutesDuration"] == 30
    assert {"reference": "Location/room-6"} in [p["actor"] for p in resource["participant"]]


def line(*, voided: bool = False) -> tuple[Row, Row]:
    product = Row(code="ha_1pct", name="HA 1 %", manufacturer="Acme")
    lot = Row(product_id=1, product=product, cocktail=None, lot_number="L-7", expires_on=date(2027, 1, 31))
    record = Row(pk=9, patient_id=2, practitioner_id=3, performed_at=AT)
    return Row(
        pk=11, lot=lot, quantity=Decimal("2.500"), unit="ml", voided_by_id=4 if voided else None
    ), record


def test_a_product_line_carries_its_lot_number_expiry_and_dose_in_ucum():
    product_line, record = line()
    resource = validate(fr.medication_administration_resource(product_line, record, CTX))
    assert resource["contained"][0]["batch"] == {"lotNumber": "L-7", "expirationDate": "2027-01-31"}
    assert resource["dosage"]["dose"] == {"value": 2.5, "unit": "ml", "system": codes.UCUM, "code": "mL"}
    assert resource["status"] == "completed"
    assert resource["partOf"] == [{"reference": "Procedure/9"}]


def test_a_voided_line_is_exported_as_entered_in_error_not_dropped():
    product_line, record = line(voided=True)
    assert fr.medication_administration_resource(product_line, record, CTX)["status"] == "entered-in-error"


def test_a_photo_is_a_link_to_the_checked_file_view_never_its_bytes():
    photo = Row(
        pk=8, view="front", get_view_display=lambda: "Front", patient_id=2, session_id=None, taken_at=AT,
        uploaded_at=AT, height=2000, width=3000, content_type="image/jpeg", size_bytes=1000,
    )  # fmt: skip
    resource = validate(fr.media_resource(photo, CTX))
    assert resource["content"]["url"] == "https://clinic.example/p/8"
    assert "data" not in resource["content"]


@pytest.mark.parametrize(
    ("severity", "fhir_severity", "seriousness"),
    [("mild", "mild", "Non-serious"), ("severe", "severe", "Non-serious"), ("serious", "severe", "Serious")],
)
def test_adverse_event_severity_and_seriousness(severity, fhir_severity, seriousness):
    event = Row(
        pk=3, severity=severity, outcome="recovered_with_sequelae", description="Nodule", actions="", regulator_reference="",
        category="granuloma", get_category_display=lambda: "Granuloma", patient_id=2, onset_on=date(2026, 7, 1), reported_at=AT,
    )  # fmt: skip
    lot = Row(lot_number="L-7")
    resource = validate(fr.adverse_event_resource(event, CTX, [9], [lot]))
    assert resource["severity"]["coding"][0]["code"] == fhir_severity
    assert resource["seriousness"]["coding"][0]["code"] == seriousness
    assert resource["outcome"]["coding"][0]["code"] == "resolvedWithSequelae"
    assert resource["suspectEntity"][1]["instance"]["identifier"]["value"] == "L-7"


def test_history_codes_become_valid_ids_and_keep_the_mesoclinic_code():
    history = Row(
        patient_id=2, conditions=["active_herpes"], implants=[], allergies=["hyaluronic_acid"],
        medications=[{"code": "isotretinoin", "stopped": "2026-01-10"}], updated_at=AT,
    )  # fmt: skip
    condition, allergy, medication = (validate(r) for r in fr.history_resources(history, CTX))
    assert condition["id"] == "2-condition-active-herpes"
    assert condition["code"]["coding"] == [{"system": codes.CS_CONDITION, "code": "active_herpes"}]
    assert allergy["code"]["coding"][0]["code"] == "hyaluronic_acid"
    assert medication["status"] == "completed"
    assert medication["effectivePeriod"] == {"end": "2026-01-10"}


def test_ids_are_cut_to_fhirs_64_characters():
    assert len(fr.fhir_id("x" * 100)) == 64


def test_a_naive_datetime_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="aware"):
        fr.instant(datetime(2026, 1, 1))  # noqa: DTZ001 — the point of the test


def test_empty_elements_are_pruned():
    assert fr.prune({"a": "", "b": [], "c": {"d": None}, "e": [{}, "x"], "f": 0}) == {"e": ["x"], "f": 0}
