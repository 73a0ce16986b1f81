"""``LocalTime``: a wall-clock time of day in a clinic's or a location's own zone, as the JSON API takes and
answers it (quiet hours, opening hours, working weeks).

JSON Schema's "time" format is RFC 3339's full-time, which requires an offset ("21:00:00+01:00"); these have
none (the zone is the clinic's), so the document says so with a pattern instead of a format that every answer
would violate. A time sent with an offset anyway is refused by the operation that takes it, naming the field
(the notifications settings' service, the Settings API's working week).

A leaf: pydantic only, no Django and no other part of MesoClinic.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import WithJsonSchema

PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"

LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PATTERN,
            "description": "Local time of day in the clinic's time zone, HH:MM[:SS], no offset.",
            "examples": ["21:00:00"],
        }
    ),
]
