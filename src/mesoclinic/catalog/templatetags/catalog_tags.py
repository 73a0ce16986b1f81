"""Template filters for catalog vocabulary, used by every screen that shows zones."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from mesoclinic.catalog import data_file
from mesoclinic.catalog.data_file import zone_names

register = template.Library()


@register.filter
def zone_label(code: str) -> str:
    """A zone code of the face/body map in words ("cheek_left" → "Cheek, left")."""
    return gettext(zone_names().get(code, code))


@register.filter
def code_label(code: str) -> str:
    """A technique or other choice code in words ("point_by_point" → "Point by point")."""
    return gettext(data_file.code_label(code))


@register.filter
def modality_label(code: str) -> str:
    """A modality code in words ("needle" → "Needle mesotherapy"), for records that keep only the code."""
    return gettext(data_file.modality_names().get(code) or data_file.code_label(code))


@register.filter
def data_name(name: object) -> str:
    """A name from the clinic's catalog in the reader's language when it is a default name
    (``catalog.default_strings``); the clinic's own wording, and anything else, as written."""
    text = str(name)
    return gettext(text) if text else text
