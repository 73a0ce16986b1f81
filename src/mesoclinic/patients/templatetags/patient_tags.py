"""How patients' details read on screen."""

from __future__ import annotations

from django import template

from mesoclinic.patients.identity import format_phone

register = template.Library()


@register.filter
def phone(value: str, country: str = "") -> str:
    """A stored E.164 number as people dial it: national in the clinic's ``country``, else international."""
    return format_phone(str(value or ""), country or "")
