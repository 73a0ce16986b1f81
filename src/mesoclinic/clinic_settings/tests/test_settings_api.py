"""The Settings API: the owner reads and writes, an auditor reads, other roles are refused; another
clinic's ids are not found; a refused value is 422 naming the field; every write is audited."""

from __future__ import annotations

import json

import pytest

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.notifications.models import MessageTemplate
from mesoclinic.safety.models import ClinicRuleTable
from mesoclinic.scheduling.models import Room, WorkingHours
from mesoclinic.testing import client_for, make_staff

pytestmark = pytest.mark.django_db
API = "/api/v1/settings"


def _send(member, method: str, path: str, body: dict) -> object:
    client = client_for(member)
    return getattr(client, method)(f"{API}{path}", data=json.dumps(body), content_type="application/json")


def test_the_owner_changes_the_clinics_details_and_sees_the_country_by_name(owner):
    response = _send(owner, "patch", "/clinic", {"phone": "+48 22 111 22 33", "country": "pl"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["phone"], body["country"], body["country_name"]) == ("+48 22 111 22 33", "PL", "Poland")
    assert AuditEvent.objects.filter(action="clinic.update").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"country": "ZZ"}, "country"),
        ({"name": ""}, "name"),
    ],
)
def test_a_refused_clinic_detail_is_422_naming_the_field(owner, body, field):
    response = _send(owner, "patch", "/clinic", body)
    assert response.status_code == 422
    assert field in json.dumps(response.json())


def test_an_auditor_reads_but_does_not_write(auditor):
    client = client_for(auditor)
    for path in (
        "/clinic",
        "/locations",
        "/rooms",
        "/devices",
        "/protocols",
        "/catalog-items",
        "/message-templates",
    ):
        assert client.get(f"{API}{path}").status_code == 200, path
    assert _send(auditor, "patch", "/clinic", {"phone": "1"}).status_code == 403


def test_a_receptionist_reads_nothing_here(receptionist):
    assert client_for(receptionist).get(f"{API}/clinic").status_code == 403


@pytest.fixture
def other_owner(other_clinic):
    return make_staff(other_clinic, "owner", name="Otto Other")


def test_rooms_are_added_and_changed_and_another_clinics_are_not_found(owner, other_owner):
    outsider = other_owner
    location = owner.clinic.locations.get()
    created = _send(
        owner, "post", "/rooms", {"location_id": location.pk, "name": "Room 9", "modalities": ["needle"]}
    )
    assert created.status_code == 201, created.content
    room_id = created.json()["id"]
    changed = _send(owner, "patch", f"/rooms/{room_id}", {"is_active": False})
    assert changed.json()["is_active"] is False and changed.json()["name"] == "Room 9"
    assert _send(outsider, "patch", f"/rooms/{room_id}", {"name": "Mine"}).status_code == 404
    assert _send(outsider, "post", "/rooms", {"location_id": location.pk, "name": "X"}).status_code == 404
    assert Room.objects.get(pk=room_id).name == "Room 9"


def test_a_practitioners_week_is_set_and_an_inverted_span_is_named(owner, practitioner):
    location = owner.clinic.locations.get()
    path = f"/practitioners/{practitioner.pk}/hours"
    week = {"location_id": location.pk, "spans": [{"weekday": 0, "starts": "09:00", "ends": "17:00"}]}
    response = _send(owner, "put", path, week)
    assert response.status_code == 200, response.content
    assert WorkingHours.objects.filter(staff=practitioner, location=location).count() == 1
    bad = {"location_id": location.pk, "spans": [{"weekday": 1, "starts": "17:00", "ends": "09:00"}]}
    refused = _send(owner, "put", path, bad)
    assert refused.status_code == 422 and "spans[0].ends" in refused.json()["errors"]
    assert (
        _send(owner, "put", path, {"location_id": location.pk, "spans": [{"weekday": 9}]}).status_code == 422
    )


