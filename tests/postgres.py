"""pytest plugin: run the suite against a throw-away PostgreSQL cluster on a free port.

Loaded with ``-p tests.postgres`` (see pyproject.toml) so it runs before pytest-django
reads the settings. Set DATABASE_URL to use an existing server instead, or
WEGWEISER_TEST_SQLITE=1 for a quick run on SQLite.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        found = shutil.which("initdb")
        if not found:
            raise pytest.UsageError(
                "PostgreSQL is not installed (Debian package 'postgresql'); "
                "`make test` installs it."
            )
        return Path(found).parent
    return Path(candidates[0]).parent


class Cluster:
    """A private PostgreSQL cluster in a temporary directory."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="wegweiser-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        if self.as_root:  # initdb refuses to run as root
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "start",
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/wegweiser"

    def stop(self) -> None:
        try:
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"
            )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ.setdefault(
        "DJANGO_DEBUG", "1"
    )  # plain static storage; tests run DEBUG=False
    os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
    # Each test process keeps its own cache (tests that need the shared one start
    # server processes with CACHE_URL=db://).
    os.environ.setdefault("CACHE_URL", "locmem://")
    os.environ.setdefault(
        "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
    )
    os.environ.setdefault(
        "WEGWEISER_VAR_DIR", tempfile.mkdtemp(prefix="wegweiser-var-")
    )
    if os.environ.get("DATABASE_URL") or os.environ.get("WEGWEISER_TEST_SQLITE"):
        return
    cluster = Cluster()
    os.environ["DATABASE_URL"] = cluster.start()
    early_config._wegweiser_postgres = cluster


def pytest_unconfigure(config):
    cluster = getattr(config, "_wegweiser_postgres", None)
    if cluster is not None:
        cluster.stop()
