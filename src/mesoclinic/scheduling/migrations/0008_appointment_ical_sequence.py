"""The appointment's revision as calendars see it (iCalendar ``SEQUENCE``).

SQLite cannot add a NOT NULL column in place: Django rebuilds the table, and the rebuild drops the table's
triggers, among them the ones that refuse overlapping appointments (0004). They are made again here, as
0004 made them.
"""

from importlib import import_module

from django.db import migrations, models

from mesoclinic.scheduling.migrations_ops import VendorSQL

_no_overlap = import_module("mesoclinic.scheduling.migrations.0004_appointment_no_overlap")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0007_extra_hours_previous_stamp"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="sequence",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Revision of the appointment as calendars see it (iCalendar SEQUENCE): every reschedule and status change raises it.",
            ),
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
    ]
