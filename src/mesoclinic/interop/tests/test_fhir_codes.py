"""Every value of every choice a MesoClinic record can hold, exported, against HL7's R4 schema and value sets.

The mapping reads plain attributes, so each value is tried on a plain row (no database); the checker
(``r4_check``) is independent of ``fhir.resources``, which does not check code bindings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace as Row

import pytest

from mesoclinic.catalog.data_file import zone_names
from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS
from mesoclinic.interop.fhir import codes
from mesoclinic.interop.fhir import resources as fr
from mesoclinic.interop.tests.r4_check import check
from mesoclinic.outcomes.models import PhotoView
from mesoclinic.patients.models import PhotoUse, Sex
from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.vigilance.models import EventCategory, Outcome, Severity

CTX = fr.ExportContext(clinic_id=1, clinic_slug="rosa", media_url=lambda pk: f"https://clinic.example/p/{pk}")
AT = datetime(2026, 6, 1, 9, tzinfo=UTC)


def valid(resource: dict) -> dict:
    errors = check(resource)
    assert not errors, errors
    return resource


def test_the_checker_refuses_the_status_fhir_resources_let_through():
    """The export once wrote ``checkedin``: fhir.resources took it, R4 does not have it."""
    appointment = fr.appointment_resource(appointment_row("booked"), CTX) | {"status": "checkedin"}
    assert any("checkedin" in error for error in check(appointment))


def appointment_row(status: str) -> Row:
    protocol = Row(slug="glow", name="Glow", modality=Row(code="needle"))
    return Row(
        pk=5, protocol=protocol, patient_id=2, practitioner_id=3, location_id=4, room_id=6, device_id=7,
        status=status, cancel_reason="Ill" if status == "cancelled" else "", session_index=2, starts_at=AT,
        ends_at=AT + timedelta(minutes=30), created_at=AT, notes="",
    )  # fmt: skip


@pytest.mark.parametrize("status", AppointmentStatus.values)
def test_every_appointment_status_is_an_r4_appointment_status(status):
    resource = valid(fr.appointment_resource(appointment_row(status), CTX))
    assert resource["status"] == codes.APPOINTMENT_STATUS[status]


def test_the_appointment_status_table_maps_exactly_the_models_statuses():
    assert set(codes.APPOINTMENT_STATUS) == set(AppointmentStatus.values)


def test_a_checked_in_patient_is_checked_in_not_arrived():
    assert fr.appointment_resource(appointment_row("checked_in"), CTX)["status"] == "checked-in"


def test_a_status_with_no_fhir_code_stops_the_export_with_its_name():
    with pytest.raises(codes.UnmappedCodeError, match=r"Appointment.status: no FHIR code for 'waiting'"):
        fr.appointment_resource(appointment_row("waiting"), CTX)


def patient_row(sex: str, **extra: object) -> Row:
    fields = {
        "pk": 2, "given_name": "Zofia", "family_name": "Łęcka", "phone": "+48 600 100 200",
        "email": "z@example.org", "sex": sex, "birth_date": date(1985, 4, 2), "address": "ul. Długa 1, Kraków",
        "preferred_language": "pl", "fitzpatrick": 3, "glogau": 2, "updated_at": AT,
    }  # fmt: skip
    return Row(**(fields | extra))


@pytest.mark.parametrize("sex", Sex.values)
def test_every_sex_is_an_r4_administrative_gender(sex):
    resource = valid(fr.patient_resource(patient_row(sex), CTX, [("urn:oid:1.2.3", "X-1")]))
    assert resource["gender"] == codes.GENDERS[sex]


def test_the_gender_tables_map_exactly_the_models_sexes_both_ways():
    assert set(codes.GENDERS) == set(Sex.values)
    assert {codes.SEXES[codes.GENDERS[sex]] for sex in Sex.values} == set(Sex.values)


@pytest.mark.parametrize("skin_type", ["fitzpatrick", "glogau"])
def test_the_charts_skin_types_are_valid_observations(skin_type):
    observations = {o["id"]: o for o in fr.skin_type_observations(patient_row("female"))}
    valid(observations[f"p-2-{skin_type}"])


@pytest.mark.parametrize("status", SessionRecord.Status.values)
def test_every_session_record_status_is_an_r4_procedure_status(status):
    record = Row(
        pk=9, patient_id=2, practitioner_id=3, device_id=7, appointment_id=5, appointment=Row(location_id=4),
        modality="electroporation", performed_at=AT, parameters={"intensity": 3, "needle_gauge": "32G"},
        status=status, notes="Calm skin", aftercare="No sun",
    )  # fmt: skip
    zones = [Row(zone=code, voided_by_id=None) for code in zone_names()]
    resource = valid(fr.procedure_resource(record, CTX, zones))
    assert resource["status"] == codes.PROCEDURE_STATUS[status]
    assert len(resource["bodySite"]) == len(zone_names())


def test_the_procedure_status_table_maps_exactly_the_models_statuses():
    assert set(codes.PROCEDURE_STATUS) == set(SessionRecord.Status.values)


def event_row(**extra: object) -> Row:
    fields = {
        "pk": 3, "severity": "mild", "outcome": "ongoing", "description": "Nodule", "actions": "Antibiotics",
        "regulator_reference": "YC-1", "category": "granuloma", "patient_id": 2, "onset_on": date(2026, 7, 1),
        "reported_at": AT,
    }  # fmt: skip
    row = Row(**(fields | extra))
    row.get_category_display = lambda: EventCategory(row.category).label
    return row


@pytest.mark.parametrize("severity", Severity.values)
def test_every_adverse_event_severity_is_an_r4_severity_and_seriousness(severity):
    resource = valid(
        fr.adverse_event_resource(event_row(severity=severity), CTX, [9], [Row(lot_number="L-7")])
    )
    code, _display, seriousness = codes.AE_SEVERITIES[severity]
    assert resource["severity"]["coding"][0]["code"] == code
    assert resource["seriousness"]["coding"][0]["code"] == seriousness


@pytest.mark.parametrize("outcome", Outcome.values)
def test_every_adverse_event_outcome_is_an_r4_outcome(outcome):
    resource = valid(fr.adverse_event_resource(event_row(outcome=outcome), CTX))
    assert resource["outcome"]["coding"][0]["code"] == codes.AE_OUTCOMES[outcome][0]


@pytest.mark.parametrize("category", EventCategory.values)
def test_every_adverse_event_category_is_a_valid_code(category):
    resource = valid(fr.adverse_event_resource(event_row(category=category), CTX))
    assert resource["event"]["coding"][0] == {
        "system": codes.CS_ADVERSE_EVENT,
        "code": category,
        "display": str(EventCategory(category).label),
    }


def test_the_adverse_event_tables_map_exactly_the_models_choices():
    assert set(codes.AE_SEVERITIES) == set(Severity.values)
    assert set(codes.AE_OUTCOMES) == set(Outcome.values)


@pytest.mark.parametrize("view", PhotoView.values)
def test_every_photo_view_is_a_valid_media(view):
    photo = Row(
        pk=8, view=view, get_view_display=lambda: PhotoView(view).label, patient_id=2, session_id=9,
        taken_at=AT, uploaded_at=AT, height=2000, width=3000, content_type="image/jpeg", size_bytes=1000,
    )  # fmt: skip
    assert valid(fr.media_resource(photo, CTX))["view"]["coding"][0]["code"] == view


class Template(Row):
    def __str__(self) -> str:
        return "Needle mesotherapy consent v2"


@pytest.mark.parametrize("withdrawn", [False, True])
def test_a_consent_with_every_photo_use_is_valid_signed_or_withdrawn(withdrawn):
    template = Template(pk=4, modality=Row(code="needle", name="Needle mesotherapy"))
    consent = Row(
        pk=6, template=template, patient_id=2, signed_at=AT, signed_by="Zofia Łęcka",
        photo_use=list(PhotoUse.values), withdrawn_at=AT + timedelta(days=3) if withdrawn else None,
    )  # fmt: skip
    resource = valid(fr.consent_resource(consent, CTX))
    assert resource["status"] == ("inactive" if withdrawn else "active")
    assert [p["code"] for p in resource["provision"]["purpose"]] == PhotoUse.values


def test_every_history_code_of_the_vocabulary_is_a_valid_resource():
    history = Row(
        patient_id=2, conditions=list(CONDITIONS), implants=list(IMPLANTS), allergies=["lidocaine"],
        medications=[{"code": code, "stopped": "2026-01-10" if i % 2 else None} for i, code in enumerate(MEDICATIONS)],
        updated_at=AT,
    )  # fmt: skip
    resources = list(fr.history_resources(history, CTX))
    assert len(resources) == len(CONDITIONS) + len(IMPLANTS) + 1 + len(MEDICATIONS)
    for resource in resources:
        valid(resource)
    statuses = {r["status"] for r in resources if r["resourceType"] == "MedicationStatement"}
    assert statuses == {"active", "completed"}


@pytest.mark.parametrize("active", [True, False])
def test_rooms_devices_and_staff_active_or_not_are_valid(active):
    valid(fr.room_resource(Row(pk=3, is_active=active, name="Room 1", location_id=4), CTX))
    device = Row(
        pk=7, is_active=active, manufacturer="Mesoflow", name="EP-1", model_name="EP", serial_number="S1",
        modality="electroporation", location_id=4,
    )  # fmt: skip
    assert valid(fr.device_resource(device, CTX))["status"] == ("active" if active else "inactive")
    staff = Row(pk=3, is_active=active, display_name="Dr Anna Nowak", title="Dr", modalities=["needle"])
    valid(fr.practitioner_resource(staff, CTX))


@pytest.mark.parametrize("voided", [False, True])
@pytest.mark.parametrize("unit", ["ml", "mg", "unit"])
def test_product_lines_of_a_product_or_a_preparation_are_valid(voided, unit):
    product = Row(code="ha_1pct", name="HA 1 %", manufacturer="Acme")
    cocktail = Row(code="glow", name="Glow cocktail")
    record = Row(pk=9, patient_id=2, practitioner_id=3, performed_at=AT)
    for lot in (
        Row(product_id=1, product=product, cocktail=None, lot_number="L-7", expires_on=date(2027, 1, 31)),
        Row(product_id=None, product=None, cocktail=cocktail, lot_number="P-1", expires_on=date(2027, 1, 31)),
    ):
        line = Row(pk=11, lot=lot, quantity=Decimal("2.500"), unit=unit, voided_by_id=4 if voided else None)
        resource = valid(fr.medication_administration_resource(line, record, CTX))
        assert resource["status"] == ("entered-in-error" if voided else "completed")


def test_photo_metrics_and_every_clinical_scale_are_valid_observations():
    metrics = {region: dict.fromkeys(codes.SKIN_METRICS, 1.5) for region in ("forehead", "chin")}
    analysis = Row(
        pk=4, status="done", photo=Row(taken_at=AT), photo_id=8, metrics=metrics, method_version="1.0"
    )
    for observation in fr.metric_observations(analysis, 2, CTX):
        valid(observation)
    assessment = Row(pk=5, patient_id=2, session_id=9, assessed_on=date(2026, 6, 1), mmasi=Decimal("4.5"))
    for scale in codes.SCALES:
        if scale != "mmasi":
            setattr(assessment, scale, 3)
    observations = list(fr.assessment_observations(assessment))
    assert len(observations) == len(codes.SCALES)
    for observation in observations:
        valid(observation)
