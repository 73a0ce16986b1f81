"""Settings → Protocols: a clinical change is a new version (the earlier kept); the price is the price list's."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing.selectors import settings_for as billing_settings_for
from mesoclinic.billing.services import ensure_price_list
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.services import update_protocol
from mesoclinic.clinic_settings.forms import country_choices, country_name
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def _form(protocol: Protocol, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": protocol.name,
        "description": protocol.description,
        "cocktail": protocol.cocktail_id or "",
        "sessions": protocol.sessions,
        "interval_days": protocol.interval_days,
        "tolerance_days": protocol.tolerance_days,
        "maintenance_interval_months": protocol.maintenance_interval_months,
        "session_minutes": protocol.session_minutes,
        "buffer_minutes": protocol.buffer_minutes,
        "is_active": "on" if protocol.is_active else "",
        "bookable_online": "on" if protocol.bookable_online else "",
    }
    data.update(changes)
    return data


def _protocol(owner) -> Protocol:
    return Protocol.objects.filter(clinic=owner.clinic, is_active=True).order_by("pk").first()


def test_changing_the_spacing_makes_a_new_version_and_keeps_the_earlier(owner):
    protocol = _protocol(owner)
    old_interval = protocol.interval_days
    url = reverse("settings:protocol_edit", args=[protocol.slug])
    response = client_for(owner).post(url, _form(protocol, interval_days=old_interval + 7))
    assert response.status_code == 302
    protocol.refresh_from_db()
    assert (protocol.version, protocol.interval_days) == (2, old_interval + 7)
    kept = sorted(protocol.history.values_list("version", "interval_days"))
    assert kept == [(1, old_interval), (2, old_interval + 7)]
    assert protocol.history.get(version=1).history_user is None  # loaded with the catalog, not the owner's
    assert protocol.history.get(version=2).history_user == owner.user
    event = AuditEvent.objects.get(action="catalog.protocol.update")
    assert event.data["before"] == {"interval_days": old_interval}
    assert event.data["clinical"] == ["interval_days"] and event.data["version"] == 2
    page = client_for(owner).get(url).content.decode()
    assert "Version 2" in page and "Version 1" in page


def test_renaming_is_not_a_new_version(owner):
    protocol = _protocol(owner)
    update_protocol(protocol, name="Hydration, face", actor=owner.user)
    protocol.refresh_from_db()
    assert (protocol.name, protocol.version) == ("Hydration, face", 1)


def test_the_owner_opens_a_protocol_for_online_booking_without_a_new_version(owner):
    protocol = _protocol(owner)
    url = reverse("settings:protocol_edit", args=[protocol.slug])
    assert client_for(owner).post(url, _form(protocol, bookable_online="on")).status_code == 302
    protocol.refresh_from_db()
    assert (protocol.bookable_online, protocol.version) == (True, 1)
    listed = client_for(owner).get(reverse("settings:protocols")).content.decode()
    assert "Online" in listed


def test_saving_unchanged_writes_nothing(owner):
    protocol = _protocol(owner)
    url = reverse("settings:protocol_edit", args=[protocol.slug])
    assert client_for(owner).post(url, _form(protocol)).status_code == 302
    assert not AuditEvent.objects.filter(action="catalog.protocol.update").exists()
    assert Protocol.objects.get(pk=protocol.pk).version == 1


def test_a_tolerance_not_shorter_than_the_spacing_is_refused_beside_the_field(owner):
    protocol = _protocol(owner)
    url = reverse("settings:protocol_edit", args=[protocol.slug])
    response = client_for(owner).post(url, _form(protocol, interval_days=5, tolerance_days=5, name="Kept"))
    assert response.status_code == 422
    assert "The tolerance must be shorter" in response.content.decode()
    assert 'value="Kept"' in response.content.decode()
    assert Protocol.objects.get(pk=protocol.pk).interval_days == protocol.interval_days


def test_the_service_refuses_what_it_cannot_change_and_names_the_field(owner):
    protocol = _protocol(owner)
    with pytest.raises(ValidationError) as refused:
        update_protocol(protocol, modality=None, actor=owner.user)
    assert "modality" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        update_protocol(protocol, sessions=0, actor=owner.user)
    assert "sessions" in refused.value.message_dict
    assert Protocol.objects.get(pk=protocol.pk).version == 1


def test_the_price_shown_is_the_price_lists_with_its_currency_and_a_link(owner):
    ensure_price_list(owner.clinic, actor=None)
    protocol = _protocol(owner)
    page = client_for(owner).get(reverse("settings:protocol_edit", args=[protocol.slug])).content.decode()
    currency = billing_settings_for(owner.clinic).currency
    assert "Change the price" in page and currency in page and "/billing/prices/" in page
    listing = client_for(owner).get(reverse("settings:protocols")).content.decode()
    assert protocol.name in listing and currency in listing


def test_another_clinics_protocol_is_not_found(owner, outsider):
    protocol = _protocol(owner)
    url = reverse("settings:protocol_edit", args=[protocol.slug])
    other = Protocol.objects.get(clinic=outsider.clinic, slug=protocol.slug)
    client_for(outsider).post(url, _form(other, interval_days=other.interval_days + 1))
    assert Protocol.objects.get(pk=protocol.pk).version == 1  # A's protocol untouched: the slug is B's own


def test_only_the_owner_edits_protocols(practitioner, receptionist):
    protocol = Protocol.objects.filter(clinic=practitioner.clinic).first()
    for member in (practitioner, receptionist):
        url = reverse("settings:protocol_edit", args=[protocol.slug])
        assert client_for(member).post(url, _form(protocol, sessions=9)).status_code == 403


def test_the_country_picker_shows_names_not_codes():
    choices = dict(country_choices())
    assert choices["PL"] == "Poland (PL)"
    assert "UK" not in choices and all(len(code) == 2 for code in choices)
    assert country_name("DE", "pl") == "Niemcy"
    assert country_name("XK", "en") == "Kosovo"
