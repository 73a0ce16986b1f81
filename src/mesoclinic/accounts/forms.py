"""Forms of the accounts app: sign-in, API tokens and the clinic's security settings."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm, ResetPasswordForm
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mesoclinic.accounts import services
from mesoclinic.accounts.models import ClinicLanguage
from mesoclinic.accounts.permissions import CAPABILITY_LABELS, Capability
from mesoclinic.form_errors import set_choices


class StaffLoginForm(LoginForm):
    """allauth's sign-in form, by username or e-mail, keeping the field id and name the app always had.

    Password managers, bookmarks of scripts and the browser tests post ``username``; allauth reads ``login``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data")
        if data is not None and "login" not in data and "username" in data:
            data = data.copy()
            data["login"] = data["username"]
            kwargs["data"] = data
        super().__init__(*args, **kwargs)
        field = self.fields["login"]
        field.label = _("Username or e-mail")
        field.widget.attrs.update({"id": "id_username", "autocomplete": "username", "autofocus": True})
        field.widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)


class StaffResetPasswordForm(ResetPasswordForm):
    """allauth's "forgot password" form that looks nothing up while the visitor waits.

    allauth finds the accounts and sends the mail in the request, so a known address took longer than an
    unknown one (25 vs 14 ms), which told a stranger which addresses have accounts. Here the form only checks
    that an address was typed; ``services.request_password_reset`` does the rest in the background.
    """

    def clean_email(self) -> str:
        email: str = get_adapter().clean_email(self.cleaned_data["email"].lower())
        return email

    def save(self, request: HttpRequest, **kwargs: Any) -> str:
        email: str = self.cleaned_data["email"]
        services.request_password_reset(email, base_url=request.build_absolute_uri("/"))
        return email


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “Booking kiosk”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Allowed actions"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The token can do only these, and never more than your role allows."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        initial=90,
        help_text=_("Leave empty for a token that does not expire (until revoked)."),
    )

    def __init__(self, *args: Any, capabilities: frozenset[Capability], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "scopes", [(str(c), CAPABILITY_LABELS[c]) for c in Capability if c in capabilities])


class StaffLanguageForm(forms.Form):
    """The language of one's own pages; empty follows the clinic's language."""

    language = forms.ChoiceField(label=_("Language of your pages"), required=False)

    def __init__(self, *args: Any, clinic_language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(ClinicLanguage.choices)
        clinic_default = _("The clinic's language (%(language)s)") % {"language": names[clinic_language]}
        set_choices(self, "language", [("", clinic_default), *ClinicLanguage.choices])


class ClinicSecurityForm(forms.Form):
    require_mfa = forms.BooleanField(
        label=_("Require two-factor authentication for every staff member"),
        required=False,
        help_text=_(
            "Staff without an authenticator app are sent to set one up before they can open any page, "
            "and the API refuses them."
        ),
    )
