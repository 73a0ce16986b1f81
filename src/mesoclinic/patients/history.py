"""Validation of a structured medical history against the coded vocabulary."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MAX_ENTRY_TEXT, MEDICATIONS

MAX_ITEMS = 20
"""Most free-text allergies (or medicines) one history holds."""


def _codes(values: Iterable[Any], vocabulary: Collection[str], field: str, what: str) -> list[str]:
    codes: list[str] = []
    for value in values:
        if not isinstance(value, str) or value not in vocabulary:
            raise ValidationError({field: _("“%(value)s” is not a known code.") % {"value": value}})
        if value not in codes:
            codes.append(value)
    return sorted(codes)


def _texts(values: Iterable[Any], field: str) -> list[str]:
    """Free-text entries: stripped, non-empty, at most ``MAX_ENTRY_TEXT`` characters, each once (ignoring case)."""
    if isinstance(values, str):
        raise ValidationError({field: _("Give a list of entries, not one text.")})
    texts: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError({field: _("“%(value)s” is not a text entry.") % {"value": value}})
        text = " ".join(value.split())
        if len(text) > MAX_ENTRY_TEXT:
            raise ValidationError(
                {field: _("Keep each entry under %(max)s characters.") % {"max": MAX_ENTRY_TEXT}}
            )
        if text.casefold() not in {t.casefold() for t in texts}:
            texts.append(text)
    if len(texts) > MAX_ITEMS:
        raise ValidationError({field: _("At most %(max)s entries.") % {"max": MAX_ITEMS}})
    return texts


def clean_history(
    *,
    conditions: Iterable[Any] = (),
    medications: Iterable[Any] = (),
    implants: Iterable[Any] = (),
    allergies: Iterable[Any] = (),
    other_allergies: Iterable[Any] = (),
    other_medications: Iterable[Any] = (),
    known_ingredients: Collection[str],
) -> dict[str, list[Any]]:
    """Return the history in canonical form (sorted, de-duplicated) or raise ``ValidationError`` per field.

    Medications are ``{"code": str, "stopped": "YYYY-MM-DD" | None}``; a medication listed twice keeps
    its current (unstopped) or latest entry. ``other_allergies`` and ``other_medications`` are free text
    (what the coded lists have no code for), kept in the order given.
    """
    for field, values in (
        ("conditions", conditions),
        ("medications", medications),
        ("implants", implants),
        ("allergies", allergies),
    ):
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise ValidationError({field: _("Give a list of codes.")})
    meds: dict[str, str | None] = {}
    for raw in medications:
        item = {"code": raw, "stopped": None} if isinstance(raw, str) else raw
        if not isinstance(item, dict) or item.get("code") not in MEDICATIONS:
            code = item.get("code") if isinstance(item, dict) else item
            raise ValidationError({"medications": _("“%(value)s” is not a known code.") % {"value": code}})
        stopped = item.get("stopped") or None
        if stopped is not None:
            try:
                stopped = date.fromisoformat(str(stopped)).isoformat()
            except ValueError:
                raise ValidationError(
                    {"medications": f"{stopped!r} is not a date (YYYY-MM-DD) for {item['code']}."}
                ) from None
        code = item["code"]
        if code in meds and (meds[code] is None or (stopped is not None and stopped < meds[code])):  # type: ignore[operator]  # meds[code] is a date here: the None case is tested first
            continue
        meds[code] = stopped
    return {
        "conditions": _codes(conditions, CONDITIONS, "conditions", "condition"),
        "medications": [{"code": code, "stopped": meds[code]} for code in sorted(meds)],
        "implants": _codes(implants, IMPLANTS, "implants", "implant"),
        "allergies": _codes(allergies, known_ingredients, "allergies", "ingredient"),
        "other_allergies": _texts(other_allergies, "other_allergies"),
        "other_medications": _texts(other_medications, "other_medications"),
    }
