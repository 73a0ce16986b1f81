"""A typed request for views behind ``staff_required`` (after healthchecks' ``AuthenticatedHttpRequest``)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from mesoclinic.accounts.models import Clinic, StaffMember


class ClinicRequest(HttpRequest):
    user: User
    staff: StaffMember
    clinic: Clinic
    htmx: HtmxDetails  # set by django_htmx's HtmxMiddleware
