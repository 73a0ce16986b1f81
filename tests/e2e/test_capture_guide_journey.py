"""The live capture guide: the tablet's camera (Chromium's fake camera playing a real portrait) is compared with
the front view by MediaPipe Face Mesh running in the page, which takes the photo when the pose matches; the
practitioner saves it. Everything the guide needs is served by MesoClinic (nothing from the internet)."""

from __future__ import annotations

import os
from datetime import date

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Modality
from mesoclinic.outcomes.analysis.fake_camera import write_face_video
from mesoclinic.outcomes.models import Photo
from mesoclinic.patients.services import publish_consent_template, record_consent, register_patient
from mesoclinic.testing import PASSWORD, make_clinic, make_staff
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = "src/mesoclinic/outcomes/static/outcomes/face_mesh/face_mesh.js"


@pytest.fixture(scope="module")
def camera_browser(playwright, tmp_path_factory):
    """Chromium whose camera is a video of a real face (and which grants camera access without asking)."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    if not os.path.exists(GUIDE):
        message = "the capture guide needs @mediapipe/face_mesh (make face-mesh installs it with npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    video = write_face_video(tmp_path_factory.mktemp("camera") / "face.y4m")
    args = [
        *[a for a in CHROMIUM_ARGS if a != "--disable-gpu"],
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
    ]
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
    yield browser
    browser.close()


def test_the_guide_takes_the_photo_when_the_face_matches_and_it_is_saved(camera_browser, live_server):
    clinic = make_clinic("Rosa Aesthetics")
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse")
    patient = register_patient(
        clinic, actor=None, given_name="Anna", family_name="Nowak", birth_date=date(1984, 5, 17), sex="female"
    )
    modality = Modality.objects.get(clinic=clinic, code="needle")
    template = publish_consent_template(clinic, modality=modality, title="Needle", body="v1", actor=None)
    record_consent(patient, template=template, signed_by="Anna Nowak", actor=None)
    context = camera_browser.new_context(viewport={"width": 820, "height": 1180}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(60_000)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(nurse.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/outcomes/patients/{patient.pk}/photos/take/")
    page.get_by_label("Front").check()
    page.get_by_role("button", name="Start the camera guide").click()
    expect(page.locator("#live-guide")).to_have_attribute("data-taken", "1", timeout=120_000)
    expect(page.locator("#precheck")).to_contain_text("px", timeout=60_000)
    expect(page.locator("#guide-status")).to_contain_text("Photo taken")
    screenshot(page, "capture-guide")
    page.get_by_role("button", name="Save photo").click()
    expect(page.get_by_text("Photo saved")).to_be_visible()
    context.close()
    assert Photo.objects.filter(patient=patient, view="front").count() == 1
    assert not blocked, blocked
    assert not [url for url in external if not url.startswith(("data:", "blob:"))], external
