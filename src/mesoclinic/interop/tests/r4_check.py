"""Checks of FHIR resources that owe nothing to the library that writes them (``fhir.resources``).

- :func:`schema_errors`: HL7's official FHIR R4 JSON schema (``fhir_r4/fhir.schema.json.gz``), with the
  ``jsonschema`` package (Draft 6, as the schema declares). The schema lists the codes of every ``code``
  element with a required binding, so a status of ``checkedin`` fails here.
- :func:`binding_errors`: the required value-set bindings the schema cannot express (a ``Coding`` or a
  ``CodeableConcept``, such as ``Condition.clinicalStatus``), read from HL7's R4 definitions
  (``fhir_r4/r4-terminology.json``, made by ``scripts/fhir_r4_terminology.py``); and every code of an HL7
  code system the export names must exist there, with HL7's display. It also refuses any element that R4
  does not define.

``fhir_r4/README.md`` says where each file comes from.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, validators
from jsonschema.exceptions import ValidationError

DATA = Path(__file__).parent / "fhir_r4"

_VERSION_ENUM_DEFINITIONS = (
    ("CapabilityStatement", "fhirVersion"),
    ("ImplementationGuide", "fhirVersion"),
    ("ImplementationGuide_Resource", "fhirVersion"),
    ("StructureDefinition", "fhirVersion"),
)
_MIME_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(;.*)?")


@cache
def _schema() -> dict[str, Any]:
    with gzip.open(DATA / "fhir.schema.json.gz", "rt", encoding="utf-8") as fh:
        schema = json.load(fh)
    # The schema was built for R4's first publication (4.0.0); its technical correction 4.0.1, which this
    # server declares, changed nothing in it but to add "4.0.1" to these version lists (fhir_r4/README.md).
    for definition, prop in _VERSION_ENUM_DEFINITIONS:
        enum = schema["definitions"][definition]["properties"][prop]
        target = enum["items"]["enum"] if "items" in enum else enum["enum"]
        if "4.0.1" not in target:
            target.append("4.0.1")
    return schema


def _one_of_by_resource_type(validator: Any, one_of: list[dict[str, Any]], instance: Any, schema: Any) -> Any:
    """``oneOf`` as the schema's own ``discriminator`` says: a contained or Bundle-entry resource is checked
    against the definition its ``resourceType`` names, instead of against all 145 (the same verdict, since
    each definition fixes ``resourceType``; an unknown type still fails)."""
    refs = [s.get("$ref", "") for s in one_of]
    discriminated = len(refs) > 100 and all(r.startswith("#/definitions/") for r in refs)
    if not (discriminated and isinstance(instance, dict)):
        yield from validators.Draft6Validator.VALIDATORS["oneOf"](validator, one_of, instance, schema)
        return
    ref = f"#/definitions/{instance.get('resourceType')}"
    if ref not in refs:
        yield ValidationError(f"{instance.get('resourceType')!r} is not an R4 resource type")
        return
    yield from validator.descend(instance, {"$ref": ref})


_R4Validator = validators.extend(Draft6Validator, {"oneOf": _one_of_by_resource_type})


@cache
def _validator(resource_type: str) -> Any:
    definitions = _schema()["definitions"]
    if resource_type not in definitions:
        raise ValueError(f"{resource_type} is not an R4 resource type")
    return _R4Validator({"$ref": f"#/definitions/{resource_type}", "definitions": definitions})


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """What the official R4 JSON schema says is wrong with ``resource`` (empty when it is valid)."""
    validator = _validator(resource.get("resourceType", ""))
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:300]}"
        for error in sorted(validator.iter_errors(resource), key=lambda e: list(map(str, e.absolute_path)))
    ]


@cache
def terminology() -> dict[str, Any]:
    return json.loads((DATA / "r4-terminology.json").read_text(encoding="utf-8"))


def binding_errors(resource: dict[str, Any]) -> list[str]:
    """Codes outside a required R4 value set, unknown HL7 codes or displays, elements R4 does not have."""
    errors: list[str] = []
    _walk_resource(resource, resource.get("resourceType", "?"), errors)
    return errors


def check(resource: dict[str, Any]) -> list[str]:
    """Both checks: the schema, then the bindings (the second only once the first passes)."""
    return schema_errors(resource) or binding_errors(resource)


def _walk_resource(resource: dict[str, Any], where: str, errors: list[str]) -> None:
    kind = resource.get("resourceType", "")
    if kind not in terminology()["resourceTypes"]:
        errors.append(f"{where}: {kind} is not a resource type MesoClinic is checked for")
        return
    _walk_object(resource, kind, where, errors)


def _walk_object(value: dict[str, Any], path: str, where: str, errors: list[str]) -> None:
    elements = terminology()["elements"]
    for key, item in value.items():
        if key == "resourceType" or key.startswith("_"):
            continue
        element_path, types = _element(path, key)
        if element_path is None:
            errors.append(f"{where}.{key}: {path}.{key} is not an R4 element")
            continue
        element = elements[element_path]
        for index, one in enumerate(item if isinstance(item, list) else [item]):
            here = f"{where}.{key}[{index}]" if isinstance(item, list) else f"{where}.{key}"
            _check_value(one, element, types, path=element_path, where=here, errors=errors)


def _element(path: str, key: str) -> tuple[str | None, list[str]]:
    """The element definition of ``key`` under ``path`` (``valueQuantity`` → ``value[x]``), and its types."""
    elements = terminology()["elements"]
    direct = f"{path}.{key}"
    if direct in elements:
        element = elements[direct]
        return direct, element["types"]
    for candidate, element in elements.items():
        if not (candidate.startswith(f"{path}.") and candidate.endswith("[x]")):
            continue
        stem = candidate[len(path) + 1 : -3]
        if "." in stem or not key.startswith(stem):
            continue
        suffix = key[len(stem) :]
        chosen = [t for t in element["types"] if t.lower() == suffix.lower()]
        if chosen:
            return candidate, chosen
    return None, []


def _check_value(
    value: Any, element: dict[str, Any], types: list[str], *, path: str, where: str, errors: list[str]
) -> None:

    if "contentReference" in element:
        _walk_object(value, element["contentReference"], where, errors)
        return
    kind = types[0] if len(types) == 1 else ""
    required = element.get("strength") == "required"
    if kind == "code" and required:
        _require(element["valueSet"], [(None, value)], where, errors)
    elif kind == "Coding":
        _check_codings([value], where, errors)
        if required:
            _require(element["valueSet"], [(value.get("system"), value.get("code"))], where, errors)
    elif kind == "CodeableConcept":
        codings = value.get("coding", [])
        _check_codings(codings, where, errors)
        if required:
            _require(element["valueSet"], [(c.get("system"), c.get("code")) for c in codings], where, errors)
    elif kind == "Resource":
        _walk_resource(value, where, errors)
    elif kind in {"BackboneElement", "Element"} and isinstance(value, dict):
        _walk_object(value, path, where, errors)
    elif kind[:1].isupper() and isinstance(value, dict):
        _walk_object(value, kind, where, errors)


def _check_codings(codings: list[dict[str, Any]], where: str, errors: list[str]) -> None:
    systems = terminology()["codeSystems"]
    for coding in codings:
        system, code = coding.get("system"), coding.get("code")
        if system not in systems:
            continue
        if code not in systems[system]:
            errors.append(f"{where}: {code!r} is not a code of {system}")
        elif "display" in coding and coding["display"] != systems[system][code]:
            errors.append(
                f"{where}: {system}#{code} is displayed {systems[system][code]!r}, not {coding['display']!r}"
            )


def _require(value_set: str, codes: list[tuple[str | None, Any]], where: str, errors: list[str]) -> None:
    members = terminology()["valueSets"].get(value_set)
    if members is None:
        if value_set.endswith("/mimetypes"):
            # CapabilityStatement.format also takes "xml", "json" and "ttl" (R4, its definition's comment).
            simple = {"xml", "json", "ttl"} if where.startswith("CapabilityStatement.format") else set()
            bad = [c for _, c in codes if not (_MIME_TYPE.fullmatch(str(c)) or c in simple)]
            if bad:
                errors.append(f"{where}: {bad[0]!r} is not a MIME type")
            return
        errors.append(f"{where}: the value set {value_set} cannot be checked here")
        return
    allowed = {tuple(pair) for pair in members}
    allowed_codes = {code for _, code in allowed}
    for system, code in codes:
        if (system, code) in allowed or (system is None and code in allowed_codes):
            return
    shown = ", ".join(f"{s}#{c}" if s else str(c) for s, c in codes) or "no coding"
    errors.append(f"{where}: {shown} is not in the required value set {value_set}")
