"""The owner's webhook screens: endpoints (list, create, edit, disable, rotate the secret, send a test event)
and the delivery log (filters, CSV, one delivery's attempts, redeliver).

Every view parses input, fetches through the ``get_*_for_user`` helpers (404 across clinics), calls a service
for any change, then renders or redirects. Only ``manage_webhooks`` (the owner) gets here. A secret is shown
on the response that created it, marked ``no-store``, and never again.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import add_service_errors, save_form
from mesoclinic.webhooks import selectors, services
from mesoclinic.webhooks.forms import DeliveryFilterForm, EndpointForm
from mesoclinic.webhooks.models import WebhookEndpoint

PAGE_SIZE = 25
MANAGE = Capability.MANAGE_WEBHOOKS


def _secret_page(request: ClinicRequest, endpoint: WebhookEndpoint, secret: str) -> HttpResponse:
    response = render(
        request, "webhooks/secret.html", {"section": "webhooks", "endpoint": endpoint, "secret": secret}
    )
    add_never_cache_headers(response)
    return response


@require_GET
@staff_required(MANAGE)
def endpoint_list(request: ClinicRequest) -> HttpResponseBase:
    endpoints = selectors.endpoints_for_clinic(request.clinic.pk)
    if wants_csv(request):
        rows = (
            [e.pk, e.url, e.description, " ".join(e.events), e.is_active, e.created_at] for e in endpoints
        )
        header = ["endpoint_id", "url", "description", "events", "active", "created_at"]
        return csv_export(request, "webhook-endpoints.csv", header, rows, list_name="webhooks.endpoints")
    page = Paginator(endpoints, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/endpoints.html", {"section": "webhooks", "page": page})


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def endpoint_create(request: ClinicRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = services.create_endpoint(
                request.clinic,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _secret_page(request, endpoint, endpoint.secret)
    return render(request, "webhooks/endpoint_form.html", {"section": "webhooks", "form": form})


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def endpoint_edit(request: ClinicRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.get_endpoint_for_user(request.staff, endpoint_id)
    initial = {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: services.update_endpoint(
            endpoint,
            url=data["url"],
            events=data["events"],
            description=data["description"],
            is_active=data["is_active"],
            actor=request.user,
        ),
        success=_("Endpoint saved."),
        then=reverse("webhooks:endpoints"),
    )
    if saved:
        return saved
    context = {"section": "webhooks", "form": form, "endpoint": endpoint}
    return render(request, "webhooks/endpoint_form.html", context)


@require_POST
@staff_required(MANAGE)
def endpoint_active(request: ClinicRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.get_endpoint_for_user(request.staff, endpoint_id)
    active = request.POST.get("active") == "1"
    services.set_endpoint_active(endpoint, active=active, actor=request.user)
    if active:
        messages.success(request, _("Endpoint enabled: it receives events again."))
    else:
        messages.success(request, _("Endpoint disabled: it receives nothing until enabled."))
    return HttpResponseRedirect(reverse("webhooks:endpoints"))


@require_POST
@staff_required(MANAGE)
def endpoint_rotate_secret(request: ClinicRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.get_endpoint_for_user(request.staff, endpoint_id)
    secret = services.rotate_secret(endpoint, actor=request.user)
    return _secret_page(request, endpoint, secret)


@require_POST
@staff_required(MANAGE)
def endpoint_test(request: ClinicRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.get_endpoint_for_user(request.staff, endpoint_id)
    delivery = services.send_test_event(endpoint, actor=request.user)
    messages.success(request, _("Test event queued. Its delivery is below."))
    return HttpResponseRedirect(reverse("webhooks:delivery", args=[delivery.pk]))


@require_GET
@staff_required(MANAGE)
def delivery_list(request: ClinicRequest) -> HttpResponseBase:
    endpoints = list(selectors.endpoints_for_clinic(request.clinic.pk).values_list("pk", "url"))
    form = DeliveryFilterForm(request.GET or None, endpoints=endpoints)
    deliveries = selectors.deliveries_for_clinic(request.clinic.pk, **form.filters())
    if wants_csv(request):
        rows = (
            [
                d.pk,
                d.event_id,
                d.event.type,
                d.endpoint.url,
                d.status,
                d.attempts,
                d.last_status_code,
                d.last_error_text,
                d.created_at,
                d.completed_at,
                d.next_attempt_at,
            ]
            for d in deliveries.iterator(chunk_size=500)
        )
        header = [
            "delivery_id",
            "event_id",
            "event",
            "endpoint",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "created_at",
            "completed_at",
            "next_attempt_at",
        ]
        return csv_export(request, "webhook-deliveries.csv", header, rows, list_name="webhooks.deliveries")
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"section": "webhooks", "form": form, "page": page}
    return render(request, "webhooks/deliveries.html", context)


@require_GET
@staff_required(MANAGE)
def delivery_detail(request: ClinicRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.get_delivery_for_user(request.staff, delivery_id)
    context = {
        "section": "webhooks",
        "delivery": delivery,
        "attempts": list(delivery.attempt_log.all()),
        "body": services.body_of(delivery.event).decode(),
    }
    return render(request, "webhooks/delivery.html", context)


@require_POST
@staff_required(MANAGE)
def delivery_redeliver(request: ClinicRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.get_delivery_for_user(request.staff, delivery_id)
    again = services.redeliver(delivery, actor=request.user)
    messages.success(request, _("Sent again, with the same event id."))
    return HttpResponseRedirect(reverse("webhooks:delivery", args=[again.pk]))
