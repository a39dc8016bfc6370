"""Background tasks of the search app (run by `manage.py db_worker`)."""

from django_tasks import task

from .indexing import changes_process


@task()
def process_index_changes() -> dict:
    """Send queued offer changes to the engine (re-enqueues itself on failure)."""
    return changes_process()
