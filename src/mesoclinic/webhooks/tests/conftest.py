"""Webhook tests deliver to a real local receiver: allow http and loopback targets here, and only here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mesoclinic.webhooks.tests.receiver import Receiver, start_receiver


@pytest.fixture(autouse=True)
def _local_targets(settings: pytest.FixtureRequest) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_MAX_ATTEMPTS = 3


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = start_receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()
