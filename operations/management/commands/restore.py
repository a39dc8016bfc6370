"""manage.py restore ARCHIVE [--force] [--rebuild-search]: put a backup into an empty
database and the media folder."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into the database of "
        "DATABASE_URL (which must be empty; no migrate needed first) and MEDIA_ROOT. "
        "Stop the site and its workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="File written by `backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Restore into a database that is not empty: what the backup holds "
                "replaces what is there."
            ),
        )
        parser.add_argument(
            "--rebuild-search",
            action="store_true",
            help="Afterwards build the search index (when SEARCH_URL is set).",
        )

    def handle(self, *args, archive, force=False, rebuild_search=False, **options):
        try:
            result = backup_restore(archive=archive, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest, counts = result.manifest, result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive} (made {manifest.get('created', '?')} with "
                f"Wagtail {manifest.get('wagtail', '?')})."
            )
        )
        self.stdout.write(
            f"pages: {counts['pages']}, offers: {counts['offers']}, "
            f"media files: {counts['media_files']}"
        )
        steps = []
        if result.pending_migrations:
            steps.append(
                "This code has migrations the backup lacks: "
                "run `python manage.py migrate --noinput`."
            )
        if not (manifest.get("media") or {}).get("included", True):
            steps.append(
                "The backup holds no media files (they were on S3 when it was made): "
                "restore the bucket on its own."
            )
        elif manifest["counts"].get("media_files") and not result.media_restored:
            steps.append(
                "Media are on S3 (MEDIA_S3_BUCKET): upload the archive's media/ folder "
                "to the bucket (`tar -xf ARCHIVE media`, then sync it)."
            )
        if not settings.SEARCH_URL:
            if rebuild_search:
                steps.append("SEARCH_URL is not set: search uses the database.")
        elif rebuild_search and not result.pending_migrations:
            call_command("search_rebuild", stdout=self.stdout, stderr=self.stderr)
        else:
            steps.append(
                "Then build the search index: `python manage.py search_rebuild`."
            )
        steps.append(
            "Start the site and a task worker (`python manage.py db_worker`); tasks "
            "queued when the backup was made run then."
        )
        self.stdout.write("Next steps:")
        for step in steps:
            self.stdout.write(f"  - {step}")
