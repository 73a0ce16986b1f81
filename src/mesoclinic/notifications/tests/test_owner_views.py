"""The owner's pages: the clinic's delivery log with filters and retry, timing and quiet hours, templates
with a preview."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.notifications.models import Delivery, MessageTemplate, NotificationSettings
from mesoclinic.testing import client_for, csv_rows, make_patient


def _delivery(patient, **extra):
    values = {
        "clinic": patient.clinic,
        "patient": patient,
        "kind": "reminder",
        "object_id": 1,
        "due_at": datetime(2026, 6, 10, 12, tzinfo=UTC),
        "channel": "email",
        "status": "sent",
    }
    return Delivery.objects.create(**{**values, **extra})


def test_the_log_filters_by_kind_status_channel_and_name(clinic, owner):
    anna = make_patient(clinic)
    anna.given_name = "Anna"
    anna.save(update_fields=["given_name"])
    _delivery(anna, status="failed", error="Mail server down", object_id=1)
    _delivery(make_patient(clinic), kind="recall", object_id=2)
    client = client_for(owner)
    response = client.get(reverse("notifications:log"), {"status": "failed"})
    assert "Mail server down" in response.text
    assert "Maintenance recall" not in response.text.split("<table")[1]
    response = client.get(reverse("notifications:log"), {"kind": "recall"})
    assert "1 message." in response.text
    response = client.get(reverse("notifications:log"), {"q": "anna"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "Anna" in response.text


def test_the_log_exports_its_filtered_rows_as_csv(clinic, other_clinic, owner):
    _delivery(make_patient(clinic), status="failed", error="Mail server down")
    _delivery(make_patient(clinic), kind="recall", object_id=2)
    _delivery(make_patient(other_clinic), status="failed", error="Elsewhere", object_id=3)
    response = client_for(owner).get(reverse("notifications:log"), {"status": "failed", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:4] == ["due", "sent", "patient", "kind"]
    assert [row[-1] for row in rows[1:]] == ["Mail server down"]
    assert AuditEvent.objects.filter(action="export", data__list="notifications.deliveries").count() == 1


def test_the_log_shows_only_this_clinics_messages(clinic, other_clinic, owner):
    _delivery(make_patient(other_clinic), error="Elsewhere", status="failed")
    assert "Elsewhere" not in client_for(owner).get(reverse("notifications:log")).text


def test_retry_puts_a_failed_message_back_in_the_queue(clinic, owner):
    delivery = _delivery(make_patient(clinic), status="failed", attempts=4, next_attempt_at=None)
    response = client_for(owner).post(reverse("notifications:retry", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.attempts == 0
    assert delivery.next_attempt_at is not None


def test_retry_refuses_a_sent_message(clinic, owner):
    delivery = _delivery(make_patient(clinic))
    client_for(owner).post(reverse("notifications:retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is None


def test_retry_is_404_across_clinics(clinic, other_clinic, owner):
    delivery = _delivery(make_patient(other_clinic), status="failed")
    assert client_for(owner).post(reverse("notifications:retry", args=[delivery.pk])).status_code == 404


def test_settings_are_saved(clinic, owner):
    response = client_for(owner).post(
        reverse("notifications:settings"),
        {
            "reminder_lead_hours": "24, 72,2",
            "quiet_start": "20:00",
            "quiet_end": "09:00",
            "recall_lead_days": "10",
            "continuation_lead_days": "5",
        },
    )
    assert response.status_code == 302
    settings = NotificationSettings.objects.get(clinic=clinic)
    assert settings.reminder_lead_hours == [72, 24, 2]
    assert (settings.quiet_start, settings.quiet_end) == (time(20), time(9))
    assert (settings.recall_lead_days, settings.continuation_lead_days) == (10, 5)


def test_bad_lead_times_are_explained_and_nothing_is_saved(clinic, owner):
    response = client_for(owner).post(
        reverse("notifications:settings"),
        {
            "reminder_lead_hours": "48, soon",
            "quiet_start": "21:00",
            "quiet_end": "08:00",
            "recall_lead_days": "14",
            "continuation_lead_days": "7",
        },
    )
    assert response.status_code == 422
    assert "whole numbers of hours" in response.text
    assert 'value="48, soon"' in response.text
    assert not NotificationSettings.objects.exists()


def _template_url(kind="reminder", channel="email", language="en"):
    return reverse("notifications:template", args=[kind, channel, language])


def test_the_templates_page_lists_defaults_in_both_languages(clinic, owner):
    response = client_for(owner).get(reverse("notifications:templates"))
    assert response.text.count("Default") >= 20
    assert _template_url("complication_check", "sms", "pl") in response.text


def test_the_editor_previews_the_default_with_sample_values(clinic, owner):
    response = client_for(owner).get(_template_url())
    assert response.status_code == 200
    assert "Dear Anna" in response.text
    assert "2026-05-14 10:30" in response.text


def test_preview_does_not_save(clinic, owner):
    response = client_for(owner).post(
        _template_url(), {"subject": "Hi", "body": "See you {{ when }}, {{ name }}", "action": "preview"}
    )
    assert "See you 2026-05-14 10:30, Anna" in response.text
    assert "/notifications/opt-out/" in response.text  # added although the text left it out
    assert not MessageTemplate.objects.exists()


def test_save_and_reset(clinic, owner):
    client = client_for(owner)
    response = client.post(_template_url(), {"subject": "Hi", "body": "See you {{ when }}", "action": "save"})
    assert response.status_code == 302
    template = MessageTemplate.objects.get(clinic=clinic)
    assert (template.kind, template.channel, template.language, template.body) == (
        "reminder",
        "email",
        "en",
        "See you {{ when }}",
    )
    client.post(_template_url(), {"action": "reset"})
    assert not MessageTemplate.objects.exists()


def test_an_unknown_placeholder_is_refused_and_the_text_kept(clinic, owner):
    response = client_for(owner).post(
        _template_url("aftercare", "sms", "pl"), {"body": "Hello {{ nmae }}", "action": "save"}
    )
    assert response.status_code == 422
    assert "Unknown placeholder(s): nmae" in response.text
    assert "Hello {{ nmae }}" in response.text
    assert not MessageTemplate.objects.exists()


def test_a_broken_template_is_refused(clinic, owner):
    response = client_for(owner).post(
        _template_url(), {"subject": "x", "body": "Hi {% if %}", "action": "save"}
    )
    assert response.status_code == 422
    assert "placeholder error" in response.text


def test_an_unknown_template_key_is_404(clinic, owner):
    assert client_for(owner).get(_template_url("birthday")).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        reverse("notifications:log"),
        reverse("notifications:settings"),
        reverse("notifications:templates"),
        reverse("notifications:template", args=["reminder", "email", "en"]),
    ],
)
def test_owner_pages_are_403_for_other_roles(clinic, physician, receptionist, url):
    assert client_for(physician).get(url).status_code == 403
    assert client_for(receptionist).get(url).status_code == 403


def test_the_log_only_allows_get_and_retry_only_post(clinic, owner):
    assert client_for(owner).post(reverse("notifications:log")).status_code == 405
    assert client_for(owner).get(reverse("notifications:retry", args=[1])).status_code == 405


def test_a_template_printing_the_clinics_phone_is_refused_while_the_clinic_has_none(clinic, owner):
    clinic.phone = ""
    clinic.save(update_fields=["phone"])
    body = "Questions? Call us on {{ clinic_phone }}."
    response = client_for(owner).post(_template_url(channel="sms"), {"body": body, "action": "save"})
    assert response.status_code == 422
    assert "has no phone number yet" in response.text
    assert body in response.text  # what was typed is kept
    assert not MessageTemplate.objects.filter(clinic=clinic).exists()
    clinic.phone = "+48 22 555 00 00"
    clinic.save(update_fields=["phone"])
    response = client_for(owner).post(_template_url(channel="sms"), {"body": body, "action": "save"})
    assert response.status_code == 302
    assert MessageTemplate.objects.get(clinic=clinic).body == body
