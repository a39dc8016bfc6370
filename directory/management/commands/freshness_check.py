"""manage.py freshness_check: hide offers nobody confirmed in time and remind
agencies' editors of their stale entries (nightly, from the maintenance timer)."""

from django.core.management.base import BaseCommand

from directory.freshness import freshness_check


class Command(BaseCommand):
    help = "Hide offers not confirmed in time; remind editors of stale entries."

    def handle(self, *args, **options):
        counts = freshness_check()
        self.stdout.write(
            f"hidden as stale: {counts['hidden']}; reminders: {counts['emails']} "
            f"emails to {counts['agencies']} agencies about {counts['pages']} entries"
        )
