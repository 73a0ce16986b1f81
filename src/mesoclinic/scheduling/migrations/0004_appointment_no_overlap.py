"""The database itself refuses overlapping active appointments of one practitioner, room or device.

PostgreSQL: exclusion constraints over ``tstzrange(starts_at, blocked_until)`` (btree_gist for the ``=``).
SQLite: triggers; SQLite has one writer at a time (transactions start IMMEDIATE), so a trigger's check and
the write it guards cannot interleave with another booking.
"""

from django.db import migrations

from mesoclinic.scheduling.migrations_ops import VendorSQL

HOLDING = "('booked', 'checked_in', 'completed')"
RESOURCES = ("practitioner", "room", "device")


def _pg_constraint(resource: str) -> str:
    only = f"{resource}_id IS NOT NULL AND " if resource == "device" else ""
    return (
        f"ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_{resource}_no_overlap "
        f"EXCLUDE USING gist ({resource}_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&) "
        f"WHERE ({only}status IN {HOLDING})"
    )


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


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_appointment_course_appointment_created_by_and_more")]

    operations = [
        VendorSQL(
            sql={
                "postgresql": ["CREATE EXTENSION IF NOT EXISTS btree_gist", *map(_pg_constraint, RESOURCES)],
                "sqlite": [_sqlite_trigger("INSERT"), _sqlite_trigger("UPDATE")],
            },
            reverse_sql={
                "postgresql": [
                    f"ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_{r}_no_overlap"
                    for r in RESOURCES
                ],
                "sqlite": [
                    "DROP TRIGGER appointment_no_overlap_insert",
                    "DROP TRIGGER appointment_no_overlap_update",
                ],
            },
        )
    ]
