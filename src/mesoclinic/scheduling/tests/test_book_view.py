"""The "Book a series" wizard's pages (GET): patient, treatment, screening, consent, dates, confirm.

Every step is a plain link or GET form over the query string; nothing is written until the confirm POST.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from mesoclinic.patients.services import record_consent
from mesoclinic.safety.models import ScreeningRecord
from mesoclinic.scheduling.forms import decode_slot
from mesoclinic.scheduling.models import Appointment
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.scheduling import ELECTROPORATION, NEEDLE, WARSAW, consent_template

pytestmark = pytest.mark.django_db
URL = reverse("scheduling:book")


@pytest.fixture
def patient(clinic):
    return make_patient(clinic)


def dates(patient, setup, **extra):
    return {
        "patient": patient.pk,
        "protocol": NEEDLE,
        "location": setup.location.pk,
        "earliest": "2031-03-03",
        "consent": "later",
        "step": "dates",
        **extra,
    }


def links(body):
    return [m.replace("&amp;", "&") for m in re.findall(r'href="(/schedule/book/\?[^"]+)"', body)]


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_does_not_book_for_another_clinics_patient(outsider, patient):
    assert client_for(outsider).get(URL, {"patient": patient.pk}).status_code == 404


def test_it_does_not_book_at_another_clinics_location(outsider, setup):
    assert client_for(outsider).get(URL, {"location": setup.location.pk}).status_code == 404


def test_it_answers_404_for_an_unknown_protocol(receptionist, setup, patient):
    assert client_for(receptionist).get(URL, {"patient": patient.pk, "protocol": "nope"}).status_code == 404


def test_it_starts_by_finding_the_patient(receptionist, setup, patient):
    response = client_for(receptionist).get(URL, {"q": patient.family_name, "step": "patient"})
    assert response.context["step"] == "patient"
    found = links(response.content.decode())
    assert any(f"patient={patient.pk}" in link and "step=protocol" in link for link in found)


def test_it_shows_the_protocols_as_cards(receptionist, setup, patient):
    response = client_for(receptionist).get(URL, {"patient": patient.pk})
    body = response.content.decode()
    assert response.context["step"] == "protocol"
    assert "Face hydration (HA)" in body
    assert "4 sessions × every 14 days (± 2)" in body
    assert "30 min + 15 min cleaning" in body
    assert "150.00" in body
    assert any(f"protocol={NEEDLE}" in link and "step=screening" in link for link in links(body))


def test_it_shows_the_screening_result_and_lets_an_ok_continue(receptionist, setup, patient):
    response = client_for(receptionist).get(URL, {"patient": patient.pk, "protocol": NEEDLE})
    assert response.context["step"] == "screening"
    assert response.context["screening"].decision == "ok"
    assert any("step=consent" in link for link in links(response.content.decode()))


def test_it_stops_a_blocked_treatment_with_the_reasons(receptionist, clinic, setup):
    patient = make_patient(clinic, implants=["pacemaker"])
    client = client_for(receptionist)
    response = client.get(URL, {"patient": patient.pk, "protocol": ELECTROPORATION})
    body = response.content.decode()
    assert "Blocked: do not book." in body
    assert "Pacemaker" in body
    assert "Only a physician may override a block, with a written reason." in body
    assert "step=consent" not in body and 'name="override"' not in body
    skipping = client.get(URL, dates(patient, setup, protocol=ELECTROPORATION, override="1"))
    assert skipping.context["step"] == "screening"  # the URL cannot skip past a block


def test_it_offers_a_physician_the_override(physician, clinic, setup):
    patient = make_patient(clinic, implants=["pacemaker"])
    client = client_for(physician)
    response = client.get(URL, {"patient": patient.pk, "protocol": ELECTROPORATION})
    assert 'name="override"' in response.content.decode()
    after = client.get(URL, dates(patient, setup, protocol=ELECTROPORATION, override="1"))
    assert after.context["step"] == "dates"


def test_it_asks_for_consent_and_shows_the_current_form(receptionist, clinic, setup, patient):
    template = consent_template(clinic)
    response = client_for(receptionist).get(URL, {"patient": patient.pk, "protocol": NEEDLE, "step": "dates"})
    body = response.content.decode()
    assert response.context["step"] == "consent"
    assert template.body in body
    assert reverse("scheduling:book_consent") in body
    assert "continue without" in body


def test_it_skips_consent_when_it_is_on_file(receptionist, clinic, setup, patient):
    record_consent(patient, template=consent_template(clinic), signed_by="Test", actor=None)
    response = client_for(receptionist).get(
        URL, {"patient": patient.pk, "protocol": NEEDLE, "step": "consent"}
    )
    assert response.context["step"] == "dates"


def test_it_proposes_every_date_at_once_with_alternatives(receptionist, setup, patient):
    response = client_for(receptionist).get(URL, dates(patient, setup))
    sessions = response.context["sessions"]
    assert response.context["step"] == "dates"
    assert len(sessions) == 4
    assert sessions[0].choice.start.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M") == "2031-03-03 09:00"
    assert [s.gap_days for s in sessions] == [None, 14, 14, 14]
    for session in sessions:
        assert 1 <= len(session.alternatives) <= 6
        for alternative, _url in session.alternatives:
            assert alternative.start != session.choice.start
    body = response.content.decode()
    assert "Mon 3 Mar 2031, 09:00" in body
    assert "Review and book" in body


def test_it_swaps_a_session_for_an_alternative(receptionist, setup, patient):
    client = client_for(receptionist)
    first = client.get(URL, dates(patient, setup))
    alternative, link = first.context["sessions"][1].alternatives[0]
    swapped = client.get(link.replace("&amp;", "&"))
    assert swapped.context["sessions"][1].choice.start == alternative.start
    assert swapped.context["sessions"][0].choice.start == first.context["sessions"][0].choice.start


def test_it_says_why_no_series_fits(receptionist, setup, patient):
    response = client_for(receptionist).get(URL, dates(patient, setup, protocol="sonophoresis-revitalising"))
    assert response.context["reason"]
    assert "No series fits." in response.content.decode()


def test_it_refuses_a_first_day_in_the_past(receptionist, setup, patient):
    response = client_for(receptionist).get(URL, dates(patient, setup, earliest="2001-01-01"))
    assert "Choose today or a later day." in response.content.decode()
    assert response.context["sessions"] == []


def test_it_shows_the_chosen_sessions_on_the_confirm_step(receptionist, setup, patient):
    client = client_for(receptionist)
    proposal = client.get(URL, dates(patient, setup))
    confirm = client.get(proposal.context["confirm_url"])
    body = confirm.content.decode()
    assert confirm.context["step"] == "confirm"
    assert reverse("scheduling:book_confirm") in body
    tokens = parse_qs(urlparse(proposal.context["confirm_url"]).query)
    for n in range(1, 5):
        assert decode_slot(tokens[f"s{n}"][0]) is not None
        assert f'name="s{n}"' in body
    assert "Book 4 sessions" in body


def test_it_writes_nothing_while_stepping_through(receptionist, setup, patient):
    client = client_for(receptionist)
    client.get(URL, {"patient": patient.pk, "protocol": NEEDLE})
    proposal = client.get(URL, dates(patient, setup))
    client.get(proposal.context["confirm_url"])
    assert not ScreeningRecord.objects.exists()
    assert not Appointment.objects.exists()


def test_a_new_patient_is_registered_in_place_and_the_booking_goes_on_with_them(clinic, setup, receptionist):
    from mesoclinic.patients.models import Patient  # noqa: PLC0415
    from mesoclinic.patients.tests.test_patient_create_view import _data  # noqa: PLC0415

    client = client_for(receptionist)
    page = client.get(URL, {"location": setup.location.pk, "protocol": NEEDLE, "q": "Nowak"}).content.decode()
    register = re.search(
        r'href="([^"]+)"[^>]*><span aria-hidden="true">\+</span> Register a new patient', page
    )
    assert register is not None
    link = register.group(1).replace("&amp;", "&")
    assert link.startswith(reverse("patients:create") + "?next=")
    assert parse_qs(urlparse(link).query)["name"] == ["Nowak"]
    assert 'value="Nowak"' in client.get(link).content.decode()  # the searched name is not typed twice
    back = parse_qs(urlparse(link).query)["next"][0]
    response = client.post(link, _data(next=back))
    patient = Patient.objects.get(family_name="Nowak")
    assert response.status_code == 302
    state = parse_qs(urlparse(response["Location"]).query)
    assert state["patient"] == [str(patient.pk)]
    assert state["protocol"] == [NEEDLE] and state["step"] == ["screening"]
    assert state["location"] == [str(setup.location.pk)]
    assert client.get(response["Location"]).status_code == 200
