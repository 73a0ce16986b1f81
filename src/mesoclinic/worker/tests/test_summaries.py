"""What the job log shows: arguments by ids only, errors by type and place, never a message."""

from __future__ import annotations

import pytest

from mesoclinic.worker.backend import summarize_args
from mesoclinic.worker.errors import describe_error


def test_it_keeps_ids_and_flags():
    assert summarize_args([12, True, None], {"photo_id": 7}) == "12, True, None, photo_id=7"


def test_it_keeps_text_that_looks_like_an_id():
    uuid = "3f2b8c1e-9d4a-4b7e-8f00-1a2b3c4d5e6f"
    assert summarize_args([uuid, "A1234"], {}) == f"'{uuid}', 'A1234'"


@pytest.mark.parametrize("text", ["Anna Nowak", "anna@example.org", "Nowak", "+48 600 100 200"])
def test_it_hides_any_other_text(text):
    assert summarize_args([text], {"name": text}) == "…, name=…"


def test_it_summarises_nested_values_and_stays_short():
    assert summarize_args([[1, "x y"], {"ids": [2, 3]}], {}) == "[1, …], {ids=[2, 3]}"
    assert len(summarize_args(list(range(500)), {})) == 200


def _raise(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:
        return caught


def test_it_describes_an_error_by_type_and_place_without_its_message():
    text = describe_error(_raise(KeyError("Anna Nowak")))
    assert text.startswith("KeyError at mesoclinic/worker/tests/test_summaries.py:")
    assert text.endswith("in _raise")
    assert "Nowak" not in text


def test_it_names_the_module_of_a_library_error():
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    assert describe_error(ValidationError("x")) == "django.core.exceptions.ValidationError"
