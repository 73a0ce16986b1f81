"""Audit rows for what allauth, django-axes and Django's auth do on their own: sign-in, failures, lockout, MFA.

Receivers only translate a signal into a service call; connected in ``AccountsConfig.ready``.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest

from mesoclinic.accounts import services
from mesoclinic.accounts.lockout import username_for_lockout
from mesoclinic.accounts.middleware import SIGNED_IN_AT


def _stamp_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Start the session's absolute lifetime at every sign-in (``SessionLifetimeMiddleware``)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = time.time()


def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    services.record_sign_in(user, method="mfa" if _used_mfa(request) else "password")


def _used_mfa(request: HttpRequest) -> bool:
    methods = request.session.get("account_authentication_methods", []) if request else []
    return any(m.get("method") == "mfa" for m in methods)


def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any
) -> None:
    if request is None:  # a script calling authenticate() directly, not a person at the sign-in page
        return
    services.record_failed_sign_in(username_for_lockout(request, credentials))


def _locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kw: Any
) -> None:
    services.record_lockout(username or "")


def _authenticator_added(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    services.record_account_security_event(user, "auth.mfa_enabled", kind=authenticator.type)


def _authenticator_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any
) -> None:
    services.record_account_security_event(user, "auth.mfa_disabled", kind=authenticator.type)


def _authenticator_reset(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    services.record_account_security_event(user, "auth.mfa_reset", kind=authenticator.type)


def _mfa_failed(sender: Any, request: HttpRequest, user: Any, **kw: Any) -> None:
    services.record_failed_mfa(user)


def _password_changed(sender: Any, request: HttpRequest, user: Any, **kw: Any) -> None:
    services.record_account_security_event(user, "auth.password_changed")


def _password_reset(sender: Any, request: HttpRequest, user: Any, **kw: Any) -> None:
    services.record_account_security_event(user, "auth.password_reset")


def connect() -> None:
    auth_signals.user_logged_in.connect(_stamp_session, dispatch_uid="mesoclinic.session_stamp")
    account_signals.user_logged_in.connect(_signed_in, dispatch_uid="mesoclinic.audit_sign_in")
    auth_signals.user_login_failed.connect(_sign_in_failed, dispatch_uid="mesoclinic.audit_sign_in_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="mesoclinic.audit_locked_out")
    mfa_signals.authenticator_added.connect(_authenticator_added, dispatch_uid="mesoclinic.audit_mfa_added")
    mfa_signals.authenticator_removed.connect(
        _authenticator_removed, dispatch_uid="mesoclinic.audit_mfa_removed"
    )
    mfa_signals.authenticator_reset.connect(_authenticator_reset, dispatch_uid="mesoclinic.audit_mfa_reset")
    mfa_signals.authentication_failed.connect(_mfa_failed, dispatch_uid="mesoclinic.audit_mfa_failed")
    account_signals.password_changed.connect(
        _password_changed, dispatch_uid="mesoclinic.audit_password_changed"
    )
    account_signals.password_reset.connect(_password_reset, dispatch_uid="mesoclinic.audit_password_reset")
