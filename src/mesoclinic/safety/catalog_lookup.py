"""Protocol lookup for ``mesoclinic screen --protocol SLUG`` (sets up Django on demand)."""

from __future__ import annotations

import os

from mesoclinic.safety.rules import ProtocolSpec


def protocol_spec_for_slug(slug: str, clinic: str | None) -> ProtocolSpec:
    """The screening input of a catalog protocol; ``clinic`` (a slug) is needed when several clinics exist.

    Raises ``LookupError`` with a one-line message when the clinic or protocol is not found.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
    import django  # noqa: PLC0415 — only this path needs the database

    django.setup()
    from mesoclinic.accounts.models import Clinic  # noqa: PLC0415
    from mesoclinic.catalog.models import Protocol  # noqa: PLC0415
    from mesoclinic.safety.selectors import protocol_spec  # noqa: PLC0415

    clinics = Clinic.objects.all()
    if clinic:
        clinics = clinics.filter(slug=clinic)
        if not clinics.exists():
            raise LookupError(f"no clinic with slug {clinic!r}")
    elif clinics.count() > 1:
        raise LookupError("several clinics exist: name one with --clinic SLUG")
    protocol = (
        Protocol.objects.filter(clinic__in=clinics, slug=slug).select_related("modality", "cocktail").first()
    )
    if protocol is None:
        raise LookupError(f"no catalog protocol with slug {slug!r}")
    return protocol_spec(protocol)
