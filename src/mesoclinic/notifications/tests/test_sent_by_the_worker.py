"""The periodic job through the real worker (huey on a SQLite file and on the Redis server), along a frozen
clock: each kind of message is sent once when due, not a minute before, and not again on the next run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from django.core import mail

from mesoclinic.notifications.models import Delivery, DeliveryStatus, Kind
from mesoclinic.notifications.services import send_due_notifications_task
from mesoclinic.scheduling.models import AppointmentStatus, MaintenanceRecall
from mesoclinic.testing import make_patient, make_schedulable, make_signed_session
from mesoclinic.testing.notifications import contactable, make_appointment, make_course
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.worker.consumer import running_consumer
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests.conftest import wait_for, worker_backend

pytestmark = pytest.mark.django_db(transaction=True)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _run_job_in_worker() -> Job:
    result = send_due_notifications_task.enqueue()
    job = Job.objects.get(result_id=result.id)

    def finished() -> Job | None:
        job.refresh_from_db()
        return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None

    return wait_for(finished)


def _one_of_each_kind(clinic) -> None:
    """Four patients: a signed needle session (aftercare, then the complication checks), a series under
    way, a booked appointment and a maintenance recall (the timeline says when each is due)."""
    where = make_schedulable(clinic)
    aftercare = make_signed_session(
        contactable(make_patient(clinic)), where.practitioner, performed_at=at(2026, 6, 1, 10)
    )
    SessionRecord.objects.filter(pk=aftercare.pk).update(aftercare="No make-up for 12 hours.")
    patient = contactable(make_patient(clinic))
    course = make_course(patient, sessions=4, interval_days=14, tolerance_days=2)
    make_appointment(
        patient, where, at(2026, 6, 1, 12), status=AppointmentStatus.COMPLETED, course=course, session_index=1
    )
    make_appointment(contactable(make_patient(clinic)), where, at(2026, 6, 12, 12))
    patient = contactable(make_patient(clinic))
    MaintenanceRecall.objects.create(
        clinic=clinic, patient=patient, course=make_course(patient, sessions=1), due_on=date(2026, 12, 1)
    )


# (moment, the kind newly sent then or None): each kind nothing a minute before it is due, one message when
# due, none more on the next run.
TIMELINE = [
    (at(2026, 6, 1, 9, 59), None),
    (at(2026, 6, 1, 10, 5), Kind.AFTERCARE),  # signed at 10:00
    (at(2026, 6, 1, 10, 10), None),
    (at(2026, 6, 5, 12), None),
    (at(2026, 6, 6, 6), Kind.CONTINUATION),  # window 13–17 June: asked a week ahead, after quiet hours
    (at(2026, 6, 7, 12), None),
    (at(2026, 6, 10, 11, 59), None),
    (at(2026, 6, 10, 12), Kind.REMINDER),  # 48 h before 12 June 12:00
    (at(2026, 6, 11, 12), None),
    (at(2026, 6, 12, 10), Kind.REMINDER),  # 2 h before
    (at(2026, 6, 12, 11), None),
    (at(2026, 6, 29, 9, 59), None),
    (at(2026, 6, 29, 10), Kind.COMPLICATION_CHECK),  # 4 weeks after the needle session
    (at(2026, 6, 30, 12), None),
    (at(2026, 7, 27, 10), Kind.COMPLICATION_CHECK),  # 8 weeks after
    (at(2026, 7, 28, 12), None),
    (at(2026, 11, 16, 12), None),
    (at(2026, 11, 17, 12), Kind.RECALL),  # two weeks before 1 December
    (at(2026, 11, 18, 12), None),
]


def _sent() -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in Delivery.objects.filter(status=DeliveryStatus.SENT).values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_each_kind_is_sent_once_when_due_through_the_worker(queue: str, clinic, tmp_path: Path) -> None:
    _one_of_each_kind(clinic)
    expected: dict[str, int] = {}
    with worker_backend(queue, tmp_path), running_consumer():
        for moment, kind in TIMELINE:
            if kind:
                expected[kind] = expected.get(kind, 0) + 1
            with time_machine.travel(moment, tick=True):
                assert _run_job_in_worker().status == JobStatus.SUCCEEDED
            assert _sent() == expected, moment
    assert len(mail.outbox) == sum(expected.values())
