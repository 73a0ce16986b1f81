"""The booking's confirmation says what the patient will really be sent (reminders), never a promise."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.notifications.models import NotificationSettings
from mesoclinic.notifications.services import opt_out, update_contact_preference
from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic):
    return book(clinic, make_schedulable(clinic).location)


def plan(receptionist, course):
    body = client_for(receptionist).get(reverse("scheduling:booked", args=[course.pk])).content.decode()
    return body.split('id="reminder-plan"')[1].split("</div>")[0]


def test_without_consent_it_says_no_reminder_will_be_sent_and_where_to_record_it(receptionist, course):
    text = plan(receptionist, course)
    assert "No reminder will be sent." in text and "not agreed to be contacted" in text
    assert reverse("notifications:patient_messages", args=[course.patient_id]) in text


def test_with_consent_it_names_the_channel_the_address_and_the_times(receptionist, course):
    patient = course.patient
    patient.email = "ala@example.com"
    patient.save(update_fields=["email"])
    update_contact_preference(patient, consent=True, email=True, sms=True, actor=None)
    text = plan(receptionist, course)
    assert "A reminder goes to the patient 48 h and 2 h before each session" in text
    assert "ala@example.com" in text
    assert "Not by SMS" in text
    assert "No confirmation is sent now" in text


def test_it_says_so_when_the_patient_opted_out_or_has_no_address(receptionist, course):
    patient = course.patient
    patient.email, patient.phone = "", ""
    patient.save(update_fields=["email", "phone"])
    update_contact_preference(patient, consent=True, email=True, sms=False, actor=None)
    assert "nothing to send to is on file" in plan(receptionist, course)
    opt_out(patient)
    assert "opted out" in plan(receptionist, course)


def test_it_says_so_when_the_clinic_sends_no_reminders(clinic, receptionist, course):
    update_contact_preference(course.patient, consent=True, email=True, sms=False, actor=None)
    NotificationSettings.objects.create(clinic=clinic, reminder_lead_hours=[])
    assert "no reminder times" in plan(receptionist, course)


def test_it_says_reminders_are_held_while_the_clinic_has_no_phone_or_e_mail(clinic, receptionist, course):
    patient = course.patient
    patient.email = "ala@example.com"
    patient.save(update_fields=["email"])
    update_contact_preference(patient, consent=True, email=True, sms=False, actor=None)
    clinic.phone = ""
    clinic.save(update_fields=["phone"])
    text = plan(receptionist, course)
    assert "No reminder goes out yet." in text and "held" in text
    assert "A reminder goes" not in text
