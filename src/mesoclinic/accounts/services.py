"""Creating clinics and staff accounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from mesoclinic.accounts.models import Clinic, Location, Role, StaffMember
from mesoclinic.audit.services import record_event


@transaction.atomic
def create_clinic(*, name: str, slug: str, timezone: str, actor: Any, country: str = "GB") -> Clinic:
    """Create a clinic; its catalog and rules are loaded by the catalog and safety services."""
    clinic = Clinic(name=name, slug=slug, timezone=timezone, country=country)
    clinic.full_clean()
    clinic.save()
    record_event("clinic.create", clinic, actor=actor, clinic=clinic)
    return clinic


@transaction.atomic
def add_location(clinic: Clinic, *, name: str, timezone: str, address: str = "", actor: Any) -> Location:
    location = Location(clinic=clinic, name=name, timezone=timezone, address=address)
    location.full_clean()
    location.save()
    record_event("location.create", location, actor=actor)
    return location


@transaction.atomic
def add_staff_member(
    clinic: Clinic,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str,
    email: str = "",
    title: str = "",
    modalities: Iterable[str] = (),
    locations: Iterable[Location] = (),
    actor: Any,
) -> StaffMember:
    """Create a login and its staff membership in ``clinic``."""
    user = User.objects.create_user(username=username, password=password, email=email)
    member = StaffMember(
        user=user,
        clinic=clinic,
        role=str(role),
        display_name=display_name,
        title=title,
        modalities=sorted(set(modalities)),
    )
    member.full_clean()
    member.save()
    member.locations.set(list(locations))
    record_event("staff.create", member, actor=actor, data={"role": str(role)})
    return member
