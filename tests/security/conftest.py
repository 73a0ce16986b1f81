"""Fixtures of the attack tests: the two-clinic world, built once per module, and rolled-back requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.test import override_settings

from tests.security.world import World, build_world


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint that is always rolled back.

    Marked like Django's TestCase blocks so that the services' ``atomic(durable=True)`` still runs inside it.
    """
    atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
    atomic._from_testcase = True  # the flag TestCase itself sets, so durable services run inside
    atomic.__enter__()
    try:
        yield
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module", autouse=True)
def unthrottled_api() -> Iterator[None]:
    """The matrix and the fuzzer call the API hundreds of times a minute as one user (and every anonymous
    call comes from one address): the rate limits (``accounts/tests/test_api_throttling.py``) stay out of
    their way, and no bucket left by an earlier module in this process counts here."""
    cache.clear()
    with override_settings(API_RATE_USER="1000000/min", API_RATE_ANON="1000000/min"):
        yield
    cache.clear()


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=str(root)):
        yield root


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, media: Path) -> Iterator[World]:
    """The world, built once for the module and thrown away after it."""
    with django_db_blocker.unblock(), rolled_back():
        yield build_world()


@pytest.fixture
def call(world: World) -> Callable[..., Any]:
    """``call(who, method, url, **kwargs)``: one request by a persona, its writes rolled back."""

    def _call(who: str, method: str, url: str, **kwargs: Any) -> Any:
        with rolled_back():
            return getattr(world.client(who), method)(url, **kwargs)

    return _call
