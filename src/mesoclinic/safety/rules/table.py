"""Loading and validating rule tables, and the default table that ships with MesoClinic."""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from mesoclinic.clinical_codes.vocabulary import ALLERGY, FACTORS, MODALITIES

from .model import Rule, RuleTable, RuleTableError, Severity, Source, SourceKind

__all__ = ["RuleTableError", "default_rule_table", "default_rules_data", "load_rule_table"]

_DEFAULT_RULES = "default_rules.json"
_PLACEHOLDERS = frozenset({"modality", "ingredient"})


def load_rule_table(data: Mapping[str, Any]) -> RuleTable:
    """Build a rule table from its JSON form, checking every entry.

    Parameters
    ----------
    data : Mapping
        ``{"note": str, "sources": {key: {"title", "url", "kind"}}, "rules": [...]}``, where each rule is
        ``{"factor": code, "severity": {modality: "block" | "warn"}, "message": str, "source": key}``.
        A modality absent from ``severity`` has no rule for that factor. ``kind`` is one of
        ``PR`` (peer-reviewed), ``REG`` (regulator) or ``VND`` (vendor or clinic page).

    Returns
    -------
    RuleTable
        Rules in the order of ``data["rules"]``; the note is kept.

    Raises
    ------
    RuleTableError
        If anything is missing, of the wrong type or unknown; the message names the entry, e.g.
        ``rules[3].factor: unknown factor 'pacemakr'``.

    See Also
    --------
    default_rule_table : the table shipped with MesoClinic.
    """
    _check_keys(data, "rule table", required={"note", "sources", "rules"})
    note = _check_str(data["note"], "note")
    sources = _check_sources(data["sources"])
    raw_rules = _check_list(data["rules"], "rules")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_rules):
        where = f"rules[{i}]"
        _check_keys(raw, where, required={"factor", "severity", "message", "source"})
        factor = _check_str(raw["factor"], f"{where}.factor")
        if factor not in FACTORS:
            raise RuleTableError(f"{where}.factor: unknown factor {factor!r}")
        if factor in seen:
            raise RuleTableError(f"{where}.factor: {factor!r} already has a rule in rules[{seen[factor]}]")
        seen[factor] = i
        message = _check_message(raw["message"], factor, f"{where}.message")
        source_key = _check_str(raw["source"], f"{where}.source")
        if source_key not in sources:
            raise RuleTableError(f"{where}.source: unknown source {source_key!r}")
        severities = _check_severities(raw["severity"], f"{where}.severity")
        rules.extend(
            Rule(factor, modality, severities[modality], message, sources[source_key])
            for modality in MODALITIES
            if modality in severities
        )
    return RuleTable(tuple(rules), note)


@functools.cache
def default_rule_table() -> RuleTable:
    """Return the default rule table (DESIGN.md section 4), read once from ``default_rules.json``.

    Returns
    -------
    RuleTable
        The table with its sources and the note that the clinic's medical lead must review it.

    References
    ----------
    The sources are listed in the file; most are vendor or clinic pages (kind ``VND``, indicative only).
    """
    return load_rule_table(default_rules_data())


def default_rules_data() -> dict[str, Any]:
    """Return a fresh copy of the default rule table's JSON form (for a clinic's editable copy).

    Returns
    -------
    dict
        The parsed ``default_rules.json``, as accepted by :func:`load_rule_table`.
    """
    text = resources.files("mesoclinic.safety.rules").joinpath(_DEFAULT_RULES).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _check_keys(obj: object, where: str, *, required: set[str]) -> None:
    """Check that ``obj`` is a mapping with exactly the ``required`` keys.

    Raises
    ------
    RuleTableError
        Naming ``where`` and the first missing or unknown key.
    """
    if not isinstance(obj, Mapping):
        raise RuleTableError(f"{where}: expected an object, got {type(obj).__name__}")
    if missing := sorted(required - obj.keys()):
        raise RuleTableError(f"{where}: missing key {missing[0]!r}")
    if unknown := sorted(obj.keys() - required, key=str):
        raise RuleTableError(f"{where}: unknown key {unknown[0]!r}")


def _check_str(value: object, where: str) -> str:
    """Return ``value`` if it is a non-empty string, else raise :class:`RuleTableError`."""
    if not isinstance(value, str) or not value.strip():
        raise RuleTableError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _check_list(value: object, where: str) -> Sequence[Any]:
    """Return ``value`` if it is a list or tuple, else raise :class:`RuleTableError`."""
    if not isinstance(value, list | tuple):
        raise RuleTableError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _check_sources(value: object) -> dict[str, Source]:
    """Validate the ``sources`` mapping and return it as :class:`Source` values by key."""
    if not isinstance(value, Mapping):
        raise RuleTableError(f"sources: expected an object, got {type(value).__name__}")
    sources: dict[str, Source] = {}
    for key, raw in value.items():
        where = f"sources.{key}"
        _check_keys(raw, where, required={"title", "url", "kind"})
        kind = _check_str(raw["kind"], f"{where}.kind")
        if kind not in SourceKind.__members__:
            raise RuleTableError(f"{where}.kind: unknown kind {kind!r} (expected PR, REG or VND)")
        title = _check_str(raw["title"], f"{where}.title")
        url = _check_str(raw["url"], f"{where}.url")
        sources[key] = Source(key, title, url, SourceKind(kind))
    return sources


def _check_severities(value: object, where: str) -> dict[str, Severity]:
    """Validate a rule's ``{modality: severity}`` mapping."""
    if not isinstance(value, Mapping):
        raise RuleTableError(f"{where}: expected an object, got {type(value).__name__}")
    severities: dict[str, Severity] = {}
    for modality, severity in value.items():
        if modality not in MODALITIES:
            raise RuleTableError(f"{where}: unknown modality {modality!r}")
        if severity not in {s.value for s in Severity}:
            raise RuleTableError(
                f"{where}.{modality}: unknown severity {severity!r} (expected block or warn)"
            )
        severities[modality] = Severity(severity)
    return severities


def _check_message(value: object, factor: str, where: str) -> str:
    """Validate a message template: only ``{modality}``, and ``{ingredient}`` in the allergy rule."""
    message = _check_str(value, where)
    allowed = _PLACEHOLDERS if factor == ALLERGY else _PLACEHOLDERS - {"ingredient"}
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}
    except ValueError as exc:
        raise RuleTableError(f"{where}: malformed placeholder ({exc})") from None
    if unknown := sorted(names - allowed):
        raise RuleTableError(f"{where}: unknown placeholder {{{unknown[0]}}}")
    return message
