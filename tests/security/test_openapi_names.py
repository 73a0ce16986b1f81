"""Every schema the API names is one schema: two apps' classes of the same name (billing's and notifications'
``SettingsOut``) became one OpenAPI component, so one operation's answers were checked against the other's
shape (schemathesis: "reminder_lead_hours is a required property" for GET /api/v1/billing/settings)."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from ninja import Schema

import mesoclinic


def _schema_classes() -> dict[str, dict[str, type[Schema]]]:
    found: dict[str, dict[str, type[Schema]]] = defaultdict(dict)
    for info in pkgutil.iter_modules(mesoclinic.__path__):
        try:
            module = importlib.import_module(f"mesoclinic.{info.name}.schemas")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                found[value.__name__][module.__name__] = value
    return found


def test_schema_classes_of_one_name_describe_one_shape() -> None:
    clashes = {
        name: sorted(classes)
        for name, classes in _schema_classes().items()
        if len({str(c.model_json_schema()) for c in classes.values()}) > 1
    }
    assert not clashes, f"one OpenAPI component per name: rename one of each {clashes}"


def test_the_billing_settings_are_described_as_billing_settings() -> None:
    from mesoclinic.api import api  # noqa: PLC0415

    document = api.get_openapi_schema()
    answer = document["paths"]["/api/v1/billing/settings"]["get"]["responses"][200]
    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "currency" in document["components"]["schemas"][ref]["properties"]
