"""Reads about clinics, staff and their credentials."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import QuerySet
from django.http import Http404

from mesoclinic.accounts.models import ApiToken, Role, StaffMember


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


def has_authenticator(user: Any) -> bool:
    """Whether the user has a second factor (an authenticator app; recovery codes alone do not count)."""
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def api_tokens_for(staff: StaffMember) -> QuerySet[ApiToken]:
    """The tokens a staff member may see: their own; the owner sees every token of the clinic."""
    tokens = ApiToken.objects.filter(clinic=staff.clinic).select_related("user__staff")
    if staff.role != Role.OWNER:
        tokens = tokens.filter(user=staff.user)
    return tokens


def get_api_token_for_user(staff: StaffMember, token_id: int) -> ApiToken:
    """A token the staff member may see and revoke; 404 for anyone else's or another clinic's."""
    token = api_tokens_for(staff).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such token.")
    return token


def api_token_by_prefix(prefix: str) -> ApiToken | None:
    """The token row a presented secret names, with its user's active staff membership and clinic."""
    return ApiToken.objects.select_related("clinic", "user").filter(prefix=prefix).first()


def staff_of_clinic(clinic: Any) -> QuerySet[StaffMember]:
    """Every staff member of the clinic, active first, by name, with sign-in name and locations."""
    return (
        StaffMember.objects.filter(clinic=clinic)
        .select_related("user")
        .prefetch_related("locations")
        .order_by("-is_active", "display_name", "pk")
    )


def get_staff_member_for_user(staff: StaffMember | None, member_id: Any) -> StaffMember:
    """A staff member (active or not) of the caller's clinic, or 404."""
    if staff is None:
        raise Http404
    try:
        pk = int(member_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = staff_of_clinic(staff.clinic_id).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
