"""Checking an API answer against the public OpenAPI document the way schemathesis does."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from django.test import Client

# JSON Schema's formats as schemathesis checks them: "time" is RFC 3339's full-time, an offset included.
RFC3339 = jsonschema.FormatChecker()


@RFC3339.checks("time")
def _full_time(value: object) -> bool:
    return not isinstance(value, str) or bool(
        re.fullmatch(r"\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value, flags=re.IGNORECASE)
    )


def assert_documented(answer: Any, path: str, method: str = "get", status: int = 200) -> None:
    """Validate ``answer`` (parsed JSON) against the documented schema of ``method path``'s ``status``."""
    document = Client().get("/api/v1/openapi.json").json()  # public, holds no data
    operation = document["paths"][path][method]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.validate(answer, {**schema, "components": document["components"]}, format_checker=RFC3339)
