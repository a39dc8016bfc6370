"""Background tasks of the newsletter (run by `manage.py db_worker`)."""

import logging
from dataclasses import asdict

from django_tasks import task

from .mails import subscriber_mail_build
from .models import Subscriber

log = logging.getLogger(__name__)


@task()
def subscriber_mail_send(subscriber_id: int, kind: str) -> bool:
    """Send a confirmation (or "already subscribed") mail; False if the subscriber
    is gone meanwhile. The address is never logged.
    """
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return False
    subscriber_mail_build(subscriber=subscriber, kind=kind).send()
    log.info("newsletter %s mail sent to subscriber %s", kind, subscriber.pk)
    return True


@task()
def issue_deliveries_send(issue_id: int) -> dict:
    """Send an issue's queued deliveries (several may run at once)."""
    from .sending import deliveries_send

    return asdict(deliveries_send(issue_id=issue_id))


@task()
def issue_start_scheduled(issue_id: int) -> str:
    """Start a scheduled issue when its time has come."""
    from .sending import scheduled_start_due

    return scheduled_start_due(issue_id)


@task()
def issue_watch(issue_id: int) -> str:
    """Restart the sending of an issue whose workers died (runs every few minutes
    while it is sending).
    """
    from .sending import issue_watch as watch

    return watch(issue_id)
