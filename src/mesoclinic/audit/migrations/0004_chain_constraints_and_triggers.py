"""Every event has its number; numbers are unique per chain; UPDATE and DELETE are refused by triggers."""

from typing import Any

from django.db import migrations, models

from mesoclinic.audit import triggers


def install_triggers(apps: Any, schema_editor: Any) -> None:
    triggers.install(schema_editor.connection)


def remove_triggers(apps: Any, schema_editor: Any) -> None:
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_existing_events")]

    operations = [
        migrations.AlterField("auditevent", "seq", models.PositiveBigIntegerField()),
        migrations.AlterField("auditevent", "prev_hash", models.CharField(max_length=64)),
        migrations.AlterField("auditevent", "hash", models.CharField(max_length=64)),
        migrations.AlterField("auditevent", "path", models.CharField(max_length=300, blank=True)),
        migrations.AlterField("auditevent", "user_agent", models.CharField(max_length=300, blank=True)),
        migrations.AddIndex(
            "auditevent", models.Index(fields=["clinic", "patient_id"], name="audit_event_patient_idx")
        ),
        migrations.AddIndex(
            "auditevent", models.Index(fields=["clinic", "at"], name="audit_event_clinic_at_idx")
        ),
        migrations.AddConstraint(
            "auditevent",
            models.UniqueConstraint(
                fields=["clinic", "seq"],
                condition=models.Q(clinic__isnull=False),
                name="audit_event_clinic_seq",
            ),
        ),
        migrations.AddConstraint(
            "auditevent",
            models.UniqueConstraint(
                fields=["seq"], condition=models.Q(clinic__isnull=True), name="audit_event_seq"
            ),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
