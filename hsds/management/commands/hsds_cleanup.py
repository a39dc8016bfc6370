"""Delete HSDS uploads whose preview in the admin was never confirmed."""

from django.conf import settings
from django.core.management.base import BaseCommand

from hsds.uploads import UPLOADS, uploads_expired_delete


class Command(BaseCommand):
    help = (
        "Delete files uploaded for an HSDS import in the admin that are older than "
        "HSDS_IMPORT_UPLOAD_HOURS (previews nobody confirmed). Run it from the "
        "maintenance timer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=settings.HSDS_IMPORT_UPLOAD_HOURS,
            help="Delete uploads older than this (default HSDS_IMPORT_UPLOAD_HOURS).",
        )

    def handle(self, *args, hours, verbosity, **options):
        deleted = uploads_expired_delete(hours=hours)
        if verbosity:
            self.stdout.write(f"{deleted} expired uploads deleted from {UPLOADS}.")
