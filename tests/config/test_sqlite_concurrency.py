"""On the embedded SQLite database an HSDS import, the task worker and web requests
write at the same time: nothing skipped, nothing lost (issue 14).

Real processes on a database file of their own: `manage.py import_hsds`, `db_worker`
and gunicorn, as `make run` starts them, with the settings' SQLite options.
"""

import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from hsds.importer import SQLITE_BATCH_SECONDS
from tests.processes import ROOT, free_port, group_stop, url_wait

COPIES = 340  # new offers in the import file, besides the ~150 exported services
SIGNUP_THREADS = 3
MARK = "EN import"


def _env(tmp_path: Path) -> dict[str, str]:
    """The embedded SQLite default (no DATABASE_URL) in the test's own folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "SEARCH_", "EMAIL_", "NEWSLETTER_"))
    }
    env.update(
        WEGWEISER_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL="",
        DJANGO_DEBUG="1",
        SECRET_KEY="test",
        CACHE_URL="db://",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        SEARCH_URL="",
        EMAIL_URL=f"file://{tmp_path / 'mail'}",
        # Every sign-up comes from 127.0.0.1.
        NEWSLETTER_SIGNUPS_PER_IP="1000000",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env, *args, timeout=240) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"manage.py {args[0]}:\n{done.stdout}{done.stderr}"
    return done


def _start(env, args: list[str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _import_file(services: list[dict], offer_ids: set[str], target: Path) -> dict:
    """Every exported service renamed (updates), plus COPIES new offers copied from
    the exported ones (creations). Returns the offers' HSDS ids and their new names.
    """
    offers = [service for service in services if service["id"] in offer_ids]
    copies = []
    for number in range(COPIES):
        original = offers[number % len(offers)]
        text = json.dumps(original).replace(original["id"], str(uuid.uuid4()))
        copies.append(json.loads(text))
    names = {}
    for number, service in enumerate([*services, *copies]):
        service["name"] = f"Service {number} ({MARK})"
        service["description"] = f"<p>Description {number} ({MARK})</p>"
        names[service["id"]] = service["name"]
    target.write_text(json.dumps([*services, *copies]))
    offers_now = offer_ids | {copy["id"] for copy in copies}
    return {key: name for key, name in names.items() if key in offers_now}


class SignUps(threading.Thread):
    """Posts newsletter sign-ups with fresh addresses until stopped."""

    def __init__(self, port: int, name: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.prefix, self.stop = port, name, stop
        self.accepted: list[str] = []
        self.failed: list[tuple[str, object]] = []
        self.completed = False

    def run(self):
        number = 0
        while not self.stop.is_set():
            email = f"{self.prefix}-{number}@example.org"
            number += 1
            body = urlencode({"email": email, "languages": "de", "consent": "on"})
            # A connection each: gunicorn may retire a process between two requests.
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                connection.request(
                    "POST",
                    "/de/newsletter/",
                    body,
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                response = connection.getresponse()
                response.read()
                status: object = response.status
            except (OSError, http.client.HTTPException) as error:
                status = repr(error)
            finally:
                connection.close()
            if status == 303:  # the thanks page: stored, confirmation mail queued
                self.accepted.append(email)
            else:
                self.failed.append((email, status))
        self.completed = True


class LockProbe(threading.Thread):
    """Takes the database's write lock again and again, trying every few
    milliseconds while others hold it, and keeps the longest wait.
    """

    def __init__(self, path: Path, stop: threading.Event):
        super().__init__(daemon=True)
        self.path, self.stop = path, stop
        self.longest = 0.0
        self.completed = False

    def run(self):
        database = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                while not self._lock(database):
                    time.sleep(0.005)
                self.longest = max(self.longest, time.monotonic() - started)
                database.execute("COMMIT")
                time.sleep(0.05)
            self.completed = True
        finally:
            database.close()

    @staticmethod
    def _lock(database) -> bool:
        try:
            database.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            return False
        return True


def _rows(path: Path, sql: str) -> list[tuple]:
    database = sqlite3.connect(path, timeout=20)
    try:
        return database.execute(sql).fetchall()
    finally:
        database.close()


def _mailbox(folder: Path) -> str:
    return "".join(path.read_text() for path in folder.glob("*.log"))


def test_an_import_runs_while_the_worker_and_web_requests_write(tmp_path):
    env = _env(tmp_path)
    database = tmp_path / "var" / "db.sqlite3"
    database.parent.mkdir()
    _manage(env, "migrate", "--noinput")
    assert _rows(database, "SELECT count(*) FROM django_migrations")[0][0] > 0, (
        "migrate did not use the SQLite file in WEGWEISER_VAR_DIR (a .env?)"
    )
    # Without debugging the demo accounts get no password: hashing 24 is half the seed.
    _manage({**env, "DJANGO_DEBUG": "0"}, "seed_demo")
    _manage(env, "export_hsds", str(tmp_path / "exported.json"))
    exported = json.loads((tmp_path / "exported.json").read_text())
    offer_ids = {
        str(uuid.UUID(hex_id))
        for (hex_id,) in _rows(database, "SELECT hsds_id FROM directory_offerpage")
    }
    names = _import_file(exported, offer_ids, tmp_path / "import.json")

    port = free_port()
    worker = _start(
        env,
        ["manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
        tmp_path / "worker.log",
    )
    web = _start(
        {**env, "PORT": str(port), "WEB_WORKERS": "2"},
        ["-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        tmp_path / "web.log",
    )
    stop = threading.Event()
    signups = [SignUps(port, f"s{n}", stop) for n in range(SIGNUP_THREADS)]
    probe = LockProbe(database, stop)
    try:
        url_wait(f"http://127.0.0.1:{port}/healthz", seconds=90, process=web)
        for thread in [*signups, probe]:
            thread.start()
        imported = subprocess.run(  # noqa: S603 - our own command line
            [
                sys.executable,
                "manage.py",
                "import_hsds",
                str(tmp_path / "import.json"),
                "--language",
                "en",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        stop.set()
        for thread in [*signups, probe]:
            thread.join(timeout=90)
        # The worker finishes what the sign-ups and the import queued.
        deadline = time.monotonic() + 240
        while worker.poll() is None and time.monotonic() < deadline:
            (open_tasks,) = _rows(
                database,
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE status NOT IN ('SUCCESSFUL', 'FAILED')",
            )[0]
            if not open_tasks:
                break
            time.sleep(0.5)
        worker_alive = worker.poll() is None
    finally:
        stop.set()
        group_stop(web)
        group_stop(worker)
    logs = {
        name: (tmp_path / f"{name}.log").read_text()[-3000:]
        for name in ("worker", "web")
    }

    report = imported.stdout + imported.stderr
    assert imported.returncode == 0, report[-3000:]
    assert "database is locked" not in report
    summary = re.search(
        r"(\d+) created, (\d+) updated, \d+ unchanged, (\d+) skipped", report
    )
    counts = tuple(int(count) for count in summary.groups())
    assert counts == (COPIES, len(exported), 0), report[-3000:]
    titles = dict(
        _rows(
            database,
            "SELECT offer.hsds_id, page.title_en FROM directory_offerpage offer "
            "JOIN wagtailcore_page page ON page.id = offer.page_ptr_id",
        )
    )
    assert {key: titles.get(uuid.UUID(key).hex) for key in names} == names

    assert all(thread.completed for thread in [*signups, probe])
    failed = [failure for thread in signups for failure in thread.failed]
    accepted = {email for thread in signups for email in thread.accepted}
    assert not failed, (failed[:5], logs["web"])
    assert len(accepted) > 50  # the web wrote all along, not just once
    stored = {
        email for (email,) in _rows(database, "SELECT email FROM newsletter_subscriber")
    }
    assert stored == accepted

    assert worker_alive, logs["worker"]
    tasks = _rows(
        database,
        "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "
        "GROUP BY status",
    )
    assert dict(tasks).keys() == {"SUCCESSFUL"}, (tasks, logs["worker"])
    (mails,) = _rows(
        database,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'newsletter.tasks.subscriber_mail_send'",
    )[0]
    assert mails == len(accepted)
    sent = re.findall(r"^To: (\S+)$", _mailbox(tmp_path / "mail"), re.MULTILINE)
    assert sorted(sent) == sorted(accepted)  # one confirmation mail each

    # The import left the lock to the others again and again, not only when done:
    # else a longer import makes them wait past their timeout. (The whole file fits
    # in one BATCH, which the importer used to write in one transaction.)
    seconds = float(re.search(r"skipped \(saved\)\. ([\d.]+) s", report)[1])
    longest_allowed = max(seconds / 2, SQLITE_BATCH_SECONDS + 1)
    assert probe.longest < longest_allowed, (probe.longest, seconds)
