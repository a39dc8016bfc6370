"""manage.py newsletter_send ID [--dry-run] [--wait]: start sending an issue."""

import time

from django.core.management.base import BaseCommand, CommandError

from newsletter.models import Delivery, Issue
from newsletter.selectors import audience_by_edition, delivery_report
from newsletter.sending import (
    deliveries_send,
    issue_resume,
    issue_send_start,
    scheduled_issues_start,
    workers_start,
)
from newsletter.services import NewsletterError
from newsletter.tasks import issue_deliveries_send


class Command(BaseCommand):
    help = "Send a newsletter issue (or show who would get which edition)."

    def add_arguments(self, parser):
        parser.add_argument("issue_id", type=int, nargs="?")
        parser.add_argument(
            "--due",
            action="store_true",
            help="Start every scheduled issue whose time has come (for cron).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count recipients per edition."
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Return when every delivery is final and print the counts.",
        )
        parser.add_argument(
            "--confirm-overdue",
            action="store_true",
            help="Send even though the schedule lies far in the past.",
        )
        parser.add_argument(
            "--timeout", type=float, default=3600, help="Seconds --wait waits at most."
        )

    def handle(self, *args, issue_id, dry_run, wait, confirm_overdue, timeout, **opts):
        if opts["due"]:
            for pk, outcome in scheduled_issues_start().items():
                self.stdout.write(f"{pk}\t{outcome}")
            return
        if issue_id is None:
            raise CommandError("Give an issue id (or --due).")
        issue = Issue.objects.filter(pk=issue_id).first()
        if issue is None:
            raise CommandError(f"No issue {issue_id}.")
        if dry_run:
            counts = audience_by_edition(issue)
            for language, count in counts.items():
                self.stdout.write(f"{language}\t{count}")
            self.stdout.write(f"total\t{sum(counts.values())}")
            return
        try:
            if issue.status in {Issue.Status.PAUSED, Issue.Status.STOPPED}:
                issue_resume(issue=issue)
                self.stdout.write(f"Issue {issue.pk} resumed.")
            elif issue.status in {Issue.Status.DRAFT, Issue.Status.SCHEDULED}:
                count = issue_send_start(issue=issue, confirm_overdue=confirm_overdue)
                self.stdout.write(f"Issue {issue.pk}: {count} deliveries queued.")
            elif issue.status == Issue.Status.SENDING:
                # Safe to run beside live workers; picks up after dead ones.
                workers_start(issue.pk)
                self.stdout.write(f"Issue {issue.pk} is sending; workers started.")
            elif not wait:
                raise CommandError(f"Issue {issue.pk} is {issue.status}.")
        except NewsletterError as error:  # overdue schedules, render errors too
            raise CommandError(str(error)) from error
        if wait:
            self._wait(issue, timeout)

    def _wait(self, issue: Issue, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        open_states = [Delivery.State.QUEUED, Delivery.State.SENDING]
        # A backend that cannot run tasks later (immediate, dummy) has no worker to
        # wait for: this command sends itself. Otherwise the worker does (with the
        # mail settings it was started with).
        work_along = not issue_deliveries_send.get_backend().supports_defer
        while Delivery.objects.filter(issue=issue, state__in=open_states).exists():
            issue.refresh_from_db()
            if issue.status != Issue.Status.SENDING:
                break
            if time.monotonic() > deadline:
                raise CommandError("Timed out; sending goes on in the worker.")
            if work_along:
                deliveries_send(issue_id=issue.pk, max_seconds=5)
            else:
                time.sleep(1)
        issue.refresh_from_db()
        report = delivery_report(issue)
        for state, count in sorted(report["totals"].items()):
            self.stdout.write(f"{state}\t{count}")
        self.stdout.write(f"status\t{issue.status}")
        if issue.status in {Issue.Status.STOPPED, Issue.Status.PAUSED}:
            raise CommandError(issue.stop_reason or f"Issue is {issue.status}.")
