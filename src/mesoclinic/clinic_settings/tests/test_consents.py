"""Settings → Consent forms: a change is a new version; what patients signed keeps its text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Modality
from mesoclinic.patients.models import ConsentTemplate
from mesoclinic.patients.services import publish_consent_template
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def test_it_publishes_a_new_version_and_keeps_the_old_one(owner):
    needle = Modality.objects.get(clinic=owner.clinic, code="needle")
    first = publish_consent_template(
        owner.clinic, modality=needle, title="Needle", body="Old text", actor=None
    )
    client = client_for(owner)
    url = reverse("settings:consent_publish", args=["needle"])
    assert "Old text" in client.get(url).content.decode()  # starts from the current text
    response = client.post(url, {"title": "Needle", "body": "New text with aftercare"})
    assert response["Location"] == reverse("settings:consents")
    versions = list(ConsentTemplate.objects.filter(modality=needle).order_by("version"))
    assert [(t.version, t.body) for t in versions] == [(1, "Old text"), (2, "New text with aftercare")]
    first.refresh_from_db()
    assert first.body == "Old text"
    assert versions[1].created_by == owner.user
    assert AuditEvent.objects.filter(action="consent_template.publish", actor=owner.user).exists()
    assert "version 2" in client.get(reverse("settings:consents")).content.decode()


def test_publishing_the_same_text_again_is_refused(owner):
    needle = Modality.objects.get(clinic=owner.clinic, code="needle")
    publish_consent_template(owner.clinic, modality=needle, title="Needle", body="Text", actor=None)
    url = reverse("settings:consent_publish", args=["needle"])
    response = client_for(owner).post(url, {"title": "Needle", "body": "Text"})
    assert response.status_code == 422
    assert ConsentTemplate.objects.filter(modality=needle).count() == 1


def test_an_unknown_modality_is_not_found_and_others_may_not_publish(owner, physician):
    assert client_for(owner).get(reverse("settings:consent_publish", args=["laser"])).status_code == 404
    url = reverse("settings:consent_publish", args=["needle"])
    assert client_for(physician).post(url, {"title": "x", "body": "y"}).status_code == 403
    assert not ConsentTemplate.objects.exists()
