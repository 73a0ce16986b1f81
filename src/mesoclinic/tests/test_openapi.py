"""The OpenAPI document at /api/v1/openapi.json describes every operation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_serves_the_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["version"] == "1"
    paths = spec["paths"]
    for path in (
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}/history",
        "/api/v1/catalog/protocols",
        "/api/v1/screening/patients/{patient_id}",
        "/api/v1/screening/check",
        "/api/v1/screening/rules",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        if path.startswith("/api/v1/public/"):
            continue  # the patient's door: no sign-in by design (issue 18), throttled per address
        for operation in operations.values():
            assert operation.get("security"), f"{operation['operationId']} is open to anonymous callers"


def _schemas(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_schemas(sub))
    return found


def test_no_two_api_schemas_share_a_name():
    """The document names each schema by its class name: two classes with one name share one component, and
    clients read one operation's body as the other's (the public booking API's PatientIn once replaced the
    patients API's). Every schema class of the project has a name of its own."""
    from ninja import Schema  # noqa: PLC0415

    import mesoclinic.api  # noqa: F401, PLC0415 (every router, so every schema, imported)

    by_name: dict[str, set[str]] = {}
    for schema in _schemas(Schema):
        if schema.__module__.startswith("mesoclinic.") and ".tests" not in schema.__module__:
            by_name.setdefault(schema.__name__, set()).add(schema.__module__)
    assert {name: sorted(mods) for name, mods in by_name.items() if len(mods) > 1} == {}
