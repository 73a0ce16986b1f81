"""The delivery log's errors in the reader's language (issue 15): an attempt's error is kept as English text
and as words (template and values), shown in Polish to a Polish owner and in English to an English one; a row
written before (text only) shows as it was. The endpoint form's refusals are in the reader's language too."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.testing import client_for, make_staff
from mesoclinic.webhooks import services
from mesoclinic.webhooks.models import DeliveryAttempt, WebhookDelivery
from mesoclinic.webhooks.transport import TargetError, check_url, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(clinic, owner, receiver):
    endpoint = services.create_endpoint(clinic, url=receiver.url, events=["session.signed"], actor=owner.user)
    receiver.secret = endpoint.secret
    receiver.script = [500]
    delivery = services.send_test_event(endpoint, actor=owner.user)
    services.attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def _polish_owner(clinic):
    staff = make_staff(clinic, Role.OWNER, name="Anna Nowak")
    StaffMember.objects.filter(pk=staff.pk).update(language="pl")
    staff.refresh_from_db()
    return staff


def test_an_attempts_error_is_kept_in_english_with_its_words(failed):
    (attempt,) = failed.attempt_log.all()
    assert (attempt.error, attempt.error_template, attempt.error_params) == (
        "The receiver answered 500.",
        "The receiver answered %(code)s.",
        {"code": 500},
    )
    assert (failed.last_error, failed.last_error_template) == (attempt.error, attempt.error_template)
    with translation.override("pl"):
        assert attempt.error_text == failed.last_error_text == "Odbiorca odpowiedział kodem 500."


def test_the_log_shows_the_error_in_the_owners_language(clinic, owner, failed):
    polish = client_for(_polish_owner(clinic))
    assert "Odbiorca odpowiedział kodem 500." in polish.get(reverse("webhooks:deliveries")).text
    assert (
        "Odbiorca odpowiedział kodem 500." in polish.get(reverse("webhooks:delivery", args=[failed.pk])).text
    )
    assert "The receiver answered 500." in client_for(owner).get(reverse("webhooks:deliveries")).text


def test_a_row_written_before_the_words_were_kept_shows_its_text(failed):
    WebhookDelivery.objects.filter(pk=failed.pk).update(last_error_template="", last_error_params={})
    DeliveryAttempt.objects.filter(delivery=failed).update(
        error="Old words.", error_template="", error_params={}
    )
    failed.refresh_from_db()
    with translation.override("pl"):
        assert failed.last_error_text == "The receiver answered 500."
        assert failed.attempt_log.get().error_text == "Old words."


def test_a_refused_target_is_english_until_translated_and_the_outcome_keeps_its_words():
    with pytest.raises(TargetError) as caught:
        check_url("http://example.com/x", allow_http=False, allow_private=False)
    assert str(caught.value) == "The address must start with https://."
    with translation.override("pl"):
        assert caught.value.text(gettext) == "Adres musi zaczynać się od https://."
    outcome = post("http://example.com/x", b"{}", {}, timeout=1, allow_http=False, allow_private=False)
    assert outcome.error == "The address must start with https://."
    assert outcome.error_words is not None and outcome.error_words.template == caught.value.template


def test_the_endpoint_forms_refusals_are_in_the_readers_language(clinic, owner):
    with translation.override("pl"), pytest.raises(ValidationError) as refused:
        services.create_endpoint(clinic, url="https://me:pw@example.com/x", events=[], actor=owner.user)
    assert refused.value.message_dict == {
        "url": ["Nie podawaj w adresie nazwy użytkownika ani hasła; uwierzytelnia nas podpis."],
        "events": ["Wybierz co najmniej jedno zdarzenie do wysyłania."],
    }
