"""Account pages of the app itself: API tokens (every staff member) and the clinic's security policy (owner).

Sign-in, password and two-factor pages are allauth's, restyled by the templates in this app.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mesoclinic.accounts import selectors, services
from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.forms import ApiTokenForm, ClinicSecurityForm, StaffLanguageForm
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import MATRIX, Capability


@never_cache  # the page that shows a new secret must not sit in any cache
@require_http_methods(["GET", "POST"])
@staff_required()
def api_tokens(request: ClinicRequest) -> HttpResponse:
    """List the caller's tokens (the owner: the clinic's) and create one; its secret is shown once, here."""
    form = ApiTokenForm(
        request.POST if request.method == "POST" else None,
        capabilities=MATRIX.get(request.staff.role, frozenset()),
    )
    issued = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            issued = services.create_api_token(
                request.staff,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
                actor=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = ApiTokenForm(capabilities=MATRIX.get(request.staff.role, frozenset()))
    context = {
        "form": form,
        "issued": issued,
        "tokens": selectors.api_tokens_for(request.staff),
        "now": timezone.now(),
    }
    return render(request, "accounts/api_tokens.html", context, status=422 if form.errors else 200)


@require_POST
@staff_required()
def revoke_api_token(request: ClinicRequest, token_id: int) -> HttpResponse:
    token = selectors.get_api_token_for_user(request.staff, token_id)
    services.revoke_api_token(token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("accounts:api_tokens")


@require_http_methods(["GET", "POST"])
@staff_required(Capability.MANAGE_SECURITY)
def security(request: ClinicRequest) -> HttpResponse:
    """The clinic's security policy: two-factor authentication required for every staff member."""
    clinic = request.clinic
    form = ClinicSecurityForm(
        request.POST if request.method == "POST" else None, initial={"require_mfa": clinic.require_mfa}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_clinic_mfa_requirement(
                clinic, required=form.cleaned_data["require_mfa"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("require_mfa", exc.messages)
        else:
            messages.success(request, _("Security settings saved."))
            return redirect("accounts:security")
    return render(
        request,
        "accounts/security.html",
        {"form": form, "has_mfa": selectors.has_authenticator(request.user)},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required()
def language(request: ClinicRequest) -> HttpResponse:
    """The language of one's own pages (empty: the clinic's). Saving it also makes it this browser's choice."""
    member = request.staff
    form = StaffLanguageForm(
        request.POST if request.method == "POST" else None,
        initial={"language": member.language},
        clinic_language=request.clinic.language,
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["language"]
        services.set_staff_language(member, language=chosen, actor=request.user)
        response = redirect("accounts:language")
        # The language switch's cookie would beat the new preference in this browser: it follows the choice.
        if chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, chosen, samesite="Lax", max_age=settings.LANGUAGE_COOKIE_AGE
            )
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        messages.success(request, _("Language saved."))
        return response
    return render(request, "accounts/language.html", {"form": form}, status=422 if form.errors else 200)
