"""The endpoint screens: owner only, secret shown once, https and public targets, disable, test, 404s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import client_for, csv_rows
from mesoclinic.webhooks import services
from mesoclinic.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
LIST = reverse("webhooks:endpoints")
CREATE = reverse("webhooks:create")
FORM = {"url": "https://hooks.example.com/in", "events": ["appointment.booked", "session.signed"]}


@pytest.fixture
def endpoint(clinic, owner):
    return services.create_endpoint(
        clinic, url="https://hooks.example.com/a", events=["appointment.booked"], actor=owner.user
    )


def test_it_creates_an_endpoint_and_shows_its_secret_once(clinic, owner):
    client = client_for(owner)
    response = client.post(CREATE, FORM)
    endpoint = WebhookEndpoint.objects.get(clinic=clinic)
    assert endpoint.url == FORM["url"]
    assert endpoint.events == ["appointment.booked", "session.signed"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.text
    assert "no-store" in response["Cache-Control"]
    assert endpoint.secret not in client.get(LIST).text
    assert endpoint.secret not in client.get(reverse("webhooks:edit", args=[endpoint.pk])).text
    event = AuditEvent.objects.get(action="webhook_endpoint.create")
    assert endpoint.secret not in str(event.data)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/in", "must start with https://"),
        ("https://127.0.0.1/in", "local or private network"),
        ("https://169.254.169.254/", "local or private network"),
    ],
)
def test_it_refuses_unsafe_targets_and_keeps_what_was_typed(clinic, owner, settings, url, message):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = client_for(owner).post(CREATE, {**FORM, "url": url, "description": "CRM"})
    assert response.status_code == 200
    assert message in response.text
    assert 'value="CRM"' in response.text
    assert not WebhookEndpoint.objects.exists()


def test_it_needs_an_event(owner):
    response = client_for(owner).post(CREATE, {"url": FORM["url"]})
    assert "This field is required." in response.text
    assert not WebhookEndpoint.objects.exists()


def test_it_edits_an_endpoint(owner, endpoint):
    url = reverse("webhooks:edit", args=[endpoint.pk])
    response = client_for(owner).post(
        url, {"url": "https://hooks.example.com/b", "events": ["adverse_event.reported"], "description": "x"}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/b"
    assert endpoint.events == ["adverse_event.reported"]
    assert endpoint.is_active is False  # the box was not ticked


def test_it_disables_and_enables(owner, endpoint):
    url = reverse("webhooks:active", args=[endpoint.pk])
    client_for(owner).post(url, {"active": "0"})
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    client_for(owner).post(url, {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_active is True
    actions = list(
        AuditEvent.objects.filter(action__startswith="webhook_endpoint.").values_list("action", flat=True)
    )
    assert "webhook_endpoint.disable" in actions
    assert "webhook_endpoint.enable" in actions


def test_it_rotates_the_secret(owner, endpoint):
    old = endpoint.secret
    response = client_for(owner).post(reverse("webhooks:rotate_secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.text


def test_send_test_event_queues_a_delivery_and_shows_it(owner, endpoint):
    response = client_for(owner).post(reverse("webhooks:test", args=[endpoint.pk]))
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event.type == "webhook.test"
    assert response["Location"] == reverse("webhooks:delivery", args=[delivery.pk])


def test_the_list_shows_the_clinics_endpoints_and_exports_csv(owner, endpoint, other_clinic):
    services.create_endpoint(
        other_clinic, url="https://elsewhere.example.com/x", events=["session.signed"], actor=None
    )
    html = client_for(owner).get(LIST).text
    assert endpoint.url in html
    assert "elsewhere.example.com" not in html
    rows = csv_rows(client_for(owner).get(LIST, {"format": "csv"}))
    assert rows[0][:2] == ["endpoint_id", "url"]
    assert [r[1] for r in rows[1:]] == [endpoint.url]
    assert AuditEvent.objects.filter(action="export", data__list="webhooks.endpoints").exists()


@pytest.mark.parametrize("persona", ["physician", "practitioner", "receptionist", "auditor"])
def test_only_the_owner_manages_webhooks(request, persona, endpoint):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403
    assert client.post(CREATE, FORM).status_code == 403
    assert client.post(reverse("webhooks:test", args=[endpoint.pk])).status_code == 403


def test_another_clinics_endpoint_is_404(endpoint, other_clinic):
    from mesoclinic.accounts.models import Role  # noqa: PLC0415
    from mesoclinic.testing import make_staff  # noqa: PLC0415

    outsider = client_for(make_staff(other_clinic, Role.OWNER))
    for name in ("edit", "active", "rotate_secret", "test"):
        url = reverse(f"webhooks:{name}", args=[endpoint.pk])
        assert outsider.post(url, FORM).status_code == 404, name
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_wrong_methods_are_405(owner, endpoint):
    client = client_for(owner)
    assert client.post(LIST).status_code == 405
    assert client.get(reverse("webhooks:test", args=[endpoint.pk])).status_code == 405
    assert client.get(reverse("webhooks:active", args=[endpoint.pk])).status_code == 405
    assert client.get(reverse("webhooks:rotate_secret", args=[endpoint.pk])).status_code == 405
