"""Entry-point services commit for real: called inside another transaction they refuse at once."""

from __future__ import annotations

import pytest
from django.db import transaction

from mesoclinic.scheduling import services as scheduling

ENTRY_POINTS = [
    scheduling.add_extra_hours,
    scheduling.remove_extra_hours,
    scheduling.add_time_off,
    scheduling.remove_time_off,
    scheduling.check_in,
    scheduling.mark_no_show,
    scheduling.record_treated_elsewhere,
    scheduling.reschedule_appointment,
    scheduling.create_calendar_feed,
    scheduling.revoke_calendar_feed,
    scheduling.resolve_screening_alert,
    scheduling.set_opening_hours,
    scheduling.set_working_hours,
    scheduling.add_holiday,
    scheduling.add_public_holidays,
    scheduling.remove_holiday,
    scheduling.update_room,
    scheduling.update_device,
    scheduling.add_device_downtime,
    scheduling.remove_device_downtime,
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("service", ENTRY_POINTS, ids=lambda s: s.__name__)
def test_an_entry_point_refuses_to_run_inside_another_transaction(service):
    # The durable check comes before the body, so no arguments are needed to see it.
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        service()


@pytest.mark.django_db(transaction=True)
def test_services_that_others_call_inside_their_transaction_stay_nestable():
    # Booking, courses and cancelling run inside the importer's, the demo's and the privacy restriction's
    # transactions: nesting them must not raise the durability error (it fails on its arguments instead).
    for service in (scheduling.start_course, scheduling.book_series, scheduling.cancel_appointment):
        with transaction.atomic(), pytest.raises(TypeError):
            service()
