from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import PASSWORD, client_for

URL = reverse("login")


def test_it_shows_a_labelled_form(client, db):
    body = client.get(URL).content.decode()
    assert '<label for="id_username">' in body
    assert '<label for="id_password">' in body
    assert "csrfmiddlewaretoken" in body


def test_it_signs_in_and_goes_to_today(client, receptionist):
    response = client.post(URL, {"username": receptionist.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_it_says_what_went_wrong_and_keeps_the_username(client, receptionist):
    response = client.post(URL, {"username": receptionist.user.username, "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "correct username and password" in body
    assert f'value="{receptionist.user.username}"' in body


def test_it_signs_out_with_post_only(receptionist):
    client = client_for(receptionist)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302
