from __future__ import annotations

import re

from django.urls import reverse

from mesoclinic.catalog.data_file import zone_names
from mesoclinic.catalog.models import Protocol, Source
from mesoclinic.testing import client_for

URL = reverse("catalog:index")


def test_it_requires_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_shows_protocols_as_cards(clinic, receptionist):
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="needle").first()
    body = client_for(receptionist).get(URL).content.decode()
    assert f'id="protocol-{protocol.slug}"' in body
    assert protocol.name in body
    assert protocol.modality.name in body
    assert (
        f"{protocol.sessions} sessions \u00d7 every {protocol.interval_days} days (± {protocol.tolerance_days})"
        in body
    )
    assert f"every {protocol.maintenance_interval_months} months" in body
    assert f"{protocol.session_minutes} min + {protocol.buffer_minutes} min buffer" in body


def test_it_names_the_areas_by_zone_name(clinic, receptionist):
    protocol = Protocol.objects.filter(clinic=clinic).exclude(areas=[]).first()
    names = zone_names()
    response = client_for(receptionist).get(URL)
    entry = next(e for e in response.context["protocols"] if e.item == protocol)
    assert entry.extra["areas"] == [names[code] for code in protocol.areas]
    assert names[protocol.areas[0]] in response.content.decode()


def test_it_resolves_sources_to_title_link_and_kind(clinic, receptionist):
    protocol = Protocol.objects.filter(clinic=clinic).exclude(sources=[]).first()
    source = Source.objects.get(clinic=clinic, key=protocol.sources[0])
    body = client_for(receptionist).get(URL).content.decode()
    assert source.title in body
    assert f'href="{source.url}"' in body
    assert str(source.get_kind_display()) in body


def test_it_shows_only_the_clinics_own_protocols(other_clinic, receptionist):
    Protocol.objects.filter(clinic=other_clinic).update(name="Someone else's protocol")
    body = client_for(receptionist).get(URL).content.decode()
    assert "Someone else" not in body


def test_it_shows_no_edit_buttons(physician):
    body = client_for(physician).get(URL).content.decode()
    assert "Edit" not in body


def test_it_exports_the_clinics_protocols_as_csv(clinic, other_clinic, receptionist):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    rows = csv_rows(client_for(receptionist).get(URL, {"format": "csv"}))
    assert rows[0][0] == "slug"
    expected = set(Protocol.objects.filter(clinic=clinic).values_list("slug", flat=True))
    assert {row[0] for row in rows[1:]} == expected
    assert len(rows) - 1 == len(expected) > 0
    assert AuditEvent.objects.filter(action="export", data__list="catalog.protocols").exists()


def test_prices_show_their_currency_on_the_page_and_in_the_csv(clinic, receptionist):
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    clinic.country = "DE"
    clinic.save(update_fields=["country"])
    body = client_for(receptionist).get(URL).content.decode()
    assert re.search(r"<dd>\d+\.\d\d EUR</dd>", body)
    rows = csv_rows(client_for(receptionist).get(URL, {"format": "csv"}))
    column = rows[0].index("currency")
    assert rows[0][column - 1] == "price"
    assert {row[column] for row in rows[1:] if row[column - 1]} == {"EUR"}
