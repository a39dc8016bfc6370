"""manage.py newsletter_inbound [--file PATH]: handle a mail sent to the mailto: half
of List-Unsubscribe (subject "unsubscribe TOKEN"); for the mail server's pipe.
"""

import email
import email.policy
import re
import sys

from django.core.management.base import BaseCommand

from newsletter import tokens
from newsletter.services import subscriber_by_token, subscriber_unsubscribe

SUBJECT = re.compile(r"unsubscribe\s+(\S+)", re.IGNORECASE)


class Command(BaseCommand):
    help = (
        "Read one email (stdin or --file) sent to NEWSLETTER_UNSUBSCRIBE_EMAIL and "
        "unsubscribe the subscriber its subject names. Point the mailbox's delivery "
        "at this command (e.g. a Postfix pipe transport)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="A message file instead of stdin.")

    def handle(self, *args, file=None, **options):
        if file:
            with open(file, "rb") as handle:
                raw = handle.read()
        else:
            raw = sys.stdin.buffer.read()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        match = SUBJECT.search(str(message.get("Subject", "")))
        if not match:
            self.stdout.write("ignored: no unsubscribe token in the subject")
            return
        try:
            subscriber = subscriber_by_token(match.group(1))
        except tokens.InvalidToken:
            self.stdout.write("ignored: unknown or altered token")
            return
        subscriber_unsubscribe(subscriber=subscriber, source="unsubscribe mail")
        self.stdout.write(f"unsubscribed subscriber {subscriber.pk}")
