"""Run the local SMTP sink (newsletter/mailbox.py) in the foreground until stopped."""

import logging
import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsletter.mailbox import MAILBOX_KEEP, MailboxServer, mailbox_default_directory


class Command(BaseCommand):
    help = (
        "Accept every message on a local SMTP port and keep it as an .eml file for "
        "the admin mailbox page (development only: nothing is delivered)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            default=None,
            help="where messages are kept (default: NEWSLETTER_MAILBOX_DIR, else "
            "var/mailbox)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=MAILBOX_KEEP,
            help=f"newest messages kept, older ones are deleted (default "
            f"{MAILBOX_KEEP})",
        )

    def handle(self, *, host, port, directory, keep, **options):
        if keep < 1:
            raise CommandError("--keep must be at least 1.")
        directory = (directory or mailbox_default_directory()).resolve()
        # aiosmtpd logs every connection and command; one line per message is ours.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

        stop = threading.Event()
        # scripts/run stops its children with SIGTERM, a terminal sends SIGINT.
        previous = {
            signum: signal.signal(signum, lambda *_: stop.set())
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            server = MailboxServer(directory=directory, host=host, port=port, keep=keep)
            try:
                server.start()
            except OSError as error:
                raise CommandError(
                    f"Cannot listen on {host}:{port}: {error}"
                ) from error
            # scripts/run waits for this line.
            self.stdout.write(
                f"Mailbox listening on smtp://{host}:{port}, keeping messages in "
                f"{directory}"
            )
            self.stdout.flush()
            try:
                stop.wait()
            finally:
                server.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Mailbox stopped.")
