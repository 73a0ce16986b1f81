"""The waiting list for earlier dates (issue 18, item 5): join from the portal, a cancelled session's time is
offered by message to the first patient waiting whose series it fits, the first to accept gets it; staff see
the list."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import DatabaseError, connection, connections
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import translation

from mesoclinic.audit.models import AuditEvent
from mesoclinic.portal import waitlist
from mesoclinic.portal.models import WaitlistEntry, WaitlistStatus
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import cancel_appointment, reschedule_appointment
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.portal import NOW, WARSAW, at, open_booking
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db

MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


def portal_client(clinic, patient, moment=NOW):
    """A browser signed in to the portal as ``patient`` at ``moment`` (the e-mailed code typed in)."""
    client = Client()
    with at(moment), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("portal:portal_sign_in", args=[clinic.slug]),
            {"email": patient.email, "birth_date": patient.birth_date.isoformat()},
        )
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    with at(moment):
        signed = client.post(response["Location"], {"code": code})
    assert signed.status_code == 302 and "/portal/me/" in signed["Location"]
    return client


def with_email(patient, email):
    patient.email = email
    patient.save(update_fields=["email"])
    return patient


@pytest.fixture
def two_series(clinic):
    setup = open_booking(clinic)
    first = book(
        clinic, setup.location, patient=with_email(make_patient(clinic), "a@example.com"), earliest=MONDAY
    )
    later = with_email(make_patient(clinic), "b@example.com")
    second = book(clinic, setup.location, patient=later, earliest=MONDAY + timedelta(days=1))
    return first, second, later


def test_a_cancelled_session_is_offered_to_the_first_waiting_and_taken(clinic, two_series, practitioner):
    first, second, later = two_series
    theirs = second.appointments.get(session_index=1)
    freed = first.appointments.get(session_index=1)
    client = portal_client(clinic, later)
    with at():
        response = client.post(reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk]))
        assert response.status_code == 302
        page = client.get(reverse("portal:portal_home", args=[clinic.slug])).content.decode()
        assert "On the waiting list" in page
        staff = client_for(practitioner).get(reverse("waitlist:list")).content.decode()
        assert later.family_name in staff
        with TestCase.captureOnCommitCallbacks(execute=True):
            cancel_appointment(freed, reason="Patient ill", actor=None)
        entry = WaitlistEntry.objects.get(appointment=theirs)
        assert entry.status == WaitlistStatus.OFFERED and entry.offered_start == freed.starts_at
        assert mail.outbox[-1].to == ["b@example.com"] and "earlier date" in mail.outbox[-1].body
        # When it is and until when it is open, in the location's time (Warsaw), not UTC.
        assert "Monday 3 March 2031, 09:00" in mail.outbox[-1].body
        assert "open until Saturday 1 March 2031, 22:00" in mail.outbox[-1].body
        staff = client_for(practitioner).get(reverse("waitlist:list")).content.decode()
        assert "open until Sat 1 Mar, 22:00" in staff
        page = client.get(reverse("portal:portal_home", args=[clinic.slug])).content.decode()
        assert "Take the earlier date" in page and "Free earlier: Monday 3 March 2031, 09:00" in page
        assert "Open until Saturday 1 March, 22:00" in page  # twelve hours, the clinic's time
        client.post(reverse("portal:portal_waitlist_accept", args=[clinic.slug, entry.pk]))
    theirs.refresh_from_db()
    entry.refresh_from_db()
    assert theirs.starts_at == freed.starts_at and entry.status == WaitlistStatus.ACCEPTED


def test_the_offer_message_is_in_the_patients_language(clinic, two_series):
    first, second, later = two_series
    later.preferred_language = "pl"
    later.save(update_fields=["preferred_language"])
    theirs = second.appointments.get(session_index=1)
    with at():
        waitlist.join(later, theirs)
        with TestCase.captureOnCommitCallbacks(execute=True):
            cancel_appointment(first.appointments.get(session_index=1), reason="Patient ill", actor=None)
    body = mail.outbox[-1].body
    assert (
        "poniedziałek 3 marca 2031, 09:00" in body.lower()
        and "do: sobota 1 marca 2031, 22:00" in body.lower()
    )


def test_a_taken_offer_keeps_the_patient_waiting(clinic, two_series):
    first, second, later = two_series
    theirs = second.appointments.get(session_index=1)
    freed = first.appointments.get(session_index=1)
    client = portal_client(clinic, later)
    with at():
        client.post(reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk]))
        cancel_appointment(freed, reason="Patient ill", actor=None)
        entry = WaitlistEntry.objects.get(appointment=theirs)
        # The desk books the freed time for someone else first.
        book(clinic, freed.location, patient=make_patient(clinic), earliest=freed.starts_at)
        response = client.post(reverse("portal:portal_waitlist_accept", args=[clinic.slug, entry.pk]))
        assert response.status_code == 302
    entry.refresh_from_db()
    theirs.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING and theirs.starts_at != freed.starts_at


def test_another_patient_cannot_touch_an_entry(clinic, two_series):
    first, second, later = two_series
    theirs = second.appointments.get(session_index=1)
    with at():
        portal_client(clinic, later).post(
            reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk])
        )
        entry = WaitlistEntry.objects.get(appointment=theirs)
        stranger = portal_client(clinic, with_email(first.patient, "a@example.com"))
        assert (
            stranger.post(reverse("portal:portal_waitlist_leave", args=[clinic.slug, entry.pk])).status_code
            == 404
        )
        assert (
            stranger.post(reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk])).status_code
            == 404
        )
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING


# --- Offers lapse; a moved session's time is offered too ------------------------------------------------------


@pytest.fixture
def three_series(clinic, two_series):
    first, second, _later = two_series
    last = with_email(make_patient(clinic), "c@example.com")
    third = book(
        clinic, first.appointments.first().location, patient=last, earliest=MONDAY + timedelta(days=2)
    )
    return first, second.appointments.get(session_index=1), third.appointments.get(session_index=1)


def waiting(*appointments):
    return [waitlist.join(a.patient, a) for a in appointments]


def test_an_offer_not_taken_in_time_lapses_to_the_next_patient_once(clinic, three_series):
    first, b_session, c_session = three_series
    freed = first.appointments.get(session_index=1)
    with at():
        b, c = waiting(b_session, c_session)
        with TestCase.captureOnCommitCallbacks(execute=True):
            cancel_appointment(freed, reason="Patient ill", actor=None)
    b.refresh_from_db()
    assert b.status == WaitlistStatus.OFFERED and b.offer_expires_at == NOW + timedelta(hours=12)
    assert mail.outbox[-1].to == ["b@example.com"]
    with at(NOW + timedelta(hours=11)):
        assert waitlist.lapse_offers() == 0
    with at(NOW + timedelta(hours=12)), TestCase.captureOnCommitCallbacks(execute=True):
        assert waitlist.lapse_offers() == 1
    b.refresh_from_db()
    c.refresh_from_db()
    assert b.status == WaitlistStatus.WAITING and b.offered_start is None
    assert c.status == WaitlistStatus.OFFERED and c.offered_start == freed.starts_at
    assert mail.outbox[-1].to == ["c@example.com"]
    # The next one lets it lapse too: nobody is left who was not offered it, b is not offered it again.
    with at(NOW + timedelta(hours=25)):
        assert waitlist.lapse_offers() == 1
    b.refresh_from_db()
    c.refresh_from_db()
    assert (b.status, c.status) == (WaitlistStatus.WAITING, WaitlistStatus.WAITING)
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).count() == 0


def test_an_offer_lapses_at_the_latest_before_the_session(clinic):
    start = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)
    assert waitlist.offer_deadline(start - timedelta(hours=30), start, 24) == start - timedelta(hours=24)
    assert waitlist.offer_deadline(start - timedelta(hours=5), start, 0) == start - timedelta(hours=1)
    assert waitlist.offer_deadline(NOW, start, 0) == NOW + timedelta(hours=12)


def test_accepting_a_lapsed_offer_is_refused_and_the_next_patient_offered(clinic, three_series):
    first, b_session, c_session = three_series
    freed = first.appointments.get(session_index=1)
    before = b_session.starts_at
    with at():
        b, c = waiting(b_session, c_session)
        cancel_appointment(freed, reason="Patient ill", actor=None)
    b.refresh_from_db()
    seen = WaitlistEntry.objects.get(pk=b.pk)  # the offer as the patient's page showed it
    client = portal_client(clinic, b.patient, NOW + timedelta(hours=13))
    with at(NOW + timedelta(hours=13)):  # the worker has not swept yet: the accept lapses it
        response = client.post(
            reverse("portal:portal_waitlist_accept", args=[clinic.slug, b.pk]), follow=True
        )
    assert "This offer lapsed" in response.content.decode()
    b_session.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert b_session.starts_at == before and b.status == WaitlistStatus.WAITING
    assert c.status == WaitlistStatus.OFFERED
    with (
        at(NOW + timedelta(hours=13)),
        translation.override("pl"),
        pytest.raises(waitlist.WaitlistError) as refused,
    ):
        waitlist.accept(b.patient, seen)  # again, in Polish
    assert "Ta propozycja wygasła" in str(refused.value)


def test_accept_and_lapse_settle_once(clinic, three_series):
    first, b_session, c_session = three_series
    freed = first.appointments.get(session_index=1)
    with at():
        b, c = waiting(b_session, c_session)
        cancel_appointment(freed, reason="Patient ill", actor=None)
    seen = WaitlistEntry.objects.get(pk=b.pk)  # the patient's page, loaded before the sweep
    with at(NOW + timedelta(hours=12)):
        assert waitlist.lapse_offers() == 1
        with pytest.raises(waitlist.WaitlistError, match="lapsed"):
            waitlist.accept(b.patient, seen)
    b_session.refresh_from_db()
    assert b_session.starts_at != freed.starts_at
    # The other order: accepted in time, the sweep afterwards finds nothing to lapse.
    c.refresh_from_db()
    with at(NOW + timedelta(hours=13)):
        waitlist.accept(c.patient, c)
    with at(NOW + timedelta(hours=30)):
        assert waitlist.lapse_offers() == 0
    c.refresh_from_db()
    c_session.refresh_from_db()
    assert c.status == WaitlistStatus.ACCEPTED and c_session.starts_at == freed.starts_at


@contextmanager
def appointment_writes_fail():
    """The database itself fails every change to an appointment row (a trigger that raises an error the move
    does not expect, unlike the exclusion constraint it turns into "just taken"): a real failure in the middle
    of the accept, between the entry's claim and the session's move."""
    table = connection.ops.quote_name(Appointment._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION waitlist_test_fail() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the disk is gone'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER waitlist_test_fail BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION waitlist_test_fail()"
            )
        else:  # SQLite: the trigger writes to a table that is gone, so the UPDATE fails as the disk would
            cursor.execute("CREATE TABLE waitlist_test_gone (x integer)")
            body = "BEGIN INSERT INTO waitlist_test_gone VALUES (1); END"
            cursor.execute(f"CREATE TRIGGER waitlist_test_fail BEFORE UPDATE ON {table} {body}")
            cursor.execute("DROP TABLE waitlist_test_gone")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER waitlist_test_fail ON {table}")
                cursor.execute("DROP FUNCTION waitlist_test_fail()")
            else:
                cursor.execute("DROP TRIGGER waitlist_test_fail")


def test_a_failure_during_the_move_leaves_the_offer_open_not_accepted(clinic, three_series):
    first, b_session, _c_session = three_series
    freed = first.appointments.get(session_index=1)
    before = b_session.starts_at
    with at():
        (b,) = waiting(b_session)
        cancel_appointment(freed, reason="Patient ill", actor=None)
        b.refresh_from_db()
        assert b.status == WaitlistStatus.OFFERED
        with appointment_writes_fail(), pytest.raises(DatabaseError):
            waitlist.accept(b.patient, b)
        b.refresh_from_db()
        b_session.refresh_from_db()
        # Neither half stands: not "accepted" with the session where it was, and no audit of an accept.
        assert (b.status, b_session.starts_at) == (WaitlistStatus.OFFERED, before)
        assert b.offered_start == freed.starts_at
        assert not AuditEvent.objects.filter(action="waitlist.accept").exists()
        # The offer is still open: once the database works again the patient takes it.
        waitlist.accept(b.patient, b)
    b.refresh_from_db()
    b_session.refresh_from_db()
    assert (b.status, b_session.starts_at) == (WaitlistStatus.ACCEPTED, freed.starts_at)


def test_a_moved_session_offers_its_old_time(clinic, three_series):
    first, b_session, c_session = three_series
    moved = first.appointments.get(session_index=1)
    old = moved.starts_at
    with at():
        b, _c = waiting(b_session, c_session)
        with TestCase.captureOnCommitCallbacks(execute=True):
            reschedule_appointment(moved, start=old + timedelta(hours=3), actor=None)
    b.refresh_from_db()
    assert b.status == WaitlistStatus.OFFERED and b.offered_start == old
    assert mail.outbox[-1].to == ["b@example.com"]
    with at():
        waitlist.accept(b.patient, b)
    b_session.refresh_from_db()
    assert b_session.starts_at == old


@pytest.mark.django_db(transaction=True)
def test_an_accept_and_the_sweep_at_the_same_moment_settle_once(clinic, three_series):
    """The patient's accept (their clock just before the deadline) and the worker's sweep (its clock just
    after) run at once, each on its own connection: either the patient moved or the next patient offered."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database so that clients have their own connections")
    first, b_session, c_session = three_series
    freed = first.appointments.get(session_index=1)
    with at():
        b, c = waiting(b_session, c_session)
        cancel_appointment(freed, reason="Patient ill", actor=None)
    b.refresh_from_db()
    deadline, b_before = b.offer_expires_at, b_session.starts_at
    barrier = threading.Barrier(2)

    def patient():
        barrier.wait()
        try:
            waitlist.accept(b.patient, b, now=deadline - timedelta(minutes=1))
            return "moved"
        except waitlist.WaitlistError:
            return "refused"
        finally:
            connections.close_all()

    def sweep():
        barrier.wait()
        try:
            return waitlist.lapse_offers(now=deadline + timedelta(minutes=1))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        moved, lapsed = pool.submit(patient), pool.submit(sweep)
        outcome = (moved.result(), lapsed.result())
    assert outcome in {("moved", 0), ("refused", 1)}
    b.refresh_from_db()
    c.refresh_from_db()
    b_session.refresh_from_db()
    if outcome == ("moved", 0):
        assert b.status == WaitlistStatus.ACCEPTED and b_session.starts_at == freed.starts_at
        assert c.offered_start == b_before  # the time b left, not the one b took
    else:
        assert b.status == WaitlistStatus.WAITING and b_session.starts_at == b_before
        assert c.status == WaitlistStatus.OFFERED and c.offered_start == freed.starts_at
