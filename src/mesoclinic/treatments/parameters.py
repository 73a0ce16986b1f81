"""Checking a session's recorded parameters against its modality's parameter list (pure: no Django).

The catalog describes what each modality records as ``[{code, label, type, unit, min, max, choices,
required}]`` with ``type`` one of ``number``, ``text`` or ``choice``. A session stores its values in a
plain dict keyed by code. This module cleans raw input (strings from a form, numbers from JSON) into
that dict and says, in words a practitioner understands, what is missing or out of range.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mesoclinic.clinical_codes.words import N_, same

__all__ = ["ParameterProblem", "clean_parameters", "describe_range", "parameter_problems", "typing_problems"]

Value = str | int | float
Translate = Callable[[str], str]

#: The messages, in English; the Django layer passes ``gettext`` as ``tr`` so that they (and the catalog's
#: default parameter labels) read in the reader's language.
_AT_LEAST = N_("at least %(low)s%(unit)s")
_AT_MOST = N_("at most %(high)s%(unit)s")
_NOT_A_NUMBER = N_("%(label)s must be a number.")
_OUT_OF_RANGE = N_("%(label)s must be %(range)s, not %(value)s.")
_REQUIRED = N_("%(label)s is required.")
_NOT_A_CHOICE = N_("%(label)s must be one of: %(choices)s.")


@dataclass(frozen=True, slots=True)
class ParameterProblem:
    """Why one parameter's value cannot be signed: ``code`` names the parameter, ``message`` says why."""

    code: str
    message: str


def _number(value: Any) -> Decimal | None:
    """A finite number from an int, float or numeric string (comma decimals accepted), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(number: Decimal) -> int | float:
    """JSON-friendly form of a number: integers stay integers."""
    return int(number) if number == number.to_integral_value() else float(number)


def describe_range(definition: Mapping[str, Any], tr: Translate = same) -> str:
    """``"0.5–13 mm"``, ``"at least 20 kHz"``, or ``""`` when the parameter has no bounds."""
    low, high, unit = definition.get("min"), definition.get("max"), definition.get("unit") or ""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{low}–{high}{suffix}"
    if low is not None:
        return tr(_AT_LEAST) % {"low": low, "unit": suffix}
    if high is not None:
        return tr(_AT_MOST) % {"high": high, "unit": suffix}
    return ""


def _check_number(
    definition: Mapping[str, Any], label: str, value: Any, tr: Translate
) -> tuple[Value | None, str | None]:
    number = _number(value)
    if number is None:
        return None, tr(_NOT_A_NUMBER) % {"label": label}
    low, high = definition.get("min"), definition.get("max")
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        where = {"label": label, "range": describe_range(definition, tr), "value": _plain(number)}
        return _plain(number), tr(_OUT_OF_RANGE) % where
    return _plain(number), None


def _check_one(definition: Mapping[str, Any], value: Any, tr: Translate) -> tuple[Value | None, str | None]:
    """The cleaned value of one parameter and, if it is wrong, the reason in words."""
    label = tr(definition.get("label") or definition["code"])
    kind = definition.get("type", "text")
    if _blank(value):
        return None, tr(_REQUIRED) % {"label": label} if definition.get("required") else None
    if kind == "number":
        return _check_number(definition, label, value, tr)
    text = str(value).strip()
    choices = [str(choice) for choice in definition.get("choices") or []]
    if kind == "choice" and text not in choices:
        return text, tr(_NOT_A_CHOICE) % {"label": label, "choices": ", ".join(choices)}
    return text, None


def clean_parameters(
    definitions: Sequence[Mapping[str, Any]], raw: Mapping[str, Any], tr: Translate = same
) -> tuple[dict[str, Value], list[ParameterProblem]]:
    """The values of the defined parameters (blank ones left out) and every problem found.

    Values of codes the modality does not define are dropped: they would mean nothing on the record.
    The cleaned values are returned even when there are problems, so nothing typed is lost.
    """
    cleaned: dict[str, Value] = {}
    problems: list[ParameterProblem] = []
    for definition in definitions:
        code = definition["code"]
        value, problem = _check_one(definition, raw.get(code), tr)
        if value is not None:
            cleaned[code] = value
        elif not _blank(raw.get(code)):
            cleaned[code] = str(raw.get(code)).strip()
        if problem is not None:
            problems.append(ParameterProblem(code, problem))
    return cleaned, problems


def parameter_problems(
    definitions: Sequence[Mapping[str, Any]], values: Mapping[str, Any], tr: Translate = same
) -> list[ParameterProblem]:
    """What keeps ``values`` from being signed: missing required values, numbers out of range, bad choices."""
    return clean_parameters(definitions, values, tr)[1]


def typing_problems(
    definitions: Sequence[Mapping[str, Any]], values: Mapping[str, Any], tr: Translate = same
) -> list[ParameterProblem]:
    """What is wrong with the values typed so far: not a number, out of range, not one of the choices.

    Unlike ``parameter_problems``, a blank required value is no problem yet: a draft may be incomplete, and
    signing asks for it. A draft is saved only without these problems, so a wrong number is caught while
    the practitioner is still at the device, not at signing.
    """
    return [
        problem
        for problem in clean_parameters(definitions, values, tr)[1]
        if not _blank(values.get(problem.code))
    ]
