"""Whole public responses for anonymous readers, kept in the shared cache under the
public content's generation: a publish, unpublish, move or taxonomy edit on any app
server is seen by every server's next request, and a reader never gets another
reader's or an editor's response.

Only the views named in ``OPERATIONS_PAGE_CACHE_VIEWS`` are cached (public pages, the
finder, the HSDS API), only for GET requests without a session or message cookie, and
only answers 200 that set no cookie and do not say ``private``/``no-store``. The
timeout (``OPERATIONS_PAGE_CACHE_SECONDS``) bounds what no signal reports: opening
hours' "open now" and offers whose end date passes.
"""

import hashlib
import logging
import re
from fnmatch import fnmatchcase

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, get_language_from_path

from .caching import public_generation

logger = logging.getLogger(__name__)

# How HTTP separates the values of Cache-Control and Vary.
LIST_SEPARATOR = re.compile(r"\s*,\s*")

# Response headers a cached answer keeps; the outer middleware (security headers,
# request id, language) add theirs on every answer, cached or not.
HEADERS_KEPT = (
    "Content-Type",
    "Content-Language",
    "Content-Disposition",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Link",
    "Vary",
)


def _seconds() -> int:
    return int(getattr(settings, "OPERATIONS_PAGE_CACHE_SECONDS", 0))


def _view_cached(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return False
    return any(
        fnmatchcase(match.url_name, pattern)
        for pattern in settings.OPERATIONS_PAGE_CACHE_VIEWS
    )


def _request_anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return not (
        settings.SESSION_COOKIE_NAME in cookies
        or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in cookies
    )


def _key(request: HttpRequest) -> str:
    # The language decides the answer: from the path (/de/…) for pages, from ?lang=
    # or Accept-Language for the APIs; the negotiated one is what the view used.
    negotiated = not (
        get_language_from_path(request.path_info)
        or "lang=" in request.META.get("QUERY_STRING", "")
    )
    parts = [
        request.get_host(),
        request.get_full_path(),
        get_language() or "",
        request.headers.get("Accept-Language", "") if negotiated else "",
        request.headers.get("Accept", ""),
        request.headers.get("Origin", ""),
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"pagecache:{public_generation()}:{digest}"


def _response_cacheable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = {
        part.split("=")[0].strip().lower()
        for part in LIST_SEPARATOR.split(response.get("Cache-Control", ""))
    }
    if control & {"private", "no-store", "no-cache"}:
        return False
    vary = {
        part.strip().lower() for part in LIST_SEPARATOR.split(response.get("Vary", ""))
    }
    # Varies by something the key does not hold (Cookie is fine: no session cookie).
    return not (vary - {"", "cookie", "accept-language", "accept", "origin"})


class PageCacheMiddleware:
    """Serves cached public answers; stores new ones. Sits last in MIDDLEWARE, so
    sessions, language, security headers and the request id apply to every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "_page_cache_key", None)
        if key is not None and _response_cacheable(response):
            stored = {
                "status": response.status_code,
                "content": response.content,
                "headers": {
                    name: response[name] for name in HEADERS_KEPT if name in response
                },
            }
            try:
                caches[settings.OPERATIONS_PAGE_CACHE_ALIAS].set(
                    key, stored, _seconds()
                )
            except Exception:  # noqa: BLE001 - the answer is there; the cache is not
                logger.warning("page cache unavailable", exc_info=True)
            else:
                response["X-Page-Cache"] = "miss"
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if (
            request.method != "GET"
            or _seconds() <= 0
            or not _request_anonymous(request)
            or not _view_cached(request)
        ):
            return None
        try:
            key = _key(request)
            stored = caches[settings.OPERATIONS_PAGE_CACHE_ALIAS].get(key)
        except Exception:  # noqa: BLE001 - a cache server that is down: answer anyway
            logger.warning("page cache unavailable", exc_info=True)
            return None
        if stored is None:
            setattr(request, "_page_cache_key", key)  # noqa: B010 - stored by __call__
            return None
        response = HttpResponse(stored["content"], status=stored["status"])
        for name, value in stored["headers"].items():
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response
