"""The reports router: a patient's progress series and the clinic's outcomes by delivery, modality, cocktail."""

# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.read_replica import replica_reads
from mesoclinic.reports import selectors
from mesoclinic.reports.schemas import CohortOut, ProgressOut

router = Router()


def _check(metric: str, region: str) -> None:
    errors = {}
    if metric not in selectors.METRICS:
        errors["metric"] = [f"Choose one of: {', '.join(selectors.METRICS)}."]
    if region not in selectors.REGIONS:
        errors["region"] = [f"Choose one of: {', '.join(selectors.REGIONS)}."]
    if errors:
        raise ValidationError(errors)


@router.get("/patients/{patient_id}/progress", response={200: ProgressOut})
def patient_progress(
    request: HttpRequest, patient_id: int, metric: str = "wrinkle_area_fraction", region: str = ""
) -> Any:
    """One metric of one region over time, the sessions, the 6-month lines and the change vs baseline."""
    staff = require(request, Capability.VIEW_CLINICAL)
    patient = get_patient_for_user(staff, patient_id)
    region = region or selectors.DEFAULT_REGION.get(metric, "forehead")
    _check(metric, region)
    progress = selectors.patient_progress(patient, metric=metric, region=region)
    return {
        "metric": metric,
        "region": region,
        "measurements": progress.measurements,
        "sessions": progress.sessions,
        "durability": progress.durability,
        "change": progress.change,
        "repeatability_percent": progress.repeatability,
        "beyond_repeatability": progress.beyond,
    }


@router.get("/outcomes", response={200: CohortOut})
def outcomes(
    request: HttpRequest, metric: str = "wrinkle_area_fraction", region: str = "", months: int = 5
) -> Any:
    """Change vs baseline (%) with n, mean and 95 % CI by delivery (needle or needle-free), modality, cocktail."""
    staff = require(request, Capability.VIEW_REPORTS)
    region = region or selectors.DEFAULT_REGION.get(metric, "forehead")
    _check(metric, region)
    if not 1 <= months <= 36:
        raise ValidationError({"months": [_("Between 1 and 36 months.")]})
    with replica_reads():  # a clinic-wide report may lag a little (mesoclinic.read_replica)
        cohort = selectors.cohort_outcomes(staff.clinic, metric=metric, region=region, months=months)

    def groups(rows: list[selectors.GroupRow]) -> list[dict[str, Any]]:
        return [{"label": row.label, "summary": row.summary} for row in rows]

    return {
        "metric": metric,
        "region": region,
        "months": months,
        "courses": len(cohort.outcomes),
        "excluded": cohort.excluded,
        "by_delivery": groups(cohort.by_delivery),
        "by_modality": groups(cohort.by_modality),
        "by_cocktail": groups(cohort.by_cocktail),
    }
