"""manage.py seed_demo [--offers N] [--if-empty] [--demo-accounts]: build the demo
region."""

import time
from typing import cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import demo_exists, seed_demo
from directory.signals import seed_demo_extras


class Command(BaseCommand):
    help = (
        "Create the demo region "
        "(districts, agencies, contact points, offers, accounts)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--offers",
            type=int,
            default=None,
            help=(
                "Number of offers "
                "(default: the ~110 hand-written ones; more are variants)."
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the site already has content.",
        )
        parser.add_argument(
            "--subscribers",
            type=int,
            default=0,
            help=(
                "Add N confirmed newsletter subscribers (@example.org) spread over "
                "languages, topics and districts; works on an existing region too."
            ),
        )

        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help=(
                "Give the demo accounts the published password (README) even though "
                "DJANGO_DEBUG is off. With debugging on they always get it."
            ),
        )

    def handle(self, *args, offers=None, if_empty=False, **options):
        if offers is not None and offers < 0:
            raise CommandError("--offers must be zero or more.")
        if options["subscribers"] < 0:
            raise CommandError("--subscribers must be zero or more.")
        if demo_exists():
            if if_empty:
                self.stdout.write("Content exists; demo region not loaded again.")
                return
            if options["subscribers"] and offers is None:
                self._extras(options)
                return
            raise CommandError("The site already has content; use a fresh database.")
        started = time.monotonic()
        demo_passwords = settings.DEBUG or options["demo_accounts"]
        counts = seed_demo(offers=offers, demo_passwords=demo_passwords)
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{value} {key}" for key, value in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Demo region created in {elapsed:.1f} s: {summary}.")
        )
        if not demo_passwords:
            self.stdout.write(
                "The demo accounts (admin, koordination, redaktion-…) cannot log in: "
                "DJANGO_DEBUG is off, so they did not get the published demo "
                "password. Set one with `manage.py changepassword admin`, or seed "
                "with --demo-accounts on a machine nobody else can reach."
            )
        self._extras(options)

    def _extras(self, options) -> None:
        for _receiver, counts in seed_demo_extras.send(
            sender=self.__class__, options=options, write=self.stdout.write
        ):
            for key, value in cast(dict[str, int], counts or {}).items():
                if value:
                    self.stdout.write(self.style.SUCCESS(f"Added {value} {key}."))
