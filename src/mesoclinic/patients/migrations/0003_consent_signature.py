from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_patient_restriction"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="signature",
            field=models.BinaryField(
                blank=True,
                default=b"",
                editable=False,
                help_text="The signature drawn on the tablet (PNG), kept with the signed version; empty if none.",
                verbose_name="signature",
            ),
        ),
    ]
