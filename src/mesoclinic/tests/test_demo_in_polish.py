"""The demo clinic is in Warsaw and speaks Polish: the free text it writes is Polish too (issue 15)."""

from __future__ import annotations

import pytest

from mesoclinic.accounts.models import Location
from mesoclinic.billing.models import ItemKind, PriceItem
from mesoclinic.patients.models import MedicalHistory
from mesoclinic.scheduling.models import Device, Holiday, Room
from mesoclinic.tests.test_i18n_pages import english_words, words
from mesoclinic.vigilance.models import AdverseEvent

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]  # reads the shared demo


def test_the_demo_s_own_words_are_polish(demo_clinic):
    texts = [
        *Location.objects.filter(clinic=demo_clinic).values_list("name", "address").iterator(),
        *Room.objects.filter(clinic=demo_clinic).values_list("name").iterator(),
        *Device.objects.filter(clinic=demo_clinic).values_list("name").iterator(),
        *Holiday.objects.filter(location__clinic=demo_clinic).values_list("name").iterator(),
        *PriceItem.objects.filter(clinic=demo_clinic, kind=ItemKind.CONSULTATION)
        .values_list("name")
        .iterator(),
        *AdverseEvent.objects.filter(patient__clinic=demo_clinic)
        .values_list("description", "actions")
        .iterator(),
        *MedicalHistory.objects.filter(patient__clinic=demo_clinic)
        .exclude(notes="")
        .values_list("notes")
        .iterator(),
    ]
    flat = [text for row in texts for text in row]
    assert "Drobne grudki na czole dwa dni po zabiegu, bez bólu i bez wydzieliny." in flat
    assert {"Centrum", "Powiśle", "Gabinet 1", "Nowy Rok", "Konsultacja"} <= set(flat)
    english = english_words()
    assert [text for text in flat if words(text) & english] == []
