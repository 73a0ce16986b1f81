"""SQLite's no-overlap triggers, again: ``0012_appointment_source`` (an added column with a default) rebuilds
the appointment table on SQLite, which drops its triggers, and it may run after ``0012_appointment_held``
installed them. PostgreSQL's exclusion constraints survive an added column: nothing to do there."""

from importlib import import_module

from django.db import migrations

from mesoclinic.scheduling.migrations_ops import VendorSQL

_held = import_module("mesoclinic.scheduling.migrations.0012_appointment_held")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0013_merge_0012_appointment_held_0012_appointment_source")]

    operations = [
        # Drops (IF EXISTS) and creates both triggers; backwards they are kept (0012 wants them too).
        VendorSQL(sql={"sqlite": _held._sql(_held.NEW)["sqlite"]}, reverse_sql={}),
    ]
