"""The patient portal's message preferences: reminders and maintenance recalls by e-mail and/or SMS, and news
and offers opted in separately (``notifications.services.update_message_preferences``).

It lives in the web layer because the portal and notifications are independent apps (neither imports the
other); the web app, above both, joins them for this page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.reads import note_patient_read
from mesoclinic.form_errors import add_service_errors
from mesoclinic.notifications.models import Channel, Kind
from mesoclinic.notifications.selectors import preference_for
from mesoclinic.notifications.services import update_message_preferences
from mesoclinic.patients.models import Patient
from mesoclinic.portal.views import _context, _signed_in, public_page


class MessagePreferencesForm(forms.Form):
    reminder_email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    reminder_sms = forms.BooleanField(label=gettext_lazy("By SMS"), required=False)
    recall_email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    recall_sms = forms.BooleanField(label=gettext_lazy("By SMS"), required=False)
    marketing = forms.BooleanField(
        label=gettext_lazy("Yes, send me news and offers from the clinic"), required=False
    )


def _initial(patient: Patient) -> dict[str, bool]:
    """What the patient gets now: their own choice, or the channels the clinic recorded."""
    preference = preference_for(patient)
    if preference is None or not preference.consent or preference.opted_out_at is not None:
        return {"marketing": bool(preference and preference.marketing)}
    reminders = preference.channels_for(Kind.REMINDER)
    recalls = preference.channels_for(Kind.RECALL)
    return {
        "reminder_email": Channel.EMAIL in reminders,
        "reminder_sms": Channel.SMS in reminders,
        "recall_email": Channel.EMAIL in recalls,
        "recall_sms": Channel.SMS in recalls,
        "marketing": preference.marketing,
    }


@require_http_methods(["GET", "POST"])
@public_page
def portal_messages(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """How the signed-in patient wants to hear from the clinic (audited as the patient's own change)."""
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    note_patient_read(request, patient.pk)
    form = MessagePreferencesForm(
        request.POST if request.method == "POST" else None, initial=_initial(patient)
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_message_preferences(patient, actor=None, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your message preferences are saved."))
            return redirect("portal:portal_home", clinic.slug)
    context = _context(request, clinic, patient=patient, form=form)
    return render(request, "web/portal_messages.html", context, status=422 if form.errors else 200)
