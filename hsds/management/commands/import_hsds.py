"""Import HSDS 3.0 (JSON or a tabular data package) into the catalogue."""

import argparse
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.models import AgencyPage
from hsds.importer import Importer
from hsds.reading import HsdsFileError, bundle_read


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0: a JSON file (list of services, paged list or one object) "
        "or a tabular data package folder. Records are matched by HSDS id; "
        "running it twice changes nothing. Publishes directly by default: whoever "
        "runs it on the server already holds the whole database, and a bulk load "
        "of thousands of records does not belong in the editors' approval queue. "
        "With --no-publish new and changed pages become drafts submitted to the "
        "approval workflow, as the admin import does unless told to publish."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Put the texts into this language's translation (default German).",
        )
        parser.add_argument(
            "--agency",
            metavar="SLUG",
            help="Import everything under this agency (its organization data stays).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; save nothing."
        )
        parser.add_argument(
            "--publish",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Publish directly (default); --no-publish sends new and changed "
            "pages to the approval workflow as drafts.",
        )

    def handle(
        self, *args, path, language, agency, dry_run, publish, verbosity, **options
    ):
        started = time.monotonic()
        owner = None
        if agency:
            owner = AgencyPage.objects.filter(slug=agency).first()
            if owner is None:
                raise CommandError(f"No agency with the slug {agency!r}.")
        try:
            bundle = bundle_read(path)
        except HsdsFileError as error:
            raise CommandError(str(error)) from None
        importer = Importer(language=language, agency=owner, publish=publish)
        report = importer.run(bundle, dry_run=dry_run)
        for problem in report.skipped:
            self.stderr.write(f"skipped: {problem}")
        if verbosity > 1:
            for result in report.warnings:
                self.stdout.write(f"note: {result}")
        elif report.warnings:
            self.stdout.write(
                f"{len(report.warnings)} records imported with notes (-v 2 lists them)."
            )
        self.stdout.write(f"{report.summary()} {time.monotonic() - started:.1f} s")
        if report.skipped:
            raise CommandError(
                f"{len(report.skipped)} records were skipped (listed above); "
                "the others are imported."
            )
