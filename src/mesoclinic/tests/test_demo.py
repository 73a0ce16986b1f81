"""The demo clinic: what the issue promises, and idempotent."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from mesoclinic.accounts.models import Clinic, Location, StaffMember
from mesoclinic.catalog.models import Protocol
from mesoclinic.demo import load_demo
from mesoclinic.patients.models import Consent, Patient
from mesoclinic.safety.rules import screen
from mesoclinic.safety.selectors import patient_history, protocol_spec
from mesoclinic.scheduling.models import Appointment, Device, Room

pytestmark = pytest.mark.django_db

WARSAW = ZoneInfo("Europe/Warsaw")


def on(day: date, hour: int = 9) -> time_machine.travel:
    """The clock at ``hour`` in Warsaw (the demo clinic's zone) on ``day``: the demo is dated from it."""
    return time_machine.travel(datetime.combine(day, time(hour), WARSAW), tick=True)


def counts() -> tuple[int, ...]:
    return (
        Location.objects.count(),
        StaffMember.objects.count(),
        Room.objects.count(),
        Device.objects.count(),
        Patient.objects.count(),
        Consent.objects.count(),
        Protocol.objects.count(),
        Appointment.objects.count(),
    )


def test_it_builds_the_demo_clinic_and_creates_nothing_twice():
    with on(date(2026, 11, 25)):
        clinic, logins = load_demo()
    first = counts()
    with on(date(2026, 11, 26), hour=16):
        load_demo()
    assert counts() == first
    locations, _, rooms, devices, patients, consents, _, appointments = first
    assert (locations, rooms, devices, patients) == (2, 4, 6, 60)
    assert StaffMember.objects.filter(role__in=["physician", "practitioner"]).count() == 5
    assert consents > 40
    assert appointments > 30
    # Every series the planner proposed was booked: none refused as "not free" (a practitioner of both
    # locations booked at one went on being offered at the other; 47 were booked then).
    assert Appointment.objects.filter(clinic=clinic, status="booked").count() == 70
    assert {login.username for login in logins} >= {"owner", "reception"}
    from mesoclinic.portal.models import WaitlistEntry  # noqa: PLC0415

    waiting = WaitlistEntry.objects.get(clinic=clinic)  # one, though loaded twice
    assert waiting.appointment.session_index == 2 and waiting.patient == waiting.appointment.patient
    assert Protocol.objects.filter(clinic=clinic, bookable_online=True).count() >= 6
    decisions = {
        screen(patient_history(p), protocol_spec(protocol), on=date(2026, 11, 25)).decision
        for p in Patient.objects.filter(clinic=clinic).select_related("medical_history")
        for protocol in Protocol.objects.filter(clinic=clinic, slug__in=["electroporation-glow"])[:1]
        or Protocol.objects.filter(clinic=clinic, modality__code="electroporation")[:1]
    }
    assert decisions == {"ok", "warn", "block"} or decisions >= {"ok", "block"}


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 31, 23, 40, tzinfo=WARSAW),  # the year turns during the first hour of the demo
        datetime(2027, 3, 28, 1, 50, tzinfo=WARSAW),  # spring forward: 02:00-03:00 does not exist
        datetime(2027, 10, 31, 2, 30, tzinfo=ZoneInfo("UTC")),  # autumn back, after midnight in Warsaw
        datetime(2029, 7, 2, 12, 0, tzinfo=WARSAW),  # past the years the old demo had holidays for
    ],
)
def test_it_builds_the_same_demo_on_any_day(moment: datetime):
    from mesoclinic.treatments.models import SessionRecord  # noqa: PLC0415

    with time_machine.travel(moment, tick=True):
        clinic, _ = load_demo()
    assert Patient.objects.filter(clinic=clinic).count() == 60
    assert Appointment.objects.filter(clinic=clinic).count() > 30
    assert SessionRecord.objects.filter(clinic=clinic, status=SessionRecord.Status.SIGNED).count() == 20


#: The day ``TestTheDemoLoadedTwice`` loads the demo on (twice, the second load adding nothing).
LOADED_ON = date(2027, 2, 17)


