"""SQLite's no-overlap triggers made again after ``0012_appointment_source``.

Adding ``source`` (a column with a default) makes SQLite rebuild ``scheduling_appointment``, which drops its
triggers; depending on the order the two 0012 migrations ran in, the triggers that ``0012_appointment_held``
made (held counted like booked) were lost, and SQLite no longer refused an overlapping appointment
(``test_the_database_refuses_overlaps_even_without_the_checks``). PostgreSQL's exclusion constraints survive
an added column: nothing to do there.
"""

from django.db import migrations

from mesoclinic.scheduling.migrations_ops import VendorSQL

HOLDING = "('booked', 'checked_in', 'completed', 'held')"
RESOURCES = ("practitioner", "room", "device")


def _sqlite_trigger(event: str) -> str:
    same_row = " AND a.id != NEW.id" if event == "UPDATE" else ""
    checks = "\n".join(
        f"  SELECT RAISE(ABORT, 'appointment_{resource}_no_overlap') WHERE NEW.{resource}_id IS NOT NULL AND EXISTS ("
        f"SELECT 1 FROM scheduling_appointment a WHERE a.{resource}_id = NEW.{resource}_id{same_row} "
        f"AND a.status IN {HOLDING} AND a.starts_at < NEW.blocked_until AND NEW.starts_at < a.blocked_until);"
        for resource in RESOURCES
    )
    return (
        f"CREATE TRIGGER appointment_no_overlap_{event.lower()} BEFORE {event} ON scheduling_appointment "
        f"WHEN NEW.status IN {HOLDING}\nBEGIN\n{checks}\nEND"
    )


SQL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS appointment_no_overlap_insert",
        "DROP TRIGGER IF EXISTS appointment_no_overlap_update",
        _sqlite_trigger("INSERT"),
        _sqlite_trigger("UPDATE"),
    ]
}


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0013_merge_0012_appointment_held_0012_appointment_source")]

    operations = [VendorSQL(sql=SQL, reverse_sql=SQL)]
