"""Rows of the Today list: each appointment with how late the patient is and whether consent is missing.

The list itself is the web app's home page; the rows live here because the check-in view answers htmx with
one updated row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.models import Appointment, AppointmentStatus


def _duration_text(minutes: int) -> str:
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


@dataclass(frozen=True)
class AppointmentRow:
    """One line of the Today list: the appointment, whether the patient is late, and consent."""

    appointment: Appointment
    late_minutes: int
    needs_consent: bool

    @property
    def late(self) -> bool:
        return self.late_minutes > 0

    @property
    def late_text(self) -> str:
        return _duration_text(self.late_minutes)


def appointment_rows(appointments: Iterable[Appointment], *, now: datetime) -> list[AppointmentRow]:
    """Rows for the Today list; consent is looked up for all of them at once."""
    rows = list(appointments)
    missing = selectors.appointments_needing_consent(rows)
    return [
        AppointmentRow(
            a,
            int((now - a.starts_at).total_seconds() // 60)
            if a.status == AppointmentStatus.BOOKED and a.starts_at < now
            else 0,
            a.pk in missing,
        )
        for a in rows
    ]
