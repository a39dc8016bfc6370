"""manage.py search_rebuild [--if-missing]: reindex every offer, swapping an alias."""

from django.core.management.base import BaseCommand, CommandError

from search import engine
from search.indexing import ensure_index, rebuild


class Command(BaseCommand):
    help = "Build a fresh index of all visible offers and switch readers to it at once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Only build when no index exists yet (used by `make run`).",
        )

    def handle(self, *args, if_missing=False, **options):
        try:
            if if_missing:
                created = ensure_index()
                self.stdout.write(
                    "Index built." if created else "Index exists; nothing to do."
                )
                return
            result = rebuild()
        except engine.SearchUnavailable as error:
            raise CommandError(f"No search engine configured: {error}") from error
        except engine.ENGINE_ERRORS as error:
            raise CommandError(f"The search engine did not answer: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {result['documents']} offers into {result['index']} "
                f"in {result['seconds']:.1f} s."
            )
        )
