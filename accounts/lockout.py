"""The page django-axes shows a locked-out sign-in (its address: client_ip)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
