"""Every write about notifications: sending what is due (the worker's periodic task), retrying failures,
patient preferences and opt-out, the clinic's settings and templates, and complication-check answers."""

from __future__ import annotations

import contextlib
import logging
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django_tasks import task

from mesoclinic.accounts.models import Clinic
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.notifications import selectors, timing, tokens
from mesoclinic.notifications.channels import ChannelError
from mesoclinic.notifications.channels.email import send_email
from mesoclinic.notifications.channels.sms import send_sms
from mesoclinic.notifications.defaults import PLACEHOLDERS
from mesoclinic.notifications.models import (
    Answer,
    Channel,
    ComplicationAnswer,
    ContactPreference,
    Delivery,
    DeliveryStatus,
    Kind,
    Language,
    MessageTemplate,
    NotificationSettings,
    SkipReason,
)
from mesoclinic.patients.models import Patient
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.vigilance.models import AdverseEvent, EventCategory, Severity
from mesoclinic.vigilance.services import report_adverse_event

logger = logging.getLogger(__name__)

INSERT_CHUNK = 100
MAX_ATTEMPTS = 4
RETRY_BASE = timedelta(minutes=5)
"""A failed message is tried again after 5, 10, 20 minutes, then left failed (and visible) for a person."""


# --- Sending -----------------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    retried: int = 0


def send_due_notifications(now: datetime | None = None, *, clinic: Clinic | None = None) -> RunSummary:
    """Compute everything due at ``now`` and send it; retry failed messages whose time has come.

    Not one transaction (and not ``durable``): a message that left cannot be rolled back, so the delivery
    rows are inserted and committed first (in chunks, each row in its own savepoint) — the unique key
    makes sure only one run or worker ever inserts a row, hence sends it — and each outcome is written
    after the channel answered. A due message in the clinic's quiet hours is left alone; the first run
    after they end sends it. With ``clinic``, only that clinic's messages (the demo sends its own at once).
    """
    now = now or timezone.now()
    summary = RunSummary()
    dues = selectors.due_messages(now, clinic=clinic)
    clinics = {c.pk: c for c in Clinic.objects.filter(pk__in={d.clinic_id for d in dues})}
    settings = {cid: selectors.settings_for(cid) for cid in clinics}
    quiet = {cid: _is_quiet(clinics[cid], settings[cid], now) for cid in clinics}
    # A clinic that has not given its phone and e-mail sends nothing: every message prints them. Its
    # messages wait, as in quiet hours, and go out on the first run after the owner gives them.
    held = {cid: bool(clinic.missing_contact_details()) for cid, clinic in clinics.items()}
    preferences = {
        p.patient_id: p for p in ContactPreference.objects.filter(patient__in={d.patient.pk for d in dues})
    }
    own_templates = selectors.clinic_templates(clinics)
    existing = set(
        Delivery.objects.filter(
            kind__in={d.kind for d in dues}, object_id__in={d.object_id for d in dues}
        ).values_list("kind", "object_id", "due_at", "channel")
    )
    by_clinic: dict[int, Counter[str]] = defaultdict(Counter)
    wanted: list[tuple[Any, str, Any]] = []
    for due in dues:
        if quiet[due.clinic_id] or held[due.clinic_id]:
            summary.deferred += 1
            continue
        preference = preferences.get(due.patient.pk)
        wanted.extend(
            (due, channel, preference)
            for channel in _channels(preference, due.kind)
            if (due.kind, due.object_id, due.due_at, channel) not in existing
        )
    for start in range(0, len(wanted), INSERT_CHUNK):
        # One commit per chunk of rows, not per row; short enough not to hold SQLite's write lock long.
        with transaction.atomic():
            created = [
                delivery
                for due, channel, preference in wanted[start : start + INSERT_CHUNK]
                if (delivery := _create_delivery(due, channel, preference, own_templates)) is not None
            ]
        for delivery in created:
            if delivery.status == DeliveryStatus.PENDING:
                _attempt(delivery, now)
            by_clinic[delivery.clinic_id][delivery.status] += 1
    for delivery in _retries_due(now, quiet):
        if clinic is not None and delivery.clinic_id != clinic.pk:
            continue
        clinics.setdefault(delivery.clinic_id, delivery.clinic)
        _attempt(delivery, now)
        summary.retried += 1
        by_clinic[delivery.clinic_id][delivery.status] += 1
    for clinic_id, counts in by_clinic.items():
        summary.sent += counts[DeliveryStatus.SENT]
        summary.failed += counts[DeliveryStatus.FAILED]
        summary.skipped += counts[DeliveryStatus.SKIPPED]
        with transaction.atomic():
            record_event("notifications.run", actor=None, clinic=clinics[clinic_id], data=dict(counts))
    return summary


