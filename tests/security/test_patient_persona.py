"""The patient persona (issue 18, item 8): a patient signed in to the portal is a separate kind of account.

Every staff page and API operation refuses them as it refuses a visitor (the sign-in page, 401), and every
portal route that names a session answers 404 for another patient's session.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesoclinic import testing
from mesoclinic.patients.services import update_patient
from mesoclinic.portal.views import SESSION_KEY
from tests.security.conftest import rolled_back
from tests.security.test_authorization_matrix import (
    API,
    WEB,
    api_operations,
    fill,
    login_redirect,
    web_routes,
)
from tests.security.world import World

pytestmark = pytest.mark.django_db


def portal_client(world: World, patient: Any) -> Client:
    """A browser with the patient's portal session (as the e-mailed code leaves it) and nothing else."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = {
        "clinic": world.clinic.pk,
        "patient": patient.pk,
        "until": timezone.now().timestamp() + 30 * 60,
    }
    session.save()
    return client


def another_patient(world: World) -> Any:
    patient = testing.make_patient(world.clinic)
    update_patient(patient, email="persona@example.com", actor=None)
    return patient


def test_a_signed_in_patient_reaches_no_staff_page(world: World) -> None:
    with rolled_back():
        client = portal_client(world, another_patient(world))
        home = client.get(reverse("portal:portal_home", args=[world.clinic.slug]))
        assert home.status_code == 200  # the portal session is real
        refused = []
        for name, pattern in web_routes():
            rule = WEB[name]
            if rule.public:
                continue
            names = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
            url = reverse(name, kwargs={key: fill(world, key, rule) for key in names})
            response = getattr(client, rule.methods[0])(url)
            if not (login_redirect(response) or response.status_code == 401):
                refused.append(f"{rule.methods[0].upper()} {url}: {response.status_code}")
        assert not refused, "\n".join(refused)


def test_a_signed_in_patient_gets_401_from_every_staff_api_operation(world: World) -> None:
    with rolled_back():
        client = portal_client(world, another_patient(world))
        wrong = []
        for key, method, path, _operation in api_operations():
            rule = API[key]
            if rule.public or method != "get":
                continue
            url = re.sub(r"{(\w+)}", lambda m, rule=rule: str(fill(world, m.group(1), rule)), path)
            response = client.get(url)
            if response.status_code != 401:
                wrong.append(f"GET {url}: {response.status_code}")
        assert not wrong, "\n".join(wrong)


def test_every_portal_route_naming_a_session_is_404_for_another_patient(world: World) -> None:
    appointment = world.objects["appointment"]  # the marked patient's
    routes = [
        name
        for name, pattern in web_routes()
        if name.startswith("portal:") and "appointment_id" in str(pattern.pattern)
    ]
    assert {"portal:portal_cancel", "portal:portal_reschedule"} <= set(routes)
    with rolled_back():
        client = portal_client(world, another_patient(world))
        for name in routes:
            url = reverse(name, args=[world.clinic.slug, appointment.pk])
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in (404, 405), f"{method.upper()} {url}: {response.status_code}"
                assert response.status_code == 404 or method == "get"
