"""The public search page."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.translation import gettext as _
from wagtail.models import Site

from directory.views import paginate

from .queries import MAX_QUERY_LENGTH, clean_query, database_search


def search(request):
    raw = request.GET.get("q", "")
    query = clean_query(raw)
    notice = ""
    if len(raw) > MAX_QUERY_LENGTH * 4:
        notice = _("Your search was very long; we used the first %(n)d characters.") % {
            "n": MAX_QUERY_LENGTH
        }
    results = paginate(request, database_search(query)) if query else None
    site = Site.find_for_request(request)
    return render(
        request,
        "search/search.html",
        {
            "page": site.root_page.specific if site else None,
            "query": query,
            "results": results,
            "notice": notice,
            "pagination_query": urlencode({"q": query}),
        },
    )
