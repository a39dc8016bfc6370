"""Background tasks of the directory (run by `manage.py db_worker`)."""

from django_tasks import task

from .freshness import freshness_check


@task()
def freshness_check_task() -> dict:
    """The nightly freshness run (see ``freshness.freshness_check``)."""
    return freshness_check()
