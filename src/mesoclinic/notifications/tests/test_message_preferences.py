"""The patient's own choice per kind of message (the portal): reminders and recalls go on the channels the
patient chose for them, a kind turned off is logged as not wanted, and news and offers are a separate opt-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.notifications.channels import sms
from mesoclinic.notifications.models import ContactPreference, Delivery, Kind, SkipReason
from mesoclinic.notifications.services import send_due_notifications, update_message_preferences
from mesoclinic.scheduling.models import MaintenanceRecall
from mesoclinic.testing import make_patient, make_schedulable
from mesoclinic.testing.notifications import contactable, make_appointment, make_course

pytestmark = pytest.mark.django_db
START = datetime(2026, 6, 12, 12, tzinfo=UTC)  # 14:00 in Warsaw: outside quiet hours


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    settings.SMS_BACKEND = "mesoclinic.notifications.channels.sms.LocmemSmsBackend"
    sms.outbox.clear()


def run(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        send_due_notifications()


def choose(patient, **choice):
    """The patient's choice in the portal: every box not named is left unticked."""
    values = {
        name: False for name in ("reminder_email", "reminder_sms", "recall_email", "recall_sms", "marketing")
    }
    return update_message_preferences(patient, actor=None, **(values | choice))


def test_reminders_go_only_by_sms_when_the_patient_chose_sms(clinic):
    patient = contactable(make_patient(clinic), phone="+48600100200")
    choose(patient, reminder_sms=True, recall_email=True)
    make_appointment(patient, make_schedulable(clinic), START)
    run(START - timedelta(hours=48))
    assert mail.outbox == []
    assert len(sms.outbox) == 1
    assert Delivery.objects.get().channel == "sms"


def test_reminders_turned_off_are_logged_as_not_wanted_and_recalls_still_go(clinic):
    patient = contactable(make_patient(clinic))
    choose(patient, recall_email=True)
    make_appointment(patient, make_schedulable(clinic), START)
    run(START - timedelta(hours=48))
    assert mail.outbox == []
    skipped = Delivery.objects.get(kind=Kind.REMINDER)
    assert (skipped.status, skipped.reason) == ("skipped", SkipReason.NOT_WANTED)
    course = make_course(patient, sessions=1)
    MaintenanceRecall.objects.create(clinic=clinic, patient=patient, course=course, due_on=date(2026, 12, 1))
    run(datetime(2026, 11, 18, 12, tzinfo=UTC))
    assert len(mail.outbox) == 1 and "2026-12-01" in mail.outbox[0].body


def test_without_an_own_choice_the_recorded_channels_apply(clinic):
    patient = contactable(make_patient(clinic))
    make_appointment(patient, make_schedulable(clinic), START)
    run(START - timedelta(hours=48))
    assert len(mail.outbox) == 1


def test_choosing_a_channel_is_consent_and_clears_an_opt_out(clinic):
    patient = make_patient(clinic)
    patient.email = "ola@example.org"
    patient.save(update_fields=["email"])
    ContactPreference.objects.create(patient=patient, consent=True, opted_out_at=START)
    preference = choose(patient, reminder_email=True)
    assert preference.consent and preference.opted_out_at is None
    assert preference.channels_for(Kind.REMINDER) == ["email"]
    assert preference.channels_for(Kind.RECALL) == []
    assert preference.channels_for(Kind.AFTERCARE) == ["email"]  # care messages: the recorded channels


def test_news_and_offers_are_a_separate_opt_in_audited_with_its_time(clinic):
    patient = make_patient(clinic)
    with time_machine.travel(START, tick=False):
        preference = choose(patient, marketing=True)
    assert preference.marketing and preference.marketing_changed_at == START
    assert not preference.consent  # no reminder channel chosen: no consent implied
    event = AuditEvent.objects.filter(action="notifications.preference").latest("id")
    assert event.data["after"]["marketing"] is True and event.data["by"] == "patient"


def test_sms_without_a_phone_is_refused_by_field(clinic):
    patient = make_patient(clinic)
    assert patient.phone == ""
    with pytest.raises(ValidationError) as refused:
        choose(patient, reminder_sms=True)
    assert "reminder_sms" in refused.value.message_dict
    assert not ContactPreference.objects.filter(patient=patient).exists()
