"""Every page that runs JavaScript, in Chromium under the strict Content-Security-Policy: not one violation.

The browser reports what the policy blocks as ``securitypolicyviolation`` events and console errors;
both are collected on every page, after the page's script has been made to do its work (drag, scan,
zone map, pre-check, slider, htmx swaps), and the test fails listing each one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from mesoclinic.outcomes.services import upload_photo
from mesoclinic.testing import PASSWORD
from mesoclinic.testing.accounts import totp
from tests.security.world import build_world, photo_bytes

pytestmark = pytest.mark.django_db(transaction=True)

GUARD = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_no_page_breaks_the_content_security_policy(page, tmp_path: Path) -> None:  # noqa: PLR0915 — one tour
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        world = build_world()
        owner_secret = generate_totp_secret()
        Authenticator.objects.filter(user=world.staff["owner"].user, type=Authenticator.Type.TOTP).delete()
        TOTP.activate(world.staff["owner"].user, owner_secret)
        patient, record = world.objects["patient"], world.objects["record"]
        first = world.objects["photo"]
        second = upload_photo(
            patient,
            photo_bytes(300),
            view="close_up",  # a texture, not a face: a front view without a face is refused
            taken_at=datetime(2026, 6, 1, 10, tzinfo=UTC),
            conditions={},
            actor=None,
        )
        problems: list[str] = []
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        page.add_init_script(GUARD)
        page.set_default_timeout(30_000)  # a tour of a dozen pages on a busy machine

        def visited(what: str) -> None:
            page.wait_for_load_state("networkidle")
            problems.extend(f"{what}: {v}" for v in page.evaluate("window.__cspViolations || []"))

        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(world.staff["owner"].user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        # The world gives everyone an authenticator app: the second step of signing in is on the tour too.
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        visited("two-factor sign-in")
        page.get_by_label("Code").fill(totp(owner_secret))
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        visited("today")

        page.goto("/patients/")
        page.get_by_role("searchbox").first.fill("Quex")  # htmx search as you type
        expect(page.locator("#patient-results")).to_contain_text("Quexalpha")
        visited("patient search")

        page.goto(reverse("patients:detail", args=[patient.pk]))
        visited("patient chart")

        location = world.objects["location"]
        page.goto(f"/schedule/?location={location.pk}&date=2031-03-03&view=day&by=practitioner")
        block = page.locator("[draggable=true], [data-appointment]").first
        expect(block).to_be_visible()
        box = block.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 120, steps=8)
        page.mouse.up()
        # A move that is accepted reloads the calendar: wait for that (or for the refusal) before leaving the
        # page, or the next navigation races the reload (net::ERR_ABORTED on a busy machine).
        expect(page.locator(".is-saving")).to_have_count(0)
        visited("calendar drag")

        page.goto(f"{reverse('scheduling:book')}?patient={patient.pk}")
        visited("booking wizard")

        page.goto(reverse("treatments:session", args=[record.pk]))
        zone = page.locator("[data-zone]").first
        if zone.count():
            zone.click()
        scan = page.locator("#scan")
        if scan.count():
            scan.fill(world.objects["lot"].lot_number)
            scan.press("Enter")
        visited("session form with face map")

        page.goto(reverse("outcomes:capture", args=[patient.pk]))
        page.get_by_label("Photo", exact=True).set_input_files(
            files=[{"name": "face.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(320)}]
        )
        expect(page.locator("#precheck")).to_contain_text("px")
        visited("photo capture")

        page.goto(f"{reverse('outcomes:compare', args=[patient.pk])}?before={first.pk}&after={second.pk}")
        slider = page.locator("#slider-range")
        if slider.count():
            slider.fill("30")
        visited("before/after viewer")

        page.goto(reverse("inventory:receive"))
        scan = page.get_by_label("Scan the barcode")
        scan.fill("]d2010501234567890017491231" + "10AB12")
        scan.press("Enter")
        expect(page.get_by_label("Lot number")).to_have_value("AB12")
        visited("receive by scan")

        for name in ("reports:index", "reports:outcomes", "reports:no_shows", "reports:adherence"):
            page.goto(reverse(name))
            visited(name)
        page.goto(reverse("reports:patient_progress", args=[patient.pk]))
        visited("progress")

        page.goto("/api/v1/docs")
        visited("API docs")

    assert problems == [], "\n".join(problems)
