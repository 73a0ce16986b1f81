"""The patient portal's "download my data": the existing patient export (privacy), for the signed-in patient.

It lives in the web layer because the portal and privacy are independent apps (neither imports the other);
the web app, above both, joins them for this one page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from mesoclinic.portal.selectors import clinic_by_slug
from mesoclinic.portal.views import _signed_in
from mesoclinic.privacy.export import stream_patient_zip
from mesoclinic.privacy.services import record_patient_export


@require_GET
def portal_export(request: HttpRequest, clinic_slug: str) -> HttpResponseBase:
    """The signed-in patient's own record as a ZIP (never framed: the default frame headers stay)."""
    clinic = clinic_by_slug(clinic_slug)
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    record_patient_export(patient, channel="portal", actor=None)
    response = StreamingHttpResponse(
        stream_patient_zip(patient, exported_at=timezone.now()), content_type="application/zip"
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.zip"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
