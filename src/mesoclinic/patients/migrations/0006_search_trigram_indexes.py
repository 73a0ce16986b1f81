"""Trigram indexes for patient search on PostgreSQL.

Search matches any part of a name, e-mail or phone number (``LIKE '%term%'``), which a B-tree index cannot
serve: without these every search scans the clinic's whole patient table (73 ms for 100,000 patients, growing with
the clinic). ``pg_trgm``'s GIN indexes answer such patterns from the index. The expressions are exactly the ones
Django emits for the lookups in ``patients.selectors.patients_for_clinic`` (``contains`` on ``search_name`` and
``phone``; ``icontains`` on ``email`` is ``UPPER(email::text) LIKE UPPER(...)``), or the planner would not use
them. SQLite (the embedded default for a single clinic) has no such index and needs none; there this is a no-op.
"""

from django.db import migrations

INDEXES = {
    "patients_search_name_trgm": '"search_name" gin_trgm_ops',
    "patients_email_upper_trgm": 'UPPER("email"::text) gin_trgm_ops',
    "patients_phone_trgm": '"phone" gin_trgm_ops',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient USING gin ({expression})"  # nosec B608: constants
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")  # nosec B608: constants


class Migration(migrations.Migration):
    dependencies = [("patients", "0005_merge_history_status_and_identity")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
