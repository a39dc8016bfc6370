"""manage.py newsletter_bounce hard|soft|complaint (--email A | --message-id ID)."""

from django.core.management.base import BaseCommand, CommandError

from newsletter.services import Bounce, NewsletterError, bounce_record


class Command(BaseCommand):
    help = "Record a bounce or complaint; hard bounces and complaints suppress at once."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=Bounce.KINDS)
        parser.add_argument("--email", default="")
        parser.add_argument("--message-id", default="")
        parser.add_argument("--note", default="")

    def handle(self, *args, kind, email, message_id, note, **options):
        try:
            outcome = bounce_record(
                kind=kind, email=email, message_id=message_id, note=note
            )
        except NewsletterError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(outcome)
