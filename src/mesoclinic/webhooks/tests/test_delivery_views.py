"""The delivery log: filters, CSV, a delivery's attempts, redeliver, access."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.accounts.models import Role
from mesoclinic.testing import client_for, csv_rows, make_staff
from mesoclinic.webhooks import services
from mesoclinic.webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db
LIST = reverse("webhooks:deliveries")


@pytest.fixture
def deliveries(clinic, owner, receiver):
    endpoint = services.create_endpoint(clinic, url=receiver.url, events=["session.signed"], actor=owner.user)
    receiver.secret = endpoint.secret
    receiver.script = [500]
    failed = services.send_test_event(endpoint, actor=owner.user)
    services.attempt_delivery(failed.pk)
    ok = services.send_test_event(endpoint, actor=owner.user)
    services.attempt_delivery(ok.pk)
    return failed, ok


def test_it_lists_and_filters_by_status(owner, deliveries):
    failed, ok = deliveries
    client = client_for(owner)
    html = client.get(LIST).text
    assert reverse("webhooks:delivery", args=[failed.pk]) in html
    assert reverse("webhooks:delivery", args=[ok.pk]) in html
    html = client.get(LIST, {"status": "succeeded"}).text
    assert reverse("webhooks:delivery", args=[ok.pk]) in html
    assert reverse("webhooks:delivery", args=[failed.pk]) not in html


def test_the_csv_has_the_same_filters(owner, deliveries):
    failed, _ok = deliveries
    rows = csv_rows(client_for(owner).get(LIST, {"status": "pending", "format": "csv"}))
    assert rows[0][0] == "delivery_id"
    assert [(r[0], r[4], r[6]) for r in rows[1:]] == [(str(failed.pk), "pending", "500")]


def test_a_delivery_shows_its_attempts_and_body(owner, deliveries):
    failed, _ok = deliveries
    html = client_for(owner).get(reverse("webhooks:delivery", args=[failed.pk])).text
    assert "The receiver answered 500." in html
    assert str(failed.event_id) in html
    assert "&quot;type&quot;:&quot;webhook.test&quot;" in html


def test_redeliver_makes_a_new_delivery_of_the_same_event(owner, deliveries):
    failed, _ok = deliveries
    response = client_for(owner).post(reverse("webhooks:redeliver", args=[failed.pk]))
    again = WebhookDelivery.objects.get(redelivery_of=failed)
    assert response["Location"] == reverse("webhooks:delivery", args=[again.pk])
    assert again.event_id == failed.event_id
    assert again.status == DeliveryStatus.PENDING


def test_access(deliveries, other_clinic, receptionist):
    failed, _ok = deliveries
    outsider = client_for(make_staff(other_clinic, Role.OWNER))
    assert outsider.get(reverse("webhooks:delivery", args=[failed.pk])).status_code == 404
    assert outsider.post(reverse("webhooks:redeliver", args=[failed.pk])).status_code == 404
    assert csv_rows(outsider.get(LIST, {"format": "csv"}))[1:] == []
    assert client_for(receptionist).get(LIST).status_code == 403
    assert not WebhookDelivery.objects.filter(redelivery_of=failed).exists()


def test_redeliver_is_post_only(owner, deliveries):
    failed, _ok = deliveries
    assert client_for(owner).get(reverse("webhooks:redeliver", args=[failed.pk])).status_code == 405


def test_it_filters_by_endpoint_and_event(clinic, owner, deliveries):
    failed, _ok = deliveries
    other = services.create_endpoint(
        clinic, url="https://hooks.example.com/x", events=["session.signed"], actor=owner.user
    )
    elsewhere = services.send_test_event(other, actor=owner.user)
    client = client_for(owner)
    html = client.get(LIST, {"endpoint": other.pk}).text
    assert reverse("webhooks:delivery", args=[elsewhere.pk]) in html
    assert reverse("webhooks:delivery", args=[failed.pk]) not in html
    assert "No delivery matches these filters." in client.get(LIST, {"type": "session.signed"}).text
    # An endpoint id that is not the clinic's is not a filter: the whole log shows.
    assert reverse("webhooks:delivery", args=[failed.pk]) in client.get(LIST, {"endpoint": 999999}).text
