"""Held appointments: an online visitor's chosen series holds its practitioner, room and device like a booked
one for ten minutes while the e-mailed code is awaited (issue 18, item 4).

``held`` joins the statuses the no-overlap checks count (PostgreSQL's exclusion constraints and SQLite's
triggers are made again with it); a held appointment has no patient yet (the chart is found or created only
once the code is verified) and always an expiry. SQLite rebuilds the table to make ``patient`` nullable,
which drops its triggers: they are made again, as 0008 and 0009 do.
"""

import django.db.models.deletion
from django.db import migrations, models

from mesoclinic.scheduling.migrations_ops import VendorSQL

OLD = "('booked', 'checked_in', 'completed')"
NEW = "('booked', 'checked_in', 'completed', 'held')"
RESOURCES = ("practitioner", "room", "device")


def _pg_constraint(resource: str, holding: str) -> str:
    only = f"{resource}_id IS NOT NULL AND " if resource == "device" else ""
    return (
        f"ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_{resource}_no_overlap "
        f"EXCLUDE USING gist ({resource}_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&) "
        f"WHERE ({only}status IN {holding})"
    )


def _sqlite_trigger(event: str, holding: str) -> str:
    same_row = " AND a.id != NEW.id" if event == "UPDATE" else ""
    checks = "\n".join(
        f"  SELECT RAISE(ABORT, 'appointment_{resource}_no_overlap') WHERE NEW.{resource}_id IS NOT NULL AND EXISTS ("
        f"SELECT 1 FROM scheduling_appointment a WHERE a.{resource}_id = NEW.{resource}_id{same_row} "
        f"AND a.status IN {holding} AND a.starts_at < NEW.blocked_until AND NEW.starts_at < a.blocked_until);"
        for resource in RESOURCES
    )
    return (
        f"CREATE TRIGGER appointment_no_overlap_{event.lower()} BEFORE {event} ON scheduling_appointment "
        f"WHEN NEW.status IN {holding}\nBEGIN\n{checks}\nEND"
    )


def _sql(holding: str) -> dict[str, list[str]]:
    return {
        "postgresql": [
            *(
                f"ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_{r}_no_overlap"
                for r in RESOURCES
            ),
            *(_pg_constraint(r, holding) for r in RESOURCES),
        ],
        "sqlite": [
            "DROP TRIGGER IF EXISTS appointment_no_overlap_insert",
            "DROP TRIGGER IF EXISTS appointment_no_overlap_update",
            _sqlite_trigger("INSERT", holding),
            _sqlite_trigger("UPDATE", holding),
        ],
    }


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0006_search_trigram_indexes"),
        ("scheduling", "0011_courses_move_here"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="hold_expires_at",
            field=models.DateTimeField(
                blank=True, help_text="A held appointment is released at this moment.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty only while the appointment is held online, before the visitor's code.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="patients.patient",
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("checked_in", "Checked in"),
                    ("completed", "Completed"),
                    ("cancelled", "Cancelled"),
                    ("no_show", "No-show"),
                    ("held", "Held online (awaiting the code)"),
                ],
                default="booked",
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["status", "hold_expires_at"], name="appointment_hold_expiry"),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(("hold_expires_at__isnull", False), ("status", "held"))
                | (~models.Q(("status", "held")) & models.Q(("patient__isnull", False))),
                name="appointment_held_or_of_a_patient",
            ),
        ),
        VendorSQL(sql=_sql(NEW), reverse_sql=_sql(OLD)),
    ]
