"""Health endpoints for load balancers and monitoring.

``/healthz``: the process answers (liveness; touches nothing else).
``/readyz``: this instance can serve: the database answers (503 otherwise); the search
engine and the task queue are reported too, but a site without its engine still serves
from the database, so they make it "degraded", not unready.
"""

import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    checks = {
        "database": _database(),
        "search": _search(),
        "tasks": _tasks(),
    }
    if checks["database"]["status"] != "ok":
        status = "unavailable"
    elif any(check["status"] not in ("ok", "off") for check in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"status": status, "checks": checks},
        status=503 if status == "unavailable" else 200,
    )


def _timed(check):
    started = time.perf_counter()
    result = check()
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict:
    def check():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as error:
            return {"status": "error", "error": _short(error)}
        return {"status": "ok"}

    return _timed(check)


def _search() -> dict:
    if not settings.SEARCH_URL:
        return {"status": "off"}
    from search import engine

    def check():
        try:
            health = (
                engine.client()
                .options(request_timeout=settings.OPERATIONS_READY_SEARCH_TIMEOUT)
                .cluster.health()
            )
        except (engine.SearchUnavailable, *engine.ENGINE_ERRORS) as error:
            return {"status": "error", "error": _short(error)}
        colour = health.get("status", "unknown")
        return {"status": "ok" if colour in ("green", "yellow") else colour}

    return _timed(check)


def _tasks() -> dict:
    """How long the oldest task that could run has waited for a worker."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return {"status": "off"}
    from django_tasks_db.models import DBTaskResult

    def check():
        now = timezone.now()
        try:
            ready = DBTaskResult.objects.ready()
            oldest = min(
                (
                    moment
                    for moment in (
                        ready.filter(run_after__lte=now)
                        .order_by("run_after")
                        .values_list("run_after", flat=True)
                        .first(),
                        ready.exclude(run_after__lte=now)
                        .order_by("enqueued_at")
                        .values_list("enqueued_at", flat=True)
                        .first(),
                    )
                    if moment is not None
                ),
                default=None,
            )
            queued = ready.count()
        except DatabaseError as error:
            return {"status": "error", "error": _short(error)}
        age = (now - oldest).total_seconds() if oldest else 0.0
        late = age > settings.OPERATIONS_READY_MAX_TASK_AGE
        return {
            "status": "late" if late else "ok",
            "queued": queued,
            "oldest_age_seconds": round(age, 1),
        }

    return _timed(check)


def _short(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


class HealthMiddleware:
    """Answers /healthz and /readyz before host validation and the HTTPS redirect:
    load balancers probe by IP address over plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = {"/healthz": healthz, "/readyz": readyz}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
