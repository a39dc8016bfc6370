"""manage.py search_rebuild [--if-missing] [--embed-later]: reindex every offer,
swapping an alias."""

from django.core.management.base import BaseCommand, CommandError

from search import engine
from search.indexing import ensure_index, rebuild


class Command(BaseCommand):
    help = "Build a fresh index of all visible offers and switch readers to it at once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help=(
                "Only build when no index exists yet, or when it was built with "
                "another embedding model (used by `make run`; embeds later)."
            ),
        )
        parser.add_argument(
            "--embed-later",
            action="store_true",
            help=(
                "Index offers whose passages have no stored vectors without them "
                "(found by their words at once) and let the task worker embed them."
            ),
        )

    def handle(self, *args, if_missing=False, embed_later=False, **options):
        try:
            if if_missing:
                created = ensure_index()
                self.stdout.write(
                    "Index built." if created else "Index exists; nothing to do."
                )
                return
            result = rebuild(embed=not embed_later)
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
        if result["without_vectors"]:
            self.stdout.write(
                f"{result['without_vectors']} offers wait for the task worker to "
                "embed their text (search by meaning finds them afterwards)."
            )
