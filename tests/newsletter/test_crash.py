"""Workers killed mid-send: the issue still reaches every subscriber exactly once
(at most the one message in flight per killed worker repeats, with the same
Message-ID).

Real parts: PostgreSQL, `manage.py db_worker` processes, an SMTP server. Two workers
send; one is killed and the other takes over its rows; then the other is killed too,
and a worker started afterwards picks the issue up through the watch task.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.db import connection

from newsletter import sending
from newsletter.demo import subscribers_seed
from newsletter.models import Delivery, Issue

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 3000


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_killed_workers_resume_without_duplicate_or_gap(smtp, issue, settings):
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a database they can share (PostgreSQL)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    subscribers_seed(count=SUBSCRIBERS)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "DJANGO_DEBUG": "1",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "NEWSLETTER_WORKERS": "2",
        "NEWSLETTER_BATCH_SIZE": "50",
        "NEWSLETTER_CLAIM_SECONDS": "3",
        "SITE_URL": "https://wegweiser.example",
        "LOG_LEVEL": "WARNING",
    }
    settings.NEWSLETTER_WORKERS = 2
    settings.NEWSLETTER_CLAIM_SECONDS = 3  # the watch task runs this often
    workers = [_worker(env), _worker(env)]
    try:
        assert sending.issue_send_start(issue=issue) == SUBSCRIBERS
        _wait_until(
            lambda: len(smtp.received) >= SUBSCRIBERS // 4,
            seconds=120,
            what="the first quarter to be sent",
        )
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        _wait_until(
            lambda: len(smtp.received) >= SUBSCRIBERS // 2,
            seconds=120,
            what="the second worker to send on alone",
        )
        workers[1].send_signal(signal.SIGKILL)
        workers[1].wait()
        killed_at = len(smtp.received)
        assert killed_at < SUBSCRIBERS, "killed too late to test anything"
        time.sleep(1)
        assert len(smtp.received) == killed_at, "no worker is left"
        workers.append(_worker(env))  # a worker started later picks the issue up

        def done() -> bool:
            issue.refresh_from_db()
            return issue.status == Issue.Status.SENT

        _wait_until(done, seconds=240, what="the issue to be sent")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()

    copies = Counter(address for r in smtp.received for address in r.to)
    expected = {f"demo-{n}@example.org" for n in range(SUBSCRIBERS)}
    assert set(copies) == expected, "every subscriber got the issue"
    repeated = [address for address, n in copies.items() if n > 1]
    assert len(repeated) <= 2, f"only messages in flight may repeat: {repeated}"
    ids = defaultdict(set)
    for received in smtp.received:
        ids[received.to[0]].add(received.message["Message-ID"])
    assert all(len(found) == 1 for found in ids.values())
    assert Delivery.objects.filter(issue=issue, state="sent").count() == SUBSCRIBERS
