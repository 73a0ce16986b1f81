"""Staff's side of online booking: "online" on Today and in the calendar, and the Online bookings page
(bookings waiting for their code, possible duplicates, self-reported histories to confirm)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.patients.models import Consent, HistoryStatus, MedicalHistory
from mesoclinic.patients.services import register_patient, update_medical_history
from mesoclinic.portal.models import HistoryReview, OnlineBooking, PortalSettings, ReviewStatus
from mesoclinic.portal.tests.test_public_booking import book, code_from_mail
from mesoclinic.scheduling.models import Appointment, AppointmentSource
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.portal import at, open_booking

pytestmark = pytest.mark.django_db
PAGE = reverse("online_bookings:index")


@pytest.fixture
def setup(clinic):
    return open_booking(clinic)


def booked_online(clinic, **changes):
    client = Client()
    with at():
        reference = book(client, clinic, **changes)
        client.post(reverse("portal:verify", args=[clinic.slug, reference]), {"code": code_from_mail()})
    return OnlineBooking.objects.get(reference=reference)


def test_online_sessions_are_marked_on_today_and_in_the_calendar(clinic, setup, owner):
    booking = booked_online(clinic, conditions=["keloid_tendency"])
    first = Appointment.objects.filter(patient=booking.patient).order_by("starts_at").first()
    assert first.source == AppointmentSource.ONLINE
    with at(first.starts_at):
        staff = client_for(owner)
        today = staff.get(reverse("web:home") + f"?location={first.location_id}&who=all").content.decode()
        day = first.starts_at.astimezone(ZoneInfo(first.location.timezone)).date()
        calendar = staff.get(
            reverse("scheduling:calendar"), {"location": first.location_id, "date": day.isoformat()}
        ).content.decode()
    assert 'badge--online">online<' in today
    assert "Self-reported history to confirm" in today
    assert 'badge--online">online<' in calendar and "booked online" in calendar


def test_online_holds_show_as_holds_on_the_calendar_today_and_the_list(clinic, setup, owner):
    visitor = Client()
    with at():
        staff = client_for(owner)
        reference = book(visitor, clinic)  # the dates are held, the code not typed yet
        booking = OnlineBooking.objects.get(reference=reference)
        first = Appointment.objects.filter(pk__in=booking.appointments).order_by("starts_at").first()
        local = first.starts_at.astimezone(ZoneInfo(first.location.timezone))
        where = {"location": first.location_id, "date": local.date().isoformat()}
        calendar = staff.get(reverse("scheduling:calendar"), where).content.decode()
        listed = staff.get(PAGE).content.decode()
    assert f'data-hold="{first.pk}"' in calendar and "online hold" in calendar
    assert f'data-appointment="{first.pk}"' not in calendar  # not a booking: no link, nothing to move
    assert 'data-testid="awaiting-booking"' in listed and f'datetime="{local.isoformat()}"' in listed
    # Today, on the day (a visitor booking a time later the same day: the hold still runs).
    Appointment.objects.filter(pk=first.pk).update(hold_expires_at=first.starts_at - timedelta(hours=1))
    home = reverse("web:home") + f"?location={first.location_id}&who=all"
    with at(first.starts_at - timedelta(hours=2)):
        staff = client_for(owner)
        today = staff.get(home).content.decode()
    assert 'data-testid="today-holds"' in today and f'datetime="{local.isoformat()}"' in today
    with at(first.starts_at - timedelta(minutes=30)):  # run out: gone from Today and the calendar
        staff = client_for(owner)
        assert 'data-testid="today-holds"' not in staff.get(home).content.decode()
        calendar = staff.get(reverse("scheduling:calendar"), where).content.decode()
    assert f'data-hold="{first.pk}"' not in calendar


def test_a_confirmed_hold_becomes_an_online_booking_on_the_calendar(clinic, setup, owner):
    booking = booked_online(clinic)
    first = Appointment.objects.filter(patient=booking.patient).order_by("starts_at").first()
    local = first.starts_at.astimezone(ZoneInfo(first.location.timezone))
    with at():
        calendar = (
            client_for(owner)
            .get(
                reverse("scheduling:calendar"),
                {"location": first.location_id, "date": local.date().isoformat()},
            )
            .content.decode()
        )
    assert "data-hold=" not in calendar and f'data-appointment="{first.pk}"' in calendar
    assert 'badge--online">online<' in calendar


def test_desk_bookings_carry_no_online_mark(clinic, setup, owner):
    booking = booked_online(clinic)
    Appointment.objects.filter(patient=booking.patient).update(source=AppointmentSource.DESK)
    first = Appointment.objects.filter(patient=booking.patient).order_by("starts_at").first()
    with at(first.starts_at):
        today = client_for(owner).get(reverse("web:home") + f"?location={first.location_id}&who=all")
    assert "badge--online" not in today.content.decode()


def test_a_self_reported_history_waits_for_staff_and_confirming_keeps_what_staff_wrote(clinic, setup, owner):
    known = make_patient(clinic, birth_date=date(1990, 5, 6))
    known.email = "ola@example.com"
    known.save()
    update_medical_history(
        known,
        actor=None,
        reason="Taken at the desk",
        status=None,
        other_allergies=["plasters"],
        notes="Faints at the sight of needles.",
    )
    MedicalHistory.objects.filter(patient=known).update(status=HistoryStatus.NOT_TAKEN, confirmed_at=None)
    booking = booked_online(clinic, conditions=["keloid_tendency"])
    assert booking.patient == known
    history = known.medical_history
    history.refresh_from_db()
    # Merged, never replaced: what staff typed is still there beside the patient's answers.
    assert history.status == HistoryStatus.SELF_REPORTED
    assert history.conditions == ["keloid_tendency"] and history.other_allergies == ["plasters"]
    assert history.notes == "Faints at the sight of needles."
    review = HistoryReview.objects.get(patient=known)
    assert review.status == ReviewStatus.PENDING and review.booking == booking
    staff = client_for(owner)
    page = staff.get(PAGE).content.decode()
    assert "Self-reported histories to confirm" in page and known.full_name in page
    response = staff.post(reverse("online_bookings:confirm_history", args=[review.pk]), {"action": "confirm"})
    assert response.status_code == 302
    history.refresh_from_db()
    review.refresh_from_db()
    assert history.status == HistoryStatus.CONFIRMED and history.confirmed_by == owner.user
    assert history.conditions == ["keloid_tendency"] and history.notes == "Faints at the sight of needles."
    assert review.status == ReviewStatus.CONFIRMED and review.resolved_by == owner.user
    assert AuditEvent.objects.filter(action="history_review.confirmed").exists()
    # Twice is refused, saying why; nothing changes.
    staff.post(reverse("online_bookings:confirm_history", args=[review.pk]), {"action": "corrected"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.CONFIRMED


def test_a_confirmed_history_is_never_overwritten_from_home(clinic, setup, physician):
    known = make_patient(clinic, birth_date=date(1990, 5, 6))
    known.email = "ola@example.com"
    known.save()
    booking = booked_online(clinic, conditions=["keloid_tendency"])
    known.medical_history.refresh_from_db()
    assert known.medical_history.status == HistoryStatus.CONFIRMED
    assert known.medical_history.conditions == []
    review = HistoryReview.objects.get(patient=known)
    assert review.answers["conditions"] == ["keloid_tendency"] and review.booking == booking
    client_for(physician).post(
        reverse("online_bookings:confirm_history", args=[review.pk]), {"action": "corrected"}
    )
    review.refresh_from_db()
    known.medical_history.refresh_from_db()
    assert review.status == ReviewStatus.CORRECTED and known.medical_history.conditions == []


def test_a_receptionist_sees_no_history_and_cannot_confirm_one(clinic, setup, receptionist):
    booking = booked_online(clinic, conditions=["keloid_tendency"])
    review = HistoryReview.objects.get(patient=booking.patient)
    staff = client_for(receptionist)
    page = staff.get(PAGE).content.decode()
    assert "Self-reported histories to confirm" not in page and "keloid" not in page.lower()
    assert staff.post(reverse("online_bookings:confirm_history", args=[review.pk])).status_code == 403


def family(clinic):
    return register_patient(
        clinic,
        actor=None,
        allow_duplicate=True,
        given_name="Ala",
        family_name="Nowak",
        birth_date=date(1995, 1, 1),
        email="ola@example.com",
    )


def test_a_possible_duplicate_is_kept_separate_by_staff_and_audited(clinic, setup, receptionist):
    sister = family(clinic)
    booking = booked_online(clinic)
    assert booking.duplicate_of == sister and booking.patient != sister
    staff = client_for(receptionist)
    page = staff.get(PAGE).content.decode()
    assert "Possible duplicates" in page and "Ala Nowak" in page
    staff.post(reverse("online_bookings:resolve_duplicate", args=[booking.pk]), {"resolution": "separate"})
    booking.refresh_from_db()
    assert booking.duplicate_resolution == "separate" and booking.duplicate_resolved_by == receptionist.user
    assert "Ala Nowak" not in staff.get(PAGE).content.decode()
    event = AuditEvent.objects.get(action="online_booking.duplicate_resolve")
    assert event.data["resolution"] == "separate"


def test_linking_a_duplicate_moves_the_series_to_the_existing_chart(clinic, setup, owner):
    existing = family(clinic)  # the same person, who mistyped the date of birth online
    booking = booked_online(clinic)
    new_chart = booking.patient
    client_for(owner).post(
        reverse("online_bookings:resolve_duplicate", args=[booking.pk]), {"resolution": "linked"}
    )
    booking.refresh_from_db()
    assert booking.patient == existing and booking.duplicate_resolution == "linked"
    assert Appointment.objects.filter(patient=existing).count() == 4
    assert not Appointment.objects.filter(patient=new_chart).exists()
    assert HistoryReview.objects.get(booking=booking).patient == existing
    assert Consent.objects.filter(patient=existing).count() == 1


def test_another_clinics_review_or_booking_is_404(clinic, setup, outsider):
    booking = booked_online(clinic)
    review = HistoryReview.objects.get(patient=booking.patient)
    staff = client_for(outsider)
    assert staff.post(reverse("online_bookings:confirm_history", args=[review.pk])).status_code == 404
    assert staff.post(reverse("online_bookings:resolve_duplicate", args=[booking.pk])).status_code == 404


def test_the_owner_sets_the_lead_time_the_change_window_and_the_embedding_sites(
    clinic, setup, owner, receptionist
):
    url = reverse("online_bookings:settings")
    staff = client_for(owner)
    page = staff.get(url).content.decode()
    assert "Treatments bookable online" in page and "/billing/policy/" in page
    bad = staff.post(url, {"lead_hours": "24", "cancel_hours": "48", "embed_origins": "https://x.example/*"})
    assert bad.status_code == 422 and "no path, no *" in bad.content.decode()
    assert not PortalSettings.objects.filter(clinic=clinic).exists()
    response = staff.post(
        url, {"lead_hours": "24", "cancel_hours": "48", "embed_origins": "https://www.rosa.example\n"}
    )
    assert response.status_code == 302
    saved = PortalSettings.objects.get(clinic=clinic)
    assert (saved.lead_hours, saved.cancel_hours, saved.embed_origins) == (
        24,
        48,
        ["https://www.rosa.example"],
    )
    event = AuditEvent.objects.get(action="portal.settings.update")
    assert event.data["before"]["lead_hours"] == 12 and event.data["after"]["lead_hours"] == 24
    assert client_for(receptionist).get(url).status_code == 403
