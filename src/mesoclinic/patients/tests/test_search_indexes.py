"""Patient search can be served by trigram indexes on PostgreSQL instead of a scan of the whole table.

Each lookup that ``patients_for_clinic`` makes is checked on its own, with scans forbidden: the plan then shows
whether an index matches the exact SQL Django emits (an expression index that differs by a cast is never used).
Which plan wins on a real clinic is the planner's choice from its statistics, measured in ``benchmarks/``.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from mesoclinic import testing
from mesoclinic.patients.models import Patient


def _plan(match: Q) -> str:
    testing.make_patient(testing.make_clinic())
    queryset = Patient.objects.filter(match)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)  # nosec B608: Django's own SQL, parameters bound
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("match", "index"),
    [
        (Q(search_name__contains="zajac"), "patients_search_name_trgm"),
        (Q(email__icontains="anna@example"), "patients_email_upper_trgm"),
        (Q(phone__contains="600123"), "patients_phone_trgm"),
    ],
    ids=["name", "email", "phone"],
)
def test_each_search_lookup_has_a_trigram_index(match: Q, index: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's; the embedded SQLite default serves one clinic")
    plan = _plan(match)
    assert index in plan, plan
