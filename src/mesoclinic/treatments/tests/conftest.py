"""The treatments tests run on the morning of the series' first session (Monday 3 March 2031, 7:00 in
Warsaw), the clock ticking: a session record can be signed only from its appointment's day on, and the
helpers book the series from that Monday. Tests that need another moment travel from here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

MORNING_OF_THE_FIRST_SESSION = datetime(2031, 3, 3, 7, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _on_the_first_sessions_morning() -> Iterator[None]:
    with time_machine.travel(MORNING_OF_THE_FIRST_SESSION, tick=True):
        yield
