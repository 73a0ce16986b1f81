"""A password-reset request takes one path whatever address is typed (issue 13, item 8): no look-up, token
or mail in the request; the worker sends the mail (to a known address only) after the commit. So a
stranger cannot tell from the answer, or from how long it took, which addresses have accounts."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.accounts.models import Role
from mesoclinic.testing import make_staff

KNOWN = "nina@example.org"
UNKNOWN = "nobody@example.org"


def _ask(email: str) -> tuple[object, list[str], int]:
    """The answer, the SQL the request ran, and how many callbacks wait for the commit."""
    with (
        TestCase.captureOnCommitCallbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        response = Client().post(reverse("account_reset_password"), {"email": email})
    return response, [q["sql"] for q in queries.captured_queries], len(callbacks)


@pytest.fixture
def known(clinic):
    return make_staff(clinic, Role.PRACTITIONER, email=KNOWN)


def test_a_known_and_an_unknown_address_take_the_same_path(known):
    known_answer, known_sql, known_callbacks = _ask(KNOWN)
    unknown_answer, unknown_sql, unknown_callbacks = _ask(UNKNOWN)
    assert known_answer.status_code == unknown_answer.status_code == 302
    assert known_answer["Location"] == unknown_answer["Location"]
    assert len(known_sql) == len(unknown_sql)
    assert not any("account_emailaddress" in sql or "auth_user" in sql for sql in known_sql)
    assert known_callbacks == unknown_callbacks == 1
    assert mail.outbox == []  # nothing sent while the visitor waits


def test_the_worker_sends_the_mail_to_a_known_address_only(known):
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": UNKNOWN})
    assert mail.outbox == []
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": KNOWN.upper()})
    assert [message.to for message in mail.outbox] == [[KNOWN]]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line)
    assert link.strip().startswith("http://testserver/accounts/password/reset/key/")


def test_the_link_from_the_worker_resets_the_password(known):
    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": KNOWN})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line).strip()
    client = Client()
    form = client.get(link.removeprefix("http://testserver"), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a new long passphrase 7", "password2": "a new long passphrase 7"},
    )
    assert done.status_code == 302
    known.user.refresh_from_db()
    assert known.user.check_password("a new long passphrase 7")
