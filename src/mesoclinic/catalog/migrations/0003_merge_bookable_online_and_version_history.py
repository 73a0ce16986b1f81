# Two leaves met on main: the online-booking flag (portal) and the protocol's versions (history). The
# history table gets the flag too.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_protocol_bookable_online"),
        ("catalog", "0002_protocol_version_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalprotocol",
            name="bookable_online",
            field=models.BooleanField(
                default=False,
                help_text="Patients may book this whole series themselves on the clinic's public booking page.",
            ),
        ),
    ]
