"""Template filters for catalog vocabulary, used by every screen that shows zones."""

from __future__ import annotations

from django import template

from mesoclinic.catalog.data_file import zone_names

register = template.Library()


@register.filter
def zone_label(code: str) -> str:
    """A zone code of the face/body map in words ("cheek_left" → "Cheek, left")."""
    return zone_names().get(code, code)