@task()
def send_due_notifications_task() -> dict[str, int]:
    """The worker's periodic job (every 5 minutes): send what is due now. Returns the counts."""
    summary = send_due_notifications()
    return {
        "sent": summary.sent,
        "failed": summary.failed,
        "skipped": summary.skipped,
        "deferred": summary.deferred,
        "retried": summary.retried,
    }


def _is_quiet(clinic: Clinic, settings: NotificationSettings, now: datetime) -> bool:
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    return timing.quiet_hours_end(now, tz, settings.quiet_start, settings.quiet_end) is not None


def _channels(preference: ContactPreference | None, kind: str) -> list[str]:
    """The channels to log for a patient and kind of message: the chosen ones, or e-mail as the one a skip
    is logged on."""
    channels = preference.channels_for(kind) if preference is not None else []
    return channels or [Channel.EMAIL]


def _skip_reason(patient: Patient, channel: str, preference: ContactPreference | None, kind: str) -> str:
    wanted = preference.channels_for(kind) if preference is not None else []
    if preference is None or not preference.consent or not (wanted or preference.own_choice(kind)):
        return SkipReason.NO_CONSENT
    if preference.opted_out_at is not None:
        return SkipReason.OPTED_OUT
    if channel not in wanted:
        return SkipReason.NOT_WANTED
    if not _address(patient, channel):
        return SkipReason.NO_ADDRESS
    return ""


def _address(patient: Patient, channel: str) -> str:
    return (patient.email if channel == Channel.EMAIL else patient.phone).strip()


def _create_delivery(
    due: selectors.Due,
    channel: str,
    preference: ContactPreference | None,
    own_templates: dict[selectors.TemplateKey, tuple[str, str]] | None = None,
) -> Delivery | None:
    """Insert the delivery row (pending, or skipped with its reason); None when another run already did."""
    reason = _skip_reason(due.patient, channel, preference, due.kind)
    delivery = Delivery(
        clinic_id=due.clinic_id,
        patient=due.patient,
        kind=due.kind,
        object_id=due.object_id,
        due_at=due.due_at,
        channel=channel,
        status=DeliveryStatus.SKIPPED if reason else DeliveryStatus.PENDING,
        reason=reason,
    )
    if not reason:
        language = selectors.language_for(due.patient, preference)
        delivery.language = language
        delivery.to = _address(due.patient, channel)
        subject, body = selectors.template_for(due.clinic_id, due.kind, channel, language, own_templates)
        values = localized_values(_values(due), language)
        delivery.subject, delivery.body = render_text(subject, body, channel, values)
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return None
    return delivery


_DATE_VALUES = ("window_opens", "window_closes", "due_on")
_DATETIME_VALUES = ("when",)


