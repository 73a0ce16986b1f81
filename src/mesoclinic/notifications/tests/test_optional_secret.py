"""env_optional_secret, which reads the SMTP password and the SMS provider's key: value, file, or empty."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from mesoclinic.env import env_optional_secret


def test_it_reads_the_variable_then_the_file_then_gives_empty(monkeypatch, tmp_path):
    monkeypatch.delenv("SMS_HTTP_API_KEY", raising=False)
    monkeypatch.delenv("SMS_HTTP_API_KEY_FILE", raising=False)
    assert env_optional_secret("SMS_HTTP_API_KEY") == ""
    (tmp_path / "key").write_text("from-file\n")
    monkeypatch.setenv("SMS_HTTP_API_KEY_FILE", str(tmp_path / "key"))
    assert env_optional_secret("SMS_HTTP_API_KEY") == "from-file"
    monkeypatch.setenv("SMS_HTTP_API_KEY", "direct")
    assert env_optional_secret("SMS_HTTP_API_KEY") == "direct"


def test_an_unreadable_file_is_a_configuration_error(monkeypatch, tmp_path):
    monkeypatch.delenv("SMS_HTTP_API_KEY", raising=False)
    monkeypatch.setenv("SMS_HTTP_API_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        env_optional_secret("SMS_HTTP_API_KEY")
