"""``Actor``: whom a service acts for, the ``actor`` argument of every service that writes (audited, actor-first).

The signed-in user of a request (``request.user``), an anonymous one (a public page: the opt-out link, online
booking), or None (a script, the worker, the demo loader). Types only: nothing here runs at import, so every app,
the audit log included, may import it (the lowest layer of the app contract in ``pyproject.toml``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Actor: TypeAlias = "User | AnonymousUser | None"
