"""The owner connects another system: adds an endpoint (a real local receiver), copies the secret shown once,
sends a test event and sees it delivered and verified; the receiver's outage shows in the log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.testing import PASSWORD, make_clinic, make_staff
from mesoclinic.webhooks.tests.receiver import start_receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    running = start_receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_the_owner_adds_an_endpoint_and_sends_a_test_event(page, receiver):
    clinic = make_clinic("Rosa Aesthetics")
    owner = make_staff(clinic, Role.OWNER, name="Olga Owner")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(owner.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="Add an endpoint").click()
    page.get_by_label("Address (URL)").fill(receiver.url)
    page.get_by_label("Appointment booked").check()
    page.get_by_role("button", name="Add and show the secret").click()
    expect(page.get_by_text("Copy this secret now: it will not be shown again.")).to_be_visible()
    receiver.secret = page.get_by_label("Secret").input_value()
    assert receiver.secret.startswith("whsec_")
    page.get_by_role("link", name="I have copied it").click()

    receiver.script = [500]
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("The receiver answered 500.").first).to_be_visible()
    page.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("Delivered")).to_be_visible()
    assert [r.verified for r in receiver.requests] == [True, True]
    assert len({r.headers["X-MesoClinic-Event-Id"] for r in receiver.requests}) == 1

    page.get_by_role("link", name="Delivery log").click()
    expect(page.locator("tbody tr")).to_have_count(2)
