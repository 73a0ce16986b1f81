"""Two clinics for the attack tests: clinic A full of objects carrying marker strings, clinic B beside it.

Built once per test module (``conftest.world``); requests made by the tests are rolled back one by one
(``conftest.rolled_back``), so the objects stay as built whatever an allowed write did.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from PIL import Image

from mesoclinic import testing
from mesoclinic.accounts.models import Clinic, Role, StaffMember
from mesoclinic.accounts.services import create_api_token
from mesoclinic.billing.deposits import record_deposit
from mesoclinic.billing.models import OnlinePayment
from mesoclinic.billing.services import (
    LineInput,
    apply_cancellation_policy,
    create_invoice,
    create_price_item,
    issue_invoice,
    record_payment,
    set_cancellation_policy,
)
from mesoclinic.interop.services import start_import, upload_csv
from mesoclinic.notifications import tokens as notification_tokens
from mesoclinic.notifications.models import Channel, Delivery, DeliveryStatus, Kind
from mesoclinic.notifications.services import answer_complication_check
from mesoclinic.outcomes.services import record_assessment, upload_photo
from mesoclinic.patients.services import record_consent, update_patient
from mesoclinic.portal.models import BookingStatus, HistoryReview, OnlineBooking, ProblemReport
from mesoclinic.privacy.services import record_erasure_request
from mesoclinic.scheduling.models import CalendarFeedKind
from mesoclinic.scheduling.services import (
    add_device,
    add_device_downtime,
    add_extra_hours,
    add_holiday,
    add_time_off,
    create_calendar_feed,
)
from mesoclinic.testing.billing import sell_gift_card
from mesoclinic.testing.scheduling import consent_template
from mesoclinic.testing.treatments import ready_draft
from mesoclinic.testing.vigilance import make_event
from mesoclinic.webhooks.services import create_endpoint, send_test_event
from mesoclinic.worker.models import Job, JobStatus

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
    outsider_owner: StaffMember  # for what only an owner may do (jobs, privacy, webhooks, security, messages)
    objects: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, who: str) -> Client:
        """The signed-in client of a persona (role name, ``outsider``, ``outsider_auditor``, ``outsider_owner``;
        ``anon``)."""
        return self.clients[who]

    def sign_in_everyone(self) -> None:
        """One client per persona, signed in while the world is built (a rolled-back request would lose the
        session row of a client signed in inside it)."""
        self.clients["anon"] = Client()
        for who, member in [
            *self.staff.items(),
            ("outsider", self.outsider),
            ("outsider_auditor", self.outsider_auditor),
            ("outsider_owner", self.outsider_owner),
        ]:
            self.clients[who] = Client()
            self.clients[who].force_login(member.user)


def _billing_objects(clinic: Clinic, patient: Any, course: Any) -> dict[str, Any]:
    """Money: a price, a draft with one line and a part payment (clinic A is British: 20 % VAT, GBP), a
    sold package, and a no-show fee charged by the clinic's policy."""
    price_item = create_price_item(
        clinic,
        kind="consultation",
        name=f"{MARKER} consultation",
        unit_price="100.00",
        vat_rate="0",
        actor=None,
    )
    invoice = create_invoice(
        patient,
        lines=[LineInput(description=f"{MARKER} serum", quantity="1", unit_price="100.00", vat_rate="20")],
        actor=None,
    )
    payment = record_payment(invoice, method="cash", amount="50.00", actor=None)
    package_price = create_price_item(
        clinic,
        kind="package",
        name=f"{MARKER} series",
        unit_price="600.00",
        vat_rate="20",
        protocol=course.protocol,
        sessions=6,
        actor=None,
    )
    sale = create_invoice(
        patient,
        lines=[
            LineInput(
                description=f"{MARKER} series",
                quantity="1",
                unit_price="600.00",
                vat_rate="20",
                item=package_price,
            )
        ],
        actor=None,
    )
    record_payment(sale, method="cash", amount="600.00", actor=None)
    package = issue_invoice(sale, actor=None).packages.get()
    set_cancellation_policy(clinic, no_show_cost="fee", fee="30.00", actor=None)
    charge = apply_cancellation_policy(
        course.appointments.get(session_index=3), action="no_show", at=datetime.now(tz=UTC), actor=None
    )
    gift_card = sell_gift_card(patient, "80.00", vat_rate="20")
    # A deposit held for the course's booking (the owner may give one paid online back to the card).
    deposit = record_deposit(
        course.appointments.get(session_index=1),
        method="cash",
        amount=Decimal("20.00"),
        location=None,
        actor=None,
    )
    return {
        "deposit": deposit,
        "gift_card": gift_card,
        "price_item": price_item,
        "invoice": invoice,
        "invoice_line": invoice.lines.get(),
        "payment": payment,
        "package": package,
        "sale": package.invoice,  # issued: the document to print
        "charge": charge,
        # A PaymentIntent's row as billing.online writes it (no Stripe needed to read it back).
        "online_payment": OnlinePayment.objects.create(
            clinic=clinic,
            patient=patient,
            kind="balance",
            reference="world-online-payment-reference",
            invoice=package.invoice,
            amount="10.00",
            currency="GBP",
            intent_id="pi_world",
            created_at=datetime.now(tz=UTC),
        ),
    }


