"""The API's OpenAPI document as other programs read it: valid OpenAPI (openapi-spec-validator, not ninja),
and every operation named, summarised and with the errors it can answer."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.versions.shortcuts import get_spec_version

pytestmark = pytest.mark.django_db

URL = "/api/v1/openapi.json"


@pytest.fixture
def document(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_served_document_is_valid_openapi(document):
    validate(document)
    assert str(get_spec_version(document)) == "OpenAPIV3.1"


def test_every_operation_has_a_unique_operation_id_and_a_summary(document):
    ids = [operation.get("operationId") for _, _, operation in operations(document)]
    assert all(ids) and len(ids) == len(set(ids))
    missing = [(p, m) for p, m, operation in operations(document) if not operation.get("summary")]
    assert not missing


def test_every_operation_documents_the_errors_it_can_answer(document):
    for path, method, operation in operations(document):
        codes = set(operation["responses"])
        expected = {"401", "403", "429"} if operation.get("security") else set()
        if "{" in path:
            expected.add("404")
        if operation.get("requestBody") or operation.get("parameters"):
            expected.add("422")
        assert expected <= codes, (method, path, expected - codes)
        for code in expected:
            assert operation["responses"][code]["content"]["application/json"]["schema"], (method, path, code)


PUBLIC_PREFIX = "/api/v1/public/"  # the public booking API (issue 18): anonymous by contract, throttled


def test_every_operation_is_authenticated(document):
    """Every operation but the public booking API's asks for a credential; those ask for none."""
    unauthenticated = [(p, m) for p, m, operation in operations(document) if not operation.get("security")]
    assert [(p, m) for p, m in unauthenticated if not p.startswith(PUBLIC_PREFIX)] == []
    public = [(p, m) for p, m, _operation in operations(document) if p.startswith(PUBLIC_PREFIX)]
    assert len(public) == 4 and set(public) <= set(unauthenticated)


def test_the_documented_401_is_what_an_anonymous_caller_gets(client, document):
    path, _, operation = next(
        (p, m, o)
        for p, m, o in operations(document)
        if o["operationId"] == "mesoclinic_patients_api_list_patients"
    )
    assert "401" in operation["responses"]
    response = client.get(path)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_every_operation_declares_what_it_returns(document):
    """Each handler names its success response (``response={200: Schema}`` in its decorator): a JSON schema,
    a file's media type (a download) or no body (204)."""
    undeclared = []
    for path, method, operation in operations(document):
        successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        for code, response in successes.items():
            content = response.get("content", {})
            json_schema = content.get("application/json", {}).get("schema")
            files = [kind for kind in content if kind != "application/json"]
            if not (json_schema or files or code == "204"):
                undeclared.append((method, path, code))
        if not successes:
            undeclared.append((method, path, "none"))
    assert undeclared == []
