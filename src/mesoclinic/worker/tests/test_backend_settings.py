"""The worker's settings are checked when read: a wrong value stops it with a sentence, not later."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from mesoclinic.worker.backend import HueyBackend, build_huey


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"storage": "redis", "url": ""}, "needs a URL: set REDIS_URL"),
        ({"storage": "sqlite", "filename": ""}, "needs a file name"),
        ({"storage": "memcached"}, "must be sqlite or redis"),
    ],
)
def test_a_queue_without_its_place_is_refused(options, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        build_huey(options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_attempts": 0}, "max_attempts must be at least 1"),
        ({"retry_backoff": "fast"}, "retry_backoff must be a number"),
        ({"retry_delay": -1}, "retry_delay must be at least 0"),
    ],
)
def test_bad_retry_options_are_refused(options, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        HueyBackend("default", {"OPTIONS": options})


def test_the_worker_command_refuses_a_backend_that_is_not_the_worker():
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate), pytest.raises(ImproperlyConfigured, match="needs"):
        call_command("worker")
