"""Row-level security on billing's VAT-table rows, which carry their document's clinic since 0010
(``mesoclinic.tenancy``; PostgreSQL only; ``accounts.0007`` covers the tables that had a clinic before)."""

from typing import Any

from django.db import migrations

from mesoclinic import tenancy

TABLE = "billing_documentrate"


def install(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in tenancy.policy_statements(TABLE, nullable=True):  # rows issued before 0010 may have none
            cursor.execute(sql)


def remove(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in tenancy.removal_statements(TABLE):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0011_worded_reasons"),
        ("accounts", "0007_row_level_security"),
    ]

    operations = [migrations.RunPython(install, remove, elidable=False)]
