"""The job log in the Django admin: superusers read it; nobody changes it there."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesoclinic.worker.models import Job


def test_a_superuser_reads_the_job_log_but_cannot_change_it(db):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 12)
    job = Job.objects.create(
        result_id="r1",
        task_path="mesoclinic.worker.tests.tasks.add",
        queue="default",
        enqueued_at=timezone.now(),
    )
    client = Client()
    client.force_login(admin)
    assert (
        "mesoclinic.worker.tests.tasks.add"
        in client.get(reverse("admin:worker_job_changelist")).content.decode()
    )
    page = client.get(reverse("admin:worker_job_change", args=[job.pk])).content.decode()
    assert 'name="_save"' not in page
    assert client.get(reverse("admin:worker_job_add")).status_code == 403
    assert client.post(reverse("admin:worker_job_delete", args=[job.pk]), {"post": "yes"}).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()
