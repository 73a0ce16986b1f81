"""Settings → Staff: the owner invites, edits and deactivates staff without a shell or a superuser."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import PASSWORD, client_for, make_staff

pytestmark = pytest.mark.django_db

INVITE = reverse("settings:staff_invite")


def _invite(client: Client, **fields: object) -> object:
    data = {
        "email": "nadia@example.org",
        "display_name": "Nadia Nowak",
        "title": "RN",
        "role": "practitioner",
        "modalities": ["needle", "electroporation"],
        **fields,
    }
    return client.post(INVITE, data)


def test_it_is_for_the_owner_only(physician, practitioner, receptionist, auditor, client):
    for member in (physician, practitioner, receptionist, auditor):
        assert client_for(member).get(reverse("settings:staff")).status_code == 403
        assert _invite(client_for(member)).status_code == 403
    assert client.get(reverse("settings:staff"))["Location"].startswith(reverse("login"))
    assert not User.objects.filter(email="nadia@example.org").exists()


def test_it_invites_a_practitioner_who_chooses_her_own_password(owner, django_capture_on_commit_callbacks):
    location = owner.clinic.locations.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(owner), locations=[location.pk])
    member = StaffMember.objects.get(user__email="nadia@example.org")
    assert response["Location"] == reverse("settings:staff_hours", args=[member.pk])
    assert (member.role, member.display_name, member.title) == ("practitioner", "Nadia Nowak", "RN")
    assert member.modalities == ["electroporation", "needle"]
    assert list(member.locations.all()) == [location]
    assert not member.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["nadia@example.org"]
    link = re.search(r"https?://\S+", message.body).group(0)
    assert "/accounts/password/reset/key/" in link
    event = AuditEvent.objects.get(action="staff.invite")
    assert event.actor == owner.user
    assert event.data["role"] == "practitioner"

    # She opens the link, chooses a password and signs in with her e-mail address.
    invited = Client()
    path = link.split("testserver", 1)[1]
    form_page = invited.get(path, follow=True)
    assert form_page.status_code == 200
    new_password = "a-long-and-private-passphrase-42"
    done = invited.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password(new_password)


def test_it_refuses_an_address_that_already_has_an_account_and_keeps_what_was_typed(owner):
    make_staff(owner.clinic, Role.RECEPTIONIST, email="taken@example.org")
    response = _invite(client_for(owner), email="Taken@example.org", display_name="Someone New")
    assert response.status_code == 422
    body = response.content.decode()
    assert "already has an account" in body
    assert 'value="Someone New"' in body
    assert not StaffMember.objects.filter(display_name="Someone New").exists()


def test_it_refuses_a_location_of_another_clinic(owner, other_clinic):
    foreign = other_clinic.locations.get()
    response = _invite(client_for(owner), locations=[foreign.pk])
    assert response.status_code == 422
    assert not User.objects.filter(email="nadia@example.org").exists()


def test_it_changes_role_qualifications_and_locations_and_audits_the_change(owner, practitioner):
    location = owner.clinic.locations.get()
    response = client_for(owner).post(
        reverse("settings:staff_edit", args=[practitioner.pk]),
        {
            "display_name": "Nina Nurse",
            "title": "Dr",
            "role": "physician",
            "modalities": ["needle", "sonophoresis"],
            "locations": [location.pk],
        },
    )
    assert response["Location"] == reverse("settings:staff")
    practitioner.refresh_from_db()
    assert (practitioner.role, practitioner.title) == ("physician", "Dr")
    assert practitioner.modalities == ["needle", "sonophoresis"]
    assert list(practitioner.locations.all()) == [location]
    event = AuditEvent.objects.get(action="staff.update")
    assert event.data["role"] == ["practitioner", "physician"]
    assert event.data["modalities"] == [["electroporation", "needle"], ["needle", "sonophoresis"]]
    assert event.data["locations"] == [[], [location.pk]]


def test_it_deactivates_a_member_who_then_cannot_sign_in_and_reactivates_them(owner, receptionist):
    url = reverse("settings:staff_active", args=[receptionist.pk])
    signed_in = client_for(receptionist)
    assert client_for(owner).post(url, {"active": "0"})["Location"] == reverse("settings:staff")
    receptionist.refresh_from_db()
    receptionist.user.refresh_from_db()
    assert receptionist.is_active is False
    assert receptionist.user.is_active is False
    assert signed_in.get(reverse("web:home"))["Location"].startswith(reverse("login"))  # signed out at once
    refused = Client().post(reverse("login"), {"login": receptionist.user.username, "password": PASSWORD})
    assert refused.status_code != 302 or refused["Location"] != reverse("web:home")
    client_for(owner).post(url, {"active": "1"})
    receptionist.refresh_from_db()
    assert receptionist.is_active is True
    assert client_for(receptionist).get(reverse("web:home")).status_code == 200
    actions = list(
        AuditEvent.objects.filter(action__in=["staff.activate", "staff.deactivate"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["staff.deactivate", "staff.activate"]


def test_the_last_owner_can_neither_be_demoted_nor_deactivated(owner):
    client = client_for(owner)
    response = client.post(
        reverse("settings:staff_edit", args=[owner.pk]),
        {"display_name": "Olga Owner", "role": "receptionist"},
    )
    assert response.status_code == 422
    assert "at least one active owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == "owner"
    client.post(reverse("settings:staff_active", args=[owner.pk]), {"active": "0"})
    owner.refresh_from_db()
    assert owner.is_active is True


def test_a_second_owner_may_demote_the_first(owner):
    second = make_staff(owner.clinic, Role.OWNER)
    client_for(second).post(
        reverse("settings:staff_edit", args=[owner.pk]), {"display_name": "Olga Owner", "role": "physician"}
    )
    owner.refresh_from_db()
    assert owner.role == "physician"


def test_another_clinics_staff_member_does_not_exist_here(owner, outsider):
    client = client_for(owner)
    assert client.get(reverse("settings:staff_edit", args=[outsider.pk])).status_code == 404
    assert (
        client.post(reverse("settings:staff_active", args=[outsider.pk]), {"active": "0"}).status_code == 404
    )
    outsider.refresh_from_db()
    assert outsider.is_active is True


def test_the_list_shows_every_member_with_role_and_status(owner, practitioner, receptionist):
    receptionist.is_active = False
    receptionist.save(update_fields=["is_active"])
    body = client_for(owner).get(reverse("settings:staff")).content.decode()
    for text in ("Olga Owner", "Nina Nurse", "Rita Reception", "Deactivated", "Practitioner"):
        assert text in body
    assert "Needle mesotherapy" in body  # the modality's name, not its code
