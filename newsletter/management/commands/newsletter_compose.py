"""manage.py newsletter_compose --subject S [--since YYYY-MM-DD]: a draft issue from
what is new; prints the issue id as the last line.
"""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from newsletter.services import NewsletterError, issue_compose


class Command(BaseCommand):
    help = "Create a draft newsletter issue from the suggested new and changed items."

    def add_arguments(self, parser):
        parser.add_argument("--subject", required=True, help="Subject (German).")
        parser.add_argument(
            "--since",
            help="Items new or changed since this day (default: the last sent issue).",
        )

    def handle(self, *args, subject, since=None, **options):
        since_at = None
        if since:
            try:
                day = datetime.strptime(since, "%Y-%m-%d").date()
            except ValueError as error:
                raise CommandError("--since must look like 2026-11-30.") from error
            since_at = timezone.make_aware(datetime.combine(day, time.min))
        try:
            issue = issue_compose(subject=subject, since=since_at)
        except NewsletterError as error:
            raise CommandError(str(error)) from error
        count = issue.items.count()
        self.stdout.write(f"Draft issue with {count} items: {issue.subject}")
        self.stdout.write(str(issue.pk))