def localized_values(values: dict[str, str], language: str) -> dict[str, str]:
    """Dates and times of a message in the patient's language (7.12.2026 14:30 in Polish; ISO in English)."""
    out = dict(values)
    with translation.override(language):
        for name in _DATE_VALUES:
            if out.get(name):
                with contextlib.suppress(ValueError):
                    out[name] = date_format(date.fromisoformat(out[name]), "SHORT_DATE_FORMAT")
        for name in _DATETIME_VALUES:
            if out.get(name):
                with contextlib.suppress(ValueError):
                    out[name] = date_format(datetime.fromisoformat(out[name]), "SHORT_DATETIME_FORMAT")
    return out


def _values(due: selectors.Due) -> dict[str, str]:
    values = {"name": due.patient.given_name, **due.values, "opt_out_url": tokens.opt_out_url(due.patient.pk)}
    if due.kind == Kind.COMPLICATION_CHECK:
        values["check_url"] = tokens.check_url(due.object_id, due.due_at)
    return values


def render_message(
    clinic_id: int, kind: str, channel: str, language: str, values: dict[str, str]
) -> tuple[str, str]:
    """(subject, body) in the clinic's wording for the kind, channel and language."""
    subject, body = selectors.template_for(clinic_id, kind, channel, language)
    return render_text(subject, body, channel, values)


def render_text(subject: str, body: str, channel: str, values: dict[str, str]) -> tuple[str, str]:
    """Fill a template's placeholders; the opt-out link is added when the template left it out."""
    context = Context({name: values.get(name, "") for name in PLACEHOLDERS}, autoescape=False)
    rendered_subject = " ".join(_compiled(subject).render(context).split())
    rendered_body = _compiled(body).render(context).strip()
    opt_out = values.get("opt_out_url", "")
    if opt_out and opt_out not in rendered_body:
        separator = "\n" if channel == Channel.SMS else "\n\n"
        rendered_body = f"{rendered_body}{separator}{opt_out}"
    return rendered_subject, rendered_body


@lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    """A template's text compiled once per process (a run renders the same few texts many times)."""
    return Template(text)


def _attempt(delivery: Delivery, now: datetime) -> None:
    """Hand one pending or failed delivery to its channel and write down what happened."""
    delivery.attempts += 1
    try:
        if delivery.channel == Channel.EMAIL:
            provider_id = send_email(
                to=delivery.to,
                subject=delivery.subject,
                body=delivery.body,
                unsubscribe_url=tokens.opt_out_url(delivery.patient_id),
            )
        else:
            provider_id = send_sms(to=delivery.to, body=delivery.body, reference=str(delivery.pk))
    except ChannelError as exc:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = str(exc)[:500]
        delivery.error_template, delivery.error_params = exc.template, dict(exc.params)
        retry = not exc.permanent and delivery.attempts < MAX_ATTEMPTS
        delivery.next_attempt_at = now + RETRY_BASE * 2 ** (delivery.attempts - 1) if retry else None
        logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc)
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.provider_id = provider_id[:200]
        delivery.error, delivery.error_template, delivery.error_params = "", "", {}
        delivery.sent_at = now
        delivery.next_attempt_at = None
    delivery.save(
        update_fields=[
            "attempts", "status", "error", "error_template", "error_params", "provider_id", "sent_at",
            "next_attempt_at",
        ]
    )  # fmt: skip


def _retries_due(now: datetime, quiet: dict[int, bool]) -> list[Delivery]:
    rows = Delivery.objects.filter(
        status=DeliveryStatus.FAILED, next_attempt_at__isnull=False, next_attempt_at__lte=now
    ).select_related("clinic")
    result = []
    for delivery in rows:
        if delivery.clinic_id not in quiet:
            quiet[delivery.clinic_id] = _is_quiet(
                delivery.clinic, selectors.settings_for(delivery.clinic_id), now
            )
        if not quiet[delivery.clinic_id]:
            result.append(delivery)
    return result


@transaction.atomic
def retry_delivery(delivery: Delivery, *, actor: Actor) -> Delivery:
    """A person asks for a failed message to be tried again at the next run (attempts start over)."""
    if delivery.status != DeliveryStatus.FAILED:
        raise ValidationError(gettext("Only a failed message can be retried."))
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["attempts", "next_attempt_at"])
    record_event("notifications.retry", delivery, actor=actor, data={"kind": delivery.kind})
    return delivery


