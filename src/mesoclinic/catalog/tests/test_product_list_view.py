from __future__ import annotations

from django.urls import reverse

from mesoclinic.catalog.models import Product
from mesoclinic.testing import client_for

URL = reverse("catalog:products")


def test_it_requires_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_shows_manufacturer_regulatory_class_and_composition(clinic, receptionist):
    product = Product.objects.filter(clinic=clinic).exclude(composition=None).first()
    body = client_for(receptionist).get(URL).content.decode()
    assert product.name in body
    assert product.manufacturer in body
    assert str(product.get_regulatory_class_display()) in body
    assert product.composition.first().ingredient.name in body


def test_it_shows_only_the_clinics_own_products(other_clinic, receptionist):
    Product.objects.filter(clinic=other_clinic).update(name="Foreign product")
    assert "Foreign product" not in client_for(receptionist).get(URL).content.decode()


def test_it_exports_the_clinics_products_as_csv(clinic, other_clinic, receptionist):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    rows = csv_rows(client_for(receptionist).get(URL, {"format": "csv"}))
    assert rows[0][0] == "code"
    expected = set(Product.objects.filter(clinic=clinic).values_list("code", flat=True))
    assert {row[0] for row in rows[1:]} == expected
    assert len(rows) - 1 == len(expected) > 0
    assert AuditEvent.objects.filter(action="export", data__list="catalog.products").exists()
