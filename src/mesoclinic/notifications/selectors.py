"""Reads for notifications: what is due at an instant (every kind, every clinic, batched), the wording of
a message, the delivery log, the open complication alerts, and the access helpers."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.ids import pk_or_404
from mesoclinic.notifications import timing
from mesoclinic.notifications.defaults import default_template
from mesoclinic.notifications.models import (
    Answer,
    ComplicationAnswer,
    ContactPreference,
    Delivery,
    Kind,
    Language,
    MessageTemplate,
    NotificationSettings,
)
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, Course, MaintenanceRecall
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.selectors import Progress, courses_progress

NEEDLE = "needle"
_DONE = (Progress.DONE, Progress.LATE, Progress.EARLY)


# --- Settings and wording ----------------------------------------------------------------------------------


def settings_for(clinic: Clinic | int) -> NotificationSettings:
    """The clinic's settings, or the defaults (unsaved) when it never changed them."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    found = NotificationSettings.objects.filter(clinic_id=clinic_id).first()
    return found or NotificationSettings(clinic_id=clinic_id)


def _settings_by_clinic(clinic_ids: Iterable[int]) -> dict[int, NotificationSettings]:
    ids = set(clinic_ids)
    found = {s.clinic_id: s for s in NotificationSettings.objects.filter(clinic_id__in=ids)}
    return {cid: found.get(cid) or NotificationSettings(clinic_id=cid) for cid in ids}


TemplateKey = tuple[int, str, str, str]


def template_for(
    clinic_id: int,
    kind: str,
    channel: str,
    language: str,
    own: dict[TemplateKey, tuple[str, str]] | None = None,
) -> tuple[str, str]:
    """(subject, body): the clinic's own template in the language, else the default in it (or English).

    ``own`` is the result of ``clinic_templates`` when the caller renders many messages (one query in all).
    """
    if own is None:
        own = clinic_templates([clinic_id])
    found = own.get((clinic_id, kind, channel, language))
    return found if found is not None else default_template(kind, channel, language)


def clinic_templates(clinic_ids: Iterable[int]) -> dict[TemplateKey, tuple[str, str]]:
    """Every own template of these clinics by (clinic, kind, channel, language)."""
    rows = MessageTemplate.objects.filter(clinic_id__in=list(clinic_ids)).values_list(
        "clinic_id", "kind", "channel", "language", "subject", "body"
    )
    return {(c, k, ch, lang): (subject, body) for c, k, ch, lang, subject, body in rows}


def templates_overview(clinic: Clinic) -> list[dict[str, Any]]:
    """Every kind × channel × language with the clinic's template (when it has one) or the default."""
    own = {(t.kind, t.channel, t.language): t for t in MessageTemplate.objects.filter(clinic=clinic)}
    rows = []
    for kind in Kind:
        for channel in ("email", "sms"):
            for language in Language:
                template = own.get((kind.value, channel, language.value))
                subject, body = (
                    (template.subject, template.body)
                    if template
                    else default_template(kind.value, channel, language.value)
                )
                rows.append(
                    {
                        "kind": kind,
                        "channel": channel,
                        "language": language,
                        "custom": template is not None,
                        "subject": subject,
                        "body": body,
                    }
                )
    return rows


def preference_for(patient: Patient) -> ContactPreference | None:
    return ContactPreference.objects.filter(patient=patient).first()


def language_for(patient: Patient, preference: ContactPreference | None) -> str:
    """The patient's chosen language for messages, else their preferred language, else English."""
    for candidate in ((preference.language if preference else ""), patient.preferred_language):
        if candidate in Language.values:
            return candidate
    return Language.EN


# --- What is due -------------------------------------------------------------------------------------------


@dataclass
class Due:
    """One message due at ``due_at`` about one object, before channels and preferences are considered."""

    clinic_id: int
    patient: Patient
    kind: str
    object_id: int
    due_at: datetime
    values: dict[str, str] = field(default_factory=dict)


def _clinic_values(clinic: Clinic) -> dict[str, str]:
    return {"clinic": clinic.name, "clinic_phone": clinic.phone or clinic.email}


