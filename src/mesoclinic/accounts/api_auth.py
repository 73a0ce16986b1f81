"""Role checks for API handlers: the API twin of ``staff_required``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from mesoclinic.accounts.models import StaffMember
from mesoclinic.accounts.permissions import Capability, role_has


def require(request: HttpRequest, *capabilities: Capability) -> StaffMember:
    """The caller's staff membership, if it holds every capability; 403 otherwise."""
    staff: StaffMember | None = getattr(request, "staff", None)
    if staff is None:
        raise PermissionDenied("This account is not a member of any clinic.")
    for capability in capabilities:
        if not role_has(staff.role, capability):
            raise PermissionDenied("Your role does not allow this.")
    return staff
