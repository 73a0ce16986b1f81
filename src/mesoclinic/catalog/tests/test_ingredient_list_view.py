from __future__ import annotations

from django.urls import reverse

from mesoclinic.catalog.models import Ingredient, Source
from mesoclinic.testing import client_for

URL = reverse("catalog:ingredients")


def test_it_requires_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_lists_every_ingredient_with_its_sources(clinic, receptionist):
    response = client_for(receptionist).get(URL)
    body = response.content.decode()
    assert len(response.context["ingredients"]) == Ingredient.objects.filter(clinic=clinic).count()
    ingredient = Ingredient.objects.filter(clinic=clinic).exclude(sources=[]).first()
    source = Source.objects.get(clinic=clinic, key=ingredient.sources[0])
    assert ingredient.name in body
    assert source.title in body


def test_it_says_when_a_source_key_is_unknown(clinic, receptionist):
    ingredient = Ingredient.objects.filter(clinic=clinic).first()
    ingredient.sources = ["no_such_source"]
    ingredient.save(update_fields=["sources"])
    body = client_for(receptionist).get(URL).content.decode()
    assert "no_such_source" in body
    assert "source not found in the catalog" in body


def test_it_shows_only_the_clinics_own_ingredients(other_clinic, receptionist):
    Ingredient.objects.filter(clinic=other_clinic).update(name="Foreign ingredient")
    assert "Foreign ingredient" not in client_for(receptionist).get(URL).content.decode()


def test_it_exports_the_clinics_ingredients_as_csv(clinic, other_clinic, receptionist):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    rows = csv_rows(client_for(receptionist).get(URL, {"format": "csv"}))
    assert rows[0][0] == "code"
    expected = set(Ingredient.objects.filter(clinic=clinic).values_list("code", flat=True))
    assert {row[0] for row in rows[1:]} == expected
    assert len(rows) - 1 == len(expected) > 0
    assert AuditEvent.objects.filter(action="export", data__list="catalog.ingredients").exists()
