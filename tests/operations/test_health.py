"""Health endpoints for load balancers, request ids and JSON log lines (issue 14)."""

import json
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from tests.processes import free_port, group_stop, gunicorn_start, process_env


def test_healthz_and_readyz_answer_probes_by_ip_over_plain_http(client, db, settings):
    """Load balancers probe by address and over HTTP: no host check, no redirect."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["wegweiser.example"]
    settings.SEARCH_URL = ""
    assert client.get("/healthz", HTTP_HOST="10.0.0.7").content == b"ok"
    ready = client.get("/readyz", HTTP_HOST="10.0.0.7")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["checks"]["search"] == {"status": "off"}
    # Everything else still gets the redirect and the host check.
    assert client.get("/de/", HTTP_HOST="wegweiser.example").status_code == 301
    assert client.get("/de/", HTTP_HOST="10.0.0.7").status_code == 400


def test_readyz_reports_a_search_engine_that_is_down_as_degraded(client, db, settings):
    """The site still answers from the database, so the instance stays in rotation."""
    from search import engine

    settings.SEARCH_URL = f"http://127.0.0.1:{free_port()}"
    engine._client.cache_clear()
    try:
        ready = client.get("/readyz")
    finally:
        engine._client.cache_clear()
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["search"]["status"] == "error"


def test_readyz_reports_tasks_nobody_works_on(client, db, settings):
    from django_tasks_db.models import DBTaskResult, get_date_max

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.OPERATIONS_READY_MAX_TASK_AGE = 300
    settings.SEARCH_URL = ""
    waiting = DBTaskResult.objects.create(
        task_path="search.tasks.process_index_changes",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=waiting.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=20)
    )
    ready = client.get("/readyz").json()
    assert ready["status"] == "degraded"
    assert ready["checks"]["tasks"]["status"] == "late"
    assert ready["checks"]["tasks"]["queued"] == 1
    assert ready["checks"]["tasks"]["oldest_age_seconds"] >= 1200


def test_request_ids_are_kept_or_made(client, db):
    sent = client.get("/healthz", HTTP_X_REQUEST_ID="lb-0a1b2c3d4e")
    assert sent["X-Request-ID"] == "lb-0a1b2c3d4e"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="<script> not an id")
    assert len(made["X-Request-ID"]) == 32 and "<" not in made["X-Request-ID"]


@pytest.mark.django_db(transaction=True)
def test_json_logs_and_readiness_of_real_servers(home, tmp_path):
    """gunicorn with LOG_FORMAT=json writes one JSON object per request with its id;
    a server whose database is gone is not ready (503) but still alive."""
    port, broken_port = free_port(), free_port()
    env = process_env(tmp_path, LOG_FORMAT="json", LOG_LEVEL="INFO")
    env["LOG_REQUESTS_LEVEL"] = "INFO"
    log = tmp_path / "web.log"
    broken_env = dict(
        env, DATABASE_URL=f"postgres://nobody@127.0.0.1:{free_port()}/gone"
    )
    servers = []
    try:
        with log.open("wb") as output:
            servers.append(gunicorn_start(env, port=port, stderr=output))
        servers.append(gunicorn_start(broken_env, port=broken_port))
        page = requests.get(
            f"http://127.0.0.1:{port}/de/",
            headers={"X-Request-ID": "probe-12345678"},
            timeout=30,
        )
        assert page.status_code == 200

        broken = f"http://127.0.0.1:{broken_port}"
        assert requests.get(f"{broken}/healthz", timeout=30).status_code == 200
        ready = requests.get(f"{broken}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"]["status"] == "error"
    finally:
        for server in servers:
            group_stop(server)
    lines = [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{")
    ]
    request_lines = [
        line for line in lines if line.get("request_id") == "probe-12345678"
    ]
    assert request_lines, log.read_text()[-2000:]
    line = request_lines[-1]
    assert (line["logger"], line["method"], line["path"], line["status"]) == (
        "wegweiser.request",
        "GET",
        "/de/",
        200,
    )
    assert line["duration_ms"] >= 0 and line["level"] == "INFO" and line["time"]
    # gunicorn's own lines are JSON too.
    assert any(line["logger"] == "gunicorn.error" for line in lines)
