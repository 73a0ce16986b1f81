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
    for operations in paths.values():
        for operation in operations.values():
            assert operation.get("security"), f"{operation['operationId']} is open to anonymous callers"
