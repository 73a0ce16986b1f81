"""Every URL pattern (pages and /api/v1/) that names a patient or one of a patient's records is audited.

The walk enumerates the real URL configuration, so a new route with a new kind of argument fails here until
someone says whether it names patient data (``reads.PATIENT_VIA``) or not (``NOT_PATIENT`` below).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from mesoclinic.audit import reads
from mesoclinic.testing import make_patient, make_signed_session

NOT_PATIENT = frozenset(
    {
        "lot_id",  # a product lot; the recall it shows is audited by its service (recall.view)
        "modality",  # Settings: a modality's consent form
        "practitioner_id",
        "extra_hours_id",
        "time_off_id",
        # Settings (owner only): staff, locations and their holidays, rooms, devices and their downtime
        "staff_id",
        "location_id",
        "holiday_id",
        "room_id",
        "device_id",
        "downtime_id",
        "feed_id",
        "token",  # a calendar feed's secret
        "slug",  # a protocol
        "protocol_id",  # a protocol (Settings API)
        "factor",  # a screening rule's factor code (Settings)
        "code",  # a catalog item's code (Settings; with kind)
        "clinic_slug",  # a clinic's public booking page (its booking pages note the patient they show)
        "kind",  # which file of a photo (with photo_id)
        # The admin's own arguments; its patient-bearing models are resolved through ``model_admin``.
        "app_label",
        "object_id",
        "content_type_id",
        "url",
        "path",
        "document_root",
        "id",  # the admin's user password page
        "key",  # allauth's e-mail confirmation and password reset keys
        "uidb36",
        "token_id",  # an API token
        "job_id",  # a background job (ids only, no personal data)
        "endpoint_id",  # a webhook endpoint
        "delivery_id",  # a webhook delivery (ids only) or a message's retry (POST: audited by its service)
        "answer_id",  # a complication answer's acknowledgement (POST: audited by its service)
        "request_id",  # an erasure request's withdraw / erase (POST: audited by its service)
        "channel",  # a message template (with kind and language)
        "language",
        "upload_id",  # a CSV import under way: many rows, not one chart (the owner's import screen)
        "run_id",  # a large import run by the worker: its progress and report (many rows, not one chart)
        "resource_type",  # a FHIR bulk file: the view writes its export row
        "line_id",  # a line of a document, always with its invoice_id (which names the patient)
        "payment_id",  # a payment's amount and method; its refund (POST) is audited by its service
        "item_id",  # a price-list item
        "online_payment_id",  # a payment link's cancel (POST only: audited by its service)
        "reference",  # a patient's payment link (/pay/…): the amount to pay, no chart; the payment is audited
        "review_id",  # staff confirm a self-reported history (POST only: audited by its service)
        "problem_id",  # staff handle a problem a patient reported (POST only: audited by its service)
        "booking_id",  # staff resolve a possible duplicate (POST only: audited by its service)
        "entry_id",  # the patient's own waiting-list entry (POST only: audited by the waiting list)
        "clinic",  # a clinic's slug in the public booking API (anonymous, no chart)
        "booking",  # an online booking's reference in the public API (POST verify: audited by its service)
    }
)


def _walk(
    patterns: list[Any], prefix: str = "", names: frozenset[str] = frozenset()
) -> Iterator[tuple[str, Any, frozenset[str]]]:
    for entry in patterns:
        found = (
            names
            | frozenset(entry.pattern.regex.groupindex)
            | frozenset(getattr(entry.pattern, "converters", {}))
        )
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, found)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback, found


ROUTES = list(_walk(get_resolver().url_patterns))
PATIENT_ARGUMENTS = {reads.PATIENT_KWARG, *reads.PATIENT_VIA}


def test_the_walk_sees_pages_and_api_operations() -> None:
    routes = {route for route, _, _ in ROUTES}
    assert "patients/<int:patient_id>/" in routes
    assert "api/v1/sessions/<int:record_id>" in routes
    assert "outcomes/photos/<int:photo_id>/<slug:kind>/" in routes


@pytest.mark.parametrize(
    ("route", "names"),
    [pytest.param(r, n, id=f"{r}-{','.join(sorted(n))}") for r, _, n in ROUTES if n],
)  # ids from sorted names: a frozenset's order changes between processes (xdist needs the same ids)
def test_every_url_argument_is_classified(route: str, names: frozenset[str]) -> None:
    unknown = names - PATIENT_ARGUMENTS - NOT_PATIENT
    assert not unknown, (
        f"{route}: does {sorted(unknown)} name patient data? Add it to PATIENT_VIA or NOT_PATIENT"
    )


@pytest.mark.parametrize("label", sorted(set(reads.PATIENT_VIA.values())))
def test_each_record_named_by_a_url_belongs_to_a_patient(label: str) -> None:
    field = apps.get_model(label)._meta.get_field("patient")
    assert field.related_model._meta.label_lower == "patients.patient"


@pytest.mark.django_db
def test_every_patient_route_resolves_to_its_patient(clinic: Any, practitioner: Any) -> None:
    """Each route carrying a patient argument, given a real record's id, audits that record's patient."""
    patient = make_patient(clinic)
    record = make_signed_session(patient, practitioner)
    ids = {"patient_id": patient.pk, "record_id": record.pk}
    covered = 0
    for route, callback, names in ROUTES:
        for name in names & ids.keys():
            target = reads.target_for(callback, {name: ids[name]}, {})
            assert target is not None, route
            assert target.patient_id == patient.pk, route
            covered += 1
    assert covered > 20  # every chart tab, sub-page and API operation under a patient or a session record


@pytest.mark.django_db
def test_a_marked_view_names_the_patient_through_its_record(clinic: Any, practitioner: Any) -> None:
    patient = make_patient(clinic)
    record = make_signed_session(patient, practitioner)

    @reads.reads_patient("treatments.SessionRecord", "item")
    def view(request: Any, item: int) -> None:
        return None

    target = reads.target_for(view, {"item": record.pk}, {})
    assert target is not None
    assert (target.object_type, target.patient_id) == ("treatments.sessionrecord", patient.pk)
    assert reads.target_for(view, {"item": 999_999}, {}) is None


def test_a_view_may_name_the_patient_while_it_runs() -> None:
    request = RequestFactory().get("/anything/")
    reads.note_patient_read(request, 41)
    target = reads.target_for(None, {}, {}, runtime_patient=request.audit_patient_id)  # type: ignore[attr-defined]  # the mark note_patient_read sets on the request
    assert target is not None
    assert target.patient_id == 41
