#!/usr/bin/env python3
"""Extract the FHIR R4 bindings and codes the export's tests check, from HL7's R4 (4.0.1) definitions.

The tests of ``mesoclinic.interop`` check every coded element the export writes against the official R4
definitions: a ``code``, ``Coding`` or ``CodeableConcept`` whose binding is *required* must hold a code of
that value set, and a code of one of HL7's own code systems must exist there (with its display). The full
definitions are large (``profiles-resources.json`` alone is 35 MB), so this script keeps what those checks
read, for the resource types the export writes and the data types they use, in one small JSON file:

- ``elements``: ``path -> {"types": [...], "strength": ..., "valueSet": ..., "contentReference": ...}`` for
  every element of those types (the types let the test walk into nested data types);
- ``valueSets``: ``url -> [[system, code], ...]``, the expansion of every required value set met there
  (``null`` where the value set is not enumerable, e.g. BCP-13 MIME types or BCP-47 languages);
- ``codeSystems``: ``url -> {code: display}`` for the HL7 code systems the export uses.

The definitions are the ``definitions.json.zip`` files of https://hl7.org/fhir/R4/downloads.html
(``profiles-resources.json``, ``profiles-types.json``, ``valuesets.json``, ``v3-codesystems.json``), CC0.
Run it again only for another R4 technical correction::

    python scripts/fhir_r4_terminology.py DEFINITIONS_DIR src/mesoclinic/interop/tests/fhir_r4/r4-terminology.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESOURCE_TYPES = (
    "AdverseEvent", "AllergyIntolerance", "Appointment", "Bundle", "CapabilityStatement", "Condition",
    "Consent", "Device", "Location", "Media", "Medication", "MedicationAdministration", "MedicationStatement",
    "Observation", "OperationOutcome", "Organization", "Patient", "Practitioner", "Procedure",
)  # fmt: skip
"""The resource types MesoClinic writes (the bulk export's, the Bundle, the CapabilityStatement, the
OperationOutcome and the contained Medication)."""

CODE_SYSTEMS = (
    "http://terminology.hl7.org/CodeSystem/observation-category",
    "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "http://terminology.hl7.org/CodeSystem/condition-category",
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
    "http://terminology.hl7.org/CodeSystem/consentscope",
    "http://terminology.hl7.org/CodeSystem/media-type",
    "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
    "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
    "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
    "http://terminology.hl7.org/CodeSystem/location-physical-type",
)
"""HL7 code systems the export's codings name (``interop/fhir/codes.py``)."""


def _entries(path: Path) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in json.loads(path.read_text(encoding="utf-8"))["entry"]]


def _concepts(concepts: list[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for concept in concepts:
        out[concept["code"]] = concept.get("display", "")
        out |= _concepts(concept.get("concept", []))
    return out


def main(definitions: Path, target: Path) -> None:
    structures = {
        sd["id"]: sd
        for name in ("profiles-resources.json", "profiles-types.json")
        for sd in _entries(definitions / name)
        if sd.get("resourceType") == "StructureDefinition"
    }
    terminology = _entries(definitions / "valuesets.json") + _entries(definitions / "v3-codesystems.json")
    code_systems = {r["url"]: r for r in terminology if r["resourceType"] == "CodeSystem"}
    value_sets = {r["url"]: r for r in terminology if r["resourceType"] == "ValueSet"}

    elements: dict[str, dict[str, Any]] = {}
    pending, seen = list(RESOURCE_TYPES), set()
    while pending:
        name = pending.pop()
        if name in seen or name not in structures:
            continue
        seen.add(name)
        for element in structures[name]["snapshot"]["element"]:
            types = [t["code"] for t in element.get("type", []) if not t["code"].startswith("http")]
            entry: dict[str, Any] = {"types": types}
            if element.get("contentReference"):
                entry["contentReference"] = element["contentReference"].lstrip("#")
            binding = element.get("binding")
            if binding and binding.get("valueSet"):
                entry["strength"] = binding["strength"]
                entry["valueSet"] = binding["valueSet"].split("|")[0]
            elements[element["path"]] = entry
            pending.extend(t for t in types if t[:1].isupper() and t not in {"Resource", "BackboneElement"})

    def expand(url: str) -> list[list[str]] | None:
        vs = value_sets.get(url)
        if vs is None:
            return None
        codes: list[list[str]] = []
        for include in vs.get("compose", {}).get("include", []):
            if include.get("filter"):
                return None
            for nested in include.get("valueSet", []):
                inner = expand(nested.split("|")[0])
                if inner is None:
                    return None
                codes.extend(inner)
            system = include.get("system")
            if not system:
                continue
            if "concept" in include:
                codes.extend([system, c["code"]] for c in include["concept"])
            elif system in code_systems and code_systems[system].get("content") == "complete":
                codes.extend([system, code] for code in _concepts(code_systems[system].get("concept", [])))
            else:
                return None
        return codes

    required = sorted({e["valueSet"] for e in elements.values() if e.get("strength") == "required"})
    out = {
        "source": "HL7 FHIR R4 4.0.1 definitions (profiles-resources.json, profiles-types.json, valuesets.json, "
        "v3-codesystems.json), https://hl7.org/fhir/R4/downloads.html, CC0",
        "resourceTypes": list(RESOURCE_TYPES),
        "elements": dict(sorted(elements.items())),
        "valueSets": {url: expand(url) for url in required},
        "codeSystems": {url: _concepts(code_systems[url]["concept"]) for url in CODE_SYSTEMS},
    }
    target.write_text(json.dumps(out, indent=0, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    unexpanded = [url for url, codes in out["valueSets"].items() if codes is None]
    print(f"{len(elements)} elements, {len(required)} required value sets; not enumerable: {unexpanded}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
