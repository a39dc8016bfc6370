"""A request id on every request, in its log lines and its answer, and one log line
per request (method, path, status, duration) for the JSON log."""

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings

log = logging.getLogger("wegweiser.request")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default=""
)
# An id a proxy or load balancer sent is kept when it looks like one.
_ID_SHAPE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestIdMiddleware:
    """Takes X-Request-ID from the proxy (or makes one), answers with it and logs
    the request once it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _ID_SHAPE.match(sent) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record logged while a request is answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


def client_ip(request) -> str | None:
    """The client's address: behind our HTTPS proxy (BEHIND_HTTPS_PROXY) the last
    X-Forwarded-For entry, the one our proxy added (earlier ones are whatever the
    client sent); otherwise the connection's own address.
    """
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or None