# --- Patient preferences and opt-out -----------------------------------------------------------------------


@transaction.atomic
def update_contact_preference(
    patient: Patient, *, consent: bool, email: bool, sms: bool, language: str = "", actor: Actor
) -> ContactPreference:
    """Record how the patient may be contacted. Giving consent again clears an earlier opt-out."""
    if language and language not in Language.values:
        raise ValidationError({"language": [gettext("Choose a language from the list.")]})
    preference, _ = ContactPreference.objects.select_for_update().get_or_create(patient=patient)
    now = timezone.now()
    before = {"consent": preference.consent, "email": preference.email, "sms": preference.sms}
    if consent != preference.consent:
        preference.consent_changed_at = now
    if consent and not before["consent"]:
        preference.opted_out_at = None
    preference.consent, preference.email, preference.sms, preference.language = consent, email, sms, language
    preference.save()
    record_event(
        "notifications.preference",
        patient,
        actor=actor,
        data={"before": before, "after": {"consent": consent, "email": email, "sms": sms}},
    )
    return preference


@transaction.atomic
def update_message_preferences(
    patient: Patient,
    *,
    reminder_email: bool,
    reminder_sms: bool,
    recall_email: bool,
    recall_sms: bool,
    marketing: bool,
    actor: Actor,
) -> ContactPreference:
    """The patient's own choice (the portal): reminders and recalls by e-mail and/or SMS, and news and offers
    opted in separately.

    Choosing any reminder or recall channel is the patient's consent to be contacted and clears an earlier
    opt-out; choosing none leaves the clinic's record of consent as it was (care messages such as aftercare
    follow the channels staff recorded). SMS needs a phone number on the chart.
    """
    if (reminder_sms or recall_sms) and not patient.phone.strip():
        raise ValidationError({"reminder_sms": [gettext("Add a phone number first to get text messages.")]})
    preference, _ = ContactPreference.objects.select_for_update().get_or_create(patient=patient)
    fields = ("reminder_email", "reminder_sms", "recall_email", "recall_sms", "marketing", "consent")
    before = {name: getattr(preference, name) for name in fields}
    now = timezone.now()
    chosen = {
        "reminder_email": reminder_email,
        "reminder_sms": reminder_sms,
        "recall_email": recall_email,
        "recall_sms": recall_sms,
    }
    for name, value in chosen.items():
        setattr(preference, name, value)
    if any(chosen.values()):
        if not preference.consent:
            preference.consent_changed_at = now
        preference.consent = True
        preference.opted_out_at = None
    if marketing != preference.marketing:
        preference.marketing = marketing
        preference.marketing_changed_at = now
    preference.save()
    record_event(
        "notifications.preference",
        patient,
        actor=actor,
        data={
            "before": before,
            "after": {name: getattr(preference, name) for name in fields},
            "by": "patient",
        },
    )
    return preference


@transaction.atomic
def opt_out(patient: Patient) -> ContactPreference:
    """The patient clicked the opt-out link: nothing more is sent until the clinic records new consent."""
    preference, _ = ContactPreference.objects.select_for_update().get_or_create(patient=patient)
    if preference.opted_out_at is None:
        preference.opted_out_at = timezone.now()
        preference.save(update_fields=["opted_out_at", "updated_at"])
        record_event("notifications.opt_out", patient, actor=None, data={})
    return preference


# --- The clinic's settings and templates -------------------------------------------------------------------


def _check_lead_hours(values: Sequence[int]) -> list[int]:
    if not values:
        return []
    if any(h <= 0 or h > 24 * 14 for h in values):
        raise ValidationError(
            {"reminder_lead_hours": [gettext("Each lead time is between 1 and 336 hours.")]}
        )
    return sorted(set(values), reverse=True)


