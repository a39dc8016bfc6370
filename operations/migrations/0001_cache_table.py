"""The shared cache's table (Django's database cache, the default CACHES), made
whatever cache this migrate runs with: a site may switch from Redis to the database
cache later, and the tests migrate with a per-process cache."""

from django.core.management.commands.createcachetable import Command
from django.db import migrations

CACHE_TABLE = "wegweiser_cache"  # config/settings.py CACHES LOCATION


def cache_table_create(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def cache_table_drop(apps, schema_editor):
    schema_editor.execute(
        f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}"
    )


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(cache_table_create, cache_table_drop)]
