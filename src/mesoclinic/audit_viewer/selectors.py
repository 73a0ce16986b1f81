"""The viewer's "who" list: from the clinic's staff table, never from a DISTINCT over its whole log."""

from __future__ import annotations

from typing import Any

from mesoclinic.accounts.models import StaffMember
from mesoclinic.audit import selectors as audit


def actors_for_clinic(clinic: Any, *, also: int | None = None) -> list[tuple[int, str]]:
    """The clinic's staff, active or not (a former employee's events stay), by name (user name where a name is
    missing). ``also``, a user id the filter asks for who is not on the clinic's staff (a platform
    administrator), is added when the clinic's log holds an event of theirs, so a link to their events works."""
    rows = [
        (user_id, name or username)
        for user_id, name, username in StaffMember.objects.filter(clinic=clinic).values_list(
            "user_id", "display_name", "user__username"
        )
    ]
    if also is not None and all(pk != also for pk, _ in rows):
        found = audit.logged_actor(clinic, also)
        if found is not None:
            rows.append(found)
    return sorted(rows, key=lambda row: (row[1].lower(), row[0]))
