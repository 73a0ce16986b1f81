"""Which URLs may receive webhooks, and the POST itself against a real local server."""

from __future__ import annotations

import pytest

from mesoclinic.webhooks.transport import TargetError, check_url, post, resolve


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://printer.local/x",
        "https://db.internal/x",
        "https://0.0.0.0/x",
    ],
)
def test_it_refuses_local_and_private_targets(url):
    with pytest.raises(TargetError, match="local or private"):
        check_url(url, allow_http=False, allow_private=False)


def test_it_requires_https_unless_http_is_allowed():
    with pytest.raises(TargetError, match="https://"):
        check_url("http://hooks.example.com/x", allow_http=False, allow_private=False)
    check_url("http://hooks.example.com/x", allow_http=True, allow_private=False)
    with pytest.raises(TargetError, match="https://"):
        check_url("ftp://hooks.example.com/x", allow_http=True, allow_private=False)


def test_it_refuses_credentials_in_the_url_and_accepts_a_public_one():
    with pytest.raises(TargetError, match="user name or password"):
        check_url("https://u:p@hooks.example.com/x", allow_http=False, allow_private=False)
    check_url("https://hooks.example.com/x?a=1", allow_http=False, allow_private=False)
    check_url("https://8.8.8.8/x", allow_http=False, allow_private=False)


def test_a_name_that_resolves_to_loopback_is_refused_at_delivery():
    with pytest.raises(TargetError, match="resolves to a local or private"):
        resolve("localhost", 443, allow_private=False)
    outcome = post("https://localhost/x", b"{}", {}, timeout=1, allow_http=False, allow_private=False)
    assert outcome.status_code is None
    assert not outcome.ok
    assert "local or private" in outcome.error


def test_it_posts_and_reports_the_status(receiver):
    receiver.secret = "whsec_x"
    receiver.script = [503]
    outcome = post(receiver.url + "?k=v", b"{}", {}, timeout=1, allow_http=True, allow_private=True)
    # The receiver refuses an unsigned request with 401 whatever its script says.
    assert outcome.status_code == 401
    assert receiver.requests[0].path == "/hooks/mesoclinic?k=v"
    assert receiver.requests[0].headers["User-Agent"] == "MesoClinic-Webhooks/1"


def test_a_closed_port_is_a_connection_error(receiver):
    url = receiver.url
    receiver.server.shutdown()
    receiver.server.server_close()
    outcome = post(url, b"{}", {}, timeout=1, allow_http=True, allow_private=True)
    assert outcome.status_code is None
    assert outcome.error.startswith("Connection failed")
