"""The demo region seeded for a module or package of tests."""

from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection, transaction


@contextmanager
def demo_region_seeded():
    """The demo region with its accounts (demo password: tests run with DEBUG off),
    in a transaction rolled back at the end.

    Its rows are not committed, so autovacuum never counts them: the planner would keep
    the statistics of the last committed state (often "empty") and nest loops over
    every row (a topic's districts took 160 s in the fuzz runs). ANALYZE counts the
    transaction's own rows.
    """
    with transaction.atomic():
        call_command("seed_demo", "--demo-accounts")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        yield
        transaction.set_rollback(True)
