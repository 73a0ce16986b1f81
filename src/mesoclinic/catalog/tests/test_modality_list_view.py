from __future__ import annotations

from django.urls import reverse

from mesoclinic.catalog.models import Modality
from mesoclinic.testing import client_for

URL = reverse("catalog:modalities")


def test_it_requires_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_shows_each_modality_with_depth_device_parameters_and_techniques(clinic, receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    needle = Modality.objects.get(clinic=clinic, code="needle")
    electroporation = Modality.objects.get(clinic=clinic, code="electroporation")
    assert needle.name in body and electroporation.name in body
    assert "Yes (injection)" in body and "No (needle-free)" in body
    assert f"{needle.depth_min_mm.normalize():f}\u2013{needle.depth_max_mm.normalize():f} mm" in body
    assert "Point by point" in body and "point_by_point" not in body
    assert electroporation.parameters[0]["label"] in body


def test_it_shows_only_the_clinics_own_modalities(other_clinic, receptionist):
    Modality.objects.filter(clinic=other_clinic).update(name="Foreign modality")
    assert "Foreign modality" not in client_for(receptionist).get(URL).content.decode()


def test_it_exports_the_clinics_modalities_as_csv(clinic, other_clinic, receptionist):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    rows = csv_rows(client_for(receptionist).get(URL, {"format": "csv"}))
    assert rows[0][0] == "code"
    expected = set(Modality.objects.filter(clinic=clinic).values_list("code", flat=True))
    assert {row[0] for row in rows[1:]} == expected
    assert len(rows) - 1 == len(expected) > 0
    assert AuditEvent.objects.filter(action="export", data__list="catalog.modalities").exists()
