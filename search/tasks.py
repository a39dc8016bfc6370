"""Background tasks of the search app (run by `manage.py db_worker`)."""

from django_tasks import task

from .indexing import changes_process, changes_recover


@task()
def process_index_changes(limit: int = 1000) -> dict:
    """Send up to ``limit`` queued offer changes to the engine (re-enqueues itself
    on failure and while changes are left)."""
    return changes_process(limit=limit)


@task()
def recover_index_changes() -> dict:
    """Send changes whose worker died while holding them: enqueued for when a claim
    runs out; does nothing if the claim was finished."""
    return changes_recover()
