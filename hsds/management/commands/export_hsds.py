"""Write the public catalogue as HSDS 3.0: a JSON array of full services or a
tabular data package.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hsds.export import catalogue_export


class Command(BaseCommand):
    help = (
        "Export live, public offers and responsibilities as HSDS 3.0 "
        "(JSON array of services, or a tabular data package folder)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON file, or folder for --format tabular")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the texts (missing translations fall back to German).",
        )
        parser.add_argument("--format", choices=["json", "tabular"], default="json")
        parser.add_argument(
            "--base-url",
            default=settings.WAGTAILADMIN_BASE_URL,
            help="Scheme and host for page links (default: WAGTAILADMIN_BASE_URL).",
        )

    def handle(self, *args, path, language, format, base_url, **options):
        started = time.monotonic()
        target = Path(path)
        if format == "json" and target.is_dir():
            raise CommandError(f"{target} is a folder; give a file name for JSON.")
        if format == "tabular" and target.exists() and not target.is_dir():
            raise CommandError(
                f"{target} is a file; give a folder for --format tabular."
            )
        count = catalogue_export(
            target, language=language, format=format, base_url=base_url
        )
        self.stdout.write(
            f"{count} services written to {target} ({format}, {language}) in "
            f"{time.monotonic() - started:.1f} s"
        )
