from __future__ import annotations

from django.http import HttpRequest

from mesoclinic.accounts.permissions import MATRIX


def clinic(request: HttpRequest) -> dict[str, object]:
    """Expose the clinic, the staff member and their capabilities (``caps.view_clinical``) to templates."""
    staff = getattr(request, "staff", None)
    caps = {str(c): True for c in MATRIX.get(staff.role, ())} if staff else {}
    return {"clinic": getattr(request, "clinic", None), "staff": staff, "caps": caps}
