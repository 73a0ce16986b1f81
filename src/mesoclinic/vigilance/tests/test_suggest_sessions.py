"""Sessions suggested for an adverse event: the 12 weeks before the onset, newest first, with lots."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mesoclinic.testing import make_lot, make_patient, make_signed_session
from mesoclinic.vigilance.selectors import suggest_sessions


def test_it_lists_sessions_of_the_twelve_weeks_before_onset_newest_first(clinic, practitioner):
    patient = make_patient(clinic)
    old = make_signed_session(patient, practitioner, performed_at=datetime(2026, 1, 5, 9, tzinfo=UTC))
    first = make_signed_session(patient, practitioner, performed_at=datetime(2026, 3, 20, 9, tzinfo=UTC))
    second = make_signed_session(patient, practitioner, performed_at=datetime(2026, 5, 1, 9, tzinfo=UTC))
    assert [s.record for s in suggest_sessions(patient, date(2026, 6, 1))] == [second, first]
    assert old not in [s.record for s in suggest_sessions(patient, date(2026, 6, 1))]


def test_it_leaves_out_sessions_after_the_onset(clinic, practitioner):
    patient = make_patient(clinic)
    make_signed_session(patient, practitioner, performed_at=datetime(2026, 6, 2, 9, tzinfo=UTC))
    assert suggest_sessions(patient, date(2026, 6, 1)) == []


def test_it_gives_each_session_its_lots(clinic, practitioner):
    patient = make_patient(clinic)
    a, b = make_lot(clinic), make_lot(clinic, "lidocaine_2pct")
    make_signed_session(patient, practitioner, uses=[(a, 1), (b, 1)])
    [suggestion] = suggest_sessions(patient, date(2026, 6, 20))
    assert suggestion.lots == [a, b]


def test_it_ignores_other_patients(clinic, practitioner):
    make_signed_session(make_patient(clinic), practitioner)
    assert suggest_sessions(make_patient(clinic), date(2026, 6, 20)) == []
