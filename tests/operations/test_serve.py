"""`make serve` as CI can run it: scripts/serve starts gunicorn, task workers and what
is not configured, against the test database and search engine (issue 14: containers
cannot run here, so the same processes run directly and are smoke-tested)."""

import os
import re
import signal
import subprocess
import time

import pytest
import requests

from tests.processes import ROOT, free_port, group_stop, process_env, url_wait

pytestmark = pytest.mark.django_db(transaction=True)


def _pids(pattern: str) -> set[int]:
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def _session_pids(leader: int) -> set[int]:
    found = subprocess.run(["pgrep", "-s", str(leader)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def _workers_wait(leader: int, seconds: float = 60) -> set[int]:
    """The task workers running in ``leader``'s session, once there are any (on a busy
    machine the first may still be starting, or restarting after a crash)."""
    deadline = time.monotonic() + seconds
    while not (
        workers := _pids("^[^ ]*python manage.py db_worker") & _session_pids(leader)
    ):
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return workers


def test_make_serve_runs_the_site_as_production_would(home, search_settings, tmp_path):
    port = free_port()
    env = process_env(
        tmp_path,
        PORT=str(port),
        SEARCH_URL=search_settings.SEARCH_URL,
        SEARCH_INDEX_PREFIX=search_settings.SEARCH_INDEX_PREFIX,
        TASK_WORKERS="1",
        # As deployed: tasks go to the database and the worker runs them (embedding
        # the demo's texts inline, as the immediate backend would, takes minutes).
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        WEGWEISER_DEMO="1",
        WEB_WORKERS="2",
        LOG_LEVEL="INFO",
    )
    del env["SECRET_KEY"]  # generated into the var folder, as on a fresh machine
    for page in home.get_children():  # serve seeds the demo into an empty site
        page.delete()
    home.delete()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        serve = subprocess.Popen(  # noqa: S603 - our own script
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            url_wait(f"{base}/healthz", seconds=240, process=serve)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{log.read_text()[-3000:]}") from None
        text = log.read_text()
        assert "System check identified no issues" in text  # check --deploy passed
        assert "cannot log in" in text  # demo accounts without the README password

        ready = requests.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200
        checks = ready.json()["checks"]
        assert checks["database"]["status"] == "ok"
        assert checks["search"]["status"] == "ok"

        page = requests.get(f"{base}/de/", timeout=30)
        assert page.status_code == 200
        assert page.headers["X-Request-ID"]
        assert "Auental" in page.text  # the demo region
        css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text)
        assert css, "static files are not hashed (DEBUG on?)"
        static = requests.get(
            base + css[1], headers={"Accept-Encoding": "gzip"}, timeout=30
        )
        assert static.status_code == 200
        assert static.headers["Content-Encoding"] in ("gzip", "br")
        assert "immutable" in static.headers["Cache-Control"]

        missing = requests.get(f"{base}/de/gibt-es-nicht/", timeout=30)
        assert missing.status_code == 404
        assert "URLconf" not in missing.text  # no debug page

        session = requests.Session()
        session.get(f"{base}/admin/login/", timeout=30)
        refused = session.post(
            f"{base}/admin/login/",
            data={
                "username": "koordination",
                "password": "wegweiser-demo",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/admin/login/"},
            timeout=30,
        )
        assert "/admin/login/" in refused.url  # still on the login form

        # A command in a second terminal finds the same database through the
        # state serve wrote (var/run.env), without DATABASE_URL in its environment.
        second = {
            key: value
            for key, value in env.items()
            if key not in ("DATABASE_URL", "DJANGO_DEBUG", "SEARCH_URL")
        }
        counted = subprocess.run(  # noqa: S603 - our own command line
            [
                str(ROOT / ".venv" / "bin" / "python"),
                "manage.py",
                "shell",
                "-c",
                "from directory.models import OfferPage; "
                "print('offers', OfferPage.objects.live().count())",
            ],
            cwd=ROOT,
            env=second,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert counted.returncode == 0, counted.stderr
        assert int(counted.stdout.split("offers")[-1]) > 100

        # A task worker that dies is started again; the site stays up.
        workers = _workers_wait(serve.pid)
        assert len(workers) == 1, log.read_text()[-3000:]
        os.kill(workers.pop(), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if _pids("^[^ ]*python manage.py db_worker") & _session_pids(serve.pid):
                break
            time.sleep(0.5)
        assert _pids("^[^ ]*python manage.py db_worker") & _session_pids(serve.pid)
        assert "task worker 1 stopped" in log.read_text()
        assert requests.get(f"{base}/de/", timeout=30).status_code == 200
    finally:
        group_stop(serve, sig=signal.SIGINT, seconds=60)
    # Ctrl-C stops everything it started and removes the second terminal's state.
    assert not _session_pids(serve.pid)
    assert not (tmp_path / "var" / "run.env").exists()
