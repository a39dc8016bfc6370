"""Helpers for tests that run the site in other processes (gunicorn, scripts/serve,
workers) against the test database: environment, ports, waiting, stopping."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from operations.local_postgres import free_port

ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "ROOT",
    "database_url",
    "free_port",
    "group_stop",
    "gunicorn_start",
    "process_env",
    "url_wait",
]


def database_url() -> str:
    """The URL of the database this test uses (the test database, not the URL the
    run started with), for processes that must see the test's committed rows."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST']}:{db['PORT']}/"
        f"{db['NAME']}"
    )


def process_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a site process: the test database, its own var folder, no
    state of a running make run/serve; ``overrides`` win."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "SEARCH_", "EMAIL_"))
    }
    env.update(
        DJANGO_DEBUG="1",
        SECRET_KEY="tests-only-not-secret",
        WEGWEISER_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=database_url(),
        CACHE_URL="db://",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        EMAIL_URL=f"file://{tmp_path / 'mail'}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def url_wait(url: str, *, seconds: float, process: subprocess.Popen | None = None):
    """Wait until ``url`` answers with any HTTP status; fail if ``process`` exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{process.args!r} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - local test URL
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def gunicorn_start(env: dict[str, str], *, port: int, workers: int = 1, stderr=None):
    """A gunicorn server as `make serve` runs it (config/gunicorn.py) on ``port``;
    its log goes to ``stderr`` (a file) when given."""
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env={**env, "PORT": str(port), "WEB_WORKERS": str(workers)},
        stderr=stderr,
        start_new_session=True,
    )
    url_wait(f"http://127.0.0.1:{port}/healthz", seconds=60, process=process)
    return process


def group_stop(process: subprocess.Popen, *, sig=signal.SIGTERM, seconds=30) -> None:
    """Stop ``process`` and everything it started (its own session)."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
