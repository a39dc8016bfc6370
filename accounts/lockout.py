"""How django-axes sees a sign-in: the client's address and the lockout page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
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


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page a locked-out sign-in gets: what happened and how long it lasts,
    in the admin's look and language, with 429 Too Many Requests.
    """
    # Rendered now: it replaces the sign-in page's response inside the middleware.
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": settings.ACCOUNTS_LOGIN_COOLOFF_MINUTES},
        status=429,
    )
