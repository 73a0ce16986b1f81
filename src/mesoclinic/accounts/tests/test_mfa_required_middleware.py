"""A clinic that requires MFA sends staff without an authenticator to set one up, and the API refuses them."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.accounts.middleware import MFA_REQUIRED_MESSAGE
from mesoclinic.testing import client_for
from mesoclinic.testing.accounts import activate_totp, reauthenticate, signed_in


def _require(clinic) -> None:
    clinic.require_mfa = True
    clinic.save(update_fields=["require_mfa"])


def test_it_lets_everyone_in_when_the_clinic_does_not_require_it(receptionist):
    assert client_for(receptionist).get(reverse("web:home")).status_code == 200


def test_it_sends_staff_without_an_authenticator_to_set_one_up(receptionist):
    _require(receptionist.clinic)
    client = client_for(receptionist)
    for url in (reverse("web:home"), reverse("patients:list"), reverse("accounts:api_tokens")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")


def test_it_leaves_setup_sign_out_and_static_files_open(receptionist):
    _require(receptionist.clinic)
    client = signed_in(receptionist)
    assert client.get(reverse("web:home"))["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get("/static/web/app.css").status_code in {200, 404}  # never a redirect to setup
    assert client.post(reverse("logout")).status_code == 302


def test_it_answers_the_api_with_403_and_the_reason(receptionist):
    _require(receptionist.clinic)
    response = client_for(receptionist).get("/api/v1/patients")
    assert response.status_code == 403
    assert response.json() == {"detail": MFA_REQUIRED_MESSAGE}


def test_it_lets_staff_with_an_authenticator_through(receptionist):
    _require(receptionist.clinic)
    client = signed_in(receptionist)
    activate_totp(receptionist, client)
    assert client.get(reverse("web:home")).status_code == 200
    assert client.get("/api/v1/patients").status_code == 200


def test_it_does_not_touch_another_clinic(receptionist, outsider):
    _require(receptionist.clinic)
    assert client_for(outsider).get(reverse("web:home")).status_code == 200
