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
                result = ensure_index()
                if result is None:
                    self.stdout.write("Index exists; nothing to do.")
                    return
            else:
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
            # The demo's first `make run`: one worker embeds its ~100 offers in
            # about 3 minutes (2026-12-02, 2 cores).
            self.stdout.write(
                f"{result['without_vectors']} offers wait for the task worker to "
                "embed their text: until then they are found by their words, by "
                "meaning (other languages) afterwards; `manage.py search_check` "
                "counts those still waiting."
            )
