"""Which tests the PostgreSQL pass leaves out (``mesoclinic.testing.selection``): only those kept from the database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import SimpleTestCase, TestCase

from mesoclinic.testing.selection import uses_no_database


def test_a_test_without_a_database_fixture_or_marker_uses_none(request: pytest.FixtureRequest) -> None:
    assert uses_no_database(request.node)


def test_a_test_asking_for_the_database_uses_it(request: pytest.FixtureRequest, db: None) -> None:
    assert not uses_no_database(request.node)


@pytest.mark.django_db
def test_a_test_marked_django_db_uses_it(request: pytest.FixtureRequest) -> None:
    assert not uses_no_database(request.node)


@pytest.fixture
def _something_in_the_database(transactional_db: None) -> None:
    """A fixture that opens the database on its test's behalf."""


@pytest.mark.usefixtures("_something_in_the_database")
def test_a_fixture_asking_for_the_database_counts(request: pytest.FixtureRequest) -> None:
    assert not uses_no_database(request.node)


def test_a_session_fixture_opening_it_itself_counts(
    request: pytest.FixtureRequest, django_db_setup: None
) -> None:
    assert not uses_no_database(request.node)


@pytest.mark.every_database
def test_a_test_reaching_it_another_way_says_so(request: pytest.FixtureRequest) -> None:
    assert not uses_no_database(request.node)


@pytest.mark.parametrize(("case", "uses_none"), [(TestCase, False), (SimpleTestCase, False), (object, True)])
def test_djangos_test_cases_open_it_themselves(case: type, *, uses_none: bool) -> None:
    item = SimpleNamespace(get_closest_marker=lambda name: None, fixturenames=["request"], cls=case)
    assert uses_no_database(item) is uses_none
