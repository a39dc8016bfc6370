"""manage.py search_check [--repair]: report (and fix) database/index drift."""

from django.core.management.base import BaseCommand, CommandError

from search import engine
from search.indexing import drift
from search.models import IndexChange


class Command(BaseCommand):
    help = (
        "Compare visible offers with the index: missing, extra and stale documents, "
        "and offers indexed without passage vectors (the model failed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Fix what differs.")

    def handle(self, *args, repair=False, **options):
        try:
            report = drift(repair=repair)
        except (engine.SearchUnavailable, *engine.ENGINE_ERRORS) as error:
            raise CommandError(
                f"The search engine is not available: {error}"
            ) from error
        for kind in ("missing", "extra", "stale", "without vectors"):
            ids = report[kind]
            shown = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
            self.stdout.write(f"{kind}: {len(ids)}{' (' + shown + ')' if ids else ''}")
        self.stdout.write(f"pending changes: {IndexChange.objects.count()}")
        if repair:
            self.stdout.write(self.style.SUCCESS("Repaired."))
        elif any(report.values()):
            raise CommandError(
                "The index differs from the database; run with --repair."
            )
