"""``mesoclinic send_notifications``: sends what is due at --at (or now) and prints the counts; a second
run for the same instant sends nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from mesoclinic.testing import make_patient, make_schedulable
from mesoclinic.testing.notifications import contactable, make_appointment


def test_it_sends_what_is_due_at_the_instant_once(clinic, capsys):
    make_appointment(
        contactable(make_patient(clinic)), make_schedulable(clinic), datetime(2026, 6, 12, 12, tzinfo=UTC)
    )
    call_command("send_notifications", "--at", "2026-06-12T10:00+00:00")
    assert json.loads(capsys.readouterr().out)["sent"] == 1
    call_command("send_notifications", "--at", "2026-06-12T10:00+00:00")
    assert json.loads(capsys.readouterr().out)["sent"] == 0
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("at", "message"), [("tomorrow", "not an ISO-8601"), ("2026-06-12T10:00", "UTC offset")]
)
def test_a_bad_instant_is_a_usage_error(db, at, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("send_notifications", "--at", at)
    assert caught.value.returncode == 2
