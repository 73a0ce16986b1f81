"""Query counts of every list: each API list endpoint (/api/v1/) and each staff list page, on the demo clinic.

The demo clinic has several rows in each of these lists (the tests check that it does, for the API), so a
query per row (an N+1) would show as a count above the fixed one asserted here. When a change legitimately
adds a query, update the figure with it; when it adds one per row, fix the query instead.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.accounts.services import create_api_token
from mesoclinic.billing.models import CashUp
from mesoclinic.billing.selectors import cash_expected
from mesoclinic.billing.services import close_day, create_invoice
from mesoclinic.catalog.models import Protocol
from mesoclinic.demo import load_demo
from mesoclinic.notifications.models import Channel, Delivery, DeliveryStatus, Kind
from mesoclinic.patients.models import Patient
from mesoclinic.portal.models import BookingStatus, HistoryReview, OnlineBooking, ProblemReport
from mesoclinic.privacy.services import record_erasure_request
from mesoclinic.scheduling.services import add_extra_hours, add_time_off, create_calendar_feed
from mesoclinic.testing.billing import sell_gift_card
from mesoclinic.webhooks.services import create_endpoint, send_test_event


@contextmanager
def rolled_back() -> Iterator[None]:
    atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
    atomic._from_testcase = True  # the flag TestCase itself sets, so durable services run inside
    atomic.__enter__()
    try:
        yield
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo clinic, with two of each row it lacks (extra hours, time off, feeds, invoices, erasure
    requests, webhook endpoints and deliveries, API tokens), built once for the module and thrown away."""
    cache.clear()
    root = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(root), API_RATE_USER="1000000/min", API_RATE_ANON="1000000/min"),
        django_db_blocker.unblock(),
        rolled_back(),
    ):
        clinic, _ = load_demo()
        owner = StaffMember.objects.get(clinic=clinic, user__username="owner")
        practitioner = StaffMember.objects.get(clinic=clinic, user__username="dr.nowak")
        patients = list(
            Patient.objects.filter(clinic=clinic).annotate(n=Count("sessions")).order_by("-n", "pk")
        )
        patient = patients[0]
        location = Location.objects.filter(clinic=clinic).order_by("pk").first()
        tz = zoneinfo.ZoneInfo(clinic.timezone)
        today = timezone.localdate(timezone=tz)
        for days in (20, 21):
            start = datetime.combine(today + timedelta(days=days), time(9), tzinfo=tz)
            add_extra_hours(
                practitioner, location, starts_at=start, ends_at=start + timedelta(hours=3), actor=None
            )
            off = start + timedelta(days=10)
            add_time_off(practitioner, starts_at=off, ends_at=off + timedelta(hours=8), actor=None)
            create_calendar_feed(clinic, kind="practitioner", object_id=practitioner.pk, actor=owner.user)
            create_api_token(owner, name=f"Script {days}", scopes=["view_patients"], actor=owner.user)
            endpoint = create_endpoint(
                clinic,
                url=f"https://hooks.example.com/{days}",
                events=["appointment.booked"],
                actor=owner.user,
            )
            send_test_event(endpoint, actor=owner.user)
        for other in [patient, patient, *patients[-2:]]:
            create_invoice(other, actor=owner.user)
        for other in patients[-2:]:
            sell_gift_card(other, "200.00")
        for days in (8, 9):  # two closed days at the till (the demo closes only yesterday)
            day = today - timedelta(days=days)
            counted = {k: str(v) for k, v in cash_expected(location, day).items()}
            if not CashUp.objects.filter(location=location, day=day).exists():
                close_day(location, day=day, counted=counted, actor=owner.user)
        # Two messages to the patient whatever the hour: the demo sends only what is due when it is built
        # (at 23:00 nothing is, and the deliveries' lists were empty: too few rows to count a query per row).
        for n, status in enumerate((DeliveryStatus.SENT, DeliveryStatus.FAILED)):
            Delivery.objects.create(
                clinic=clinic, patient=patient, kind=Kind.REMINDER, object_id=10_000 + n,
                due_at=timezone.now() - timedelta(hours=n + 1), channel=Channel.EMAIL, status=status,
                to="patient@example.com", subject="Reminder", body="See you tomorrow.",
            )  # fmt: skip
        for other in patients[-2:]:
            record_erasure_request(other, requested_by="The patient", channel="email", actor=owner.user)
        protocol = Protocol.objects.filter(clinic=clinic).order_by("pk")[0]
        for n, other in enumerate(
            patients[:2]
        ):  # two online bookings: possible duplicates, histories to confirm
            booking = OnlineBooking.objects.create(
                clinic=clinic,
                reference=f"query-count-{n}",
                protocol=protocol,
                location=location,
                given_name=other.given_name,
                family_name=other.family_name,
                birth_date=other.birth_date,
                email=f"online{n}@example.com",
                code_hash="-",
                code_expires_at=timezone.now() + timedelta(minutes=10),
                status=BookingStatus.CONFIRMED if n else BookingStatus.AWAITING_VERIFICATION,
                patient=other,
                duplicate_of=patients[-1],
            )
            HistoryReview.objects.create(
                clinic=clinic, patient=other, booking=booking, answers={"conditions": ["keloid_tendency"]}
            )
            ProblemReport.objects.create(
                clinic=clinic, patient=other, description="Swelling", started_on=today, appointments=[]
            )
        client = Client()
        client.force_login(owner.user)
        window = (
            f"start={today.isoformat()}T00:00:00Z&end={(today + timedelta(days=14)).isoformat()}T00:00:00Z"
        )
        ids = {
            "patient": patient.pk,
            "photographed": _most(clinic, "photos").pk,
            "assessed": _most(clinic, "assessments").pk,
            "consented": _most(clinic, "consents").pk,
            "practitioner": practitioner.pk,
            "location": location.pk,
            "window": window,
            "today": today.isoformat(),
            "clinic_slug": clinic.slug,
            "protocol": protocol.pk,
            "protocol_slug": protocol.slug,
        }
        yield Demo(client, ids)
    cache.clear()