def test_a_protocols_spacing_change_is_a_new_version_with_the_earlier_kept(owner, other_owner):
    outsider = other_owner
    protocol = Protocol.objects.filter(clinic=owner.clinic).order_by("pk").first()
    response = _send(
        owner, "patch", f"/protocols/{protocol.pk}", {"interval_days": protocol.interval_days + 3}
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    versions = client_for(owner).get(f"{API}/protocols/{protocol.pk}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert _send(outsider, "patch", f"/protocols/{protocol.pk}", {"sessions": 3}).status_code == 404
    refused = _send(owner, "patch", f"/protocols/{protocol.pk}", {"tolerance_days": 200})
    assert refused.status_code == 422 and "tolerance_days" in refused.json()["errors"]
    unknown = _send(owner, "patch", f"/protocols/{protocol.pk}", {"cocktail": "no_such"})
    assert unknown.status_code == 422 and "cocktail" in unknown.json()["errors"]
    assert _send(owner, "patch", f"/protocols/{protocol.pk}", {"sessions": 0}).status_code == 422


def test_protocols_show_their_price_list_price_with_the_currency(owner):
    from mesoclinic.billing.services import ensure_price_list  # noqa: PLC0415

    ensure_price_list(owner.clinic, actor=None)
    rows = client_for(owner).get(f"{API}/protocols").json()
    priced = [row for row in rows if row["prices"]]
    assert priced and all(price["currency"] for row in priced for price in row["prices"])


def test_a_message_template_is_saved_previewed_and_refused_without_the_clinics_phone(owner):
    template = {
        "kind": "reminder",
        "channel": "sms",
        "language": "en",
        "body": "See you {{ when }}, {{ clinic_phone }}",
    }
    preview = _send(owner, "post", "/message-templates/preview", template)
    assert preview.status_code == 200 and "2026-05-14 10:30" in preview.json()["body"]
    assert _send(owner, "put", "/message-templates", template).status_code == 200
    assert MessageTemplate.objects.filter(clinic=owner.clinic).count() == 1
    owner.clinic.phone = ""
    owner.clinic.save(update_fields=["phone"])
    refused = _send(owner, "put", "/message-templates", {**template, "body": "Call {{ clinic_phone }}"})
    assert refused.status_code == 422 and "body" in refused.json()["errors"]
    assert _send(owner, "put", "/message-templates", {**template, "body": "{{ nope }}"}).status_code == 422


def test_the_owner_patches_a_products_descriptive_fields_and_a_wrong_one_is_422_naming_it(owner):
    response = _send(owner, "patch", "/catalog-items/product/ha_1pct_ampoule", {"name": "HA 1% (5 ml)"})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["code"]) == ("HA 1% (5 ml)", "ha_1pct_ampoule")
    assert AuditEvent.objects.filter(action="catalog.product.update").exists()
    refused = _send(owner, "patch", "/catalog-items/product/ha_1pct_ampoule", {"category": "x"})
    assert refused.status_code == 422 and "category" in refused.content.decode()
    refused = _send(owner, "patch", "/catalog-items/product/ha_1pct_ampoule", {"regulatory_class": "magic"})
    assert refused.status_code == 422 and "regulatory_class" in refused.content.decode()
    assert (
        _send(owner, "patch", "/catalog-items/cocktail/hydration_ha_lidocaine", {"name": "X"}).status_code
        == 404
    )


def test_a_composition_is_put_as_a_new_version_and_refused_naming_the_field(owner):
    path = "/catalog-items/cocktail/hydration_ha_lidocaine/composition"
    assert client_for(owner).get(f"{API}{path}").json()["version"] == 1
    body = {
        "ingredients": [
            {"ingredient": "hyaluronic_acid", "concentration": "10", "unit": "mg/ml"},
            {"ingredient": "lidocaine"},
        ],
        "reason": "Ratio set by the medical director",
    }
    response = _send(owner, "put", path, body)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["ingredients"][0]["concentration"] == "10"
    assert AuditEvent.objects.filter(action="catalog.cocktail.composition").exists()
    refused = _send(owner, "put", path, body | {"products": ["ha_serum_device"]})
    assert refused.status_code == 422 and "products" in refused.content.decode()
    refused = _send(owner, "put", path, body | {"reason": " "})
    assert refused.status_code == 422 and "reason" in refused.content.decode()


def test_compositions_are_the_callers_clinics_and_an_auditor_reads_but_may_not_write(owner, other_owner):
    other = other_owner
    path = "/catalog-items/cocktail/hydration_ha_lidocaine/composition"
    auditor = make_staff(owner.clinic, "auditor")
    assert client_for(auditor).get(f"{API}{path}").status_code == 200
    assert (
        _send(auditor, "put", path, {"ingredients": [{"ingredient": "lidocaine"}], "reason": "r"}).status_code
        == 403
    )
    assert client_for(other).get(f"{API}/catalog-items/cocktail/nope/composition").status_code == 404
    _send(owner, "put", path, {"ingredients": [{"ingredient": "lidocaine"}], "reason": "Only lidocaine"})
    assert client_for(other).get(f"{API}{path}").json()["version"] in (1, None)  # its own cocktail, unchanged


def test_the_screening_rules_are_read_with_sources_and_one_rule_is_put_with_a_reason(owner):
    table = client_for(owner).get(f"{API}/screening-rules").json()
    pregnant = next(rule for rule in table["rules"] if rule["factor"] == "pregnant")
    assert pregnant["source"] in {source["key"] for source in table["sources"]}
    body = {
        "factor": "pregnant",
        "severity": {"needle": "block", "electroporation": "warn"},
        "message": "Pregnant: ask the physician.",
        "new_source": {"title": "Clinic policy 2026", "url": "https://example.org/policy", "kind": "REG"},
        "reason": "Medical director's decision",
    }
    response = _send(owner, "put", "/screening-rules", body)
    assert response.status_code == 200, response.content
    pregnant = next(rule for rule in response.json()["rules"] if rule["factor"] == "pregnant")
    assert pregnant["severity"] == {"needle": "block", "electroporation": "warn"}
    event = AuditEvent.objects.get(action="rule_table.update")
    assert (
        event.data["reason"] == "Medical director's decision"
        and event.data["before"]["severity"]["sonophoresis"]
    )
    kept = ClinicRuleTable.history.filter(clinic=owner.clinic).order_by("-history_date").first()
    assert kept.history_change_reason == "Medical director's decision"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"factor": "left_handed"}, "factor"),
        ({"severity": {"teleportation": "block"}}, "severity"),
        ({"severity": {"needle": "forbid"}}, "severity"),
        ({"new_source": {"title": "", "url": "https://x.org", "kind": "GL"}}, "source_title"),
    ],
)
def test_a_wrong_screening_rule_is_422_naming_the_field(owner, change, field):
    body = {
        "factor": "pregnant",
        "severity": {"needle": "block"},
        "message": "Pregnant.",
        "reason": "r",
    } | change
    response = _send(owner, "put", "/screening-rules", body)
    assert response.status_code == 422 and field in response.content.decode(), response.content
    assert not AuditEvent.objects.filter(action="rule_table.update").exists()