@transaction.atomic
def update_notification_settings(
    clinic: Clinic,
    *,
    reminder_lead_hours: Sequence[int],
    quiet_start: time,
    quiet_end: time,
    recall_lead_days: int,
    continuation_lead_days: int,
    actor: Actor,
) -> NotificationSettings:
    leads = _check_lead_hours(reminder_lead_hours)
    # Quiet hours are the clinic's wall-clock times: an offset ("22:00Z") has no meaning there (and SQLite
    # refuses to store one: the API answered 500, found by the fuzzer).
    aware = [name for name, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end)) if value.tzinfo]
    if aware:
        raise ValidationError(
            {name: ["Give the clinic's local time, without a time zone."] for name in aware}
        )
    settings, _ = NotificationSettings.objects.select_for_update().get_or_create(clinic=clinic)
    settings.reminder_lead_hours = leads
    settings.quiet_start, settings.quiet_end = quiet_start, quiet_end
    settings.recall_lead_days, settings.continuation_lead_days = recall_lead_days, continuation_lead_days
    settings.save()
    record_event(
        "notifications.settings",
        settings,
        actor=actor,
        clinic=clinic,
        data={
            "reminder_lead_hours": leads,
            "quiet": [quiet_start.isoformat(), quiet_end.isoformat()],
            "recall_lead_days": recall_lead_days,
            "continuation_lead_days": continuation_lead_days,
        },
    )
    return settings


#: Placeholders filled from the clinic's details, with the detail that fills each.
CLINIC_DETAIL_PLACEHOLDERS = {"clinic_phone": ("phone", gettext_noop("phone number"))}


