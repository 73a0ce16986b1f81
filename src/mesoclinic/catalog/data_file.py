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


def modality_names() -> dict[str, str]:
    """The shipped modalities' names by code ("needle" → "Needle mesotherapy")."""
    return {m["code"]: m["name"] for m in default_catalog()["modalities"]}


def code_label(code: str) -> str:
    """A catalog code people may see (a technique, a device mode) in words: "point_by_point" → "Point by point".

    Values that are not codes (``30G``, a number, free text) come back unchanged.
    """
    text = str(code)
    if not text or not text.replace("_", "").isalnum() or text != text.lower():
        return text
    words = text.replace("_", " ")
    return words[0].upper() + words[1:]
