"""Signed links in messages: opt-out (never expires, one per patient) and the complication check.

The links carry ids signed with the site's secret key (``django.core.signing``), so a patient needs no
account, and a guessed or edited link is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

_OPT_OUT_SALT = "mesoclinic.notifications.opt-out"
_CHECK_SALT = "mesoclinic.notifications.complication-check"
CHECK_LINK_VALID = timedelta(days=90)


def absolute(path: str) -> str:
    return settings.MESOCLINIC_BASE_URL.rstrip("/") + path


def opt_out_token(patient_id: int) -> str:
    return signing.dumps({"p": patient_id}, salt=_OPT_OUT_SALT, compress=True)


def read_opt_out_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=_OPT_OUT_SALT)["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def opt_out_url(patient_id: int) -> str:
    return absolute(reverse("notifications:opt_out", args=[opt_out_token(patient_id)]))


def check_token(session_id: int, due_at: datetime) -> str:
    return signing.dumps(
        {"s": session_id, "d": due_at.astimezone(UTC).isoformat()}, salt=_CHECK_SALT, compress=True
    )


def read_check_token(token: str) -> tuple[int, datetime] | None:
    """(session id, due instant) of a complication-check link, or None when forged or too old."""
    try:
        data = signing.loads(token, salt=_CHECK_SALT, max_age=CHECK_LINK_VALID)
        due_at = datetime.fromisoformat(str(data["d"]))
        return int(data["s"]), due_at
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def check_url(session_id: int, due_at: datetime) -> str:
    return absolute(reverse("notifications:check", args=[check_token(session_id, due_at)]))
