"""Delivering to a real local receiver that verifies the signature: success, failures then success, give-up,
timeouts, the sweep of due retries, and the lease that keeps a delivery from being sent twice at once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mesoclinic.webhooks import services
from mesoclinic.webhooks.models import DeliveryStatus, WebhookDelivery
from mesoclinic.webhooks.signing import DELIVERY_ID_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(clinic, owner, receiver):
    endpoint = services.create_endpoint(
        clinic, url=receiver.url, events=["appointment.booked"], actor=owner.user
    )
    receiver.secret = endpoint.secret
    return endpoint


def _make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_test_event_arrives_signed_with_its_ids(
    endpoint, owner, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_test_event(endpoint, actor=owner.user)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    (request,) = receiver.requests
    assert request.verified, request.error
    body = json.loads(request.body)
    assert body["id"] == str(delivery.event_id) == request.headers[EVENT_ID_HEADER]
    assert body["type"] == "webhook.test" == request.headers[EVENT_TYPE_HEADER]
    assert body["clinic"] == {"id": endpoint.clinic_id}
    assert request.headers[DELIVERY_ID_HEADER] == str(delivery.pk)
    (attempt,) = delivery.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.error, attempt.next_attempt_at) == (1, 200, "", None)


def test_failures_are_retried_with_backoff_until_success(endpoint, owner, receiver, settings):
    receiver.script = [500, 502]
    delivery = services.send_test_event(endpoint, actor=owner.user)  # callbacks not run: attempt by hand
    before = timezone.now()
    assert services.attempt_delivery(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.last_status_code == 500
    wait = delivery.next_attempt_at - before
    assert timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS) <= wait < timedelta(seconds=35)
    assert services.attempt_delivery(delivery.pk) == "not_due"  # too early: nothing sent
    assert len(receiver.requests) == 1
    _make_due(delivery)
    assert services.attempt_delivery(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert timedelta(seconds=59) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    _make_due(delivery)
    assert services.attempt_delivery(delivery.pk) == "succeeded"
    attempts = list(delivery.attempt_log.values_list("number", "status_code"))
    assert attempts == [(1, 500), (2, 502), (3, 200)]
    assert all(r.verified for r in receiver.requests)
    assert len({r.headers[EVENT_ID_HEADER] for r in receiver.requests}) == 1


def test_it_gives_up_after_the_last_attempt(endpoint, owner, receiver):
    receiver.script = [500, 500, 500, 200]
    delivery = services.send_test_event(endpoint, actor=owner.user)
    for _ in range(3):
        _make_due(delivery)
        services.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    assert delivery.completed_at is not None
    assert delivery.last_error == "The receiver answered 500."
    assert services.attempt_delivery(delivery.pk) == "failed"
    assert len(receiver.requests) == 3


def test_a_timeout_is_logged_as_an_error(endpoint, owner, receiver):
    receiver.script = ["hang"]
    receiver.hang_seconds = 1.5
    delivery = services.send_test_event(endpoint, actor=owner.user)
    assert services.attempt_delivery(delivery.pk) == "pending"
    (attempt,) = delivery.attempt_log.all()
    assert attempt.status_code is None
    assert "timed out" in attempt.error
    assert 900 <= attempt.duration_ms < 1500
    assert attempt.next_attempt_at is not None


def test_a_wrong_secret_is_refused_by_the_receiver(endpoint, owner, receiver):
    receiver.secret = "whsec_not_the_one"
    delivery = services.send_test_event(endpoint, actor=owner.user)
    services.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_status_code == 401
    assert not receiver.requests[0].verified


def test_the_sweep_sends_what_is_due_and_the_command_reports_it(endpoint, owner, receiver, capsys):
    due = services.send_test_event(endpoint, actor=owner.user)
    later = services.send_test_event(endpoint, actor=owner.user)
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    call_command("deliver_webhooks")
    assert capsys.readouterr().out.strip() == "1 succeeded"
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (DeliveryStatus.SUCCEEDED, DeliveryStatus.PENDING)
    assert len(receiver.requests) == 1


def test_a_claimed_delivery_is_not_sent_again_while_its_lease_runs(endpoint, owner, receiver):
    delivery = services.send_test_event(endpoint, actor=owner.user)
    claimed = services._claim(delivery.pk, timezone.now())
    assert isinstance(claimed, WebhookDelivery)
    assert services.attempt_delivery(delivery.pk) == "not_due"
    assert receiver.requests == []


def test_a_disabled_endpoint_gets_nothing(endpoint, owner, receiver):
    delivery = services.send_test_event(endpoint, actor=owner.user)
    services.set_endpoint_active(endpoint, active=False, actor=owner.user)
    assert services.attempt_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "The endpoint is disabled."
    assert receiver.requests == []


def test_redelivery_sends_the_same_event_afresh(endpoint, owner, receiver):
    receiver.script = [500, 500, 500]
    first = services.send_test_event(endpoint, actor=owner.user)
    for _ in range(3):
        _make_due(first)
        services.attempt_delivery(first.pk)
    again = services.redeliver(first, actor=owner.user)
    assert services.attempt_delivery(again.pk) == "succeeded"
    assert again.event_id == first.event_id
    assert again.redelivery_of == first
    assert receiver.requests[-1].headers[EVENT_ID_HEADER] == str(first.event_id)
