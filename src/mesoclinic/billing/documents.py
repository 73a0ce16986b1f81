"""Issued documents as the buyer gets them: the print view's HTML, the same template as a PDF (WeasyPrint),
and the PDF e-mailed to the patient on request (through ``EMAIL_BACKEND``, audited).

The HTML and the PDF come from one template (``billing/document_print.html``) rendered in the clinic's
language, so what is printed from the browser and what is attached to the e-mail are the same document.
WeasyPrint lays out HTML and CSS itself (Pango for text), so no browser is needed on the server and the
template's own ``@media print`` rules apply.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic
from mesoclinic.actors import Actor
from mesoclinic.audit.services import record_event
from mesoclinic.billing import giftcards, selectors
from mesoclinic.billing.models import Invoice

TEMPLATE = "billing/document_print.html"


def print_context(invoice: Invoice, clinic: Clinic) -> dict[str, Any]:
    """What the document shows: seller and buyer, lines, the VAT table, payments, packages and gift cards."""
    if not invoice.is_issued:
        raise Http404("A draft is not a document yet: issue it first.")
    lines = selectors.lines_of(invoice)
    return {
        "invoice": invoice,
        "seller": selectors.settings_for(clinic),
        "lines": lines,
        "totals": selectors.totals_of(invoice, lines),
        "payments": selectors.payments_of(invoice),
        "packages": list(invoice.packages.all()),
        "gift_cards": giftcards.sold_on(invoice),
    }


def render_html(invoice: Invoice, clinic: Clinic, *, request: Any = None) -> str:
    with translation.override(clinic.language or None):
        return render_to_string(TEMPLATE, print_context(invoice, clinic), request=request)


def render_pdf(invoice: Invoice, clinic: Clinic) -> bytes:
    """The document as a PDF, from the print view's template (fetches nothing: the template is inline)."""
    weasyprint = _weasyprint()
    html = render_html(invoice, clinic)
    return bytes(weasyprint.HTML(string=html, base_url=None).write_pdf())


def _weasyprint() -> Any:
    """WeasyPrint, imported on first use (it loads Pango) and without its side effect: importing it sets
    Pillow's ``LOAD_TRUNCATED_IMAGES`` for the whole process, after which a truncated photo would pass the
    outcomes upload and analysis checks in any worker that had made a PDF. The flag is put back."""
    from PIL import ImageFile  # noqa: PLC0415

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint  # noqa: PLC0415 — only PDFs need it

    ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


def filename(invoice: Invoice) -> str:
    return f"{(invoice.number or f'draft-{invoice.pk}').replace('/', '-')}.pdf"


def email_document(invoice: Invoice, *, actor: Actor, to: str = "") -> str:
    """E-mail the document as a PDF to ``to`` or the patient's address; the address used is returned.

    Refused (naming ``to``) when there is no valid address. The sending is audited (not the content).
    """
    if not invoice.is_issued:
        raise ValidationError({"invoice": [_("Only an issued document is sent.")]})
    address = (to or invoice.patient.email or "").strip()
    if not address:
        raise ValidationError({"to": [_("The patient has no e-mail address: type one.")]})
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            {"to": [_("%(address)s is not an e-mail address.") % {"address": repr(address)}]}
        ) from None
    clinic = invoice.clinic
    settings = selectors.settings_for(clinic)
    with translation.override(clinic.language or None):
        subject = translation.gettext("%(kind)s %(number)s from %(seller)s") % {
            "kind": invoice.get_kind_display(),
            "number": invoice.number,
            "seller": settings.seller_name or clinic.name,
        }
        body = translation.gettext("Please find your document %(number)s attached.") % {
            "number": invoice.number
        }
    message = EmailMessage(subject=subject, body=body, to=[address])
    message.attach(filename(invoice), render_pdf(invoice, clinic), "application/pdf")
    message.send()
    record_event(
        "billing.document.email", invoice, actor=actor, data={"number": invoice.number, "to": address}
    )
    return address