def due_messages(now: datetime, *, clinic: Clinic | None = None) -> list[Due]:
    """Everything due at ``now`` in every clinic (or only ``clinic``), quiet hours not yet considered (the
    service does).

    A fixed number of queries whatever the number of clinics and objects. A patient whose record is
    restricted (an erasure request inside the retention period) is sent nothing.
    """
    clinics = {c.pk: c for c in Clinic.objects.filter(**({"pk": clinic.pk} if clinic is not None else {}))}
    settings = _settings_by_clinic(clinics)
    due = [
        *_reminders(now, clinics, settings),
        *_continuations(now, clinics, settings),
        *_recalls(now, clinics, settings),
        *_aftercare(now, clinics),
        *_complication_checks(now, clinics),
    ]
    return [d for d in due if d.patient.restricted_at is None]


def _reminders(
    now: datetime, clinics: dict[int, Clinic], settings: dict[int, NotificationSettings]
) -> list[Due]:
    longest = max((max(s.reminder_lead_hours or [0]) for s in settings.values()), default=0)
    if not longest:
        return []
    appointments = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, starts_at__gt=now, starts_at__lte=now + timedelta(hours=longest)
    ).select_related("patient", "location", "protocol")
    result = []
    for appointment in appointments:
        leads = settings[appointment.clinic_id].reminder_lead_hours or []
        due_at = timing.reminder_due(appointment.starts_at, leads, now)
        if due_at is None:
            continue
        local = appointment.starts_at.astimezone(zoneinfo.ZoneInfo(appointment.location.timezone))
        values = {
            **_clinic_values(clinics[appointment.clinic_id]),
            "when": f"{local:%Y-%m-%d %H:%M}",
            "location": appointment.location.name,
            "protocol": appointment.protocol.name,
        }
        result.append(
            Due(
                appointment.clinic_id,
                appointment.booked_patient,
                Kind.REMINDER,
                appointment.pk,
                due_at,
                values,
            )
        )
    return result


