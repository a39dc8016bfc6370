"""manage.py newsletter_cleanup: delete expired unconfirmed sign-ups (for cron)."""

from django.core.management.base import BaseCommand

from newsletter.services import subscribers_expire


class Command(BaseCommand):
    help = "Delete sign-ups not confirmed within NEWSLETTER_CONFIRM_DAYS."

    def handle(self, *args, **options):
        self.stdout.write(f"{subscribers_expire()} expired sign-ups deleted.")
