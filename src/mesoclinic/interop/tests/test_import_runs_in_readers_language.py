"""A background import's report and failure read in each reader's language (issue 15): the worker writes them
in its own (English), keeping MesoClinic's words as template and values; the run's page and the API show them
in Polish to a Polish reader and in English to an English one. A run written before (text only) shows its
text, translated where it is a catalog message without values."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from mesoclinic import testing
from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.interop import services
from mesoclinic.interop.models import ImportRun
from mesoclinic.interop.tests.test_import_runs import CSV, HELD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.IMPORT_BACKGROUND_OVER = 2


def _polish(clinic, role=Role.OWNER):
    staff = testing.make_staff(clinic, role, name="Anna Nowak")
    StaffMember.objects.filter(pk=staff.pk).update(language="pl")
    staff.refresh_from_db()
    return staff


def _run_in_the_worker(clinic, data, mapping):
    """Queue a run (held), then run it as the worker does: in its default language, English."""
    run = services.start_import(
        clinic, "patients", total=3, dry_run=True, actor=None, data=data, mapping=mapping
    )
    with translation.override("en"):
        services.run_import.call(run.pk)
    run.refresh_from_db()
    return run


MAPPING = {"given_name": "First", "family_name": "Last", "birth_date": "DOB"}


@override_settings(TASKS=HELD)
def test_a_runs_row_errors_are_stored_in_english_with_their_words_and_read_in_polish(owner, clinic):
    run = _run_in_the_worker(clinic, CSV + b",Nowicka,31.02.1979\n", MAPPING)
    assert run.status == "failed"
    stored = {e["column"]: e for e in run.result["errors"]}
    assert stored["First"]["message"] == "This value is required."
    assert stored["DOB"]["template"] == "%(value)s is not a date (use YYYY-MM-DD or DD.MM.YYYY)."
    url = f"/api/v1/interop/imports/{run.pk}"
    polish = testing.client_for(_polish(clinic)).get(url).json()["result"]["errors"]
    assert polish == [
        {"row": 5, "column": "First", "message": "Ta wartość jest wymagana."},
        {
            "row": 5,
            "column": "DOB",
            "message": "'31.02.1979' nie jest datą (użyj RRRR-MM-DD lub DD.MM.RRRR).",
        },
    ]
    english = testing.client_for(owner).get(url).json()["result"]["errors"]
    assert [e["message"] for e in english] == [
        "This value is required.",
        "'31.02.1979' is not a date (use YYYY-MM-DD or DD.MM.YYYY).",
    ]
    page = testing.client_for(StaffMember.objects.get(language="pl")).get(
        reverse("interop:import_run", kwargs={"run_id": run.pk})
    )
    assert "Ta wartość jest wymagana." in page.content.decode()


@override_settings(TASKS=HELD)
def test_a_run_refused_for_its_mapping_says_why_in_the_readers_language(owner, clinic):
    run = _run_in_the_worker(clinic, CSV, {"given_name": "First", "family_name": "Last"})
    assert run.status == "failed"
    assert run.error == "Choose the column for Date of birth."
    assert run.error_words == [
        {"template": "Choose the column for %(label)s.", "params": {"label": "Date of birth"}}
    ]
    url = f"/api/v1/interop/imports/{run.pk}"
    assert (
        testing.client_for(_polish(clinic)).get(url).json()["error"] == "Wybierz kolumnę dla: Data urodzenia."
    )
    assert testing.client_for(owner).get(url).json()["error"] == "Choose the column for Date of birth."


@override_settings(TASKS=HELD)
def test_a_run_written_before_its_words_were_kept_shows_its_text(owner, clinic):
    run = _run_in_the_worker(clinic, CSV + b",Nowicka,1979-11-02\n", MAPPING)
    ImportRun.objects.filter(pk=run.pk).update(
        result={**run.result, "errors": [
            {"row": 5, "column": "First", "message": "This value is required."},
            {"row": 6, "column": "Sex", "message": "'q' is not a sex (female, male, other or unknown)."},
        ]},
        error="Written by an older worker.",
    )  # fmt: skip
    answer = testing.client_for(_polish(clinic)).get(f"/api/v1/interop/imports/{run.pk}").json()
    assert [e["message"] for e in answer["result"]["errors"]] == [
        "Ta wartość jest wymagana.",  # a catalog message without values: translated
        "'q' is not a sex (female, male, other or unknown).",  # its values are not known: as it was
    ]
    assert answer["error"] == "Written by an older worker."
