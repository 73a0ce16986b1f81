"""pydantic's own refusals of a request ("Field required", "Input should be a valid integer"...) in the
reader's language.

ninja answers a request its schemas refuse with pydantic's errors, each ``{"type", "loc", "msg", "ctx"?}``;
``msg`` is pydantic's English. Here each error ``type`` pydantic documents for the values our schemas take
has its message as a catalog string (the same English words, pydantic's ``{name}`` placeholders written
``%(name)s``), translated with the error's ``ctx``. Only ``msg`` changes: the shape, ``type``, ``loc`` and
``ctx`` stay as pydantic gave them, for the programs that read them. Where the active language has no
translation of the message (English), or the type is not in the table, pydantic's own ``msg`` is kept as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

#: pydantic-core's message templates (2.x), by error type.
MESSAGES: dict[str, str] = {
    "missing": gettext_noop("Field required"),
    "extra_forbidden": gettext_noop("Extra inputs are not permitted"),
    "int_type": gettext_noop("Input should be a valid integer"),
    "int_parsing": gettext_noop("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": gettext_noop("Input should be a valid integer, got a number with a fractional part"),
    "int_parsing_size": gettext_noop("Unable to parse input string as an integer, exceeded maximum size"),
    "float_type": gettext_noop("Input should be a valid number"),
    "float_parsing": gettext_noop("Input should be a valid number, unable to parse string as a number"),
    "finite_number": gettext_noop("Input should be a finite number"),
    "decimal_type": gettext_noop("Decimal input should be an integer, float, string or Decimal object"),
    "decimal_parsing": gettext_noop("Input should be a valid decimal"),
    "bool_type": gettext_noop("Input should be a valid boolean"),
    "bool_parsing": gettext_noop("Input should be a valid boolean, unable to interpret input"),
    "string_type": gettext_noop("Input should be a valid string"),
    "string_pattern_mismatch": gettext_noop("String should match pattern '%(pattern)s'"),
    "string_unicode": gettext_noop(
        "Input should be a valid string, unable to parse raw data as a unicode string"
    ),
    "greater_than": gettext_noop("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_noop("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_noop("Input should be less than %(lt)s"),
    "less_than_equal": gettext_noop("Input should be less than or equal to %(le)s"),
    "multiple_of": gettext_noop("Input should be a multiple of %(multiple_of)s"),
    "list_type": gettext_noop("Input should be a valid list"),
    "dict_type": gettext_noop("Input should be a valid dictionary"),
    "model_type": gettext_noop("Input should be a valid dictionary or instance of %(class_name)s"),
    "model_attributes_type": gettext_noop(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "date_type": gettext_noop("Input should be a valid date"),
    "date_parsing": gettext_noop("Input should be a valid date in the format YYYY-MM-DD, %(error)s"),
    "date_from_datetime_parsing": gettext_noop("Input should be a valid date or datetime, %(error)s"),
    "date_from_datetime_inexact": gettext_noop(
        "Datetimes provided to dates should have zero time - e.g. be exact dates"
    ),
    "datetime_type": gettext_noop("Input should be a valid datetime"),
    "datetime_parsing": gettext_noop("Input should be a valid datetime, %(error)s"),
    "datetime_from_date_parsing": gettext_noop("Input should be a valid datetime or date, %(error)s"),
    "time_type": gettext_noop("Input should be a valid time"),
    "time_parsing": gettext_noop("Input should be in a valid time format, %(error)s"),
    "timezone_aware": gettext_noop("Input should have timezone info"),
    "timezone_naive": gettext_noop("Input should not have timezone info"),
    "uuid_type": gettext_noop("UUID input should be a string, bytes or UUID object"),
    "uuid_parsing": gettext_noop("Input should be a valid UUID, %(error)s"),
    "enum": gettext_noop("Input should be %(expected)s"),
    "literal_error": gettext_noop("Input should be %(expected)s"),
    "value_error": gettext_noop("Value error, %(error)s"),
    "json_invalid": gettext_noop("Invalid JSON: %(error)s"),
    "json_type": gettext_noop("JSON input should be string, bytes or bytearray"),
    "url_parsing": gettext_noop("Input should be a valid URL, %(error)s"),
    "url_type": gettext_noop("URL input should be a string or URL"),
    "set_type": gettext_noop("Input should be a valid set"),
    "tuple_type": gettext_noop("Input should be a valid tuple"),
    "none_required": gettext_noop("Input should be None"),
}


#: The messages whose words depend on a number (pydantic adds an "s"; Polish has three forms): the ``ctx``
#: value that counts, and the message for it.
_COUNTED: dict[str, tuple[str, Callable[[int], str]]] = {
    "string_too_short": (
        "min_length",
        lambda n: ngettext(
            "String should have at least %(min_length)s character",
            "String should have at least %(min_length)s characters",
            n,
        ),
    ),
    "string_too_long": (
        "max_length",
        lambda n: ngettext(
            "String should have at most %(max_length)s character",
            "String should have at most %(max_length)s characters",
            n,
        ),
    ),
    "too_short": (
        "min_length",
        lambda n: ngettext(
            "%(field_type)s should have at least %(min_length)s item after validation, not %(actual_length)s",
            "%(field_type)s should have at least %(min_length)s items after validation, not %(actual_length)s",
            n,
        ),
    ),
    "too_long": (
        "max_length",
        lambda n: ngettext(
            "%(field_type)s should have at most %(max_length)s item after validation, not %(actual_length)s",
            "%(field_type)s should have at most %(max_length)s items after validation, not %(actual_length)s",
            n,
        ),
    ),
    "decimal_max_digits": (
        "max_digits",
        lambda n: ngettext(
            "Decimal input should have no more than %(max_digits)s digit in total",
            "Decimal input should have no more than %(max_digits)s digits in total",
            n,
        ),
    ),
    "decimal_max_places": (
        "decimal_places",
        lambda n: ngettext(
            "Decimal input should have no more than %(decimal_places)s decimal place",
            "Decimal input should have no more than %(decimal_places)s decimal places",
            n,
        ),
    ),
    "decimal_whole_digits": (
        "whole_digits",
        lambda n: ngettext(
            "Decimal input should have no more than %(whole_digits)s digit before the decimal point",
            "Decimal input should have no more than %(whole_digits)s digits before the decimal point",
            n,
        ),
    ),
}


def _counted(kind: str, ctx: Mapping[str, Any]) -> tuple[str, str] | None:
    """The counted message of ``kind`` in the active language and in English (None: not a counted one)."""
    if kind not in _COUNTED:
        return None
    key, words = _COUNTED[kind]
    n = int(ctx[key])
    with translation.override(None):
        english = words(n)
    return words(n), english


def _choices(expected: str) -> str:
    """pydantic's list of allowed values ("'a', 'b' or 'c'") with its last "or" in the reader's language."""
    head, sep, last = expected.rpartition(" or ")
    if not sep:
        return expected
    return _("%(items)s or %(last)s") % {"items": head, "last": last}


def message(error: Mapping[str, Any]) -> str:
    """pydantic's ``error["msg"]`` in the active language (pydantic's own text where it has no translation).

    Parameters
    ----------
    error
        One of pydantic's errors as ninja gives them: ``type``, ``msg`` and, for most types, ``ctx``.

    Returns
    -------
    str
        The translated message; ``msg`` itself for a type not in the table, a language without a
        translation (English), or a ``ctx`` the message cannot be written with.
    """
    kind = str(error.get("type", ""))
    original = str(error.get("msg", ""))
    ctx = dict(error.get("ctx") or {})
    try:
        counted = _counted(kind, ctx)
    except (KeyError, TypeError, ValueError):
        return original
    if counted is not None:
        template, english = counted
    elif kind in MESSAGES:
        template, english = _(MESSAGES[kind]), MESSAGES[kind]
    else:
        return original
    if template == english:  # no translation in this language (English): pydantic's words, exactly
        return original
    if "expected" in ctx:
        ctx["expected"] = _choices(str(ctx["expected"]))
    try:
        return template % ctx if "%(" in template else template
    except (KeyError, TypeError, ValueError):
        return original


def translated(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja's list of pydantic errors, each ``msg`` in the active language; nothing else changes."""
    return [{**error, "msg": message(error)} if "msg" in error else error for error in errors]
