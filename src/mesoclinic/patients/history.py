"""Validation of a structured medical history against the coded vocabulary."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from mesoclinic.safety.rules.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS


def _codes(values: Iterable[Any], vocabulary: Collection[str], field: str, what: str) -> list[str]:
    codes: list[str] = []
    for value in values:
        if not isinstance(value, str) or value not in vocabulary:
            raise ValidationError({field: f"{value!r} is not a known {what} code."})
        if value not in codes:
            codes.append(value)
    return sorted(codes)


def clean_history(
    *,
    conditions: Iterable[Any] = (),
    medications: Iterable[Any] = (),
    implants: Iterable[Any] = (),
    allergies: Iterable[Any] = (),
    known_ingredients: Collection[str],
) -> dict[str, list[Any]]:
    """Return the history in canonical form (sorted, de-duplicated) or raise ``ValidationError`` per field.

    Medications are ``{"code": str, "stopped": "YYYY-MM-DD" | None}``; a medication listed twice keeps
    its current (unstopped) or latest entry.
    """
    meds: dict[str, str | None] = {}
    for raw in medications:
        item = {"code": raw, "stopped": None} if isinstance(raw, str) else raw
        if not isinstance(item, dict) or item.get("code") not in MEDICATIONS:
            code = item.get("code") if isinstance(item, dict) else item
            raise ValidationError({"medications": f"{code!r} is not a known medication code."})
        stopped = item.get("stopped") or None
        if stopped is not None:
            try:
                stopped = date.fromisoformat(str(stopped)).isoformat()
            except ValueError:
                raise ValidationError(
                    {"medications": f"{stopped!r} is not a date (YYYY-MM-DD) for {item['code']}."}
                ) from None
        code = item["code"]
        if code in meds and (meds[code] is None or (stopped is not None and stopped < meds[code])):  # type: ignore[operator]
            continue
        meds[code] = stopped
    return {
        "conditions": _codes(conditions, CONDITIONS, "conditions", "condition"),
        "medications": [{"code": code, "stopped": meds[code]} for code in sorted(meds)],
        "implants": _codes(implants, IMPLANTS, "implants", "implant"),
        "allergies": _codes(allergies, known_ingredients, "allergies", "ingredient"),
    }
