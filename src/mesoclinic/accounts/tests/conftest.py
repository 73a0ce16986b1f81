from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters (allauth's per-address sign-in limit, API throttles) live in the cache, which
    outlives each test's database rollback; every test here starts from none."""
    cache.clear()
    yield
    cache.clear()
