"""Staff e-mail addresses are entered by the clinic owner: mark them verified.

Before, a password-reset request (even an anonymous one) wrote the address as an unverified row, and allauth
then refused two-factor enrolment to that account. This marks every account's own address verified (and
writes the row where none exists); addresses of other origins are left as they are.
"""

from django.db import migrations


def verify_owner_entered_addresses(apps, schema_editor):
    User = apps.get_model("auth", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.exclude(email="").iterator():
        rows = EmailAddress.objects.filter(user=user, email__iexact=user.email)
        if rows.exists():
            rows.update(verified=True)
        else:
            has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
            EmailAddress.objects.create(
                user=user, email=user.email.lower(), primary=not has_primary, verified=True
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_require_mfa_api_tokens"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(verify_owner_entered_addresses, migrations.RunPython.noop)]
