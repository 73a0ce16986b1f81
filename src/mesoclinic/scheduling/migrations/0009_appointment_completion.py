"""How a completed appointment was completed (a signed session record, or a physician's "treated elsewhere").

Appointments completed before this rule existed are sorted out once: with a signed session record they
were completed by it; without one they are "marked completed without a session record" and no longer count
as a session done. SQLite rebuilds the table to add the columns, which drops its triggers: they are made
again as 0004 made them (as in 0008).
"""

from importlib import import_module

from django.db import migrations, models

from mesoclinic.scheduling.migrations_ops import VendorSQL

_no_overlap = import_module("mesoclinic.scheduling.migrations.0004_appointment_no_overlap")


def sort_out_completed(apps, schema_editor):  # noqa: ANN001, ANN201 — Django's RunPython signature
    appointment = apps.get_model("scheduling", "Appointment")
    record = apps.get_model("treatments", "SessionRecord")
    signed = record.objects.filter(status="signed", appointment__isnull=False).values("appointment_id")
    completed = appointment.objects.filter(status="completed")
    completed.filter(pk__in=signed).update(completion="signed_record")
    completed.exclude(pk__in=signed).update(completion="unrecorded")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0008_appointment_ical_sequence"),
        ("treatments", "0002_historicalsessionrecord_sessionamendment_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="completion",
            field=models.CharField(
                blank=True,
                choices=[
                    ("signed_record", "Session record signed"),
                    ("elsewhere", "Treated elsewhere / recorded on paper"),
                    ("imported", "Imported from another system"),
                    ("unrecorded", "Marked completed without a session record"),
                ],
                help_text='How a completed appointment was completed: only a signed session record or a physician\'s "treated elsewhere" (with a reason) counts as a session done.',
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="completion_reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        VendorSQL(
            sql={
                "sqlite": [
                    "DROP TRIGGER IF EXISTS appointment_no_overlap_insert",
                    "DROP TRIGGER IF EXISTS appointment_no_overlap_update",
                    _no_overlap._sqlite_trigger("INSERT"),
                    _no_overlap._sqlite_trigger("UPDATE"),
                ]
            },
            reverse_sql={"sqlite": []},
        ),
        migrations.RunPython(sort_out_completed, migrations.RunPython.noop),
    ]
