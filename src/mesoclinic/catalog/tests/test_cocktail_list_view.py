from __future__ import annotations

from django.urls import reverse

from mesoclinic.catalog.models import Cocktail, CocktailIngredient
from mesoclinic.testing import client_for

URL = reverse("catalog:cocktails")


def test_it_requires_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_shows_composition_with_concentrations_and_products(clinic, receptionist):
    row = CocktailIngredient.objects.filter(cocktail__clinic=clinic, concentration__isnull=False).first()
    cocktail = Cocktail.objects.filter(clinic=clinic).exclude(products=None).first()
    body = client_for(receptionist).get(URL).content.decode()
    assert f"{row.ingredient.name} — {row.amount}" in body
    assert (
        "concentration not stated" in body
        or not CocktailIngredient.objects.filter(cocktail__clinic=clinic, concentration__isnull=True).exists()
    )
    assert cocktail.products.first().name in body


def test_it_shows_only_the_clinics_own_cocktails(other_clinic, receptionist):
    Cocktail.objects.filter(clinic=other_clinic).update(name="Foreign cocktail")
    assert "Foreign cocktail" not in client_for(receptionist).get(URL).content.decode()


def test_it_exports_the_clinics_cocktails_as_csv(clinic, other_clinic, receptionist):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    rows = csv_rows(client_for(receptionist).get(URL, {"format": "csv"}))
    assert rows[0][0] == "code"
    expected = set(Cocktail.objects.filter(clinic=clinic).values_list("code", flat=True))
    assert {row[0] for row in rows[1:]} == expected
    assert len(rows) - 1 == len(expected) > 0
    assert AuditEvent.objects.filter(action="export", data__list="catalog.cocktails").exists()
