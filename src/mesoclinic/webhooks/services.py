"""Every write of webhooks: endpoints (create, edit, disable, rotate the secret), events, deliveries, attempts.

Events come from the audit log, not from the services that make the changes: ``signals`` hands each new audit
row to ``emit_for_audit_event`` inside the change's own transaction, which writes the event and one pending
delivery per subscribed endpoint, and enqueues them once the transaction commits. No lower app imports this one.

A delivery is a django-tasks ``@task`` (``deliver_webhook``). A failed attempt is logged and the delivery is
due again after an exponentially growing wait, up to ``WEBHOOK_MAX_ATTEMPTS``; the retry is enqueued with
``run_after`` where the task backend can defer, and is in any case picked up by ``deliver_due_webhooks`` (the
worker's periodic job, or ``manage.py deliver_webhooks`` from cron), which also sends anything whose enqueue
was lost. Each attempt first takes a short lease on its delivery, so two runners never send it twice at once.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task

from mesoclinic.accounts.models import Clinic
from mesoclinic.actors import Actor
from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.clinical_codes.words import N_, Worded
from mesoclinic.webhooks import selectors, signing, transport
from mesoclinic.webhooks.models import (
    SUBSCRIBABLE,
    DeliveryAttempt,
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 — a label in front of the random part, not a secret
_LEASE_SECONDS = 60
_DUE_SLACK = timedelta(seconds=2)


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _clean(url: str, events: list[str]) -> tuple[str, list[str]]:
    errors: dict[str, list[str]] = {}
    url = url.strip()
    try:
        transport.check_url(
            url,
            allow_http=settings.WEBHOOK_ALLOW_HTTP,
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS,
        )
    except transport.TargetError as exc:
        errors["url"] = [exc.text(_)]
    known = {str(choice) for choice in SUBSCRIBABLE}
    chosen = sorted({str(e) for e in events})
    if not chosen:
        errors["events"] = [_("Choose at least one event to send.")]
    elif unknown := [e for e in chosen if e not in known]:
        errors["events"] = [_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)}]
    if errors:
        raise ValidationError(errors)
    return url, chosen


@transaction.atomic
def create_endpoint(
    clinic: Clinic, *, url: str, events: list[str], description: str = "", actor: Actor
) -> WebhookEndpoint:
    """A new active endpoint with a fresh secret (the caller shows ``endpoint.secret`` once)."""
    url, events = _clean(url, events)
    endpoint = WebhookEndpoint.objects.create(
        clinic=clinic,
        url=url,
        events=events,
        description=description.strip()[:200],
        secret=generate_secret(),
        created_by=acting_user(actor),
    )
    record_event("webhook_endpoint.create", endpoint, actor=actor, data={"url": url, "events": events})
    return endpoint


@transaction.atomic
def update_endpoint(
    endpoint: WebhookEndpoint,
    *,
    url: str,
    events: list[str],
    description: str,
    is_active: bool,
    actor: Actor,
) -> WebhookEndpoint:
    url, events = _clean(url, events)
    before = {"url": endpoint.url, "events": endpoint.events, "is_active": endpoint.is_active}
    endpoint.url, endpoint.events = url, events
    endpoint.description, endpoint.is_active = description.strip()[:200], is_active
    endpoint.save(update_fields=["url", "events", "description", "is_active"])
    after = {"url": url, "events": events, "is_active": is_active}
    record_event(
        "webhook_endpoint.update",
        endpoint,
        actor=actor,
        data={k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v},
    )
    return endpoint


@transaction.atomic
def set_endpoint_active(endpoint: WebhookEndpoint, *, active: bool, actor: Actor) -> WebhookEndpoint:
    """Disable (or enable again) an endpoint: a disabled one is sent nothing, its pending deliveries fail."""
    if endpoint.is_active != active:
        endpoint.is_active = active
        endpoint.save(update_fields=["is_active"])
        record_event(
            "webhook_endpoint.enable" if active else "webhook_endpoint.disable", endpoint, actor=actor
        )
    return endpoint


@transaction.atomic
def rotate_secret(endpoint: WebhookEndpoint, *, actor: Actor) -> str:
    """A new secret, effective for the next request; the old one stops working at once."""
    endpoint.secret = generate_secret()
    endpoint.save(update_fields=["secret"])
    record_event("webhook_endpoint.rotate_secret", endpoint, actor=actor)
    return endpoint.secret


def _enqueue_on_commit(deliveries: list[WebhookDelivery]) -> None:
    """Enqueue each delivery once the transaction commits.

    Where the task ran at once (the immediate backend, until the worker lands) and its endpoint failed, the
    rest of the batch for that endpoint is left pending for the sweep: a booked series of six sessions to a
    receiver that times out costs the receptionist one timeout, not six.
    """
    items = [(d.pk, d.endpoint_id) for d in deliveries]

    def enqueue() -> None:
        failing: set[int] = set()
        for pk, endpoint_id in items:
            if endpoint_id in failing:
                continue
            result = deliver_webhook.enqueue(pk)
            if (
                result.status == TaskResultStatus.SUCCESSFUL
                and result.return_value != DeliveryStatus.SUCCEEDED
            ):
                failing.add(endpoint_id)

    # robust: a queue that is down must not turn a committed booking into an error page; the sweep sends it.
    transaction.on_commit(enqueue, robust=True)


def _deliveries(event: WebhookEvent, endpoints: list[WebhookEndpoint], **extra: Any) -> list[WebhookDelivery]:
    return WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(clinic_id=event.clinic_id, endpoint=e, event=event, **extra) for e in endpoints]
    )


def emit_for_audit_event(audit: AuditEvent) -> list[WebhookDelivery]:
    """Turn an audit row into webhook events and pending deliveries, in the caller's transaction.

    Called for every audit row; most are not events, or their clinic has no endpoint for them: one cheap
    query at most, and nothing written.
    """
    event_type = selectors.AUDIT_ACTIONS.get(audit.action)
    if event_type is None or audit.clinic_id is None:
        return []
    endpoints = selectors.subscribed_endpoints(audit.clinic_id, event_type)
    if not endpoints:
        return []
    deliveries: list[WebhookDelivery] = []
    for data in selectors.event_payloads(event_type, audit):
        event = WebhookEvent.objects.create(
            clinic_id=audit.clinic_id, type=event_type, created_at=audit.at, data=data, audit_event=audit
        )
        deliveries += _deliveries(event, endpoints)
    _enqueue_on_commit(deliveries)
    return deliveries


@transaction.atomic
def send_test_event(endpoint: WebhookEndpoint, *, actor: Actor) -> WebhookDelivery:
    """A ``webhook.test`` event to this endpoint alone, so the owner can check the receiver and its secret."""
    event = WebhookEvent.objects.create(
        clinic_id=endpoint.clinic_id,
        type=EventType.TEST,
        created_at=timezone.now(),
        data={"test": True, "endpoint_id": endpoint.pk},
    )
    (delivery,) = _deliveries(event, [endpoint], requested_by=acting_user(actor))
    record_event("webhook.test", endpoint, actor=actor, data={"delivery": delivery.pk})
    _enqueue_on_commit([delivery])
    return delivery


@transaction.atomic
def redeliver(delivery: WebhookDelivery, *, actor: Actor) -> WebhookDelivery:
    """Send the same event (same event id, so receivers can tell) to the same endpoint again, afresh."""
    (again,) = _deliveries(
        delivery.event, [delivery.endpoint], redelivery_of=delivery, requested_by=acting_user(actor)
    )
    record_event(
        "webhook.redeliver",
        delivery.endpoint,
        actor=actor,
        data={"delivery": again.pk, "of": delivery.pk, "event": str(delivery.event_id)},
    )
    _enqueue_on_commit([again])
    return again


def body_of(event: WebhookEvent) -> bytes:
    """The JSON body receivers get: the envelope (id, type, time, clinic) around the event's data."""
    envelope = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "clinic": {"id": event.clinic_id},
        "data": event.data,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | str:
    """Lock the delivery and take a lease on it, or say why it is not to be sent now."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.status != DeliveryStatus.PENDING:
            return str(delivery.status)
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + _DUE_SLACK:
            return "not_due"
        if not delivery.endpoint.is_active:
            delivery.status = DeliveryStatus.FAILED
            disabled = Worded(N_("The endpoint is disabled."))
            delivery.last_error, delivery.last_error_template = str(disabled), disabled.template
            delivery.completed_at = now
            delivery.save(update_fields=["status", "last_error", "last_error_template", "completed_at"])
            return str(delivery.status)
        delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + _LEASE_SECONDS)
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def attempt_delivery(delivery_id: int) -> str:
    """Make one attempt of a delivery that is due, log it, and set when the next one is due (if any).

    Returns the delivery's status after the attempt (or why nothing was sent). Never raises for trouble on
    the receiver's side: that is what the log is for.
    """
    claimed = _claim(delivery_id, timezone.now())
    if isinstance(claimed, str):
        return claimed
    delivery, endpoint, event = claimed, claimed.endpoint, claimed.event
    body = body_of(event)
    started = timezone.now()
    headers = {
        "Content-Type": "application/json",
        signing.SIGNATURE_HEADER: signing.sign(endpoint.secret, int(started.timestamp()), body),
        signing.EVENT_ID_HEADER: str(event.id),
        signing.EVENT_TYPE_HEADER: event.type,
        signing.DELIVERY_ID_HEADER: str(delivery.pk),
    }
    outcome = transport.post(
        endpoint.url,
        body,
        headers,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allow_http=settings.WEBHOOK_ALLOW_HTTP,
        allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    )
    return _record_attempt(delivery, outcome, started)


def _record_attempt(delivery: WebhookDelivery, outcome: transport.Outcome, started: datetime) -> str:
    finished = timezone.now()
    number = delivery.attempts + 1
    # Kept as English text and as words (template and values), shown in each reader's language.
    words = outcome.error_words
    if words is None and not outcome.error and not outcome.ok:
        words = Worded(N_("The receiver answered %(code)s."), {"code": outcome.status_code})
    error = str(words) if words is not None else outcome.error
    template, params = (words.template, dict(words.params)) if words is not None else ("", {})
    next_at = None
    if outcome.ok:
        status = DeliveryStatus.SUCCEEDED
    elif number >= settings.WEBHOOK_MAX_ATTEMPTS:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
        wait = signing.backoff_seconds(
            number, base=settings.WEBHOOK_RETRY_BASE_SECONDS, cap=settings.WEBHOOK_RETRY_MAX_SECONDS
        )
        next_at = finished + timedelta(seconds=wait)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=error[:500],
            error_template=template,
            error_params=params,
            response_excerpt=outcome.response_excerpt[:512],
            next_attempt_at=next_at,
        )
        delivery.attempts = number
        delivery.status = status
        delivery.next_attempt_at = next_at
        delivery.last_status_code = outcome.status_code
        delivery.last_error = error[:500]
        delivery.last_error_template, delivery.last_error_params = template, params
        delivery.completed_at = None if status == DeliveryStatus.PENDING else finished
        delivery.save(
            update_fields=[
                "attempts",
                "status",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "last_error_template",
                "last_error_params",
                "completed_at",
            ]
        )
        if next_at is not None and deliver_webhook.get_backend().supports_defer:
            pk = delivery.pk
            transaction.on_commit(lambda: deliver_webhook.using(run_after=next_at).enqueue(pk), robust=True)
    if status != DeliveryStatus.SUCCEEDED:
        logger.info("webhook delivery %s attempt %s failed: %s", delivery.pk, number, error)
    return str(status)


def deliver_due(*, limit: int = 200) -> dict[str, int]:
    """Attempt every pending delivery that is due now (oldest first); return how many ended in each state."""
    now = timezone.now()
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .exclude(next_attempt_at__gt=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in list(due):
        status = attempt_delivery(pk)
        counts[status] = counts.get(status, 0) + 1
    return counts


@task()
def deliver_webhook(delivery_id: int) -> str:
    """The background task: one attempt of one delivery."""
    return attempt_delivery(delivery_id)


@task()
def deliver_due_webhooks() -> dict[str, int]:
    """The periodic task (every minute): retries that are due, and deliveries whose enqueue was lost."""
    return deliver_due()
