"""Locale middleware that answers 404 for unknown language prefixes instead of
redirecting.
"""

import re

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils.translation import get_language, get_language_from_path

LANGUAGE_LIKE = re.compile(r"^/([a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})?)(/|$)")
NOT_LANGUAGES = {"api", "static", "media"}


class DirectoryLocaleMiddleware(LocaleMiddleware):
    """``/xx/…`` for a language we do not serve is a 404, not a redirect to
    ``/de/xx/…``; nothing under ``/api/`` is redirected.
    """

    def process_response(self, request, response):
        if response.status_code == 404 and request.path_info.startswith("/api/"):
            # An API's 404 is an answer; never redirect it to /de/api/….
            response.headers.setdefault("Content-Language", get_language())
            return response
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is not None
            and not get_language_from_path(request.path_info)
        ):
            # A view outside the language prefixes answered 404 itself (e.g. a bad
            # unsubscribe link): that is the answer, not a reason to redirect.
            return response
        match = LANGUAGE_LIKE.match(request.path_info)
        if response.status_code == 404 and match:
            prefix = match.group(1).lower()
            served = {code for code, _name in settings.LANGUAGES}
            if prefix not in served and prefix not in NOT_LANGUAGES:
                response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
                return response
        return super().process_response(request, response)
