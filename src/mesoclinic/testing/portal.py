"""A clinic with an open online booking page, for the portal's tests."""

from __future__ import annotations

from datetime import datetime

import time_machine

from mesoclinic.accounts.models import Clinic
from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.services import publish_consent_template
from mesoclinic.testing import Schedulable, make_schedulable
from mesoclinic.testing.scheduling import ELECTROPORATION as EP
from mesoclinic.testing.scheduling import NEEDLE, WARSAW

NOW = datetime(2031, 3, 1, 10, 0, tzinfo=WARSAW)  # a Saturday; the first Monday is 2031-03-03


def at(moment: datetime = NOW) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def open_booking(clinic: Clinic) -> Schedulable:
    setup = make_schedulable(clinic)
    Protocol.objects.filter(clinic=clinic, slug__in=[NEEDLE, EP]).update(bookable_online=True)
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    publish_consent_template(
        clinic, modality=needle.modality, title="Needle mesotherapy", body="Risks: bruising.", actor=None
    )
    return setup
