"""Settings → Clinic: name, contact details, time zone, country and language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db

URL = reverse("settings:clinic")


def _details(**fields: str) -> dict[str, str]:
    return {
        "name": "Rosa Aesthetics",
        "phone": "+48 22 555 01 01",
        "email": "desk@rosa.example",
        "address": "ul. Różana 1\n00-001 Warszawa",
        "timezone": "Europe/Warsaw",
        "country": "PL",
        "language": "pl",
        **fields,
    }


def test_it_is_for_the_owner_only(physician, receptionist, client):
    for member in (physician, receptionist):
        assert client_for(member).get(URL).status_code == 403
        assert client_for(member).post(URL, _details()).status_code == 403
    physician.clinic.refresh_from_db()
    assert physician.clinic.phone == "+48 22 555 00 00"


def test_it_saves_the_details_and_audits_each_change(owner):
    response = client_for(owner).post(URL, _details())
    assert response["Location"] == URL
    clinic = owner.clinic
    clinic.refresh_from_db()
    assert (clinic.phone, clinic.email, clinic.country, clinic.language) == (
        "+48 22 555 01 01",
        "desk@rosa.example",
        "PL",
        "pl",
    )
    assert clinic.address.startswith("ul. Różana 1")
    event = AuditEvent.objects.filter(action="clinic.update").latest("id")
    assert event.actor == owner.user
    assert event.data["phone"] == ["+48 22 555 00 00", "+48 22 555 01 01"]
    assert "timezone" not in event.data  # unchanged values are not "changes"


def test_it_says_what_is_wrong_and_keeps_what_was_typed(owner):
    response = client_for(owner).post(URL, _details(email="not-an-address", timezone="Mars/Olympus"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "valid email" in body.lower()
    assert "+48 22 555 01 01" in body
    owner.clinic.refresh_from_db()
    assert owner.clinic.phone == "+48 22 555 00 00"
    assert not AuditEvent.objects.filter(action="clinic.update", actor=owner.user).exists()


def test_the_settings_page_warns_while_messages_cannot_carry_the_clinics_contact_details(owner):
    client = client_for(owner)
    client.post(URL, _details(phone="", language="en"))  # the owner's pages follow the clinic's language
    assert "Messages to patients are held" in client.get(reverse("settings:index")).content.decode()
    client.post(URL, _details(language="en"))
    assert "Messages to patients are held" not in client.get(reverse("settings:index")).content.decode()


def test_the_warning_is_in_the_clinics_language_when_the_owner_chose_none(owner):
    client = client_for(owner)
    client.post(URL, _details(phone=""))
    page = client.get(reverse("settings:index")).content.decode()
    assert '<html lang="pl">' in page
    assert "Messages to patients are held" not in page
    assert "Wiadomości do pacjentów są wstrzymane" in page
