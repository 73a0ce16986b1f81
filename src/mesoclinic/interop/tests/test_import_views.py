"""The CSV import screens: upload → column mapping → dry run with row errors → import (owner only)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mesoclinic import testing
from mesoclinic.interop.models import CsvUpload
from mesoclinic.patients.models import Patient

pytestmark = pytest.mark.django_db

GOOD = (
    "\ufeffNr;Vorname;Nachname;Geburtsdatum\n7;Zofia;Kowalska;14.03.1985\n8;Jan;Nowak;02.11.1979\n".encode()
)
BAD = b"Nr,First name,Last name,DOB\n7,Zofia,Kowalska,1985-03-14\n8,,Nowak,1979-11-02\n"


def upload(client, data, kind="patients", name="export.csv"):
    return client.post(
        reverse("interop:imports"),
        {"kind": kind, "source": "oldsys", "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def test_an_upload_guesses_the_columns_and_shows_the_first_rows(owner):
    client = testing.client_for(owner)
    response = upload(client, BAD)
    made = CsvUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interop:mapping", args=[made.pk])
    assert made.mapping == {
        "external_id": "Nr",
        "given_name": "First name",
        "family_name": "Last name",
        "birth_date": "DOB",
    }
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Zofia" in page.content.decode()


def test_the_columns_can_be_chosen_and_the_dry_run_lists_every_bad_row(owner, clinic):
    client = testing.client_for(owner)
    upload(client, BAD)
    made = CsvUpload.objects.get()
    mapping = {
        "given_name": "First name",
        "family_name": "Last name",
        "birth_date": "DOB",
        "external_id": "Nr",
    }
    response = client.post(reverse("interop:mapping", args=[made.pk]), mapping)
    assert response.status_code == 200
    report = response.context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(3, "First name")]
    assert "nothing was imported" in response.content.decode()
    made.refresh_from_db()
    assert made.mapping["external_id"] == "Nr"
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_a_clean_dry_run_offers_the_import_which_saves_every_row(owner, clinic):
    client = testing.client_for(owner)
    upload(client, GOOD)
    made = CsvUpload.objects.get()
    assert made.delimiter == ";"
    dry = client.post(reverse("interop:mapping", args=[made.pk]), made.mapping)
    assert dry.context["report"].created == 2
    assert reverse("interop:run", args=[made.pk]) in dry.content.decode()
    assert not Patient.objects.filter(clinic=clinic).exists()
    done = client.post(reverse("interop:run", args=[made.pk]))
    assert done.status_code == 302
    assert Patient.objects.filter(clinic=clinic).count() == 2
    made.refresh_from_db()
    assert made.imported_at is not None and made.imported_rows == 2 and made.text == ""
    assert "2 records imported" in client.get(reverse("interop:mapping", args=[made.pk])).content.decode()


def test_importing_a_file_with_bad_rows_saves_nothing_and_shows_them(owner, clinic):
    client = testing.client_for(owner)
    upload(client, BAD)
    made = CsvUpload.objects.get()
    response = client.post(reverse("interop:run", args=[made.pk]))
    assert response.status_code == 422
    assert not Patient.objects.filter(clinic=clinic).exists()
    made.refresh_from_db()
    assert made.imported_at is None


def test_an_unreadable_file_is_a_form_error(owner):
    response = upload(testing.client_for(owner), b"")
    assert response.status_code == 200
    assert "empty" in response.content.decode()
    assert not CsvUpload.objects.exists()


@pytest.mark.parametrize("persona", ["physician", "practitioner", "receptionist", "auditor"])
def test_only_the_owner_imports(request, persona):
    client = testing.client_for(request.getfixturevalue(persona))
    assert client.get(reverse("interop:imports")).status_code == 403
    assert upload(client, GOOD).status_code == 403


def test_another_clinics_upload_is_404(owner, outsider):
    upload(testing.client_for(owner), GOOD)
    made = CsvUpload.objects.get()
    other_owner = testing.make_staff(outsider.clinic, "owner")
    client = testing.client_for(other_owner)
    assert client.get(reverse("interop:mapping", args=[made.pk])).status_code == 404
    assert client.post(reverse("interop:run", args=[made.pk])).status_code == 404


def test_run_refuses_get(owner):
    upload(testing.client_for(owner), GOOD)
    made = CsvUpload.objects.get()
    assert testing.client_for(owner).get(reverse("interop:run", args=[made.pk])).status_code == 405


def test_the_owner_finds_import_under_administration(owner, physician):
    assert reverse("interop:imports") in testing.client_for(owner).get(reverse("web:admin")).content.decode()
    assert (
        reverse("interop:imports")
        not in testing.client_for(physician).get(reverse("web:admin")).content.decode()
    )
