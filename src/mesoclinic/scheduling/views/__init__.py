"""Scheduling screens: the calendar, one appointment and what can happen to it, and "Book a series".

Every view parses its input, fetches rows through the selectors' access helpers (404 across clinics),
calls a service for any change and renders. Times are shown in the location's time zone.

One module per screen: ``calendar_page`` (with its geometry in ``calendar_grid``), ``appointments``,
``reschedule``, ``booking`` (with the wizard's state in ``wizard``) and the Today list's rows in ``today``;
``common`` holds what they share.
"""

from mesoclinic.scheduling.views.appointments import (
    appointment_cancel,
    appointment_check_in,
    appointment_detail,
    appointment_no_show,
    appointment_resolve_screening_alerts,
    appointment_treated_elsewhere,
)
from mesoclinic.scheduling.views.booking import book, book_confirm, book_consent, booked
from mesoclinic.scheduling.views.calendar_page import calendar
from mesoclinic.scheduling.views.common import appointment_ics_url
from mesoclinic.scheduling.views.reschedule import appointment_move, appointment_reschedule
from mesoclinic.scheduling.views.today import AppointmentRow, appointment_rows

__all__ = [
    "AppointmentRow",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_detail",
    "appointment_ics_url",
    "appointment_move",
    "appointment_no_show",
    "appointment_reschedule",
    "appointment_resolve_screening_alerts",
    "appointment_rows",
    "appointment_treated_elsewhere",
    "book",
    "book_confirm",
    "book_consent",
    "booked",
    "calendar",
]
