"""Words for the session record's stored codes (an amendment's changed fields)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from mesoclinic.catalog.data_file import code_label

register = template.Library()

AMENDMENT_FIELDS = {
    "duration_minutes": _("Duration (minutes)"),
    "aftercare": _("Aftercare given"),
    "notes": _("Notes"),
    "parameters": _("Technique and device parameters"),
    "device": _("Device"),
    "products_added": _("Products added"),
    "products_voided": _("Products voided"),
    "zones_added": _("Zones added"),
    "zones_voided": _("Zones voided"),
}


@register.filter
def amendment_field(code: str) -> str:
    """What an amendment changed, in words ("duration_minutes" → "Duration (minutes)")."""
    return str(AMENDMENT_FIELDS.get(code) or code_label(code))
