"""Reading patient histories and protocols from their JSON form (CLI and API input)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from mesoclinic.clinical_codes.vocabulary import (
    CONDITIONS,
    HISTORY_LISTS,
    IMPLANTS,
    MAX_ENTRY_TEXT,
    MEDICATIONS,
    MODALITIES,
)

from .model import Medication, PatientHistory, ProtocolSpec

__all__ = ["ScreeningInputError", "parse_iso_date", "patient_from_json", "protocol_from_json"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_PATIENT_KEYS = ("birth_date", "taken", *HISTORY_LISTS)
"""Longest free-text allergy or medicine, in characters."""
_MEDICATION_KEYS = ("code", "stopped")
_PROTOCOL_KEYS = ("modality", "ingredients")


class ScreeningInputError(ValueError):
    """Screening input is malformed; the one-line message names the field and what is wrong."""


def patient_from_json(obj: object, *, known_ingredients: Collection[str] | None) -> PatientHistory:
    """Build a :class:`PatientHistory` from its JSON form.

    Parameters
    ----------
    obj : object
        Decoded JSON: ``{"birth_date": "YYYY-MM-DD", "conditions": [code, ...], "medications":
        [{"code": code, "stopped": "YYYY-MM-DD" | null}, ...], "implants": [code, ...],
        "allergies": [ingredient code, ...], "taken": bool, "other_allergies": [text, ...],
        "other_medications": [text, ...]}``. Only ``birth_date`` is required; a missing or null
        ``stopped`` means the medication is current; a missing ``taken`` means the history was taken
        (a PATIENT.json file is an answered history), ``false`` that it never was.
    known_ingredients : collection of str or None
        Ingredient codes allergies may name; None only checks that they are snake_case.

    Returns
    -------
    PatientHistory

    Raises
    ------
    ScreeningInputError
        Naming the field, e.g. ``unknown condition code 'pregant' in conditions[0]``.
    """
    data = _check_object(obj, "patient", _PATIENT_KEYS)
    if "birth_date" not in data:
        raise ScreeningInputError("birth_date: missing (required)")
    medications = tuple(
        _medication(item, f"medications[{i}]") for i, item in enumerate(_list(data, "medications"))
    )
    taken = data.get("taken", True)
    if not isinstance(taken, bool):
        raise ScreeningInputError(f"taken: expected true or false, got {_json_type(taken)}")
    return PatientHistory(
        birth_date=parse_iso_date(data["birth_date"], "birth_date"),
        conditions=frozenset(_codes(data, "conditions", "condition", CONDITIONS)),
        medications=medications,
        implants=frozenset(_codes(data, "implants", "implant", IMPLANTS)),
        allergies=frozenset(_codes(data, "allergies", "ingredient", known_ingredients)),
        taken=taken,
        other_allergies=_texts(data, "other_allergies"),
        other_medications=_texts(data, "other_medications"),
    )


def protocol_from_json(obj: object, *, known_ingredients: Collection[str] | None) -> ProtocolSpec:
    """Build a :class:`ProtocolSpec` from its JSON form.

    Parameters
    ----------
    obj : object
        Decoded JSON: ``{"modality": code, "ingredients": [ingredient code, ...]}``; ``modality``
        is required.
    known_ingredients : collection of str or None
        Ingredient codes the cocktail may name; None only checks that they are snake_case.

    Returns
    -------
    ProtocolSpec

    Raises
    ------
    ScreeningInputError
        Naming the field, e.g. ``unknown ingredient code 'foo' in ingredients[1]``.
    """
    data = _check_object(obj, "protocol", _PROTOCOL_KEYS)
    if "modality" not in data:
        raise ScreeningInputError("modality: missing (required)")
    modality = _code(data["modality"], "modality", "modality", MODALITIES)
    return ProtocolSpec(modality, tuple(_codes(data, "ingredients", "ingredient", known_ingredients)))


def parse_iso_date(value: object, where: str) -> date:
    """Parse a ``YYYY-MM-DD`` string.

    Parameters
    ----------
    value : object
        The JSON value or command-line text.
    where : str
        Field name used in the error message.

    Returns
    -------
    date

    Raises
    ------
    ScreeningInputError
        ``<where>: '1990-13-01' is not a valid date (YYYY-MM-DD)``.
    """
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ScreeningInputError(f"{where}: {value!r} is not a valid date (YYYY-MM-DD)")


def _check_object(obj: object, what: str, keys: Sequence[str]) -> Mapping[str, Any]:
    """Return ``obj`` if it is a JSON object whose keys are all among ``keys``."""
    if not isinstance(obj, Mapping):
        raise ScreeningInputError(f"{what}: expected a JSON object, got {_json_type(obj)}")
    if unknown := sorted(set(obj) - set(keys), key=str):
        raise ScreeningInputError(f"unknown key {unknown[0]!r} in {what} (allowed: {', '.join(keys)})")
    return obj


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    """Return the optional list ``data[key]`` (missing or null -> empty)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ScreeningInputError(f"{key}: expected a list, got {_json_type(value)}")
    return value


def _codes(data: Mapping[str, Any], key: str, kind: str, known: Collection[str] | None) -> list[str]:
    """Return the codes of the optional list ``data[key]``, each checked by :func:`_code`."""
    return [_code(item, f"{key}[{i}]", kind, known) for i, item in enumerate(_list(data, key))]


def _texts(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """Return the optional list of free-text entries ``data[key]``: non-empty text, at most ``MAX_ENTRY_TEXT``."""
    texts = []
    for i, item in enumerate(_list(data, key)):
        if not isinstance(item, str) or not item.strip():
            raise ScreeningInputError(f"{key}[{i}]: expected text, got {_json_type(item)}")
        if len(item) > MAX_ENTRY_TEXT:
            raise ScreeningInputError(f"{key}[{i}]: longer than {MAX_ENTRY_TEXT} characters")
        texts.append(item.strip())
    return tuple(texts)


def _code(value: object, where: str, kind: str, known: Collection[str] | None) -> str:
    """Check one code: a string in ``known``, or any snake_case string when ``known`` is None."""
    if not isinstance(value, str):
        raise ScreeningInputError(f"{where}: expected a {kind} code (string), got {_json_type(value)}")
    if known is None:
        if not _SNAKE_CASE.fullmatch(value):
            raise ScreeningInputError(f"{where}: {value!r} is not a valid {kind} code (snake_case)")
    elif value not in known:
        raise ScreeningInputError(f"unknown {kind} code {value!r} in {where}")
    return value


def _medication(item: object, where: str) -> Medication:
    """Build one :class:`Medication` from ``{"code": ..., "stopped": ...}``."""
    data = _check_object(item, where, _MEDICATION_KEYS)
    if "code" not in data:
        raise ScreeningInputError(f"{where}.code: missing (required)")
    code = _code(data["code"], where, "medication", MEDICATIONS)
    stopped = data.get("stopped")
    return Medication(code, None if stopped is None else parse_iso_date(stopped, f"{where}.stopped"))


def _json_type(value: object) -> str:
    """Name of ``value``'s JSON type, for error messages."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
