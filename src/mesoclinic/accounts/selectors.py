"""Reads about clinics and staff."""

from __future__ import annotations

from typing import Any

from mesoclinic.accounts.models import StaffMember


def staff_for_user(user: Any) -> StaffMember | None:
    """The active staff membership of a signed-in user, with its clinic, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return StaffMember.objects.select_related("clinic").filter(user=user, is_active=True).first()


def practitioners(clinic: Any) -> list[StaffMember]:
    return list(
        StaffMember.objects.filter(
            clinic=clinic, is_active=True, role__in=["physician", "practitioner"]
        ).order_by("display_name")
    )
