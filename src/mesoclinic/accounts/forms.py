"""Forms of the accounts app: sign-in, API tokens and the clinic's security settings."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.accounts.permissions import Capability


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
        self.fields["scopes"].choices = [
            (str(c), str(c).replace("_", " ").capitalize()) for c in Capability if c in capabilities
        ]


class ClinicSecurityForm(forms.Form):
    require_mfa = forms.BooleanField(
        label=_("Require two-factor authentication for every staff member"),
        required=False,
        help_text=_(
            "Staff without an authenticator app are sent to set one up before they can open any page, "
            "and the API refuses them."
        ),
    )
