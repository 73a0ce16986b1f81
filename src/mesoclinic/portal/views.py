"""The public booking pages at ``/c/<clinic>/``: no sign-in, phone first, throttled per address.

Treatments → where and when → the whole series offered at once → details, health questions and consent →
the e-mailed code → confirmed, with an .ics of every session. Every page may be framed by the clinic's own
web sites (``PortalSettings.embed_origins``) and by nobody else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.reads import note_patient_read
from mesoclinic.portal import selectors, services
from mesoclinic.portal.forms import CodeForm, DetailsForm, SearchForm, SignInForm
from mesoclinic.portal.models import BookingStatus
from mesoclinic.portal.questions import plain_label, questions
from mesoclinic.scheduling.ical import CalendarEvent, appointment_uid, calendar_bytes
from mesoclinic.scheduling.selectors import location_timezone
from mesoclinic.shared_cache import count_hit

# Requests per address per minute: pages, series searches (each runs the planner) and sent forms.
PAGE_LIMIT = 120
SEARCH_LIMIT = 20
FORM_LIMIT = 10


def _ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _over(request: HttpRequest, bucket: str, limit: int, window: int = 60) -> bool:
    return count_hit(f"portal:{bucket}:{_ip(request)}", window_seconds=window) > limit


def _frame_headers(response: HttpResponse, clinic: Clinic) -> HttpResponse:
    """Framable by the clinic's configured origins only (CSP ``frame-ancestors``); by nobody without any.

    ``X-Frame-Options`` cannot name an origin, so it stays ``DENY`` unless origins are configured; then
    browsers follow ``frame-ancestors``, which takes precedence over it anyway.
    """
    origins = [o for o in selectors.portal_settings(clinic).embed_origins if isinstance(o, str) and o]
    if origins:
        response._csp_replace = {"frame-ancestors": ["'self'", *origins]}  # type: ignore[attr-defined]  # django-csp reads this attribute of the response
        response.xframe_options_exempt = True
    return response


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the clinic from its slug (404 otherwise), throttle by address and set the frame headers."""

    @wraps(view)
    def wrapper(request: HttpRequest, clinic_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        clinic = selectors.clinic_by_slug(clinic_slug)
        if _over(request, "page", PAGE_LIMIT):
            response = render(request, "portal/throttled.html", {"public_clinic": clinic}, status=429)
            response["Retry-After"] = "60"
            return response
        request.embedded = request.GET.get("embed") == "1" or request.POST.get("embed") == "1"  # type: ignore[attr-defined]  # the views of this request read it (embedded in a frame)
        response = view(request, clinic, *args, **kwargs)
        return _frame_headers(response, clinic)

    return wrapper


def _context(request: HttpRequest, clinic: Clinic, **extra: Any) -> dict[str, Any]:
    return {"public_clinic": clinic, "embed": getattr(request, "embedded", False), **extra}


def _url(name: str, *args: Any, embed: bool = False) -> str:
    url = reverse(name, args=args)
    return f"{url}?embed=1" if embed else url


@require_GET
@public_page
def clinic_page(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """The treatments the clinic opened for online booking, as cards."""
    protocols = selectors.bookable_protocols(clinic)
    prices = selectors.prices_for(clinic, protocols)
    cards = [{"protocol": p, "prices": prices[p.pk]} for p in protocols]
    return render(request, "portal/clinic.html", _context(request, clinic, cards=cards))


@require_GET
@public_page
def offers(request: HttpRequest, clinic: Clinic, slug: str) -> HttpResponse:
    """Where and when; then up to three whole series, every session with its practitioner, room and device."""
    protocol = selectors.get_bookable_protocol(clinic, slug)
    locations = selectors.public_locations(clinic)
    today = clinic.today()
    bound = "earliest" in request.GET
    form = SearchForm(
        request.GET if bound else None,
        locations=locations,
        today=today,
        initial={"location": locations[0].pk if locations else None, "earliest": today},
    )
    context = _context(
        request,
        clinic,
        protocol=protocol,
        form=form,
        offers=None,
        reason="",
        taken=bool(request.GET.get("taken")),
    )
    status = 200
    if bound and form.is_valid():
        if _over(request, "search", SEARCH_LIMIT):
            return render(request, "portal/throttled.html", context, status=429)
        location = selectors.get_public_location(clinic, form.cleaned_data["location"])
        if location is None:
            raise Http404("No such location.")
        earliest = selectors.earliest_moment(
            clinic, location, form.cleaned_data["earliest"], now=timezone.now()
        )
        found, reason = services.offers_for(
            location, protocol, earliest=earliest, part_of_day=form.cleaned_data["part"]
        )
        context.update(offers=_offer_views(found, location), reason=reason, location=location)
    elif bound:
        status = 422
    return render(request, "portal/offers.html", context, status=status)


def _offer_views(found: list[selectors.Offer], location: Any) -> list[dict[str, Any]]:
    tz = location_timezone(location)
    return [
        {
            "token": offer.token,
            "sessions": [
                {"n": n, "start": s.start.astimezone(tz), "practitioner": s.practitioner.display_name}
                for n, s in enumerate(offer.sessions, start=1)
            ],
        }
        for offer in found
    ]


@require_http_methods(["GET", "POST"])
@public_page
def details(  # noqa: PLR0911 — one answer per outcome of the form: stale, trap, throttled, consult, sent
    request: HttpRequest, clinic: Clinic, slug: str
) -> HttpResponse:
    """Your details, the health questions and the consent for the chosen offer; sending it e-mails a code."""
    protocol = selectors.get_bookable_protocol(clinic, slug)
    data = request.POST if request.method == "POST" else None
    token = (data or request.GET).get("offer", "")
    offer = selectors.read_offer(clinic, token)
    if offer is None or offer.protocol.pk != protocol.pk:
        return render(request, "portal/stale.html", _context(request, clinic, protocol=protocol), status=410)
    template = selectors.consent_template_for(clinic, protocol)
    asked = questions(selectors.allergens(protocol))
    form = DetailsForm(data, questions=asked, has_consent=template is not None, initial={"offer": token})
    tz = location_timezone(offer.location)
    context = _context(
        request,
        clinic,
        protocol=protocol,
        form=form,
        template=template,
        location=offer.location,
        sessions=[s.start.astimezone(tz) for s in offer.sessions],
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:  # the honeypot: answer as if sent, book nothing
            return render(request, "portal/stale.html", context, status=410)
        if _over(request, "form", FORM_LIMIT, window=600):
            return render(request, "portal/throttled.html", context, status=429)
        cd = form.cleaned_data
        try:
            started = services.start_booking(
                clinic,
                offer,
                details=services.Details(
                    cd["given_name"], cd["family_name"], cd["birth_date"], cd["email"], cd["phone"]
                ),
                answers=services.Answers(
                    cd["conditions"], cd["medications"], cd["implants"], cd.get("allergies") or []
                ),
                photo_use=cd["photo_use"],
                language=getattr(request, "LANGUAGE_CODE", ""),
                address=_ip(request),
            )
        except services.OfferTakenError:
            return redirect(_taken_url(clinic, offer, embed=context["embed"]))
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except services.TooManyRequestsError:
            return render(request, "portal/throttled.html", context, status=429)
        else:
            if started.booking is None:
                reasons = [plain_label(code) or _("an answer you gave") for code in started.blocked_by]
                return render(request, "portal/consultation.html", {**context, "reasons": reasons})
            return redirect(
                _url("portal:verify", clinic.slug, started.booking.reference, embed=context["embed"])
            )
    status = 422 if form.errors else 200
    return render(request, "portal/details.html", context, status=status)


def _taken_url(clinic: Clinic, offer: selectors.ChosenOffer, *, embed: bool) -> str:
    """The offers page for the same treatment, place and first day, saying the dates were just taken."""
    day = offer.sessions[0].start.astimezone(location_timezone(offer.location)).date()
    params = {"location": str(offer.location.pk), "earliest": day.isoformat(), "taken": "1"}
    query = urlencode({**params, "embed": "1"} if embed else params)
    return f"{reverse('portal:offers', args=[clinic.slug, offer.protocol.slug])}?{query}#taken"


@require_http_methods(["GET", "POST"])
@public_page
def verify(request: HttpRequest, clinic: Clinic, token: str) -> HttpResponse:
    """Type the 6-digit code from the e-mail; five tries, ten minutes."""
    booking = selectors.get_booking(clinic, token)
    if booking.status != BookingStatus.AWAITING_VERIFICATION:
        return redirect(
            _url("portal:done", clinic.slug, booking.reference, embed=getattr(request, "embedded", False))
        )
    form = CodeForm(request.POST if request.method == "POST" else None)
    context = _context(request, clinic, booking=booking, form=form, email=_masked(booking.email))
    if request.method == "POST" and form.is_valid():
        if _over(request, "code", FORM_LIMIT):
            return render(request, "portal/throttled.html", context, status=429)
        result = services.verify_booking(booking, form.cleaned_data["code"])
        if result.status == "wrong_code":
            form.add_error(
                "code",
                _("That code is not right. %(left)d tries left.") % {"left": result.attempts_left},
            )
        elif result.status == "expired":
            form.add_error("code", _("The code has expired. Please start the booking again."))
        else:
            return redirect(_url("portal:done", clinic.slug, booking.reference, embed=context["embed"]))
    status = 422 if form.errors else 200
    return render(request, "portal/verify.html", context, status=status)


def _masked(email: str) -> str:
    """``a•••@example.com``: enough for the visitor to recognise their address on a shared screen."""
    name, _at, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


@require_GET
@public_page
def done(request: HttpRequest, clinic: Clinic, token: str) -> HttpResponse:
    """What became of the booking: every date, new dates when they were taken, or a consultation first."""
    booking = selectors.get_booking(clinic, token)
    if booking.status == BookingStatus.AWAITING_VERIFICATION:
        return redirect(
            _url("portal:verify", clinic.slug, booking.reference, embed=getattr(request, "embedded", False))
        )
    context = _context(request, clinic, booking=booking, protocol=booking.protocol, location=booking.location)
    tz = location_timezone(booking.location)
    if booking.status == BookingStatus.CONFIRMED:
        appointments = selectors.booked_appointments(booking)
        if booking.patient_id is not None:
            note_patient_read(request, booking.patient_id)
        context["appointments"] = [(a, a.starts_at.astimezone(tz)) for a in appointments]
        context["public_status"], context["deposit"] = services.public_status(booking)
    elif booking.status == BookingStatus.TAKEN:
        earliest = selectors.earliest_moment(clinic, booking.location, None, now=timezone.now())
        found, reason = services.offers_for(booking.location, booking.protocol, earliest=earliest)
        context.update(offers=_offer_views(found, booking.location), reason=reason)
    elif booking.status == BookingStatus.NEEDS_CONSULTATION:
        context["reasons"] = [plain_label(code) for code in booking.reasons if plain_label(code)]
    return render(request, "portal/done.html", context)


@require_POST
@public_page
def rebook(request: HttpRequest, clinic: Clinic, token: str) -> HttpResponse:
    """Choose new dates after the first ones were taken (the code was verified already)."""
    booking = selectors.get_booking(clinic, token)
    offer = selectors.read_offer(clinic, request.POST.get("offer", ""))
    if offer is not None and booking.status == BookingStatus.TAKEN:
        services.rebook(booking, offer)
    return redirect(
        _url("portal:done", clinic.slug, booking.reference, embed=getattr(request, "embedded", False))
    )


@require_GET
@public_page
def calendar_file(request: HttpRequest, clinic: Clinic, token: str) -> HttpResponse:
    """Every session of a confirmed booking as one .ics file (no names of staff or of the patient in it)."""
    booking = selectors.get_booking(clinic, token)
    if booking.status != BookingStatus.CONFIRMED:
        raise Http404("This booking has no sessions.")
    appointments = selectors.booked_appointments(booking)
    domain = request.get_host().split(":")[0] or "mesoclinic.local"
    total = len(appointments)
    events = [
        CalendarEvent(
            uid=appointment_uid(a.pk, domain),
            start=a.starts_at,
            end=a.ends_at,
            summary=_("%(treatment)s, session %(n)d of %(total)d")
            % {"treatment": booking.protocol.name, "n": n, "total": total},
            location=", ".join(x for x in (booking.location.name, booking.location.address) if x),
            description=clinic.name,
            sequence=getattr(a, "ical_sequence", 0),
        )
        for n, a in enumerate(appointments, start=1)
    ]
    if booking.patient_id is not None:
        note_patient_read(request, booking.patient_id)
    body = calendar_bytes(events, name=f"{clinic.name}: {booking.protocol.name}", now=_now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sessions.ics"'
    return response


def _now() -> datetime:
    return timezone.now()


# --- The patient portal: a one-time code by e-mail, then the patient's own sessions -------------------------

SESSION_KEY = "mesoclinic_portal"


def _signed_in(request: HttpRequest, clinic: Clinic) -> Any:
    """The patient signed in to this clinic's portal in this browser, or None (never a staff account)."""
    held = request.session.get(SESSION_KEY)
    if not isinstance(held, dict) or held.get("clinic") != clinic.pk:
        return None
    if float(held.get("until", 0)) < timezone.now().timestamp():
        request.session.pop(SESSION_KEY, None)
        return None
    return selectors.portal_patient(clinic, held.get("patient"))


@require_http_methods(["GET", "POST"])
@public_page
def portal_sign_in(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """Sign in with e-mail and date of birth; a code goes to the e-mail if a chart has both."""
    if _signed_in(request, clinic) is not None:
        return redirect("portal:portal_home", clinic.slug)
    form = SignInForm(request.POST if request.method == "POST" else None)
    context = _context(request, clinic, form=form)
    if request.method == "POST" and form.is_valid():
        if _over(request, "form", FORM_LIMIT, window=600):
            return render(request, "portal/throttled.html", context, status=429)
        try:
            sign_in = services.start_sign_in(
                clinic,
                email=form.cleaned_data["email"],
                birth_date=form.cleaned_data["birth_date"],
                language=getattr(request, "LANGUAGE_CODE", ""),
            )
        except services.TooManyRequestsError:
            return render(request, "portal/throttled.html", context, status=429)
        return redirect("portal:portal_code", clinic.slug, sign_in.reference)
    return render(request, "portal/sign_in.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@public_page
def portal_code(request: HttpRequest, clinic: Clinic, token: str) -> HttpResponse:
    sign_in = selectors.get_sign_in(clinic, token)
    form = CodeForm(request.POST if request.method == "POST" else None)
    context = _context(request, clinic, form=form)
    if request.method == "POST" and form.is_valid():
        if _over(request, "code", FORM_LIMIT):
            return render(request, "portal/throttled.html", context, status=429)
        patient = services.finish_sign_in(sign_in, form.cleaned_data["code"])
        if patient is not None:
            request.session.cycle_key()  # a new session id at sign-in (no fixation)
            until = timezone.now().timestamp() + services.PORTAL_SESSION_MINUTES * 60
            request.session[SESSION_KEY] = {"clinic": clinic.pk, "patient": patient.pk, "until": until}
            return redirect("portal:portal_home", clinic.slug)
        form.add_error("code", _("That code is not right or has expired. Ask for a new one if needed."))
    return render(request, "portal/sign_in_code.html", context, status=422 if form.errors else 200)


@require_GET
@public_page
def portal_home(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """The signed-in patient's sessions to come (with cancelling within policy) and the past ones."""
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    note_patient_read(request, patient.pk)
    now = timezone.now()
    upcoming, past = selectors.patient_sessions(patient, now=now)
    hours = selectors.portal_settings(clinic).cancel_hours
    limit = now + timedelta(hours=hours)
    rows = [
        (a, a.starts_at.astimezone(location_timezone(a.location)), a.starts_at >= limit) for a in upcoming
    ]
    done_rows = [(a, a.starts_at.astimezone(location_timezone(a.location))) for a in past]
    documents = selectors.patient_documents(patient, today=clinic.today())
    context = _context(
        request,
        clinic,
        patient=patient,
        upcoming=rows,
        past=done_rows,
        cancel_hours=hours,
        documents=documents,
    )
    return render(request, "portal/me.html", context)


@require_POST
@public_page
def portal_sign_out(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("portal:portal_sign_in", clinic.slug)