def check_template(subject: str, body: str, *, clinic: Clinic | None = None) -> dict[str, list[str]]:
    """Problems with a template's text, by field: syntax errors, unknown placeholders and, given the
    ``clinic``, a placeholder of a clinic detail it has not given (the message would print it empty)."""
    errors: dict[str, list[str]] = {}
    if not body.strip():
        errors["body"] = [gettext("Write the message.")]
    for name, text in (("subject", subject), ("body", body)):
        try:
            compiled = Template(text)
        except TemplateSyntaxError as exc:
            errors.setdefault(name, []).append(
                gettext("The text has a placeholder error: %(error)s") % {"error": exc}
            )
            continue
        used = _placeholders(compiled)
        unknown = sorted(name for name in used if name not in PLACEHOLDERS)
        if unknown:
            errors.setdefault(name, []).append(
                gettext("Unknown placeholder(s): %(unknown)s. Use: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)}
            )
        if clinic is None:
            continue
        for placeholder, (detail, words) in CLINIC_DETAIL_PLACEHOLDERS.items():
            if placeholder in used and not str(getattr(clinic, detail, "") or "").strip():
                errors.setdefault(name, []).append(
                    gettext(
                        "The clinic has no %(detail)s yet, so %(placeholder)s would print nothing: "
                        "give it in Settings → Clinic first."
                    )
                    % {"detail": gettext(words), "placeholder": "{{ " + placeholder + " }}"}
                )
    return errors


def _placeholders(compiled: Template) -> set[str]:
    """The names of the placeholders (``{{ name }}``) a compiled template prints."""
    from django.template.base import VariableNode  # noqa: PLC0415 — internal class, kept out of module scope

    return {
        str(node.filter_expression.var)
        for node in compiled.nodelist.get_nodes_by_type(VariableNode)
        if isinstance(node, VariableNode)
    }


@transaction.atomic
def save_message_template(
    clinic: Clinic, *, kind: str, channel: str, language: str, subject: str, body: str, actor: Actor
) -> MessageTemplate:
    if kind not in Kind.values or channel not in Channel.values or language not in Language.values:
        raise ValidationError(gettext("Unknown kind, channel or language."))
    errors = check_template(subject if channel == Channel.EMAIL else "", body, clinic=clinic)
    if errors:
        raise ValidationError(errors)
    template, created = MessageTemplate.objects.update_or_create(
        clinic=clinic,
        kind=kind,
        channel=channel,
        language=language,
        defaults={
            "subject": subject.strip() if channel == Channel.EMAIL else "",
            "body": body.strip(),
            "updated_by": acting_user(actor),
        },
    )
    record_event(
        "notifications.template",
        template,
        actor=actor,
        clinic=clinic,
        data={"kind": kind, "channel": channel, "language": language, "created": created},
    )
    return template


@transaction.atomic
def reset_message_template(clinic: Clinic, *, kind: str, channel: str, language: str, actor: Actor) -> None:
    """Go back to the default wording (the clinic's template row is removed; the audit row keeps it)."""
    template = MessageTemplate.objects.filter(
        clinic=clinic, kind=kind, channel=channel, language=language
    ).first()
    if template is None:
        return
    record_event(
        "notifications.template_reset",
        template,
        actor=actor,
        clinic=clinic,
        data={"subject": template.subject, "body": template.body},
    )
    template.delete()


# --- Late-complication answers -----------------------------------------------------------------------------


class CheckAlreadyAnsweredError(Exception):
    """The patient (or a second link of the same check) already answered it."""


@transaction.atomic
def answer_complication_check(
    session: SessionRecord, *, due_at: datetime, answer: str, description: str = "", details: str = ""
) -> ComplicationAnswer:
    """The patient's answer: "no" is logged; "yes" also opens an adverse event (atypical infection
    suspected, linked to the session and its lots) and puts an alert on the clinic's Today page.

    Raises ``ValidationError`` (a "yes" without a description) or ``CheckAlreadyAnsweredError``.
    """
    if answer not in Answer.values:
        raise ValidationError({"answer": [gettext("Choose yes or no.")]})
    if answer == Answer.YES and not description.strip():
        raise ValidationError({"description": [gettext("Tell us what you notice, in a few words.")]})
    if ComplicationAnswer.objects.filter(session=session, due_at=due_at).exists():
        raise CheckAlreadyAnsweredError
    now = timezone.now()
    event: AdverseEvent | None = None
    if answer == Answer.YES:
        lots = [p.lot for p in session.products.filter(voided_by__isnull=True).select_related("lot")]
        text = description.strip() + (f"\n\n{details.strip()}" if details.strip() else "")
        event = report_adverse_event(
            session.patient,
            category=EventCategory.ATYPICAL_MYCOBACTERIAL_INFECTION,
            severity=Severity.MODERATE,
            onset_on=session.clinic.today(),
            description=(
                "Suspected atypical infection, reported by the patient in the late-complication check "
                f"(not yet examined): {text}"
            ),
            sessions=[session],
            lots=lots,
            actor=None,
        )
    try:
        with transaction.atomic():
            result = ComplicationAnswer.objects.create(
                clinic=session.clinic,
                patient=session.patient,
                session=session,
                due_at=due_at,
                answer=answer,
                description=description.strip(),
                details=details.strip(),
                adverse_event=event,
                answered_at=now,
            )
    except IntegrityError:
        raise CheckAlreadyAnsweredError from None
    record_event(
        "notifications.complication_answer",
        result,
        actor=None,
        clinic=session.clinic,
        data={"session": session.pk, "answer": answer, "adverse_event": event.pk if event else None},
    )
    return result


@transaction.atomic
def acknowledge_alert(answer: ComplicationAnswer, *, actor: Actor) -> ComplicationAnswer:
    """Someone at the clinic has seen the patient's "yes" and taken it on: it leaves Today."""
    if answer.acknowledged_at is None:
        answer.acknowledged_at = timezone.now()
        answer.acknowledged_by = acting_user(actor)
        answer.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_event("notifications.alert_acknowledged", answer, actor=actor, data={})
    return answer
