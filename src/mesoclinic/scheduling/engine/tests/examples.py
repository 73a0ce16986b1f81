"""The REQUEST.json of the plan-series contract (issue 3), shared by the reader's and the CLI's tests."""

from __future__ import annotations

from typing import Any

OPEN_HOURS = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

ISSUE_EXAMPLE: dict[str, Any] = {
    "timezone": "Europe/Warsaw",
    "slot_minutes": 15,
    "horizon_days": 120,
    "resources": [
        {
            "id": "anna",
            "kind": "practitioner",
            "modalities": ["needle", "electroporation"],
            "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "17:00"]]},
            "busy": [["2027-01-05T10:00", "2027-01-05T11:30"]],
        },
        {
            "id": "room-1",
            "kind": "room",
            "modalities": ["needle", "electroporation"],
            "hours": OPEN_HOURS,
            "busy": [],
        },
        {"id": "ep-1", "kind": "device", "modalities": ["electroporation"], "hours": OPEN_HOURS, "busy": []},
    ],
    "request": {
        "modality": "electroporation",
        "sessions": 4,
        "interval_days": 14,
        "tolerance_days": 2,
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "earliest": "2027-01-04T09:00",
        "same_practitioner": True,
    },
}
