"""The public search page, the JSON search API and autocomplete."""

from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from directory.models import Weekday

from .documents import WEEKDAYS
from .forms import FACETS, MAX_QUERY_LENGTH, SearchForm, clean_query
from .labels import labels
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
            facet = labels().get(name, {})
            options = [
                {
                    "value": slug,
                    "label": facet["terms"][slug].get(search_request.language, slug),
                    "count": None,
                    "selected": slug in selected,
                }
                for slug in facet.get("order", [])
            ]
        if options:
            groups.append({"name": name, "title": title, "options": options})
    return groups


def _count(response, name: str) -> int | None:
    if response is None or not response.facets:
        return None
    options = response.facets.get(name, [])
    return options[0]["count"] if options else 0


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _errors(form) -> dict[str, list[str]]:
    return {
        name: [str(message) for message in messages]
        for name, messages in form.errors.items()
    }


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


@require_GET
def search_api(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _cors(JsonResponse({"errors": _errors(form)}, status=400))
    language = form.cleaned_data.get("lang") or _accept_language(request)
    search_request = SearchRequest.from_form(form.cleaned_data, language=language)
    response = search(search_request)
    return _cors(
        JsonResponse(
            {
                "count": response.count,
                "page": response.page,
                "pages": response.pages,
                "page_size": response.page_size,
                "language": language,
                "degraded": response.degraded,
                "results": response.results,
                "facets": response.facets,
            },
            json_dumps_params={"ensure_ascii": False},
        )
    )


@require_GET
def suggest_api(request):
    language = request.GET.get("lang") or _accept_language(request)
    if language not in dict(settings.LANGUAGES):
        return _cors(
            JsonResponse({"errors": {"lang": [_("Unknown language.")]}}, status=400)
        )
    prefix = clean_query(request.GET.get("q", ""))[:60]
    return _cors(
        JsonResponse(
            {"suggestions": suggest(prefix, language)},
            json_dumps_params={"ensure_ascii": False},
        )
    )


def _accept_language(request) -> str:
    from django.utils.translation import get_language_from_request

    return get_language_from_request(request) or settings.LANGUAGE_CODE


OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.json"


@require_GET
def openapi(request):
    """The OpenAPI description of the JSON APIs."""
    return _cors(
        HttpResponse(
            OPENAPI_FILE.read_bytes(), content_type="application/json; charset=utf-8"
        )
    )
