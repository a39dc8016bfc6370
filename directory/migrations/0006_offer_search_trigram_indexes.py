"""Trigram indexes for the database search (``search.queries.database_search``), which
answers when the search engine is down: per language one on an offer's summary and
description, one on the page title. PostgreSQL only; SQLite searches without them.

Each index holds exactly the expression ``search.queries.searchable_text`` builds, so
that the planner can use it for ``LIKE '%WORD%'``.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.core.management import call_command
from django.db import migrations

LANGUAGES = ["de", "en", "ar", "fa", "uk", "ru", "tr", "ps", "ckb", "ti", "fr"]


def _indexes():
    """(name, table, expression) of each index."""
    for code in LANGUAGES:
        yield (
            f"offer_search_text_{code}",
            "directory_offerpage",
            f"UPPER(COALESCE(summary_{code}, '') || ' ' || "
            f"COALESCE(description_{code}, ''))",
        )
        yield (
            f"page_search_title_{code}",
            "wagtailcore_page",
            f"UPPER(COALESCE(title_{code}, ''))",
        )


def indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The page title's language columns come from wagtail-modeltranslation's sync,
    # which ``migrate`` runs after all migrations: on a new database, run it first.
    call_command("sync_page_translation_fields", interactive=False, verbosity=0)
    for name, table, expression in _indexes():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (({expression}) gin_trgm_ops)"
        )
    # Statistics on the new expressions now, not at the next automatic analyze:
    # without them the planner takes every word for rare and nests loops over
    # thousands of matches.
    schema_editor.execute("ANALYZE directory_offerpage, wagtailcore_page")


def indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in _indexes():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_offer_links_within_agency")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(indexes_create, indexes_drop),
    ]
