"""pytest plugin: run the suite against a throw-away PostgreSQL cluster on a free port.

Loaded with ``-p tests.postgres`` (see pyproject.toml) so it runs before pytest-django
reads the settings. Set DATABASE_URL to use an existing server instead, or
WEGWEISER_TEST_SQLITE=1 for a quick run on SQLite.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from operations.local_postgres import Cluster, PostgresMissing, free_port


def _cluster_start() -> Cluster:
    """A fast, throw-away cluster (no fsync) in a temporary folder."""
    try:
        cluster = Cluster(
            Path(tempfile.mkdtemp(prefix="wegweiser-pg-")),
            port=free_port(),
            durable=False,
        )
    except PostgresMissing as error:
        raise pytest.UsageError(f"{error} `make test` installs it.") from error
    cluster.start()
    return cluster


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ.setdefault(
        "DJANGO_DEBUG", "1"
    )  # plain static storage; tests run DEBUG=False
    os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
    # A developer's .env (written by make run) must not change what the tests see.
    os.environ.setdefault("WEGWEISER_ENV_FILE", os.devnull)
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
    cluster = _cluster_start()
    os.environ["DATABASE_URL"] = cluster.url
    early_config._wegweiser_postgres = cluster


def pytest_unconfigure(config):
    cluster = getattr(config, "_wegweiser_postgres", None)
    if cluster is not None:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(cluster.dir, ignore_errors=True)
