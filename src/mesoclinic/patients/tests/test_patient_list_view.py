from __future__ import annotations

from datetime import date

from django.urls import reverse

from mesoclinic.patients.services import register_patient
from mesoclinic.testing import client_for, make_patient

URL = reverse("patients:list")


def _register(clinic, given, family, **extra):
    extra.setdefault("birth_date", date(1980, 1, 1))
    return register_patient(clinic, actor=None, given_name=given, family_name=family, **extra)


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_lists_only_the_clinics_own_patients(clinic, other_clinic, receptionist):
    _register(clinic, "Anna", "Nowak")
    _register(other_clinic, "Olaf", "Elsewhere")
    body = client_for(receptionist).get(URL).content.decode()
    assert "Nowak, Anna" in body
    assert "Elsewhere" not in body


def test_it_searches_by_name_phone_and_birth_date(clinic, receptionist):
    _register(clinic, "Anna", "Nowak", phone="+48 600 100 200")
    _register(clinic, "Beata", "Kowalska", birth_date=date(1990, 5, 17))
    client = client_for(receptionist)

    by_name = client.get(URL, {"q": "nowak"}).content.decode()
    assert "Nowak, Anna" in by_name and "Kowalska" not in by_name

    by_phone = client.get(URL, {"q": "600 100"}).content.decode()
    assert "Nowak, Anna" in by_phone and "Kowalska" not in by_phone

    by_birth_date = client.get(URL, {"q": "1990-05-17"}).content.decode()
    assert "Kowalska, Beata" in by_birth_date and "Nowak" not in by_birth_date


def test_it_keeps_the_search_in_the_box(clinic, receptionist):
    body = client_for(receptionist).get(URL, {"q": "nowak"}).content.decode()
    assert 'value="nowak"' in body


def test_it_returns_only_the_rows_to_htmx(clinic, receptionist):
    _register(clinic, "Anna", "Nowak")
    response = client_for(receptionist).get(URL, {"q": "nowak"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Nowak, Anna" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_it_gives_htmx_history_restores_the_full_page(clinic, receptionist):
    response = client_for(receptionist).get(
        URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_it_sorts_by_birth_date_and_created(clinic, receptionist):
    _register(clinic, "Young", "Aaa", birth_date=date(2000, 1, 1))
    _register(clinic, "Old", "Zzz", birth_date=date(1950, 1, 1))
    client = client_for(receptionist)

    rows = [row.patient.family_name for row in client.get(URL, {"sort": "birth_date"}).context["rows"]]
    assert rows == ["Zzz", "Aaa"]
    rows = [row.patient.family_name for row in client.get(URL, {"sort": "-birth_date"}).context["rows"]]
    assert rows == ["Aaa", "Zzz"]
    rows = [row.patient.family_name for row in client.get(URL, {"sort": "-created"}).context["rows"]]
    assert rows == ["Zzz", "Aaa"]
    rows = [row.patient.family_name for row in client.get(URL, {"sort": "nonsense"}).context["rows"]]
    assert rows == ["Aaa", "Zzz"]


def test_it_paginates_25_per_page(clinic, receptionist):
    for n in range(27):
        _register(clinic, "P", f"Family{n:02d}")
    client = client_for(receptionist)
    first = client.get(URL)
    assert len(first.context["rows"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert [row.patient.family_name for row in second.context["rows"]] == ["Family25", "Family26"]


def test_it_shows_age_and_alerts_to_clinical_staff(clinic, practitioner):
    make_patient(clinic, birth_date=date(1985, 3, 14), allergies=["lidocaine"], implants=["pacemaker"])
    response = client_for(practitioner).get(URL)
    body = response.content.decode()
    assert response.context["rows"][0].age == clinic.today().year - 1985 - (
        (clinic.today().month, clinic.today().day) < (3, 14)
    )
    assert "Allergy: Lidocaine" in body
    assert "Pacemaker or implanted defibrillator" in body


def test_it_hides_clinical_alerts_from_receptionists(clinic, receptionist):
    make_patient(clinic, allergies=["lidocaine"], implants=["pacemaker"])
    body = client_for(receptionist).get(URL).content.decode()
    assert "Lidocaine" not in body
    assert "Pacemaker" not in body


def test_it_exports_the_whole_search_as_csv_and_audits_it(clinic, receptionist, other_clinic):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    _register(clinic, "Anna", "Nowak", phone="+48 600 100 200")
    _register(clinic, "-cmd", "Nowakowska")
    _register(clinic, "Ewa", "Kowalska")
    _register(other_clinic, "Anna", "Nowak-Elsewhere")
    response = client_for(receptionist).get(URL, {"q": "nowak", "format": "csv", "page": "2"})
    rows = csv_rows(response)
    assert rows[0][:3] == ["patient_id", "family_name", "given_name"]
    assert [(r[1], r[2]) for r in rows[1:]] == [("Nowak", "Anna"), ("Nowakowska", "'-cmd")]
    assert rows[1][7] == "+48600100200"  # E.164: a plain number, nothing to neutralise
    export = AuditEvent.objects.get(action="export")
    assert export.data["list"] == "patients"
    assert export.data["filters"] == {"q": "nowak"}


def test_the_csv_link_keeps_the_search(clinic, receptionist):
    html = client_for(receptionist).get(URL, {"q": "nowak", "page": "1"}).text
    assert 'href="?q=nowak&amp;format=csv"' in html
