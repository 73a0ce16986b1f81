"""The shipped default catalog (``data/default_catalog.json``), read without touching the database."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def default_catalog() -> dict[str, Any]:
    """The default catalog as parsed JSON (cached: it is read-only package data)."""
    text = (resources.files("mesoclinic.catalog") / "data" / "default_catalog.json").read_text(
        encoding="utf-8"
    )
    data: dict[str, Any] = json.loads(text)
    return data


def zones() -> list[dict[str, str]]:
    """The face/body map's zones: ``[{"code", "name", "region"}]``."""
    return list(default_catalog()["zones"])


def zone_names() -> dict[str, str]:
    return {zone["code"]: zone["name"] for zone in zones()}
