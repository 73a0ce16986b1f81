"""What free text MesoClinic accepts: no control characters, no lone surrogates, and a bounded length.

A name, a phone number or a lot number with an escape character (ESC, 0x01, DEL) corrupts every screen, CSV
and label it reaches; a lone surrogate (``"\\ud800"``, legal in JSON, not in UTF-8) cannot be stored at all;
a 100,000-character note fills every page that shows it. The JSON API applies these rules to every string of
every request body (and its OpenAPI document says so); the forms apply them to the fields they name. Tab,
line feed and carriage return stay allowed: notes and addresses have lines.

Plain Python, no Django: the API's parser, the forms and the OpenAPI document share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from mesoclinic.clinical_codes.words import N_, same

#: The longest string a JSON request may carry where its schema names no shorter limit (a note, a reason).
MAX_TEXT = 10_000

#: The deepest nesting of arrays and objects a JSON request may have (MesoClinic's own need less than 5).
MAX_DEPTH = 32

#: C0 controls other than tab, LF and CR, DEL, and the surrogate code points (never valid on their own).
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

#: The same rule as a JSON-Schema ``pattern`` (ECMA-262 syntax) for the OpenAPI document.
TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"

#: The messages, in English, marked for the catalog; the Django layer passes ``gettext`` as ``tr`` so that
#: they read in the reader's language (this module imports no Django).
CONTROL_MESSAGE = N_(
    "Remove the control character (such as NUL, ESC or DEL): only letters, digits, punctuation, spaces and "
    "line breaks are accepted."
)
SURROGATE_MESSAGE = N_("The text holds an invalid character (a lone UTF-16 surrogate); type it again.")
_TOO_LONG = N_("At most %(max)s characters (this has %(length)s).")
_TOO_DEEP = N_("The document is nested too deeply (more than %(depth)s levels).")


def _grouped(n: int) -> str:
    return f"{n:,}"


def text_problem(
    value: str,
    *,
    max_length: int | None = MAX_TEXT,
    tr: Callable[[str], str] = same,
    count: Callable[[int], str] = _grouped,
) -> str | None:
    """Why ``value`` is refused, in words a receptionist understands; ``None`` when it is acceptable.

    ``tr`` translates the message's words and ``count`` writes its numbers (the Django layer passes
    ``gettext`` and a grouped ``number_format``: "10 000" in Polish, where "10,000" reads as ten); by default
    English, as is, with "10,000".
    """
    bad = _REFUSED.search(value)
    if bad is not None:
        return tr(SURROGATE_MESSAGE if "\ud800" <= bad.group() <= "\udfff" else CONTROL_MESSAGE)
    if max_length is not None and len(value) > max_length:
        return tr(_TOO_LONG) % {"max": count(max_length), "length": count(len(value))}
    return None


def text_problems(
    value: Any,
    path: tuple[str | int, ...] = (),
    *,
    tr: Callable[[str], str] = same,
    count: Callable[[int], str] = _grouped,
) -> Iterator[tuple[str, str]]:
    """Every refused string in a parsed JSON document (keys included), as ("a.b.0.c", message) pairs, and a
    document nested deeper than ``MAX_DEPTH``; ``tr`` and ``count`` as for ``text_problem``."""
    if len(path) > MAX_DEPTH:
        yield "body", tr(_TOO_DEEP) % {"depth": count(MAX_DEPTH)}
    elif isinstance(value, str):
        problem = text_problem(value, tr=tr, count=count)
        if problem is not None:
            yield ".".join(str(p) for p in path) or "body", problem
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(str(key), max_length=200, tr=tr, count=count)
            if problem is not None:
                yield ".".join(str(p) for p in (*path, "<key>")), problem
            yield from text_problems(item, (*path, str(key)), tr=tr, count=count)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from text_problems(item, (*path, index), tr=tr, count=count)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed JSON document nests arrays and objects deeper than ``limit`` (without recursion, so
    that a hostile document cannot exhaust the stack here either)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False