def _continuations(
    now: datetime, clinics: dict[int, Clinic], settings: dict[int, NotificationSettings]
) -> list[Due]:
    """Active courses with sessions left, one done, and none upcoming: ask while the next window is open."""
    booked = Appointment.objects.filter(
        course=OuterRef("pk"),
        status__in=(AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
        ends_at__gte=now,
    )
    courses = list(
        Course.objects.filter(status=Course.Status.ACTIVE)
        .exclude(Exists(booked))  # the common case, a series booked ahead, costs no progress computation
        .select_related("patient", "protocol")
    )
    result = []
    for progress in courses_progress(courses, now=now):
        course = progress.course
        done_days = [s.done_on for s in progress.sessions if s.state in _DONE and s.done_on]
        if not done_days or progress.done >= course.sessions or progress.upcoming:
            continue
        tz = zoneinfo.ZoneInfo(clinics[course.clinic_id].timezone)
        window = timing.continuation_window(
            max(done_days),
            interval_days=course.interval_days,
            tolerance_days=course.tolerance_days,
            lead_days=settings[course.clinic_id].continuation_lead_days,
        )
        due_at = timing.local_midnight(window.ask_on, tz)
        if not due_at <= now < timing.local_midnight(window.closes + timedelta(days=1), tz):
            continue
        values = {
            **_clinic_values(clinics[course.clinic_id]),
            "protocol": course.protocol.name,
            "window_opens": window.opens.isoformat(),
            "window_closes": window.closes.isoformat(),
        }
        result.append(Due(course.clinic_id, course.patient, Kind.CONTINUATION, course.pk, due_at, values))
    return result


def _recalls(
    now: datetime, clinics: dict[int, Clinic], settings: dict[int, NotificationSettings]
) -> list[Due]:
    longest = max((s.recall_lead_days for s in settings.values()), default=0)
    today = now.date()
    recalls = MaintenanceRecall.objects.filter(
        status=MaintenanceRecall.Status.DUE,
        due_on__gte=today - timedelta(days=timing.RECALL_WINDOW_DAYS + 1),
        due_on__lte=today + timedelta(days=longest + 1),
    ).select_related("patient", "course__protocol")
    result = []
    for recall in recalls:
        tz = zoneinfo.ZoneInfo(clinics[recall.clinic_id].timezone)
        ask_on = recall.due_on - timedelta(days=settings[recall.clinic_id].recall_lead_days)
        due_at = timing.local_midnight(ask_on, tz)
        last = timing.local_midnight(recall.due_on + timedelta(days=timing.RECALL_WINDOW_DAYS), tz)
        if not due_at <= now < last:
            continue
        values = {
            **_clinic_values(clinics[recall.clinic_id]),
            "protocol": recall.course.protocol.name,
            "due_on": recall.due_on.isoformat(),
        }
        result.append(Due(recall.clinic_id, recall.patient, Kind.RECALL, recall.pk, due_at, values))
    return result


def _aftercare(now: datetime, clinics: dict[int, Clinic]) -> list[Due]:
    records = (
        SessionRecord.objects.filter(
            status=SessionRecord.Status.SIGNED,
            signed_at__lte=now,
            signed_at__gt=now - timing.AFTERCARE_WINDOW,
        )
        .exclude(aftercare="")
        .select_related("patient")
        .only("pk", "clinic_id", "signed_at", "aftercare", "patient")
    )
    return [
        Due(
            r.clinic_id,
            r.patient,
            Kind.AFTERCARE,
            r.pk,
            r.signed_at,  # type: ignore[arg-type]  # signed records have it (check constraint)
            {**_clinic_values(clinics[r.clinic_id]), "aftercare": r.aftercare},
        )
        for r in records
    ]


def _complication_checks(now: datetime, clinics: dict[int, Clinic]) -> list[Due]:
    weeks = timing.COMPLICATION_CHECK_WEEKS
    records = (
        SessionRecord.objects.filter(
            status=SessionRecord.Status.SIGNED,
            modality=NEEDLE,
            performed_at__lte=now - timedelta(weeks=min(weeks)),
            performed_at__gt=now - timedelta(weeks=max(weeks)) - timing.COMPLICATION_CHECK_WINDOW,
        )
        .select_related("patient")
        .only("pk", "clinic_id", "performed_at", "patient")
    )
    return [
        Due(
            r.clinic_id,
            r.patient,
            Kind.COMPLICATION_CHECK,
            r.pk,
            due_at,
            _clinic_values(clinics[r.clinic_id]),
        )
        for r in records
        for due_at in timing.complication_checks_due(r.performed_at, now)
    ]


# --- The delivery log --------------------------------------------------------------------------------------


def deliveries_for_patient(patient: Patient) -> QuerySet[Delivery]:
    return Delivery.objects.filter(patient=patient).order_by("-due_at", "-id")


def deliveries_for_clinic(
    clinic: Clinic,
    *,
    kind: str = "",
    status: str = "",
    channel: str = "",
    search: str = "",
) -> QuerySet[Delivery]:
    """The clinic's delivery log, newest first, filtered by kind, status, channel and patient name."""
    rows = Delivery.objects.filter(clinic=clinic).select_related("patient")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if search:
        for word in search.split():
            rows = rows.filter(
                Q(patient__given_name__icontains=word) | Q(patient__family_name__icontains=word)
            )
    return rows.order_by("-due_at", "-id")


def get_delivery_for_user(staff: StaffMember | None, delivery_id: Any) -> Delivery:
    if staff is None:
        raise Http404
    delivery = (
        Delivery.objects.filter(pk=pk_or_404(delivery_id), clinic_id=staff.clinic_id)
        .select_related("patient")
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery


# --- Late-complication answers -----------------------------------------------------------------------------


def open_complication_alerts(clinic: Clinic) -> QuerySet[ComplicationAnswer]:
    """Patients who answered "yes" to a complication check and whom nobody has acknowledged yet (Today)."""
    return (
        ComplicationAnswer.objects.filter(clinic=clinic, answer=Answer.YES, acknowledged_at__isnull=True)
        .select_related("patient", "session", "adverse_event")
        .order_by("answered_at", "id")
    )


def get_alert_for_user(staff: StaffMember | None, answer_id: Any) -> ComplicationAnswer:
    if staff is None:
        raise Http404
    answer = ComplicationAnswer.objects.filter(pk=pk_or_404(answer_id), clinic_id=staff.clinic_id).first()
    if answer is None:
        raise Http404
    return answer


def complication_answer(session_id: int, due_at: datetime) -> ComplicationAnswer | None:
    return ComplicationAnswer.objects.filter(session_id=session_id, due_at=due_at).first()
