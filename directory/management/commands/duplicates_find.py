"""manage.py duplicates_find: the likely-duplicates scan, for the nightly timer."""

import time

from django.core.management.base import BaseCommand

from directory.duplicates import duplicates_find


class Command(BaseCommand):
    help = (
        "Compare the visible offers of different agencies and replace the "
        "likely-duplicates report with what this scan finds."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        scan = duplicates_find()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{scan.offers} offers compared, {scan.pairs} likely duplicates found "
            f"in {seconds:.1f} s (scan {scan.pk})."
        )
