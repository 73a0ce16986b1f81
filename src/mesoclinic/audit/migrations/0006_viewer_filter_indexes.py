"""Indexes for the audit viewer's action and actor filters, newest first (clinic, action|actor, seq): a page and
its count read only the matching events. A plain CREATE INDEX: on PostgreSQL it blocks appends while it builds
(about 15-20 s per index for 5,000,000 events on the loaded 2-core machine)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_row_level_security"),
        ("audit", "0005_terms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["clinic", "action", "seq"], name="audit_event_action_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["clinic", "actor", "seq"], name="audit_event_actor_idx"),
        ),
    ]
