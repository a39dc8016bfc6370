"""Background tasks of the directory (run by `manage.py db_worker`)."""

from django_tasks import task

from .feedback import feedback_mails_retry_later, feedback_mails_send
from .freshness import freshness_check


@task()
def freshness_check_task() -> dict:
    """The nightly freshness run (see ``freshness.freshness_check``)."""
    return freshness_check()


@task()
def feedback_mails_send_task() -> dict:
    """Mail the accessibility feedback not mailed yet; again later if the mail
    server refused some (see ``feedback.feedback_mails_send``)."""
    counts = feedback_mails_send()
    if counts["failed"]:
        feedback_mails_retry_later()
    return counts
