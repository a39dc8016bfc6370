"""The shared cache's table (Django's database cache), so every deployment that
migrates has it; `createcachetable` does nothing when the cache is Redis or in memory."""

from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(cache_table_create, migrations.RunPython.noop)]
