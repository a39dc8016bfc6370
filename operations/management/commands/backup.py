"""manage.py backup [--output PATH]: the database and uploaded media in one tar file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backup import ENGINE_NAMES, BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write the database and the media folder into one archive "
        "(default var/backups/wegweiser-YYYYmmdd-HHMMSS.tar). Safe while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="Archive file to write (replaced when complete), or a folder for it.",
        )

    def handle(self, *args, output=None, **options):
        try:
            result = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        counts = manifest["counts"]
        for path in result.skipped:
            self.stderr.write(f"Skipped (a link or special file): {path}")
        self.stdout.write(
            f"pages: {counts['pages']}, offers: {counts['offers']}, "
            f"media files: {counts['media_files']} "
            f"({ENGINE_NAMES[manifest['database']['engine']]})"
        )
        if not manifest["media"]["included"]:
            self.stdout.write(
                "Media are on S3 (MEDIA_S3_BUCKET) and not in this archive: back up "
                "the bucket on its own (versioning or a copy)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Backup written: {result.path} ({_size(result.size)})")
        )


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    value = size / 1000
    for unit in ("kB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
