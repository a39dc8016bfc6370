"""Two task workers drain the index queue together: each change is sent exactly once,
and edits made while they work all reach the index in their latest version.

Real parts: PostgreSQL, two `manage.py db_worker` processes, the local search engine.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult
from elasticsearch import helpers

from directory.models import OfferPage
from search import engine
from search.indexing import changes_record, rebuild
from search.models import IndexChange
from search.tasks import process_index_changes
from tests.factories import AgencyPageFactory, OfferPageFactory
from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]
OFFERS = 300
BATCH = 10  # small batches, so both workers send at the same time
GROUP = 30  # offers saved twice in a row in the second part
TASK = "search.tasks.process_index_changes"


def _worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.1",
                "--no-reload",
                "--no-startup-delay",
                "--worker-id",
                name,
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_until(condition, *, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(log.read_text()[-2000:] for log in logs)
            pytest.fail(f"timed out waiting for {what}; worker logs:\n{tails}")
        time.sleep(0.01)


def _queue_drained() -> bool:
    return not (
        IndexChange.objects.exists()
        or DBTaskResult.objects.ready().exists()  # not the deferred recovery tasks
        or DBTaskResult.objects.running().exists()
    )


def _indexed_titles() -> dict[str, str]:
    return {
        hit["_id"]: hit["_source"]["title"]["de"]
        for hit in helpers.scan(
            engine.client(), index=engine.alias_name(), _source=["title"], size=500
        )
    }


def _expected_titles() -> dict[str, str]:
    return {
        str(hsds_id): title
        for hsds_id, title in OfferPage.objects.values_list("hsds_id", "title_de")
    }


def _retitle(offers: list[OfferPage], version: str) -> None:
    """Editors save these offers; the change is queued in their transaction."""
    with transaction.atomic():
        for offer in offers:
            OfferPage.objects.filter(pk=offer.pk).update(
                title_de=f"Angebot {offer.pk} {version}"
            )
        changes_record(offers)


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_change_once_and_keep_the_latest(
    home, search_settings, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a database they can share (PostgreSQL)")
    rebuild()  # the empty index
    agency = AgencyPageFactory(parent=home, slug="vhs", title_de="Volkshochschule")
    offers = [OfferPageFactory(parent=agency) for _ in range(OFFERS)]
    # From here on tasks go to the database, where the workers take them.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "1",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SEARCH_URL": settings.SEARCH_URL,
        "SEARCH_INDEX_PREFIX": settings.SEARCH_INDEX_PREFIX,
        "CACHE_URL": "locmem://",
    }
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [_worker(f"worker-{n}", env, log) for n, log in enumerate(logs, 1)]
    try:
        _wait_until(
            lambda: all("Starting worker" in log.read_text() for log in logs),
            seconds=60,
            what="both workers to start",
            logs=logs,
        )
        # Every offer changed once; many small runs, committed with the changes and
        # so taken before the run the commit enqueues, compete for the queue.
        with transaction.atomic():
            _retitle(offers, "v1")
            for _ in range(OFFERS // BATCH):
                process_index_changes.enqueue(limit=BATCH)
        _wait_until(_queue_drained, seconds=120, what="the queue to drain", logs=logs)

        runs = DBTaskResult.objects.filter(task_path=TASK)
        assert not runs.failed().exists(), runs.failed().first().traceback
        assert sum(run.return_value["indexed"] for run in runs) == OFFERS
        sending = {
            w for run in runs if run.return_value["indexed"] for w in run.worker_ids
        }
        assert sending == {"worker-1", "worker-2"}
        assert _indexed_titles() == _expected_titles()

        # Editors save again while a worker sends their previous save: the index
        # ends at the latest version all the same.
        runs.delete()
        for start in range(0, OFFERS, GROUP):
            group = offers[start : start + GROUP]
            _retitle(group, "v2")
            _wait_until(
                lambda group=group: (
                    not IndexChange.objects.filter(
                        page_id__in=[offer.pk for offer in group], claim=None
                    ).exists()
                ),
                seconds=60,
                what="a worker to take the changes",
                logs=logs,
            )
            _retitle(group, "v3")
        _wait_until(_queue_drained, seconds=120, what="the queue to drain", logs=logs)
        assert not runs.failed().exists(), runs.failed().first().traceback
        assert _indexed_titles() == _expected_titles()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
