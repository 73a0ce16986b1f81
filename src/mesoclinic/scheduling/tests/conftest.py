"""Fixtures shared by the scheduling tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mesoclinic.accounts.models import Clinic
from mesoclinic.scheduling.selectors import index_cache
from mesoclinic.testing import Schedulable, make_schedulable


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts and ends with an empty availability index cache: it lives in the process, services patch
    it, and a test must neither see nor leave another test's indexes."""
    index_cache.clear()
    yield
    index_cache.clear()


@pytest.fixture
def setup(clinic: Clinic) -> Schedulable:
    """Clinic Rosa's first location opened Mon-Sat, with a practitioner, a room and a device (``make_schedulable``)."""
    return make_schedulable(clinic)