def _portal_objects(clinic: Clinic, patient: Any, course: Any, location: Any) -> dict[str, Any]:
    """What a patient did online: a confirmed booking whose chart shares its e-mail with another (a possible
    duplicate to resolve), and its self-reported history waiting for staff."""
    family = testing.make_patient(clinic)
    booking = OnlineBooking.objects.create(
        clinic=clinic,
        reference="world-online-booking",
        protocol=course.protocol,
        location=location,
        given_name=patient.given_name,
        family_name=patient.family_name,
        birth_date=patient.birth_date,
        email="online@example.com",
        code_hash="-",
        code_expires_at=datetime.now(tz=UTC),
        status=BookingStatus.CONFIRMED,
        patient=patient,
        duplicate_of=family,
    )
    review = HistoryReview.objects.create(
        clinic=clinic, patient=patient, booking=booking, answers={"conditions": ["keloid_tendency"]}
    )
    problem = ProblemReport.objects.create(
        clinic=clinic, patient=patient, description=f"{MARKER} swelling", started_on=date(2031, 5, 5)
    )
    return {"online_booking": booking, "history_review": review, "problem_report": problem}


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
        patient,
        template=consent_template(clinic),
        signed_by="Quexalpha",
        photo_use=["clinical"],
        signature=testing.signature_png(),
        actor=None,
    )
    photo = upload_photo(
        patient,
        photo_bytes(),
        view="close_up",  # a texture, not a face: a front view without a face is refused
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
    device = add_device(location, name=f"{MARKER} EP", modality="electroporation", actor=None)
    downtime = add_device_downtime(
        device, starts_at=start, ends_at=start + timedelta(hours=3), reason="qxa-secret-note", actor=None
    )
    holiday = add_holiday(location, day=date(2031, 12, 24), name=f"{MARKER} day", actor=None)
    feed, token = create_calendar_feed(
        clinic, kind=CalendarFeedKind.PRACTITIONER, object_id=practitioner.pk, actor=None
    )

    # A second patient of clinic A asks for erasure (restricting the marked patient would block its routes).
    leaving = testing.make_patient(clinic)
    erasure = record_erasure_request(
        leaving, requested_by=f"{MARKER} (by e-mail)", channel="email", reason="qxa-secret-note", actor=None
    )
    job = Job.objects.create(
        result_id="matrix-job-a",
        clinic=clinic,
        task_path="mesoclinic.outcomes.services.analyse_photo",
        queue="default",
        status=JobStatus.FAILED,
        attempts=1,
        max_attempts=1,
        last_error="qxa-secret-note",  # clinic A's row: clinic B's owner must never see it
        args_summary=f"photo={photo.pk}",
        args=[photo.pk],
        enqueued_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
    )
    endpoint = create_endpoint(
        clinic,
        url="https://hooks.example.org/mesoclinic",
        events=["appointment.booked"],
        description=f"{MARKER} front desk",
        actor=None,
    )
    webhook_delivery = send_test_event(endpoint, actor=None)
    delivery = Delivery.objects.create(
        clinic=clinic,
        patient=patient,
        kind=Kind.REMINDER,
        object_id=appointment.pk,
        due_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
        channel=Channel.EMAIL,
        status=DeliveryStatus.FAILED,
        to="quexalpha@example.org",
        subject=f"Reminder for {MARKER}",
        body="qxa-secret-note",
        attempts=1,
        error="smtp refused",
    )
    checked = datetime(2026, 3, 1, 9, tzinfo=UTC)
    alert = answer_complication_check(
        signed, due_at=checked, answer="yes", description="qxa-secret-note: a lump"
    )
    api_token = create_api_token(
        staff[str(Role.RECEPTIONIST)], name=f"{MARKER} kiosk", scopes=["view_patients"], actor=None
    )
    upload = upload_csv(
        clinic,
        kind="patients",
        filename="qxa-patients.csv",
        data=f"given_name,family_name,birth_date\nAnna,{MARKER},1990-01-01\n".encode(),
        source="csv",
        actor=None,
    )
    import_run = start_import(
        clinic, "patients", total=1, dry_run=True, actor=None, upload=upload, delimiter=",",
        mapping=upload.mapping,
    )  # fmt: skip

    money = _billing_objects(clinic, patient, course)
    online = _portal_objects(clinic, patient, course, location)

    other = testing.make_clinic("Beta Clinic")
    testing.make_patient(other)
    world = World(
        clinic=clinic,
        other=other,
        staff=staff,
        outsider=testing.make_staff(other, Role.PHYSICIAN, modalities=["needle"]),
        outsider_auditor=testing.make_staff(other, Role.AUDITOR),
        outsider_owner=testing.make_staff(other, Role.OWNER),
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
        "device": device,
        "downtime": downtime,
        "holiday": holiday,
        "product": lot.product,
        "cocktail": course.protocol.cocktail,
        "template": consent.template,
        "erasure": erasure,
        "job": job,
        "endpoint": endpoint,
        "webhook_delivery": webhook_delivery,
        "delivery": delivery,
        "alert": alert,
        "api_token": api_token.token,
        "api_token_secret": api_token.secret,
        "upload": upload,
        "import_run": import_run,
        **money,
        **online,
        # Patient-facing signed links: the marked patient's opt-out, and an unanswered check of ``signed``.
        "opt_out_token": notification_tokens.opt_out_token(patient.pk),
        "check_token": notification_tokens.check_token(signed.pk, checked + timedelta(weeks=4)),
        "answered_check_token": notification_tokens.check_token(signed.pk, checked),
    }
    # Everyone has an authenticator app and recovery codes, so their own two-factor pages have something to show.
    for member in [*staff.values(), world.outsider, world.outsider_auditor, world.outsider_owner]:
        TOTP.activate(member.user, generate_totp_secret())
        RecoveryCodes.activate(member.user)
    world.sign_in_everyone()
    return world
