"""Query building for the public search; for now the database matcher used as fallback."""

import unicodedata

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from directory.models import OfferPage
from directory.selectors import visible_offers

MAX_QUERY_LENGTH = 200


def clean_query(raw: str) -> str:
    """Trim, drop control characters and collapse whitespace; at most 200 characters."""
    text = "".join(
        " " if unicodedata.category(char).startswith(("C", "Z")) else char
        for char in raw[: MAX_QUERY_LENGTH * 4]
    )
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def database_search(query: str) -> QuerySet[OfferPage]:
    """Visible offers whose title or summary contain every word, in the current
    language or in German."""
    languages = {get_language() or settings.LANGUAGE_CODE, settings.LANGUAGE_CODE}
    offers = visible_offers()
    for word in query.split()[:10]:
        match = Q()
        for language in languages:
            for field in ("title", "summary", "description"):
                match |= Q(**{f"{field}_{language}__icontains": word})
        offers = offers.filter(match)
    return offers.select_related("agency")
