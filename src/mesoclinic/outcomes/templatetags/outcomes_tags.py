"""Template filters of the photo pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def hold_up_of(hold_ups: dict[int, str] | None, photo: Any) -> str:
    """Why this photo's analysis is held up (``selectors.analysis_hold_ups``), or ``""``."""
    return (hold_ups or {}).get(photo.pk, "")
