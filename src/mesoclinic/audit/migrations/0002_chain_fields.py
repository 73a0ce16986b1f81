"""Fields of the hash chain, the request's path and user agent, and the patient as a plain number."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField("auditevent", "seq", models.PositiveBigIntegerField(null=True)),
        migrations.AddField("auditevent", "prev_hash", models.CharField(max_length=64, default="")),
        migrations.AddField("auditevent", "hash", models.CharField(max_length=64, default="")),
        migrations.AddField("auditevent", "patient_id", models.BigIntegerField(null=True, blank=True)),
        migrations.AddField("auditevent", "path", models.CharField(max_length=300, blank=True, default="")),
        migrations.AddField(
            "auditevent", "user_agent", models.CharField(max_length=300, blank=True, default="")
        ),
        migrations.AlterField(
            "auditevent", "at", models.DateTimeField(default=django.utils.timezone.now, db_index=True)
        ),
    ]
