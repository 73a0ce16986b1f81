"""The HTTP SMS adapter against a real local HTTP server (http.server in a thread): what it posts, the
provider id it reads, and how the provider's errors become permanent or transient channel errors."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from mesoclinic.notifications.channels import ChannelError
from mesoclinic.notifications.channels.sms import HttpSmsBackend, send_sms


def test_it_posts_json_with_the_bearer_key_and_returns_the_provider_id(provider):
    assert send_sms(to="+48600100200", body="Hello", reference="42") == "msg-123"
    (request,) = provider.requests
    assert request["path"] == "/v1/messages"
    assert request["authorization"] == "Bearer test-key-not-secret"
    assert request["content_type"] == "application/json"
    assert request["json"] == {"to": "+48600100200", "from": "RosaClinic", "text": "Hello", "reference": "42"}


def test_it_accepts_message_id_as_the_id_field(provider):
    provider.body = b'{"message_id": "abc"}'
    assert send_sms(to="+48600100200", body="Hello") == "abc"


@pytest.mark.parametrize("status", [400, 422])
def test_a_rejected_message_is_a_permanent_error_with_the_providers_reason(provider, status):
    provider.status, provider.body = status, b'{"error": "invalid number"}'
    with pytest.raises(ChannelError, match="rejected the message: invalid number") as caught:
        send_sms(to="12", body="Hello")
    assert caught.value.permanent


def test_a_wrong_key_is_a_permanent_error(provider):
    provider.status, provider.body = 401, b'{"detail": "bad token"}'
    with pytest.raises(ChannelError, match="refused the API key") as caught:
        send_sms(to="+48600100200", body="Hello")
    assert caught.value.permanent


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_transient(provider, status):
    provider.status, provider.body = status, b"not json"
    with pytest.raises(ChannelError, match=f"HTTP {status}") as caught:
        send_sms(to="+48600100200", body="Hello")
    assert not caught.value.permanent


def test_an_answer_without_an_id_is_an_error(provider):
    provider.body = b'{"ok": true}'
    with pytest.raises(ChannelError, match="without a message id"):
        send_sms(to="+48600100200", body="Hello")


def test_an_unreachable_provider_is_transient(provider, settings):
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/v1/messages"  # discard port: nothing listens
    with pytest.raises(ChannelError, match="could not be reached") as caught:
        send_sms(to="+48600100200", body="Hello")
    assert not caught.value.permanent


def test_it_needs_a_url_and_a_key(settings):
    settings.SMS_HTTP_URL = ""
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend()


def test_the_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_BACKEND = "mesoclinic.notifications.channels.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms" / "out.jsonl")
    first = send_sms(to="+1", body="One")
    send_sms(to="+2", body="Two")
    lines = [json.loads(line) for line in (tmp_path / "sms" / "out.jsonl").read_text().splitlines()]
    assert [(line["to"], line["body"]) for line in lines] == [("+1", "One"), ("+2", "Two")]
    assert lines[0]["id"] == first


def test_the_console_backend_prints(settings, capsys):
    settings.SMS_BACKEND = "mesoclinic.notifications.channels.sms.ConsoleSmsBackend"
    assert send_sms(to="+1", body="Hi there").startswith("console-")
    assert "Hi there" in capsys.readouterr().out


def test_a_provider_address_that_is_not_http_is_refused(settings):
    settings.SMS_HTTP_URL = "file:///etc/passwd"
    settings.SMS_HTTP_API_KEY = "test-key-not-secret"
    with pytest.raises(ImproperlyConfigured, match="http"):
        HttpSmsBackend()
