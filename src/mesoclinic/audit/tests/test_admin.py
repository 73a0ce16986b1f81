"""The audit log in the admin: superusers may look, nobody may add, change or delete."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.services import record_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x-very-long-secret-1")
    client = Client()
    client.force_login(user)
    return client


def test_a_superuser_sees_events_read_only(clinic: Clinic, admin_client_: Client) -> None:
    event = record_event("test.admin", actor=None, clinic=clinic)
    assert admin_client_.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    page = admin_client_.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client_.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert admin_client_.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, action="test.admin").exists()
