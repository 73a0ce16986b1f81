"""Issuing and revoking API tokens: scopes within the role, the secret only hashed, audit rows."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesoclinic.accounts.services import create_api_token, revoke_api_token
from mesoclinic.audit.models import AuditEvent


def test_it_stores_only_the_hash_of_the_secret(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=receptionist.user)
    issued.token.refresh_from_db()
    assert issued.secret.startswith(f"mc_{issued.token.prefix}_")
    assert issued.token.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in str(issued.token.__dict__)


def test_it_gives_every_token_its_own_secret(receptionist):
    first = create_api_token(receptionist, name="A", scopes=["view_patients"], actor=None)
    second = create_api_token(receptionist, name="B", scopes=["view_patients"], actor=None)
    assert first.secret != second.secret
    assert first.token.prefix != second.token.prefix


def test_it_refuses_scopes_beyond_the_role(receptionist):
    with pytest.raises(ValidationError) as caught:
        create_api_token(receptionist, name="X", scopes=["view_patients", "view_clinical"], actor=None)
    assert "view_clinical" in str(caught.value)


def test_it_needs_at_least_one_scope_and_a_future_expiry(receptionist):
    with pytest.raises(ValidationError):
        create_api_token(receptionist, name="X", scopes=[], actor=None)
    with pytest.raises(ValidationError):
        create_api_token(
            receptionist,
            name="X",
            scopes=["view_patients"],
            expires_at=timezone.now() - timedelta(days=1),
            actor=None,
        )


def test_it_records_creation_without_the_secret(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=receptionist.user)
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor == receptionist.user
    assert event.clinic == receptionist.clinic
    assert event.data["scopes"] == ["view_patients"]
    assert issued.secret not in str(event.data)


def test_it_revokes_once(receptionist):
    issued = create_api_token(receptionist, name="Kiosk", scopes=["view_patients"], actor=None)
    revoke_api_token(issued.token, actor=receptionist.user)
    first = issued.token.revoked_at
    revoke_api_token(issued.token, actor=receptionist.user)
    issued.token.refresh_from_db()
    assert issued.token.revoked_at == first is not None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
