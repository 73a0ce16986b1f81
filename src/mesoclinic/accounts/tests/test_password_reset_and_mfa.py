"""A stranger's password-reset request changes nothing about what the account may enrol (issue 13, item 6):
the addresses the owner enters are verified, and asking for a reset writes no unverified address."""

from __future__ import annotations

import importlib

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from mesoclinic.accounts.models import Role
from mesoclinic.testing import make_staff
from mesoclinic.testing.accounts import activate_totp, signed_in


def _ask_for_a_reset(email: str) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = Client().post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302


def test_an_address_the_owner_enters_is_verified(clinic):
    member = make_staff(clinic, Role.PRACTITIONER, email="Nina@Example.org")
    address = EmailAddress.objects.get(user=member.user)
    assert (address.email, address.verified, address.primary) == ("nina@example.org", True, True)


def test_an_anonymous_reset_request_does_not_block_two_factor_enrolment(clinic):
    member = make_staff(clinic, Role.PRACTITIONER, email="nina@example.org")
    _ask_for_a_reset("nina@example.org")
    assert len(mail.outbox) == 1
    assert not EmailAddress.objects.filter(user=member.user, verified=False).exists()
    activate_totp(member, signed_in(member))
    assert member.user.authenticator_set.filter(type="totp").exists()


def test_a_reset_request_writes_no_address_for_an_account_that_has_none_recorded(clinic):
    member = make_staff(clinic, Role.RECEPTIONIST)
    User.objects.filter(pk=member.user.pk).update(email="rita@example.org")  # set outside the app (admin)
    _ask_for_a_reset("rita@example.org")
    assert len(mail.outbox) == 1
    assert not EmailAddress.objects.filter(user=member.user).exists()
    member.user.refresh_from_db()
    activate_totp(member, signed_in(member))


def test_the_migration_verifies_the_addresses_earlier_reset_requests_left_unverified(clinic):
    from django.apps import apps  # noqa: PLC0415

    migration = importlib.import_module("mesoclinic.accounts.migrations.0003_verify_staff_email_addresses")
    blocked = make_staff(clinic, Role.PRACTITIONER)
    User.objects.filter(pk=blocked.user.pk).update(email="nina@example.org")
    EmailAddress.objects.create(user=blocked.user, email="nina@example.org", primary=False, verified=False)
    unrecorded = make_staff(clinic, Role.RECEPTIONIST)
    User.objects.filter(pk=unrecorded.user.pk).update(email="Rita@Example.org")
    migration.verify_owner_entered_addresses(apps, None)
    assert EmailAddress.objects.get(user=blocked.user).verified
    assert EmailAddress.objects.get(user=unrecorded.user).email == "rita@example.org"
    assert not EmailAddress.objects.filter(verified=False).exists()


def test_an_invited_members_address_is_verified_and_the_invitation_link_still_works(clinic, owner):
    from mesoclinic.accounts.services import invite_staff_member  # noqa: PLC0415

    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = invite_staff_member(
            clinic, email="New@Example.org", display_name="Nora New", role=Role.RECEPTIONIST, actor=owner.user
        )
    address = EmailAddress.objects.get(user=invitation.member.user)
    assert (address.email, address.verified) == ("new@example.org", True)
    assert Client().get(invitation.link, follow=True).status_code == 200
