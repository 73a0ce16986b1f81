"""What messages a patient will really get, for screens of apps below notifications (the booking's end).

Scheduling may not import notifications (messages depend on appointments, not the other way round), so
the booking confirmation asks through this tag: ``{% load notification_tags %}{% reminder_plan patient %}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from mesoclinic.notifications import selectors
from mesoclinic.notifications.models import Channel, Kind

register = template.Library()


@dataclass(frozen=True)
class ReminderPlan:
    """Whether reminders will go out for the patient's appointments, where to, and when.

    ``state`` is ``off`` (the clinic sends no reminders), ``no_consent``, ``opted_out``, ``no_address``
    (consent, but nothing to send to on the chosen channels), ``held`` (the clinic has not given the phone
    and e-mail every message prints: messages wait until it has) or ``on``.
    """

    state: str
    to: list[tuple[str, str]]  # (channel label, address) of the channels that will be used
    missing: list[str]  # labels of chosen channels without an address
    lead_hours: list[int]


def reminder_plan_for(patient: Any) -> ReminderPlan:
    preference = selectors.preference_for(patient)
    leads = sorted(selectors.settings_for(patient.clinic_id).reminder_lead_hours or [], reverse=True)
    labels = dict(Channel.choices)
    chosen = preference.channels_for(Kind.REMINDER) if preference is not None else []
    addresses: dict[str, str] = {Channel.EMAIL: patient.email.strip(), Channel.SMS: patient.phone.strip()}
    to = [(str(labels[c]), addresses[c]) for c in chosen if addresses[c]]
    missing = [str(labels[c]) for c in chosen if not addresses[c]]
    if not leads:
        state = "off"
    elif (
        preference is not None and preference.consent and not chosen and preference.own_choice(Kind.REMINDER)
    ):
        state = "not_wanted"
    elif preference is None or not preference.consent or not chosen:
        state = "no_consent"
    elif preference.opted_out_at is not None:
        state = "opted_out"
    elif not to:
        state = "no_address"
    elif patient.clinic.missing_contact_details():
        state = "held"
    else:
        state = "on"
    return ReminderPlan(state, to, missing, leads)


@register.inclusion_tag("notifications/partials/_reminder_plan.html", takes_context=True)
def reminder_plan(context: template.Context, patient: Any) -> dict[str, Any]:
    """The truth about the patient's reminders, in words, with a link to change their preferences."""
    return {"plan": reminder_plan_for(patient), "patient": patient, "caps": context.get("caps", {})}