def test_an_auditor_reads_the_screening_rules_but_may_not_change_them(owner):
    auditor = make_staff(owner.clinic, "auditor")
    assert client_for(auditor).get(f"{API}/screening-rules").status_code == 200
    body = {"factor": "pregnant", "severity": {"needle": "block"}, "message": "Pregnant.", "reason": "r"}
    assert _send(auditor, "put", "/screening-rules", body).status_code == 403


def test_holidays_are_listed_added_imported_and_removed_and_another_clinics_are_not_found(owner, other_owner):
    location = owner.clinic.locations.get()
    path = f"/locations/{location.pk}/holidays"
    added = _send(owner, "post", path, {"date": "2031-08-14", "name": "Clinic day off"})
    assert added.status_code == 201, added.content
    again = _send(owner, "post", path, {"date": "2031-08-14", "name": "Twice"})
    assert again.status_code == 422 and "date" in again.content.decode()
    imported = _send(owner, "post", f"{path}/public", {"country": "PL", "year": 2031, "days": ["2031-11-11"]})
    assert imported.status_code == 201, imported.content
    assert [h["date"] for h in imported.json()] == ["2031-11-11"] and imported.json()[0]["id"]
    stray = _send(owner, "post", f"{path}/public", {"country": "PL", "year": 2031, "days": ["2031-11-12"]})
    assert stray.status_code == 422 and "days" in stray.content.decode()
    listed = client_for(owner).get(f"{API}{path}?year=2031").json()
    assert [h["date"] for h in listed] == ["2031-08-14", "2031-11-11"]
    assert client_for(other_owner).get(f"{API}{path}").status_code == 404
    assert client_for(owner).get(f"{API}{path}?year=-1415991").status_code == 422  # found by schemathesis
    holiday_id = added.json()["id"]
    assert client_for(other_owner).delete(f"{API}{path}/{holiday_id}").status_code == 404
    assert client_for(owner).delete(f"{API}{path}/{holiday_id}").status_code == 204
    assert [h["date"] for h in client_for(owner).get(f"{API}{path}").json()] == ["2031-11-11"]
    assert AuditEvent.objects.filter(action="holiday.import").exists()