@pytest.fixture(scope="class")
def demo_loaded_twice(django_db_setup, django_db_blocker):
    """The demo loaded twice on ``LOADED_ON``, once for the class: built inside a transaction held open for
    the class's tests (each test's own transaction a savepoint inside it, rolled back after the test) and
    rolled back after the last of them. Returns the clinic's pk."""
    with django_db_blocker.unblock(), transaction.atomic():
        with on(LOADED_ON):
            clinic, _ = load_demo()
            load_demo()
        yield clinic.pk
        transaction.set_rollback(True)


@pytest.mark.xdist_group("demo_loaded_twice")  # one worker builds it for both tests
class TestTheDemoLoadedTwice:
    """What the demo holds, loaded twice on one day: built once for the class (see ``demo_loaded_twice``)."""

    def test_it_records_a_traceable_treatment_history(self, demo_loaded_twice):
        from mesoclinic.inventory.models import Lot, LotKind  # noqa: PLC0415
        from mesoclinic.inventory.selectors import expiring_soon, low_stock  # noqa: PLC0415
        from mesoclinic.scheduling.models import MaintenanceRecall  # noqa: PLC0415
        from mesoclinic.treatments.models import SessionRecord  # noqa: PLC0415
        from mesoclinic.vigilance.models import AdverseEvent  # noqa: PLC0415
        from mesoclinic.vigilance.selectors import recall  # noqa: PLC0415

        today = LOADED_ON
        clinic = Clinic.objects.get(pk=demo_loaded_twice)
        signed = SessionRecord.objects.filter(clinic=clinic, status=SessionRecord.Status.SIGNED)
        # one whole series of four, four patients three sessions in, and the photographed patient's earlier series
        assert signed.count() == 20
        assert MaintenanceRecall.objects.filter(clinic=clinic).count() == 2
        ingredient = Lot.objects.get(clinic=clinic, product__code="ha_1pct_ampoule")
        result = recall([ingredient])
        assert {r.lot.kind for r in result.lots} == {LotKind.SUPPLIED, LotKind.PREPARATION}
        assert len(result.patients) == 6
        assert AdverseEvent.objects.get(clinic=clinic).closed_at is not None
        assert [lot.product.code for lot in expiring_soon(clinic, today)] == ["vitamin_c_ampoule"]
        assert [lot.product.code for lot in low_stock(clinic)] == ["glutathione_vial"]

    def test_it_shows_analysed_photos_scales_an_outcome_report_and_a_message_log(self, demo_loaded_twice):
        from mesoclinic.notifications.models import ContactPreference, Delivery, DeliveryStatus  # noqa: PLC0415
        from mesoclinic.outcomes.models import AnalysisStatus, Assessment, Photo  # noqa: PLC0415
        from mesoclinic.reports.selectors import cohort_outcomes  # noqa: PLC0415

        clinic = Clinic.objects.get(pk=demo_loaded_twice)
        assert ContactPreference.objects.filter(patient__clinic=clinic, consent=True).count() == 30
        sent = Delivery.objects.filter(clinic=clinic, status=DeliveryStatus.SENT)
        assert sent.exists()
        assert not sent.exclude(patient__contact_preference__consent=True).exists()
        photos = list(Photo.objects.filter(clinic=clinic).select_related("analysis").order_by("taken_at"))
        assert [(p.view, p.analysis.status) for p in photos] == [("front", AnalysisStatus.DONE)] * 2
        before, after = photos
        assert before.patient == after.patient and before.session is not None
        assert after.analysis.baseline == before  # registered onto the intake photo: a real before/after
        assert after.analysis.metrics["forehead"]["wrinkle_area_fraction"] >= 0
        assert before.shared_with_patient and after.shared_with_patient  # her portal shows them
        assert Assessment.objects.filter(clinic=clinic, patient=before.patient).count() == 2
        assert Assessment.objects.filter(clinic=clinic, gais_investigator__isnull=False).count() >= 5
        cohort = cohort_outcomes(clinic, metric="wrinkle_area_fraction", region="forehead", months=5)
        assert [o.patient_id for o in cohort.outcomes] == [before.patient_id]
        assert cohort.scales
