"""Which name django-axes counts failed sign-ins against.

One person may type their username, in any letter case, or their e-mail address (allauth accepts them
all): every spelling counts against the same account, so switching between them gains an attacker nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def username_for_lockout(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    credentials = credentials or {}
    typed = credentials.get("username") or credentials.get("email") or credentials.get("login")
    if not typed and request is not None:
        typed = request.POST.get("login") or request.POST.get("username")
    typed = str(typed or "").strip()
    users = get_user_model().objects.only("username")
    user = users.filter(username__iexact=typed).first()
    if user is None and "@" in typed:
        user = users.filter(email__iexact=typed).first()
    return user.get_username() if user is not None else typed.lower()


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page a locked-out sign-in gets (429): what happened, for how long, and what to do instead."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "account/lockout.html", context, status=429)
