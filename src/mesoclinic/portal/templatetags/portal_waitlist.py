"""``{% portal_waitlist patient as entries %}``: the signed-in patient's open waiting-list entries, by session."""

from __future__ import annotations

from typing import Any

from django import template

from mesoclinic.portal.waitlist import entries_for_patient

register = template.Library()


@register.simple_tag
def portal_waitlist(patient: Any) -> dict[int, Any]:
    """Open entries keyed by the session's appointment id (one query)."""
    return {entry.appointment_id: entry for entry in entries_for_patient(patient)}


@register.filter
def entry_for(entries: dict[int, Any], appointment_id: int) -> Any:
    return entries.get(appointment_id)


@register.simple_tag
def portal_waitlist_offers(patient: Any) -> list[Any]:
    """The patient's open offers of an earlier date (for the notice at the top of the portal's home)."""
    return [entry for entry in entries_for_patient(patient) if entry.status == "offered"]
