"""The recall page: search, the patients a lot reached (with contact), CSV, audit, access."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import client_for, csv_text, make_lot, make_signed_session
from mesoclinic.testing.vigilance import make_preparation, make_reachable_patient

URL = reverse("vigilance:recall")


def test_it_shows_the_patient_reached_through_a_preparation(clinic, practitioner):
    ingredient = make_lot(clinic, lot_number="I1")
    prep = make_preparation(ingredient, lot_number="P7")
    make_signed_session(make_reachable_patient(clinic), practitioner, uses=[(prep, 1)])
    response = client_for(practitioner).get(URL, {"lot": ingredient.pk})
    assert response.status_code == 200
    assert "Kowalska, Ewa" in response.text
    assert "+48 600 100 200" in response.text
    assert "lot I1 → preparation P7" in response.text


def test_it_redirects_a_search_that_finds_one_lot(clinic, practitioner):
    lot = make_lot(clinic, lot_number="I1")
    response = client_for(practitioner).get(URL, {"lot_number": "I1"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?lot={lot.pk}"


def test_it_asks_which_product_when_several_share_the_number(clinic, practitioner):
    make_lot(clinic, "ha_1pct_ampoule", lot_number="X9")
    make_lot(clinic, "lidocaine_2pct", lot_number="X9")
    response = client_for(practitioner).get(URL, {"lot_number": "X9"})
    assert "Which one?" in response.text


def test_it_says_when_no_lot_has_the_number(clinic, practitioner):
    response = client_for(practitioner).get(URL, {"lot_number": "NOPE"})
    assert "No lot with this number" in response.text


def test_it_exports_csv(clinic, practitioner):
    lot = make_lot(clinic, lot_number="A1")
    make_signed_session(make_reachable_patient(clinic), practitioner, uses=[(lot, 1)])
    response = client_for(practitioner).get(URL, {"lot": lot.pk, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = csv_text(response).splitlines()
    assert lines[0].startswith("patient_id,patient,phone,email")
    assert "ewa@example.org" in lines[1]


def test_it_audits_every_view(clinic, practitioner):
    lot = make_lot(clinic)
    client_for(practitioner).get(URL, {"lot": lot.pk})
    assert AuditEvent.objects.filter(
        action="recall.view", object_id=str(lot.pk), actor=practitioner.user
    ).exists()


def test_it_offers_the_recall_form_to_inventory_managers(clinic, practitioner):
    lot = make_lot(clinic)
    assert "Mark this lot recalled" in client_for(practitioner).get(URL, {"lot": lot.pk}).text


def test_it_is_404_for_another_clinics_lot(clinic, other_clinic, practitioner):
    lot = make_lot(other_clinic)
    assert client_for(practitioner).get(URL, {"lot": lot.pk}).status_code == 404


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    assert client_for(receptionist).get(URL).status_code == 403


def test_it_only_allows_get(clinic, practitioner):
    assert client_for(practitioner).post(URL).status_code == 405


def test_it_needs_bounded_queries(clinic, practitioner, django_assert_max_num_queries):
    ingredient = make_lot(clinic, lot_number="I1")
    prep = make_preparation(ingredient, lot_number="P7")
    for n in range(10):
        make_signed_session(
            make_reachable_patient(clinic, family=f"Nowak{n}"), practitioner, uses=[(prep, 1)]
        )
    client = client_for(practitioner)
    with django_assert_max_num_queries(20):
        response = client.get(URL, {"lot": ingredient.pk})
    assert response.text.count("Nowak") >= 10
