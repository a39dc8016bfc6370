"""manage.py newsletter_setup: the coordinators' and editors' newsletter permissions
and the approval workflow for agency news (idempotent; adds no data).
"""

from django.core.management.base import BaseCommand

from newsletter.permissions import newsletter_permissions_grant


class Command(BaseCommand):
    help = (
        "Grant the newsletter permissions to the coordinators' and editors' groups "
        "and put agency news under the approval workflow."
    )

    def handle(self, *args, **options):
        counts = newsletter_permissions_grant()
        summary = ", ".join(f"{key}: {value}" for key, value in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Newsletter permissions set ({summary}).")
        )
