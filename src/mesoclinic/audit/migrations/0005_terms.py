"""The viewer's filter terms (``AuditTerm``): filled once from the events already logged, then kept by a
trigger on every insert (``audit.triggers``)."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from mesoclinic.audit import triggers


def fill_and_install(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        for kind, column in (("action", "action"), ("object_type", "object_type")):
            cursor.execute(
                f"INSERT INTO {triggers.TERMS} (clinic_id, kind, value) "  # noqa: S608  # nosec B608: constants
                f"SELECT DISTINCT clinic_id, %s, {column} FROM {triggers.TABLE} "
                f"WHERE clinic_id IS NOT NULL AND {column} <> ''",
                [kind],
            )
    triggers.install(schema_editor.connection)


def remove_terms_trigger(apps: Any, schema_editor: Any) -> None:
    triggers.remove_terms(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_staff_language"),
        ("audit", "0004_chain_constraints_and_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=12)),
                ("value", models.CharField(max_length=64)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.clinic"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("clinic", "kind", "value"), name="audit_term_unique")
                ],
            },
        ),
        migrations.RunPython(fill_and_install, remove_terms_trigger),
    ]
