"""The database cache's table (``settings.CACHES`` on the embedded default): rate limits and lockouts are
counted there, shared by every process, so ``migrate`` must be the only step a deployment needs."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

from mesoclinic.shared_cache import CACHE_TABLE


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_verify_staff_email_addresses")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
