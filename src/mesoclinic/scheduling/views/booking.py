"""The "Book a series" views: the wizard's pages, recording a consent, booking, and the confirmation.

Only recording a consent and the final booking are POSTs. A physician's override reason is typed on the
confirm step and travels only in that POST, never in a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.catalog.selectors import protocols
from mesoclinic.patients.forms import ConsentForm
from mesoclinic.patients.selectors import has_valid_consent, patients_for_clinic
from mesoclinic.patients.views import save_consent
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import BookingError, ScreeningBlockedError, book_series
from mesoclinic.scheduling.views.common import (
    MANAGE_SCHEDULE,
    VIEW_SCHEDULE,
    _book_url,
    _calendar_url,
    _local_day,
    appointment_ics_url,
)
from mesoclinic.scheduling.views.wizard import (
    STEPS,
    Wizard,
    _chosen_sessions,
    _consent_template,
    _dates_context,
    _read_wizard,
    _screening_preview,
    _steps,
)

PATIENT_RESULTS = 20


def _register_url(w: Wizard, after: str) -> str:
    """Registration from the wizard: back to its next step once saved, with a searched name filled in."""
    query = {"next": w.url(after, tokens={}, patient="")}
    if w.query and not any(ch.isdigit() or ch == "@" for ch in w.query):
        query["name"] = w.query
    return f"{reverse('patients:create')}?{urlencode(query)}"


def _render_wizard(request: ClinicRequest, w: Wizard, requested: str, **extra: Any) -> HttpResponse:
    """Work out which step the state allows and render it."""
    may_override = role_has(request.staff.role, Capability.OVERRIDE_SCREENING)
    context: dict[str, Any] = {"w": w, "may_override": may_override, **extra}
    done: set[str] = set()
    if w.patient is None or requested == "patient":
        step = "patient"
        found = patients_for_clinic(request.clinic, search=w.query).order_by(
            "family_name", "given_name", "pk"
        )
        after = "screening" if w.protocol else "protocol"
        context.update(
            patients=[(p, w.url(after, tokens={}, patient=p.pk)) for p in found[:PATIENT_RESULTS]]
            if w.query
            else [],
            more=found.count() > PATIENT_RESULTS if w.query else False,
            hidden=[(k, v) for k, v in w.params(tokens={}).items() if k != "patient"],
            # Registered in place: the new patient's form comes back here, at the next step, with them chosen.
            register_url=_register_url(w, after),
        )
        if w.patient is not None:
            done.add("patient")
        return _wizard_page(request, step, w, done, context)
    done.add("patient")
    if w.protocol is None or requested == "protocol":
        context["protocols"] = [
            (p, w.url("screening", tokens={}, protocol=p.slug, override=""))
            for p in protocols(request.clinic)
        ]
        if w.protocol is not None:
            done.add("protocol")
        return _wizard_page(request, "protocol", w, done, context)
    done.add("protocol")
    assert w.location is not None  # noqa: S101 — every clinic has a location
    today = _local_day(timezone.now(), w.location)
    on = max(w.earliest or today, today)
    preview = _screening_preview(request, w.patient, w.protocol, on)
    # An untaken history stops an invasive booking outright: no override replaces taking it.
    needs_history = preview.history_needed and w.protocol.modality.invasive
    blocked = preview.decision == "block" or needs_history
    overridden = blocked and not needs_history and w.override and may_override
    context.update(screening=preview, blocked=blocked, overridden=overridden, needs_history=needs_history)
    if requested in ("", "screening") or (blocked and not overridden):
        if not blocked or overridden:
            done.add("screening")
        return _wizard_page(request, "screening", w, done, context)
    done.add("screening")
    consented = has_valid_consent(w.patient, w.protocol.modality.code)
    template = _consent_template(request, w.protocol)
    context.update(consented=consented, consent_template=template)
    if not consented and (not w.consent_later or requested == "consent"):
        if template is not None:
            context.setdefault(
                "consent_form",
                ConsentForm(
                    templates=[template], initial={"template": template.pk, "signed_by": w.patient.full_name}
                ),
            )
        return _wizard_page(request, "consent", w, done, context)
    done.add("consent")
    context.update(_dates_context(request, w))
    if (
        requested == "confirm"
        and context["sessions"]
        and not context["stale"]
        and _chosen_sessions(w) is not None
    ):
        done.add("dates")
        first = context["sessions"][0].choice.start
        context["screening"] = _screening_preview(
            request, w.patient, w.protocol, _local_day(first, w.location)
        )
        context["blocked"] = context["screening"].decision == "block"
        context["overridden"] = context["blocked"] and w.override and may_override
        if context["screening"].history_needed and w.protocol.modality.invasive:
            context["needs_history"] = True
            context["blocked"] = True
            context["overridden"] = False
        context["hidden"] = list(w.params().items())
        return _wizard_page(request, "confirm", w, done, context)
    return _wizard_page(request, "dates", w, done, context)


def _wizard_page(
    request: ClinicRequest, step: str, w: Wizard, done: set[str], context: dict[str, Any]
) -> HttpResponse:
    urls = {key: w.url(key) for key, _label in STEPS}
    urls["dates_fresh"] = w.url("dates", tokens={})
    context.update(
        step=step,
        steps=_steps(step, w, done),
        urls=urls,
        consent_later_url=w.url("dates", tokens={}, consent="later"),
    )
    return render(request, "scheduling/book.html", context)


@require_GET
@staff_required(MANAGE_SCHEDULE, Capability.SCREEN)
def book(request: ClinicRequest) -> HttpResponse:
    w = _read_wizard(request, request.GET)
    if w.location is None:
        raise Http404
    return _render_wizard(request, w, request.GET.get("step", ""))


@require_POST
@staff_required(MANAGE_SCHEDULE, Capability.RECORD_CONSENT)
def book_consent(request: ClinicRequest) -> HttpResponse:
    w = _read_wizard(request, request.POST)
    if w.patient is None or w.protocol is None or w.location is None:
        return HttpResponseRedirect(w.url("patient") if w.location else reverse("scheduling:book"))
    template = _consent_template(request, w.protocol)
    form = ConsentForm(request.POST, templates=[template] if template else [])
    saved = save_consent(request, w.patient, template, form, then=w.url("dates")) if template else None
    if saved:
        return saved
    return _render_wizard(request, w, "consent", consent_form=form)


@require_POST
@staff_required(MANAGE_SCHEDULE, Capability.SCREEN)
def book_confirm(request: ClinicRequest) -> HttpResponse:
    w = _read_wizard(request, request.POST)
    if w.patient is None or w.protocol is None or w.location is None:
        return HttpResponseRedirect(reverse("scheduling:book"))
    sessions = _chosen_sessions(w)
    if sessions is None:
        messages.error(request, _("Some of the chosen times could not be used. Here is a fresh proposal."))
        return HttpResponseRedirect(w.url("dates", tokens={}))
    may_override = role_has(request.staff.role, Capability.OVERRIDE_SCREENING)
    reason = request.POST.get("override_reason", "").strip() if may_override else ""
    error, findings = "", []
    # book_series screens (once): a block it refuses for want of a reason is the physician's to explain.
    try:
        course = book_series(
            w.patient, w.protocol, w.location, sessions, actor=request.user, override_reason=reason
        )
    except ScreeningBlockedError as exc:
        if exc.overridable and may_override and w.override and not reason:
            error = _("Write why you override the screening block; it is kept in the audit log.")
        else:
            error, findings = str(exc), exc.findings
    except BookingError as exc:
        error = str(exc)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d session booked for %(name)s.",
                "%(count)d sessions booked for %(name)s.",
                len(sessions),
            )
            % {"count": len(sessions), "name": w.patient.full_name},
        )
        return HttpResponseRedirect(reverse("scheduling:booked", args=[course.pk]))
    return _render_wizard(
        request, w, "confirm", booking_error=error, blocked_findings=findings, override_reason=reason
    )


@dataclass(frozen=True)
class BookedSession:
    appointment: Appointment
    ics_url: str | None
    calendar_url: str


@require_GET
@staff_required(VIEW_SCHEDULE)
def booked(request: ClinicRequest, course_id: int) -> HttpResponse:
    appointments = selectors.course_appointments(request.clinic, course_id)
    if not appointments:
        raise Http404
    first = appointments[0]
    sessions = [
        BookedSession(
            a,
            appointment_ics_url(a.pk),
            _calendar_url(a.location, _local_day(a.starts_at, a.location), "day", "practitioner", ""),
        )
        for a in appointments
    ]
    context = {
        "course": first.course,
        "patient": first.patient,
        "protocol": first.protocol,
        "location": first.location,
        "sessions": sessions,
        "book_again_url": _book_url(patient=first.booked_patient.pk),
    }
    return render(request, "scheduling/booked.html", context)
