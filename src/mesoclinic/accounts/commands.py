"""What the management commands share: the clinic named by ``--clinic`` (or the only one)."""

from __future__ import annotations

from django.core.management.base import CommandError

from mesoclinic.accounts.models import Clinic

USAGE_ERROR = 2


def clinic_from_option(slug: str | None) -> Clinic:
    """The clinic named by ``--clinic``, or the only one; a usage error otherwise."""
    clinics = Clinic.objects.filter(slug=slug) if slug else Clinic.objects.all()
    found = list(clinics[:2])
    if not found:
        raise CommandError(
            f"no clinic {slug}" if slug else "the database holds no clinic", returncode=USAGE_ERROR
        )
    if len(found) > 1:
        slugs = ", ".join(Clinic.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"several clinics; choose one with --clinic ({slugs})", returncode=USAGE_ERROR)
    return found[0]
