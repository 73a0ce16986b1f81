"""The Administration page gathers the owner's tools (one menu entry instead of eight), per role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [tool.title for tool in response.context["tools"]]


def test_the_owner_sees_every_tool_and_the_menu_entry(owner):
    response = client_for(owner).get(reverse("web:admin"))
    assert response.status_code == 200
    assert "Audit log" in _titles(response) and "Webhooks" in _titles(response)
    assert response.text.count('aria-current="page"') == 1
    assert reverse("web:admin") in client_for(owner).get(reverse("web:home")).text


def test_each_role_sees_only_what_it_may_open(physician, auditor):
    assert _titles(client_for(physician).get(reverse("web:admin"))) == ["Teaching & marketing library"]
    assert _titles(client_for(auditor).get(reverse("web:admin"))) == ["Audit log"]


def test_roles_without_administration_get_no_page_and_no_menu_entry(practitioner, receptionist):
    for member in (practitioner, receptionist):
        client = client_for(member)
        assert client.get(reverse("web:admin")).status_code == 403
        assert reverse("web:admin") not in client.get(reverse("web:home")).text