def _most(clinic: Any, related: str) -> Patient:
    """The demo patient with the most rows of ``related``."""
    return Patient.objects.filter(clinic=clinic).annotate(n=Count(related)).order_by("-n", "pk")[0]


@dataclass
class Demo:
    client: Client
    ids: dict[str, Any]


def count_queries(demo: Demo, url: str) -> tuple[Any, list[dict[str, Any]]]:
    """The response to a GET of ``url`` and the queries it made, with the per-process caches warm (one request
    before it, in the same rolled-back block, so that the figure does not depend on which test ran first)."""
    url = url.format(**demo.ids)
    with rolled_back():
        demo.client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = demo.client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # PostgreSQL's audit-chain lock is one statement more than SQLite needs: not a read of the list.
    return response, [q for q in ctx.captured_queries if "pg_advisory_xact_lock" not in q["sql"]]


def rows_of(response: Any) -> int:
    body = response.json()
    return len(body["items"]) if isinstance(body, dict) and "items" in body else len(body)


def repeated(queries: list[dict[str, Any]]) -> str:
    shapes = Counter(re.sub(r"\b\d+\b", "N", q["sql"]) for q in queries)
    return "\n".join(f"{n} × {sql[:300]}" for sql, n in shapes.most_common(3))


# url: the queries of one page of it with the demo clinic's rows (per-process caches warm). Each figure
# counts the session, user and staff reads, the read audit's savepoint and row, and the list's own queries.
API = {
    "/api/v1/patients": 8,
    "/api/v1/patients/{patient}/history/versions": 11,
    "/api/v1/patients/{consented}/consents": 10,
    "/api/v1/patients/consent-templates/current": 7,
    "/api/v1/catalog/modalities": 7,
    "/api/v1/catalog/ingredients": 7,
    "/api/v1/catalog/products": 8,
    "/api/v1/catalog/cocktails": 9,
    "/api/v1/catalog/protocols": 8,
    "/api/v1/catalog/sources": 7,
    "/api/v1/screening/patients/{patient}/records": 10,
    "/api/v1/scheduling/locations": 11,
    "/api/v1/scheduling/appointments?location_id={location}&{window}": 9,
    "/api/v1/scheduling/patients/{patient}/appointments": 11,
    "/api/v1/scheduling/practitioners/{practitioner}/extra-hours": 9,
    "/api/v1/scheduling/practitioners/{practitioner}/time-off": 9,
    "/api/v1/scheduling/feeds": 8,
    "/api/v1/scheduling/screening-alerts": 7,
    "/api/v1/sessions/patients/{patient}": 12,
    "/api/v1/inventory/lots": 10,
    "/api/v1/vigilance/events": 9,
    "/api/v1/vigilance/patients/{patient}/suggested-sessions?onset_on={today}": 13,
    "/api/v1/outcomes/patients/{photographed}/photos": 10,
    "/api/v1/outcomes/patients/{assessed}/assessments": 10,
    "/api/v1/billing/prices": 7,
    "/api/v1/billing/invoices": 7,
    "/api/v1/billing/cash-ups": 7,
    "/api/v1/privacy/erasure-requests": 15,
    "/api/v1/privacy/library": 9,
    "/api/v1/notifications/patients/{patient}/deliveries": 11,
    "/api/v1/notifications/deliveries": 8,
    "/api/v1/scheduling/availability?location_id={location}&protocol={protocol_slug}&{window}": 10,
    "/api/v1/billing/patients/{patient}/packages": 10,
    "/api/v1/settings/locations": 8,
    "/api/v1/settings/rooms": 7,
    "/api/v1/settings/devices": 7,
    "/api/v1/settings/practitioners/{practitioner}/hours": 8,
    "/api/v1/settings/protocols": 10,
    "/api/v1/settings/protocols/{protocol}/versions": 9,
    "/api/v1/settings/catalog-items": 12,
    "/api/v1/settings/message-templates": 7,
    "/api/v1/settings/staff": 8,
    "/api/v1/settings/consent-templates/needle/versions": 8,
}
# Lists the demo clinic leaves with fewer than two rows (their figure is asserted all the same).
FEW_ROWS = {
    "/api/v1/scheduling/screening-alerts",
    "/api/v1/vigilance/events",
    "/api/v1/privacy/library",
    "/api/v1/billing/patients/{patient}/packages",
    "/api/v1/settings/protocols/{protocol}/versions",
    "/api/v1/settings/consent-templates/needle/versions",
}
PAGES = {
    "/": 17,  # + the day's live online holds (issue 18: shown as holds)
    "/patients/": 9,
    "/catalog/modalities/": 8,
    "/catalog/cocktails/": 10,
    "/catalog/products/": 9,
    "/catalog/ingredients/": 8,
    "/safety/rules/": 7,
    "/safety/patients/{patient}/screening/": 16,
    "/schedule/": 19,  # + the days' live online holds (issue 18: shown as holds)
    "/sessions/patient/{patient}/": 15,
    "/inventory/": 17,
    "/vigilance/recall/": 8,
    "/vigilance/events/": 8,
    "/vigilance/patients/{patient}/events/": 13,
    "/outcomes/patients/{photographed}/photos/": 20,
    "/billing/": 8,
    "/billing/patients/{patient}/account/": 19,  # + deposits, packages and credit of the account
    "/billing/prices/": 8,
    "/billing/gift-cards/": 8,
    "/reports/outcomes/": 9,
    "/reports/adherence/": 11,
    "/reports/no-shows/": 8,
    "/reports/recalls/": 8,  # the page: count and slice
    "/reports/money/": 28,  # a fixed set of grouped queries (revenue 4 × 3, VAT, payments, standings)
    "/jobs/": 8,
    "/privacy/requests/": 16,
    "/privacy/library/": 8,
    "/webhooks/": 8,
    "/webhooks/deliveries/": 9,
    "/notifications/": 8,
    "/notifications/templates/": 7,
    "/notifications/patients/{patient}/": 16,
    "/audit/": 11,
    "/import/": 8,  # + the recent large-import runs
    "/accounts/tokens/": 7,
    "/settings/staff/": 9,
    "/settings/locations/": 8,
    "/settings/consents/": 8,
    "/settings/rooms/": 11,
    "/settings/devices/": 8,
    "/settings/protocols/": 10,
    "/settings/screening-rules/": 8,
    "/settings/catalog/": 12,  # products, cocktails (with their composition and products), ingredients
    "/c/{clinic_slug}/": 11,
    "/api/v1/public/{clinic_slug}/offerings": 12,  # the public booking API: treatments, places, questions
    "/waitlist/": 7,  # who waits for an earlier date (issue 18, item 5)
    "/online-bookings/": 10,  # waiting for their code, duplicates, histories to confirm, reported problems
}


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "expected"), list(API.items()))
def test_api_list(demo: Demo, url: str, expected: int) -> None:
    response, queries = count_queries(demo, url)
    assert rows_of(response) >= (0 if url in FEW_ROWS else 2), (
        "too few rows for the count to catch a query per row"
    )
    assert len(queries) == expected, repeated(queries)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "expected"), list(PAGES.items()))
def test_page(demo: Demo, url: str, expected: int) -> None:
    _, queries = count_queries(demo, url)
    assert len(queries) == expected, repeated(queries)
