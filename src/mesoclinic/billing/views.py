"""The till: checkout from an appointment or for a patient, the document screen (lines, discounts, buyer,
payments, issue), credit notes and refunds, the list of documents, the price list and billing settings,
and the patient's account on the chart.

Objects come through clinic-scoped access helpers (404 across clinics); every write goes through a service;
a refused value re-renders the page with the error beside its field and everything typed kept (422).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.billing import documents as printed
from mesoclinic.billing import giftcards, selectors, services, stripe_gateway
from mesoclinic.billing.forms import (
    BuyerForm,
    CashUpForm,
    CreditNoteForm,
    DepositForm,
    KindForm,
    LineEditForm,
    LineForm,
    PackageExpiryForm,
    PackageRefundForm,
    PaymentForm,
    PolicyForm,
    PriceItemForm,
    RefundForm,
    SettingsForm,
    WaiveForm,
)
from mesoclinic.billing.models import DocumentStatus, Invoice
from mesoclinic.catalog.models import Product, Protocol
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import save_form
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.scheduling.selectors import get_appointment_for_user, get_location_for_user, staff_locations

PAGE_SIZE = 25


def _document_url(invoice: Invoice) -> str:
    return reverse("billing:document", args=[invoice.pk])


def _split_discount(text: str) -> tuple[str | None, str | None]:
    """ "10%" → a percentage; "12.50" → an amount; empty → no discount."""
    text = (text or "").strip()
    if not text:
        return None, None
    if text.endswith("%"):
        return None, text[:-1].strip()
    return text, None


def _document_page(
    request: ClinicRequest, invoice: Invoice, *, status: int = 200, **forms: Any
) -> HttpResponse:
    lines = selectors.lines_of(invoice)
    payments = selectors.payments_of(invoice)
    settings = selectors.settings_for(request.clinic)
    items = list(selectors.price_items(request.clinic, active_only=True))
    refunded: dict[int, Decimal] = {}
    for p in payments:
        if p.refund_of_id is not None:
            refunded[p.refund_of_id] = refunded.get(p.refund_of_id, Decimal(0)) - p.amount
    edit_forms = {
        line.pk: forms.get(f"line_{line.pk}")
        or LineEditForm(
            initial={
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": line.unit_price,
                "discount": f"{line.discount_percent.normalize():f}%"
                if line.discount_percent is not None
                else (line.discount or ""),
                "discount_reason": line.discount_reason,
            },
            prefix=f"line{line.pk}",
        )
        for line in lines
    }
    context = {
        "invoice": invoice,
        "patient": invoice.patient,
        "lines": [(line, edit_forms[line.pk]) for line in lines],
        "totals": selectors.totals_of(invoice, lines),
        "payments": [(p, p.amount - refunded.get(p.pk, Decimal(0))) for p in payments],
        "currency": invoice.currency,
        "can_take": role_has(request.staff.role, Capability.TAKE_PAYMENTS),
        "can_refund": role_has(request.staff.role, Capability.REFUND_PAYMENTS),
        "line_form": forms.get("line_form") or LineForm(items=items, rates=settings.vat_rates),
        "payment_form": forms.get("payment_form")
        or PaymentForm(
            initial={"amount": invoice.balance if invoice.balance > 0 else ""},
            packages=_usable_packages(request, invoice),
        ),
        "buyer_form": forms.get("buyer_form")
        or BuyerForm(
            initial={
                "kind": invoice.buyer_kind,
                "name": invoice.buyer_name if invoice.buyer_kind == "company" else "",
                "address": invoice.buyer_address,
                "tax_id": invoice.buyer_tax_id,
            }
        ),
        "kind_form": KindForm(initial={"kind": invoice.kind}),
        "refund_form": forms.get("refund_form") or RefundForm(),
        "refund_payment": forms.get("refund_payment"),
        "issue_error": forms.get("issue_error"),
        "credit_notes": list(invoice.credit_notes.all()) if invoice.is_issued else [],
        "online": stripe_gateway.is_configured(),
        "gift_cards": giftcards.sold_on(invoice) if invoice.is_issued else [],
        "section": "billing",
    }
    return render(request, "billing/document.html", context, status=status)


def _usable_packages(request: ClinicRequest, invoice: Invoice) -> list[Any]:
    if invoice.is_issued:
        return []
    return selectors.packages_of(invoice.patient, today=request.clinic.today(), active_only=True)


# --- Checkout -----------------------------------------------------------------------------------------


@require_POST
@staff_required(Capability.VIEW_SCHEDULE, Capability.TAKE_PAYMENTS)
def checkout_appointment(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_user(request.staff, appointment_id)
    invoice = services.checkout_appointment(appointment, actor=request.user)
    return HttpResponseRedirect(_document_url(invoice))


@require_POST
@staff_required(Capability.VIEW_PATIENTS, Capability.TAKE_PAYMENTS)
def checkout_patient(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """A new draft for a retail sale to the patient (products, gift cards, a consultation)."""
    patient = get_patient_for_user(request.staff, patient_id)
    invoice = services.create_invoice(patient, actor=request.user)
    return HttpResponseRedirect(_document_url(invoice))


@require_GET
@staff_required(Capability.VIEW_BILLING)
def document(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    return _document_page(request, selectors.get_invoice_for_user(request.staff, invoice_id))


@require_GET
@staff_required(Capability.VIEW_BILLING)
def document_print(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    """An issued document as the buyer gets it (seller and buyer, lines, the VAT table, payments, number
    and dates), in the clinic's language; printable (a browser prints it to PDF). A draft is not a document."""
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    context = printed.print_context(invoice, request.clinic)
    with translation.override(request.clinic.language or None):
        return render(request, "billing/document_print.html", context)


