"""The owner's "Clinic security" page: require two-factor authentication for every staff member."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import client_for
from mesoclinic.testing.accounts import activate_totp, signed_in

URL = reverse("accounts:security")


def test_it_is_for_the_owner_only(physician, receptionist, auditor, client):
    for staff in (physician, receptionist, auditor):
        assert client_for(staff).get(URL).status_code == 403
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_asks_the_owner_to_set_up_two_factor_first(owner):
    response = client_for(owner).post(URL, {"require_mfa": "on"})
    assert response.status_code == 422
    assert "your own account first" in response.content.decode()
    owner.clinic.refresh_from_db()
    assert owner.clinic.require_mfa is False


def test_it_switches_enforcement_on_and_off_and_records_it(owner):
    client = signed_in(owner)
    activate_totp(owner, client)
    assert client.post(URL, {"require_mfa": "on"})["Location"] == URL
    owner.clinic.refresh_from_db()
    assert owner.clinic.require_mfa is True
    assert client.post(URL, {})["Location"] == URL
    owner.clinic.refresh_from_db()
    assert owner.clinic.require_mfa is False
    events = AuditEvent.objects.filter(action="clinic.require_mfa").order_by("id")
    assert [e.data["require_mfa"] for e in events] == [True, False]
    assert events[0].actor == owner.user


def test_it_refuses_other_methods(owner):
    assert client_for(owner).delete(URL).status_code == 405
