"""Background work of the outcomes app: the skin analysis of an uploaded photo.

Runs in the task worker (``TASKS`` setting; immediate until the worker lands), never in a request.
"""

from __future__ import annotations

from django_tasks import task


@task()
def analyze_photo(photo_id: int) -> str:
    """Analyse one stored photo (or compare it with its baseline); returns the analysis status.

    Never raises: failures are recorded on the photo's analysis with a one-line error.
    """
    from mesoclinic.outcomes.services import analyze_stored_photo  # noqa: PLC0415 — services enqueue this task

    analysis = analyze_stored_photo(photo_id)
    return analysis.status if analysis is not None else "missing"