def _issued_refusal(request: ClinicRequest, invoice: Invoice, exc: Exception) -> HttpResponse:
    messages.error(request, str(exc))
    return HttpResponseRedirect(_document_url(invoice))


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def add_line(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    settings = selectors.settings_for(request.clinic)
    items = list(selectors.price_items(request.clinic, active_only=True))
    form = LineForm(request.POST, items=items, rates=settings.vat_rates)

    def save(data: dict[str, Any]) -> None:
        item = next((i for i in items if str(i.pk) == data["item"]), None)
        line = services.LineInput(
            description=data["description"] or (item.name if item else ""),
            quantity=data["quantity"],
            unit_price=data["unit_price"] or (item.unit_price if item else ""),
            vat_rate=data["vat_rate"] or (item.vat_rate if item else ""),
            item=item,
        )
        services.add_line(invoice, line, actor=request.user)

    try:
        saved = save_form(request, form, save, then=_document_url(invoice) + "#lines")
    except services.DocumentIssuedError as exc:
        return _issued_refusal(request, invoice, exc)
    return saved or _document_page(request, invoice, status=422, line_form=form)


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def update_line(request: ClinicRequest, invoice_id: int, line_id: int) -> HttpResponse:
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    line = selectors.get_line_for_invoice(invoice, line_id)
    form = LineEditForm(request.POST, prefix=f"line{line.pk}")

    def save(data: dict[str, Any]) -> None:
        amount, percent = _split_discount(data["discount"])
        change = services.LineInput(
            description=line.description,
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_rate=line.vat_rate,
            discount=amount,
            discount_percent=percent,
            discount_reason=data["discount_reason"],
            item=line.item,
        )
        services.update_line(line, change, actor=request.user)

    try:
        saved = save_form(
            request,
            form,
            save,
            then=_document_url(invoice) + "#lines",
            rename=lambda field: field.replace("discount_percent", "discount"),
        )
    except services.DocumentIssuedError as exc:
        return _issued_refusal(request, invoice, exc)
    return saved or _document_page(request, invoice, status=422, **{f"line_{line.pk}": form})


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def remove_line(request: ClinicRequest, invoice_id: int, line_id: int) -> HttpResponse:
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    line = selectors.get_line_for_invoice(invoice, line_id)
    try:
        services.remove_line(line, actor=request.user)
    except services.DocumentIssuedError as exc:
        return _issued_refusal(request, invoice, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(_document_url(invoice) + "#lines")


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def set_buyer(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    form = BuyerForm(request.POST)
    try:
        saved = save_form(
            request,
            form,
            lambda data: services.set_buyer(invoice, actor=request.user, **data),
            then=_document_url(invoice) + "#buyer",
            rename=lambda field: field.removeprefix("buyer."),
        )
    except services.DocumentIssuedError as exc:
        return _issued_refusal(request, invoice, exc)
    return saved or _document_page(request, invoice, status=422, buyer_form=form)


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def set_kind(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    form = KindForm(request.POST)
    if form.is_valid():
        try:
            services.set_document_kind(invoice, kind=form.cleaned_data["kind"], actor=request.user)
        except services.DocumentIssuedError as exc:
            return _issued_refusal(request, invoice, exc)
    return HttpResponseRedirect(_document_url(invoice))


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def pay(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    form = PaymentForm(request.POST, packages=_usable_packages(request, invoice))
    saved = save_form(
        request,
        form,
        lambda data: services.record_payment(invoice, actor=request.user, **{"package": None, **data}),
        then=_document_url(invoice) + "#payments",
    )
    return saved or _document_page(request, invoice, status=422, payment_form=form)


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def issue(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    try:
        issued = services.issue_invoice(invoice, actor=request.user)
    except services.DocumentIssuedError as exc:
        return _issued_refusal(request, invoice, exc)
    except ValidationError as exc:
        return _document_page(request, invoice, status=422, issue_error=" ".join(exc.messages))
    messages.success(request, _("Issued %(number)s.") % {"number": issued.number})
    return HttpResponseRedirect(_document_url(issued))


@require_POST
@staff_required(Capability.REFUND_PAYMENTS)
def refund(request: ClinicRequest, payment_id: int) -> HttpResponse:
    payment = selectors.get_payment_for_user(request.staff, payment_id)
    form = RefundForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: services.refund_payment(payment, actor=request.user, **data),
        then=_document_url(payment.invoice) + "#payments",
    )
    if saved:
        return saved
    invoice = selectors.get_invoice_for_user(request.staff, payment.invoice_id)
    return _document_page(request, invoice, status=422, refund_form=form, refund_payment=payment.pk)


@require_http_methods(["GET", "POST"])
@staff_required(Capability.TAKE_PAYMENTS)
def credit_note(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    """Credit some or all of an issued document's lines, with a reason: an issued credit note."""
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    lines = selectors.lines_of(invoice)
    form = CreditNoteForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        credit = []
        for line in lines:
            amount = form.cleaned_data[f"line_{line.pk}"]
            if amount:
                credit.append(
                    services.LineInput(
                        description=line.description,
                        quantity="1",
                        unit_price=amount,
                        vat_rate=line.vat_rate,
                        item=line.item,
                    )
                )
        try:
            note = services.create_credit_note(
                invoice, lines=credit, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            errors = exc.message_dict
            form.add_error(None, [m for v in errors.values() for m in v])
        else:
            messages.success(request, _("Issued %(number)s.") % {"number": note.number})
            return HttpResponseRedirect(_document_url(note))
    context = {
        "invoice": invoice,
        "form": form,
        "gift_cards": giftcards.sold_on(invoice),
        "section": "billing",
    }
    return render(request, "billing/credit_note.html", context, status=422 if form.errors else 200)


# --- Lists --------------------------------------------------------------------------------------------

DOCUMENT_CSV_HEADER = [
    "number",
    "kind",
    "status",
    "patient_id",
    "buyer",
    "net",
    "vat",
    "gross",
    "paid",
    "issued_at",
]


@require_GET
@staff_required(Capability.VIEW_BILLING)
def documents(request: ClinicRequest) -> HttpResponseBase:
    status = request.GET.get("status", "")
    status = status if status in DocumentStatus.values else ""
    q = request.GET.get("q", "").strip()[:100]
    found = selectors.documents_for_clinic(request.clinic, status=status, search=q)
    if wants_csv(request):
        rows = (
            [
                d.number or "",
                d.kind,
                d.status,
                d.patient_id,
                d.buyer_name,
                d.net,
                d.vat,
                d.gross,
                d.paid,
                d.issued_at or "",
            ]
            for d in found.iterator()
        )
        return csv_export(request, "documents.csv", DOCUMENT_CSV_HEADER, rows, list_name="billing.documents")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "q": q, "section": "billing"}
    return render(request, "billing/documents.html", context)


@require_GET
@staff_required(Capability.VIEW_PATIENTS, Capability.VIEW_BILLING)
def patient_account(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """The chart's Billing tab: the balance, every document, and a button for a new sale."""
    patient = get_patient_for_user(request.staff, patient_id)
    context = chart_context(request, patient, tab="billing")
    context["account"] = selectors.account_of(patient)
    context["packages"] = selectors.packages_of(patient, today=request.clinic.today())
    context["credit"] = selectors.credit_of(patient)
    context["charges"] = selectors.charges_of(patient)
    context["deposits"] = selectors.deposits_of(patient)
    context["waive_form"] = WaiveForm()
    context["documents"] = selectors.documents_for_patient(patient)
    context["currency"] = selectors.settings_for(request.clinic).currency
    context["can_take"] = role_has(request.staff.role, Capability.TAKE_PAYMENTS)
    context["can_refund"] = role_has(request.staff.role, Capability.REFUND_PAYMENTS)
    context["online"] = stripe_gateway.is_configured()
    context["saved_card"] = selectors.saved_card_of(patient) if context["online"] else None
    return render(request, "billing/patient_account.html", context)


# --- Packages ---------------------------------------------------------------------------------------------


def _package_page(request: ClinicRequest, package: Any, *, status: int = 200, **forms: Any) -> HttpResponse:
    today = request.clinic.today()
    summary = selectors.PackageSummary(package, package.expires_on < today)
    context = chart_context(request, package.patient, tab="billing")
    context.update(
        package=package,
        summary=summary,
        entries=selectors.ledger_of(package),
        currency=selectors.settings_for(request.clinic).currency,
        can_refund=role_has(request.staff.role, Capability.REFUND_PAYMENTS),
        expiry_form=forms.get("expiry_form") or PackageExpiryForm(initial={"expires_on": package.expires_on}),
        refund_form=forms.get("refund_form") or PackageRefundForm(),
    )
    return render(request, "billing/package.html", context, status=status)


@require_GET
@staff_required(Capability.VIEW_PATIENTS, Capability.VIEW_BILLING)
def package(request: ClinicRequest, package_id: int) -> HttpResponse:
    """A package: sessions left, expiry, its ledger; the expiry and the pro rata refund for the owner."""
    return _package_page(request, selectors.get_package_for_user(request.staff, package_id))


@require_POST
@staff_required(Capability.VIEW_PATIENTS, Capability.REFUND_PAYMENTS)
def package_expiry(request: ClinicRequest, package_id: int) -> HttpResponse:
    found = selectors.get_package_for_user(request.staff, package_id)
    form = PackageExpiryForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: services.set_package_expiry(found, actor=request.user, **data),
        success=_("Expiry changed."),
        then=reverse("billing:package", args=[found.pk]),
    )
    return saved or _package_page(request, found, status=422, expiry_form=form)


@require_POST
@staff_required(Capability.VIEW_PATIENTS, Capability.REFUND_PAYMENTS)
def package_refund(request: ClinicRequest, package_id: int) -> HttpResponse:
    found = selectors.get_package_for_user(request.staff, package_id)
    form = PackageRefundForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: services.refund_package(found, actor=request.user, **data),
        success=_("Unused sessions refunded."),
        then=reverse("billing:package", args=[found.pk]),
    )
    return saved or _package_page(request, found, status=422, refund_form=form)


# --- Deposits and the cancellation policy -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_PRICES)
def policy(request: ClinicRequest) -> HttpResponse:
    """The clinic's deposit and cancellation policy, and protocols' own (the same form, a protocol chosen)."""
    protocols = list(Protocol.objects.filter(clinic=request.clinic, is_active=True).order_by("name"))
    existing = {p.protocol_id: p for p in selectors.policies(request.clinic)}
    chosen = request.GET.get("protocol") or ""
    current = existing.get(int(chosen)) if chosen.isdigit() else existing.get(None)
    initial: dict[str, Any] = {"protocol": chosen}
    if current is not None:
        initial.update({name: getattr(current, name) for name in services.POLICY_FIELDS})
    form = PolicyForm(request.POST or None, initial=initial, protocols=protocols)
    saved = save_form(
        request,
        form,
        lambda data: services.set_cancellation_policy(request.clinic, actor=request.user, **data),
        success=_("Cancellation policy saved."),
        then=reverse("billing:policy"),
    )
    if saved:
        return saved
    context = {"form": form, "policies": list(existing.values()), "section": "billing"}
    return render(request, "billing/policy.html", context, status=422 if form.errors else 200)


@require_POST
@staff_required(Capability.VIEW_SCHEDULE, Capability.TAKE_PAYMENTS)
def take_deposit(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_user(request.staff, appointment_id)
    form = DepositForm(request.POST)
    back = reverse("scheduling:appointment", args=[appointment.pk])
    if form.is_valid():
        try:
            deposit = services.take_deposit(appointment, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Deposit of %(amount)s taken.") % {"amount": deposit.amount})
    else:
        messages.error(request, _("Choose how the deposit is paid."))
    return HttpResponseRedirect(back)


@require_POST
@staff_required(Capability.VIEW_PATIENTS, Capability.TAKE_PAYMENTS)
def waive_charge(request: ClinicRequest, charge_id: int) -> HttpResponse:
    charge = selectors.get_charge_for_user(request.staff, charge_id)
    form = WaiveForm(request.POST)
    if form.is_valid():
        try:
            services.waive_charge(charge, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Charge waived."))
    else:
        messages.error(request, _("Say why the charge is waived."))
    return HttpResponseRedirect(reverse("billing:patient_account", args=[charge.patient_id]) + "#charges")


# --- Cash-up ----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required(Capability.TAKE_PAYMENTS)
def cash_up(request: ClinicRequest) -> HttpResponse:
    """A location's day: expected per method from its payments, the count, the difference and its reason."""
    locations = staff_locations(request.staff)
    raw = request.GET.get("location")
    location = get_location_for_user(request.staff, raw) if raw else (locations[0] if locations else None)
    if location is None:
        raise Http404("No location.")
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else None
    except ValueError:
        day = None
    day = day or request.clinic.today()
    expected = selectors.cash_expected(location, day)
    closed = selectors.cash_up_for(location, day)
    form = CashUpForm(request.POST or None, initial={k: v for k, v in expected.items()})
    saved = save_form(
        request,
        form,
        lambda data: services.close_day(
            location,
            day=day,
            counted={"cash": data["cash"], "card_terminal": data["card_terminal"]},
            reason=data["reason"],
            actor=request.user,
        ),
        success=_("The day is closed."),
        then=f"{reverse('billing:cash_up')}?location={location.pk}&date={day.isoformat()}",
        posted=closed is None,
        rename=lambda field: field.removeprefix("counted."),
    )
    if saved:
        return saved
    context = {
        "form": form,
        "location": location,
        "locations": locations,
        "day": day,
        "expected": expected,
        "closed": closed,
        "section": "billing",
    }
    return render(request, "billing/cash_up.html", context, status=422 if form.errors else 200)


# --- Prices and settings ------------------------------------------------------------------------------


@require_GET
@staff_required(Capability.VIEW_BILLING)
def prices(request: ClinicRequest) -> HttpResponse:
    context = {
        "items": selectors.price_items(request.clinic),
        "settings": selectors.settings_for(request.clinic),
        "can_edit": role_has(request.staff.role, Capability.MANAGE_PRICES),
        "section": "billing",
    }
    return render(request, "billing/prices.html", context)


def _price_form(request: ClinicRequest, data: Any = None, **kwargs: Any) -> PriceItemForm:
    return PriceItemForm(
        data,
        rates=selectors.settings_for(request.clinic).vat_rates,
        protocols=list(Protocol.objects.filter(clinic=request.clinic).order_by("name")),
        products=list(Product.objects.filter(clinic=request.clinic).order_by("name")),
        **kwargs,
    )


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_PRICES)
def price_create(request: ClinicRequest) -> HttpResponse:
    form = _price_form(request, request.POST or None)
    saved = save_form(
        request,
        form,
        lambda data: services.create_price_item(
            request.clinic,
            kind=data["kind"],
            name=data["name"],
            unit_price=data["unit_price"],
            vat_rate=data["vat_rate"],
            protocol=Protocol.objects.filter(clinic=request.clinic, pk=data["protocol"] or 0).first(),
            product=Product.objects.filter(clinic=request.clinic, pk=data["product"] or 0).first(),
            sessions=data["sessions"],
            actor=request.user,
        ),
        then=reverse("billing:prices"),
    )
    if saved:
        return saved
    context = {"form": form, "item": None, "section": "billing"}
    return render(request, "billing/price_form.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_PRICES)
def price_edit(request: ClinicRequest, item_id: int) -> HttpResponse:
    item = selectors.get_price_item_for_user(request.staff, item_id)
    initial = {
        "kind": item.kind,
        "name": item.name,
        "protocol": item.protocol_id or "",
        "product": item.product_id or "",
        "sessions": item.sessions,
        "unit_price": item.unit_price,
        "vat_rate": item.vat_rate,
        "is_active": item.is_active,
    }
    form = _price_form(request, request.POST or None, initial=initial)
    form.fields["kind"].disabled = True
    form.fields["protocol"].disabled = True
    form.fields["product"].disabled = True
    saved = save_form(
        request,
        form,
        lambda data: services.update_price_item(
            item,
            name=data["name"],
            unit_price=data["unit_price"],
            vat_rate=data["vat_rate"],
            is_active=data["is_active"],
            sessions=data["sessions"],
            actor=request.user,
        ),
        then=reverse("billing:prices"),
    )
    if saved:
        return saved
    context = {"form": form, "item": item, "section": "billing"}
    return render(request, "billing/price_form.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_PRICES)
def billing_settings(request: ClinicRequest) -> HttpResponse:
    current = selectors.settings_for(request.clinic)
    initial = {
        "currency": current.currency,
        "vat_rates": ", ".join(current.vat_rates),
        "seller_name": current.seller_name,
        "seller_address": current.seller_address,
        "seller_tax_id": current.seller_tax_id,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    saved = save_form(
        request,
        form,
        lambda data: services.update_billing_settings(
            request.clinic,
            actor=request.user,
            **{**data, "vat_rates": [r.strip() for r in data["vat_rates"].split(",")]},
        ),
        success=_("Billing settings saved."),
        then=reverse("billing:prices"),
    )
    if saved:
        return saved
    context = {"form": form, "section": "billing"}
    return render(request, "billing/settings.html", context, status=422 if form.errors else 200)
