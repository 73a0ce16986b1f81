"""Periodic jobs from PERIODIC_TASKS: the scheduler queues an entry when its crontab is due, not otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from huey.consumer import Scheduler

from mesoclinic.worker.consumer import make_consumer, register_periodic, running_consumer
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests import tasks
from mesoclinic.worker.tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def huey_time(hour: int, minute: int) -> datetime:
    """A time as huey's scheduler passes it: naive UTC."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC).replace(tzinfo=None)


PERIODIC = {
    "every-five-minutes": {
        "task": "mesoclinic.worker.tests.tasks.every_five_minutes",
        "crontab": {"minute": "*/5"},
    },
    "half-past": {
        "task": "mesoclinic.worker.tests.tasks.half_past",
        "crontab": {"minute": "30", "hour": "*"},
    },
}


def test_a_due_entry_runs_and_one_not_due_does_not(backend):
    tasks.CALLS.clear()
    register_periodic(backend.huey, PERIODIC)
    # The consumer's own scheduler would also check at the real time; this test's check is at 10:05 UTC.
    with running_consumer(periodic=False) as consumer:
        # The scheduler's check as it happens at 10:05 UTC (huey keeps naive UTC times).
        Scheduler(backend.huey, consumer.stop_flag, 1, True).enqueue_periodic_tasks(huey_time(10, 5))
        job = wait_for(lambda: Job.objects.filter(status=JobStatus.SUCCEEDED).first())
    assert job.task_path == "mesoclinic.worker.tests.tasks.every_five_minutes"
    assert job.clinic is None
    assert len(tasks.CALLS["every_five_minutes"]) == 1
    assert tasks.CALLS["half_past"] == []
    assert Job.objects.count() == 1


def test_the_consumer_registers_the_entries_of_the_settings(backend):
    with override_settings(PERIODIC_TASKS=PERIODIC):
        consumer = make_consumer(periodic=True)
    assert consumer.periodic
    assert backend.huey.mesoclinic_periodic == set(PERIODIC)


def test_it_reads_the_crontab_of_each_entry(backend):
    names = register_periodic(backend.huey, PERIODIC)
    assert names == ["every-five-minutes", "half-past"]
    due = {task.name for task in backend.huey.read_periodic(huey_time(10, 30))}
    assert due == {"mesoclinic.periodic.every-five-minutes", "mesoclinic.periodic.half-past"}
    assert list(backend.huey.read_periodic(huey_time(10, 31))) == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"task": "mesoclinic.worker.tests.tasks.nothing", "crontab": {}}, "cannot import"),
        ({"task": "mesoclinic.worker.tests.tasks.CALLS", "crontab": {}}, "not a django-tasks task"),
        ({"task": "mesoclinic.worker.tests.tasks.half_past", "crontab": {"minutes": "5"}}, "unknown crontab"),
    ],
)
def test_a_bad_entry_stops_the_worker_at_start_with_its_name(backend, entry, message):
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        register_periodic(backend.huey, {"broken": entry})
    assert "PERIODIC_TASKS['broken']" in str(error.value)
