"""An issued document as a PDF (the print view's template), and e-mailed to the patient on request."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.billing import documents, selectors


class EmailForm(forms.Form):
    to = forms.CharField(
        label=gettext_lazy("E-mail address"),
        required=False,
        max_length=254,
        help_text=gettext_lazy("Empty: the patient's address."),
    )


def pdf_response(invoice: object, body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_GET
@staff_required(Capability.VIEW_BILLING)
def document_pdf(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    """The issued document as a PDF, in the clinic's language (a draft is 404: not a document yet)."""
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    body = documents.render_pdf(invoice, request.clinic)
    return pdf_response(invoice, body, documents.filename(invoice))


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def document_email(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    """Send the PDF to the patient (or the address typed); a refusal comes back as a message."""
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    form = EmailForm(request.POST)
    to = form.cleaned_data.get("to", "") if form.is_valid() else ""
    try:
        address = documents.email_document(invoice, actor=request.user, to=to)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sent to %(address)s.") % {"address": address})
    return HttpResponseRedirect(reverse("billing:document", args=[invoice.pk]))
