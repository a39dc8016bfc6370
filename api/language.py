"""The language an API answers in, chosen in one place for every endpoint.

``?lang=`` wins (an unknown code is a 400 naming the parameter), then the best match
of the ``Accept-Language`` header, then the site's default (German).
"""

import re

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

# One entry of Accept-Language: a tag, optionally ";q=0.8" (RFC 9110 12.5.4).
_ENTRY = re.compile(
    r"^\s*(?P<tag>\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)\s*"
    r"(?:;\s*q\s*=\s*(?P<q>[01](?:\.\d{0,3})?))?\s*$"
)
MAX_HEADER_LENGTH = 500


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def accept_language_parse(header: str) -> list[str]:
    """The header's language tags, best first; malformed entries are left out."""
    ranked = []
    for position, entry in enumerate(header[:MAX_HEADER_LENGTH].split(",")):
        match = _ENTRY.match(entry)
        if not match or match["tag"] == "*":
            continue
        quality = float(match["q"]) if match["q"] else 1.0
        if quality > 0:
            ranked.append((-quality, position, match["tag"].lower()))
    return [tag for _quality, _position, tag in sorted(ranked)]


def answer_language(request, parameter: str = "lang") -> str:
    """The answer language for ``request``; raises ``ValidationError`` naming
    ``parameter`` when it names a language the site does not have.
    """
    value = request.GET.get(parameter, "").strip().lower()
    if value:
        if value not in language_codes():
            raise ValidationError(
                {
                    parameter: [
                        _("%(name)s must be one of: %(codes)s.")
                        % {"name": parameter, "codes": ", ".join(language_codes())}
                    ]
                }
            )
        return value
    for tag in accept_language_parse(request.headers.get("Accept-Language", "")):
        try:
            return get_supported_language_variant(tag)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
