"""iCalendar views: one appointment as an ``.ics`` for signed-in staff, and the private feeds.

A private feed URL carries its own credential (a random token; only its hash is stored), because calendar
apps cannot sign in. Unknown and revoked tokens get the same 404. Neither kind of response may be kept by
shared caches or proxies: ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.utils import timezone
from django.views.decorators.http import require_safe

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.scheduling.ical import calendar_bytes, feed_event, staff_event
from mesoclinic.scheduling.selectors import (
    calendar_feed_for_token,
    feed_appointments,
    feed_resource_names,
    get_appointment_for_user,
)


def _domain(request: HttpRequest) -> str:
    """The host name part of event UIDs (the port is left out: it is not part of an identity)."""
    domain, _port = split_domain_port(request.get_host())
    return domain or "mesoclinic.invalid"


def _ics(body: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
@staff_required(Capability.VIEW_PATIENTS)
def appointment_ics(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    """One appointment of the caller's clinic (404 for other clinics'), with the patient's initials."""
    appointment = get_appointment_for_user(request.staff, appointment_id)
    body = calendar_bytes(
        [staff_event(appointment, domain=_domain(request))],
        name=f"MesoClinic appointment {appointment.pk}",
        now=timezone.now(),
    )
    return _ics(body, filename=f"appointment-{appointment.pk}.ics", attachment=True)


@require_safe
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A practitioner's, room's or device's holding appointments, 30 days back to 365 days ahead."""
    feed = calendar_feed_for_token(token)
    if feed is None:
        raise Http404
    now = timezone.now()
    domain = _domain(request)
    name = feed_resource_names([feed]).get((feed.kind, feed.object_id), feed.get_kind_display())
    body = calendar_bytes(
        (feed_event(appointment, domain=domain) for appointment in feed_appointments(feed, now=now)),
        name=f"{name} · {feed.clinic.name}",
        now=now,
    )
    return _ics(body, filename=f"{feed.kind}-{feed.object_id}.ics", attachment=False)
