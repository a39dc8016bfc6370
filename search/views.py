"""The public search page, the JSON search API and autocomplete."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.openapi import (
    ACCEPT_LANGUAGE,
    answer,
    error_responses,
    form_parameters,
    language_parameter,
)
from api.views import PublicApiView
from directory.models import Weekday

from .documents import WEEKDAYS
from .forms import FACETS, MAX_QUERY_LENGTH, SearchForm, clean_query
from .labels import facet_label, labels
from .queries import SearchRequest, search, suggest

WEEKDAY_CHOICES = [(WEEKDAYS[value], label) for value, label in Weekday.choices]
KEPT_PARAMETERS = (
    "q",
    *FACETS,
    "free",
    "format",
    "wheelchair",
    "open_now",
    "open_on",
    "sort",
    "near",
    "lat",
    "lon",
    "page_size",
)


FACET_TITLES = {
    "topic": _lazy("Topic"),
    "target_group": _lazy("For whom"),
    "residence_status": _lazy("Residence status"),
    "district": _lazy("Place"),
    "language": _lazy("Language of the offer"),
}


def _facet_groups(response, search_request) -> list[dict]:
    """Facet checkboxes with counts; in degraded mode from the labels, no counts."""
    groups = []
    for name, title in FACET_TITLES.items():
        if response is not None and response.facets:
            options = response.facets.get(name, [])
        else:
            selected = set(search_request.facets.get(name, []))
            table = labels()
            options = [
                {
                    "value": slug,
                    **facet_label(name, slug, search_request.language, table),
                    "count": None,
                    "selected": slug in selected,
                }
                for slug in table.get(name, {}).get("order", [])
            ]
        if options:
            groups.append({"name": name, "title": title, "options": options})
    return groups


def _count(response, name: str) -> int | None:
    if response is None or not response.facets:
        return None
    options = response.facets.get(name, [])
    return options[0]["count"] if options else 0


def search_page(request):
    """Works without JavaScript: a GET form, facet checkboxes, plain pagination."""
    form = SearchForm(request.GET)
    valid = form.is_valid()
    data = (
        form.cleaned_data
        if valid
        else {
            key: value
            for key, value in form.cleaned_data.items()
            if key not in form.errors
        }
    )
    notices = []
    if not valid:
        notices.append(_("Some filters were not understood and were left out."))
    if len(request.GET.get("q", "")) > MAX_QUERY_LENGTH:
        notices.append(
            _("Your search was very long; we used the first %(n)d characters.")
            % {"n": MAX_QUERY_LENGTH}
        )
    language = get_language() or settings.LANGUAGE_CODE
    search_request = SearchRequest.from_form(data, language=language)
    searched = bool(search_request.query or search_request.facets or request.GET)
    response = search(search_request) if searched else None
    if response is not None and response.degraded:
        notices.append(
            _(
                "Search is working in a simpler mode right now: filters and spelling "
                "help are limited. Please try again later for better results."
            )
        )
    kept = [
        (key, value)
        for key in KEPT_PARAMETERS
        for value in request.GET.getlist(key)
        if key not in form.errors and value
    ]
    return render(
        request,
        "search/search.html",
        {
            "query": search_request.query,
            "response": response,
            "notices": notices,
            "near_choices": [
                (slug, names.get(language, slug))
                for slug, names in labels().get("district", {}).get("terms", {}).items()
            ],
            "search_request": search_request,
            "facet_groups": _facet_groups(response, search_request),
            "free_count": _count(response, "free"),
            "wheelchair_count": _count(response, "wheelchair"),
            "weekdays": WEEKDAY_CHOICES,
            "pagination_query": urlencode(kept),
            "has_filters": bool(
                search_request.facets
                or search_request.free
                or search_request.format
                or search_request.wheelchair
                or search_request.open_now
                or search_request.open_on
            ),
        },
    )


_SLUG_ITEMS = {"type": "string", "pattern": "^[-a-zA-Z0-9_]{1,80}$"}
_FACET_NOTE = (
    " Repeat the parameter for several values (`?{name}=a&{name}=b`): an offer "
    "matches if it has any of them; different filters are combined with AND. Values "
    "are slugs as in `facets.{name}[].value`; blank values are ignored, at most 20 "
    "are used. An unknown slug matches nothing; a malformed one is a `400`."
)
_BOOLEAN_NOTE = " Only `true` and `false` are understood; anything else: no filter."
SEARCH_PARAMETERS = {
    "q": "Search words. Control characters and unusual spaces become spaces, "
    "whitespace is collapsed, only the first 200 characters are used. Searched in "
    "the answer language and in German, with typo tolerance, prefixes and synonyms. "
    "Missing or empty: all offers matching the filters.",
    "lang": "Answer language: the language searched (besides German), of titles, "
    "summaries, labels and of the links. Missing: from `Accept-Language`, else German "
    "(`de`); another value is a `400`.",
    "topic": "Only offers on one of these topics." + _FACET_NOTE.format(name="topic"),
    "target_group": "Only offers for one of these target groups."
    + _FACET_NOTE.format(name="target_group"),
    "residence_status": "Only offers available with one of these residence "
    "statuses; offers open to every status always match."
    + _FACET_NOTE.format(name="residence_status"),
    "district": "Only offers with a place in one of these districts."
    + _FACET_NOTE.format(name="district"),
    "language": "Only offers delivered in one of these languages (not the answer "
    "language)." + _FACET_NOTE.format(name="language"),
    "free": "`true`: only free offers; `false`: only offers with a fee."
    + _BOOLEAN_NOTE,
    "format": "Only offers in this format; `in_person` and `online` also match "
    "`hybrid` offers.",
    "wheelchair": "`true`: only offers with a wheelchair-accessible place."
    + _BOOLEAN_NOTE,
    "open_now": "`true`: only offers open right now (Europe/Berlin)." + _BOOLEAN_NOTE,
    "open_on": "Only offers with opening hours on this weekday.",
    "sort": "`relevance` (default): best matches first. `distance`: nearest first, "
    "from `lat`/`lon` or else `near`; results then carry `distance_m`. `distance` "
    "without a point is a `400`; in degraded mode results are not sorted by distance.",
    "near": "A district slug whose centre is the point for `sort=distance`; ignored "
    "when `lat` and `lon` are given. Does not filter.",
    "lat": "Latitude (WGS 84) of the point for `sort=distance`. Give both `lat` and "
    "`lon` or neither (else a `400` with the message under `__all__`).",
    "lon": "Longitude (WGS 84) of the point for `sort=distance`; see `lat`.",
    "page": "Page number, from 1. Only the first 10,000 matches can be paged "
    "through; a page beyond them repeats the last reachable results.",
    "page_size": "Results per page.",
}


def _form_errors(form) -> ValidationError:
    return ValidationError(
        {
            name: [str(message) for message in messages]
            for name, messages in form.errors.items()
        }
    )


def _with_language(query, language: str):
    """The query with ``lang`` as ``answer_language`` understood it (case-blind)."""
    if "lang" not in query:
        return query
    query = query.copy()
    query["lang"] = language
    return query


class SearchApiView(PublicApiView):
    """``GET /api/search/``: one page of offers with facet counts."""

    @extend_schema(
        operation_id="searchOffers",
        tags=["search"],
        summary="Search offers",
        description="Full-text search with filters, facet counts and pagination. "
        "Unknown parameters are ignored; an invalid value of a known parameter is a "
        "`400` naming it.",
        parameters=[
            *form_parameters(
                SearchForm,
                descriptions=SEARCH_PARAMETERS,
                schemas={
                    **{
                        facet: {"type": "array", "items": _SLUG_ITEMS}
                        for facet in FACETS
                    },
                    "near": {**_SLUG_ITEMS, "maxLength": 80},
                },
                defaults={"page": 1, "page_size": 20, "sort": "relevance"},
            ),
            ACCEPT_LANGUAGE,
        ],
        responses={
            200: answer("SearchResponse", "One page of matching offers."),
            **error_responses(400),
        },
    )
    def get(self, request):
        language = self.language()
        with override(language):
            form = SearchForm(_with_language(request.GET, language))
            if not form.is_valid():
                raise _form_errors(form)
        response = search(SearchRequest.from_form(form.cleaned_data, language=language))
        return Response(
            {
                "count": response.count,
                "page": response.page,
                "pages": response.pages,
                "page_size": response.page_size,
                "language": language,
                "degraded": response.degraded,
                "by_meaning_only": response.by_meaning_only,
                "results": response.results,
                "facets": response.facets,
            }
        )


class SuggestApiView(PublicApiView):
    """``GET /api/search/suggest/``: offer titles completing what was typed."""

    @extend_schema(
        operation_id="suggestOfferTitles",
        tags=["search"],
        summary="Autocomplete offer titles",
        description="Up to 8 offer titles (in the answer language and in German) that "
        "complete the typed prefix; from 4 characters on, one typo is tolerated. "
        "Empty for an empty `q` and while the search engine is unavailable.",
        parameters=[
            OpenApiParameter(
                "q",
                type=str,
                description="The text typed so far, cleaned like the search's `q`; "
                "only the first 60 characters are used.",
            ),
            language_parameter(
                "Answer language: of the titles and the links. Missing: from "
                "`Accept-Language`, else German (`de`); another value is a `400`."
            ),
            ACCEPT_LANGUAGE,
        ],
        responses={
            200: answer("SuggestResponse", "The suggestions, best first."),
            **error_responses(400),
        },
    )
    def get(self, request):
        language = self.language()
        prefix = clean_query(request.GET.get("q", ""))[:60]
        return Response({"suggestions": suggest(prefix, language)})
