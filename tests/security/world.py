"""Two clinics for the attack tests: clinic A full of objects carrying marker strings, clinic B beside it.

Built once per test module (``conftest.world``); requests made by the tests are rolled back one by one
(``conftest.rolled_back``), so the objects stay as built whatever an allowed write did.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.test import Client
from PIL import Image

from mesoclinic import testing
from mesoclinic.accounts.models import Clinic, Role, StaffMember
from mesoclinic.outcomes.services import record_assessment, upload_photo
from mesoclinic.patients.services import record_consent, update_patient
from mesoclinic.scheduling.models import CalendarFeedKind
from mesoclinic.scheduling.services import add_extra_hours, add_time_off, create_calendar_feed
from mesoclinic.scheduling.tests.ui_helpers import consent_template
from mesoclinic.treatments.tests.helpers import ready_draft
from mesoclinic.vigilance.tests.factories import make_event

# Strings that exist only in clinic A's data: none may appear in anything clinic B's staff can fetch.
MARKER = "Quexalpha"
LOT_MARKER = "QXA-7731"
MARKERS = (MARKER, LOT_MARKER, "qxa-secret-note")
ROLES = (Role.OWNER, Role.PHYSICIAN, Role.PRACTITIONER, Role.RECEPTIONIST, Role.AUDITOR)


def photo_bytes(side: int = 256) -> bytes:
    """A plain, readable JPEG with some texture (quality checks need contrast, not a face)."""
    rng = np.random.default_rng(7)
    pixels = (rng.random((side, side, 3)) * 60 + 150).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


@dataclass
class World:
    clinic: Clinic
    other: Clinic
    staff: dict[str, StaffMember]
    outsider: StaffMember  # a physician of clinic B: every capability but the auditor's
    outsider_auditor: StaffMember
    objects: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, who: str) -> Client:
        """The signed-in client of a persona (role name, ``outsider``, ``outsider_auditor``; ``anon``)."""
        return self.clients[who]

    def sign_in_everyone(self) -> None:
        """One client per persona, signed in while the world is built (a rolled-back request would lose the
        session row of a client signed in inside it)."""
        self.clients["anon"] = Client()
        for who, member in [
            *self.staff.items(),
            ("outsider", self.outsider),
            ("outsider_auditor", self.outsider_auditor),
        ]:
            self.clients[who] = Client()
            self.clients[who].force_login(member.user)


def build_world() -> World:
    """Clinic A with one of every object a route takes an id of, and clinic B with its own patient."""
    record = ready_draft(testing.make_clinic("Alpha Clinic"))  # appointment, course, consent, lots, draft
    clinic = record.clinic
    staff = {str(role): testing.make_staff(clinic, role, modalities=["needle"]) for role in ROLES}
    patient = record.patient
    update_patient(patient, actor=None, family_name=MARKER)
    patient.refresh_from_db()
    appointment = record.appointment
    course = appointment.course
    other_appointment = course.appointments.get(session_index=2)
    practitioner = record.practitioner
    lot = testing.make_lot(clinic, lot_number=LOT_MARKER)
    signed = testing.make_signed_session(
        testing.make_patient(clinic),
        practitioner,
        uses=[(lot, 1)],
        performed_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    event = make_event(patient, description="qxa-secret-note: redness")
    consent = record_consent(
        patient, template=consent_template(clinic), signed_by="Quexalpha", photo_use=["clinical"], actor=None
    )
    photo = upload_photo(
        patient,
        photo_bytes(),
        view="front",
        taken_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
        conditions={},
        actor=None,
    )
    assessment = record_assessment(
        patient, timing="baseline", assessed_on=date(2026, 3, 1), glogau=2, actor=None
    )
    location = clinic.locations.order_by("pk").first()
    start = datetime(2031, 5, 3, 8, tzinfo=UTC)
    extra = add_extra_hours(
        practitioner, location, starts_at=start, ends_at=start + timedelta(hours=2), actor=None
    )
    off = add_time_off(
        practitioner, starts_at=start + timedelta(days=3), ends_at=start + timedelta(days=4), actor=None
    )
    feed, token = create_calendar_feed(
        clinic, kind=CalendarFeedKind.PRACTITIONER, object_id=practitioner.pk, actor=None
    )

    other = testing.make_clinic("Beta Clinic")
    testing.make_patient(other)
    world = World(
        clinic=clinic,
        other=other,
        staff=staff,
        outsider=testing.make_staff(other, Role.PHYSICIAN, modalities=["needle"]),
        outsider_auditor=testing.make_staff(other, Role.AUDITOR),
    )
    world.objects = {
        "patient": patient,
        "appointment": appointment,
        "other_appointment": other_appointment,
        "course": course,
        "record": record,
        "signed": signed,
        "lot": lot,
        "event": event,
        "consent": consent,
        "photo": photo,
        "assessment": assessment,
        "practitioner": practitioner,
        "extra_hours": extra,
        "time_off": off,
        "feed": feed,
        "feed_token": token,
        "location": location,
        "protocol": course.protocol,
        "room": appointment.room,
        "product": lot.product,
        "cocktail": course.protocol.cocktail,
        "template": consent.template,
    }
    world.sign_in_everyone()
    return world
