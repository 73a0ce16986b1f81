"""Issue 18: the patient's own photos and progress, and their message preferences, in the portal on a phone
and a tablet (no sideways scroll, axe-core), in English and Polish; screenshots for the README."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from mesoclinic.catalog.models import Modality
from mesoclinic.notifications.models import ContactPreference, Kind
from mesoclinic.outcomes.analysis.portraits import studio_portrait
from mesoclinic.patients.services import publish_consent_template, record_consent
from mesoclinic.testing import make_clinic
from mesoclinic.testing.outcomes import make_analysis, make_photo
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import AXE, violations
from tests.e2e.test_portal_journey import patient_with_a_series, sign_in
from tests.e2e.test_public_booking_journey import PHONE, TABLET, context_page, no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def portrait_jpeg(side: int, brightness: float) -> bytes:
    pixels = (studio_portrait().clip(0, 1) * 255 * brightness).clip(0, 255).astype("uint8")
    image = Image.fromarray(pixels)
    image.thumbnail((side, side))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def shared_photos(patient) -> None:
    """Three front photos over five months, shared, with wrinkles measured falling; one more not shared."""
    template = publish_consent_template(
        patient.clinic,
        modality=Modality.objects.get(clinic=patient.clinic, code="needle"),
        title="Needle",
        body="v1",
        actor=None,
    )
    consent = record_consent(patient, template=template, signed_by=patient.full_name, actor=None)
    start = timezone.now() - timedelta(days=160)
    for n, (days, wrinkle, shared) in enumerate(
        ((0, 4.2, True), (60, 3.9, False), (90, 3.6, True), (155, 3.1, True))
    ):
        photo = make_photo(patient, start + timedelta(days=days))
        default_storage.save(photo.image.name, ContentFile(portrait_jpeg(640, 0.95 + n * 0.02)))
        default_storage.save(photo.thumbnail.name, ContentFile(portrait_jpeg(240, 0.95 + n * 0.02)))
        photo.consent, photo.shared_with_patient = consent, shared
        photo.save(update_fields=["consent", "shared_with_patient"])
        make_analysis(photo, {"forehead": {"wrinkle_area_fraction": wrinkle}}, method_version="test")


def test_the_patient_sees_their_shared_photos_and_chooses_messages_on_a_phone_and_a_tablet(
    browser, live_server, tmp_path
):
    axe = AXE.exists()  # make test installs it; without it the pages are still driven
    clinic = make_clinic("Rosa Aesthetics")
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        _setup, patient, _course = patient_with_a_series(clinic)
        patient.phone = "+48 600 100 200"
        patient.save(update_fields=["phone"])
        shared_photos(patient)
        for viewport, name in ((PHONE, "phone"), (TABLET, "tablet")):
            context, page, blocked = context_page(browser, live_server, viewport, bypass_csp=name == "tablet")
            sign_in(page, clinic)
            page.get_by_role("link", name="See your photos and progress").click()
            expect(page.get_by_role("heading", name="Your photos and progress")).to_be_visible()
            expect(page.locator(".portal-photos img")).to_have_count(3)  # the unshared one is not there
            expect(page.locator(".portal-chart svg")).to_be_visible()
            # Polled from here: wait_for_function evaluates a string, which the portal's CSP (no eval) refuses.
            for _ in range(100):
                if page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"):
                    break
                page.wait_for_timeout(100)
            else:
                raise AssertionError("a photo did not load")
            no_sideways_scroll(page)
            if name == "phone":
                screenshot(page, "patient-portal-photos-phone")
            if axe and name == "tablet":
                assert violations(page) == []
            page.goto(f"/c/{clinic.slug}/portal/me/messages/")
            no_sideways_scroll(page)
            if name == "tablet":
                if axe:
                    assert violations(page) == []
            else:
                page.get_by_label("By SMS").first.check()
                page.get_by_label("By e-mail").first.uncheck()
                page.get_by_label("Yes, send me news and offers from the clinic").check()
                screenshot(page, "patient-portal-messages-phone")
                page.get_by_role("button", name="Save").click()
                expect(page.get_by_text("Your message preferences are saved.")).to_be_visible()
            context.close()
            assert not blocked, blocked
    preference = ContactPreference.objects.get(patient=patient)
    assert preference.channels_for(Kind.REMINDER) == ["sms"] and preference.marketing


def test_the_photos_page_speaks_polish(browser, live_server, tmp_path):
    clinic = make_clinic("Rosa Aesthetics")
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        _setup, patient, _course = patient_with_a_series(clinic)
        shared_photos(patient)
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="pl-PL")
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in_pl(page, clinic)
        page.goto(f"/c/{clinic.slug}/portal/me/photos/")
        expect(page.get_by_role("heading", name="Twoje zdjęcia i postępy")).to_be_visible()
        expect(page.get_by_role("heading", name="Przed i po")).to_be_visible()
        no_sideways_scroll(page)
        page.goto(f"/c/{clinic.slug}/portal/me/messages/")
        expect(page.get_by_role("heading", name="Wiadomości od gabinetu")).to_be_visible()
        no_sideways_scroll(page)
        context.close()


def sign_in_pl(page, clinic) -> None:
    """The portal's session as the code leaves it, without the English labels of ``sign_in``."""
    page.goto(f"/c/{clinic.slug}/portal/")
    page.locator("input[name=email]").fill("ola@example.com")
    page.locator("input[name=birth_date]").fill(date(1990, 5, 6).isoformat())
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile("/portal/code/"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.locator("input[name=code]").fill(code)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile("/portal/me/"))
