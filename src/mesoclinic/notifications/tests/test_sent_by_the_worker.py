"""The periodic job through the real worker (huey on a SQLite file and on the Redis server): what is due is
sent once, and a second run of the job sends nothing again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail

from mesoclinic.notifications.models import Delivery, DeliveryStatus, Kind
from mesoclinic.notifications.services import send_due_notifications_task
from mesoclinic.notifications.tests.factories import contactable, make_appointment
from mesoclinic.testing import make_patient, make_schedulable
from mesoclinic.worker.consumer import running_consumer
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests.conftest import wait_for, worker_backend

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 6, 12, 12, tzinfo=UTC)  # 14:00 in Warsaw: outside quiet hours


def _run_job_in_worker() -> Job:
    result = send_due_notifications_task.enqueue()
    job = Job.objects.get(result_id=result.id)

    def finished() -> Job | None:
        job.refresh_from_db()
        return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None

    return wait_for(finished)


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_the_worker_sends_a_due_reminder_once(queue: str, clinic, tmp_path: Path) -> None:
    patient = contactable(make_patient(clinic))
    appointment = make_appointment(patient, make_schedulable(clinic), START)
    # The clock runs (tick=True) from two hours before the appointment: the 2-hour reminder is due.
    with (
        time_machine.travel(START - timedelta(hours=2), tick=True),
        worker_backend(queue, tmp_path),
        running_consumer(),
    ):
        first = _run_job_in_worker()
        second = _run_job_in_worker()
    assert (first.status, second.status) == (JobStatus.SUCCEEDED, JobStatus.SUCCEEDED)
    [delivery] = Delivery.objects.filter(kind=Kind.REMINDER)
    assert (delivery.status, delivery.object_id) == (DeliveryStatus.SENT, appointment.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [patient.email]
