"""The consent's drawn signature (issue 12, item 13): kept as a PNG with the signed version, beside the
typed name, in the UI and the API; a blank or foreign file is refused with the reason and nothing saved."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.urls import reverse
from PIL import Image

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Modality
from mesoclinic.patients.models import Consent
from mesoclinic.patients.services import publish_consent_template, record_consent
from mesoclinic.patients.signature import SignatureError, clean_signature, decode_data_url
from mesoclinic.testing import client_for, make_patient, signature_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(clinic):
    modality = Modality.objects.get(clinic=clinic, code="needle")
    return publish_consent_template(
        clinic, modality=modality, title="Needle consent", body="Risks.", actor=None
    )


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (480, 160), (0, 0, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def test_a_drawn_signature_is_kept_as_a_png_with_the_signed_version(clinic, receptionist, template):
    patient = make_patient(clinic)
    client = client_for(receptionist)
    response = client.post(
        reverse("patients:consent_record", args=[patient.pk]),
        {"template": template.pk, "signed_by": "Anna Nowak", "signature": data_url(signature_png())},
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.template == template and consent.signed_by == "Anna Nowak"
    kept = Image.open(io.BytesIO(bytes(consent.signature)))
    assert kept.format == "PNG" and kept.size == (480, 160)
    assert AuditEvent.objects.get(action="consent.record").data["signature"] is True
    tab = client.get(reverse("patients:detail", args=[patient.pk]) + "?tab=consents").content.decode()
    image_url = reverse("patients:consent_signature", args=[patient.pk, consent.pk])
    assert f'src="{image_url}"' in tab and 'alt="Signature of Anna Nowak"' in tab
    image = client.get(image_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Cache-Control"] == "private, no-store"
    assert bytes(image.content) == bytes(consent.signature)


def test_the_form_offers_the_pad_beside_the_typed_name(clinic, receptionist, template):
    patient = make_patient(clinic)
    body = client_for(receptionist).get(reverse("patients:detail", args=[patient.pk]) + "?tab=consents")
    page = body.content.decode()
    assert "data-signature-pad" in page and 'type="hidden" name="signature"' in page
    assert "/static/patients/signature.js" in page
    assert "<script>" not in page  # nothing inline under the CSP


def test_a_paper_signature_has_only_the_typed_name(clinic, receptionist, template):
    patient = make_patient(clinic)
    client = client_for(receptionist)
    client.post(
        reverse("patients:consent_record", args=[patient.pk]), {"template": template.pk, "signed_by": "Anna"}
    )
    consent = Consent.objects.get()
    assert bytes(consent.signature) == b""
    assert client.get(reverse("patients:consent_signature", args=[patient.pk, consent.pk])).status_code == 404
    tab = client.get(reverse("patients:detail", args=[patient.pk]) + "?tab=consents").content.decode()
    assert "signed on paper" in tab


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (data_url(blank_png()), "The signature is empty"),
        ("data:image/jpeg;base64,AAAA", "must be a PNG image"),
        ("data:image/png;base64,not base64!", "could not be read"),
        (data_url(b"GIF89a not a png"), "must be a PNG image"),
    ],
)
def test_a_blank_or_foreign_signature_is_refused_keeping_what_was_typed(
    clinic, receptionist, template, signature, reason
):
    patient = make_patient(clinic)
    response = client_for(receptionist).post(
        reverse("patients:consent_record", args=[patient.pk]),
        {"template": template.pk, "signed_by": "Anna Nowak", "signature": signature},
    )
    page = response.content.decode()
    assert reason in page
    assert 'value="Anna Nowak"' in page
    assert not Consent.objects.exists()


def test_the_api_records_a_signature_and_serves_it(clinic, receptionist, template):
    patient = make_patient(clinic)
    client = client_for(receptionist)
    url = f"/api/v1/patients/{patient.pk}/consents"
    body = {"template_id": template.pk, "signed_by": "Anna", "signature_png": data_url(signature_png())}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    consent = response.json()
    assert consent["has_signature"] is True
    image = client.get(f"{url}/{consent['id']}/signature")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    paper = client.post(
        url, json.dumps({"template_id": template.pk, "signed_by": "B"}), content_type="application/json"
    )
    assert paper.json()["has_signature"] is False
    assert client.get(f"{url}/{paper.json()['id']}/signature").status_code == 404


def test_the_api_refuses_a_blank_signature_with_422(clinic, receptionist, template):
    patient = make_patient(clinic)
    body = {
        "template_id": template.pk,
        "signed_by": "Anna",
        "signature_png": base64.b64encode(blank_png()).decode(),
    }
    response = client_for(receptionist).post(
        f"/api/v1/patients/{patient.pk}/consents", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert "empty" in response.json()["errors"]["signature"][0]
    assert not Consent.objects.exists()


def test_another_clinic_cannot_see_the_signature(clinic, outsider, template):
    patient = make_patient(clinic)
    consent = record_consent(patient, template=template, signed_by="A", signature=signature_png(), actor=None)
    url = reverse("patients:consent_signature", args=[patient.pk, consent.pk])
    assert client_for(outsider).get(url).status_code == 404


def test_what_is_kept_is_a_fresh_png_not_the_uploaded_bytes():
    original = signature_png()
    with_text = io.BytesIO()
    image = Image.open(io.BytesIO(original))
    from PIL.PngImagePlugin import PngInfo  # noqa: PLC0415

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    image.save(with_text, format="PNG", pnginfo=info)
    kept = clean_signature(with_text.getvalue())
    assert b"<script>" not in kept
    assert Image.open(io.BytesIO(kept)).size == image.size


@pytest.mark.parametrize("size", [(20, 20), (5000, 200)])
def test_an_image_of_an_odd_size_is_refused(size):
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 0, 255)).save(out, format="PNG")
    with pytest.raises(SignatureError, match="unexpected size"):
        clean_signature(out.getvalue())


def test_an_empty_field_means_no_signature():
    assert decode_data_url("  ") == b""
