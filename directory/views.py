"""Public listing views routed from the home page (topics, agencies)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import selectors
from .models import District, HomePage, Topic
from .models.taxonomy import SLUG_PATTERN

PAGE_SIZE = 20


def paginate(request, items, *, per_page: int = PAGE_SIZE):
    """A page of ``items``;
    bad or out-of-range ``page`` values fall back to a valid page.

    A QuerySet is paged by its primary keys first and only the page's rows are
    read whole: the database sorts narrow rows, not every offer with all its
    translations (a topic of 2,000 offers: ~50 MB of sort).
    """
    if not isinstance(items, QuerySet):
        return Paginator(items, per_page).get_page(request.GET.get("page"))
    page = Paginator(items.values_list("pk", flat=True), per_page).get_page(
        request.GET.get("page")
    )
    ids = list(page.object_list)
    rows = items.order_by().in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def topic_index(request, *, home: HomePage):
    return render(
        request,
        "directory/topic_index.html",
        {"page": home, "topics": selectors.topics_with_offer_counts()},
    )


def topic_detail(request, *, home: HomePage, slug: str):
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        raise Http404(_("There is no such topic."))
    notice = ""
    district = None
    district_slug = request.GET.get("district", "")
    if district_slug:
        if SLUG_PATTERN.fullmatch(district_slug):
            district = District.objects.filter(slug=district_slug).first()
        if district is None:
            notice = _("We do not know that place; showing offers everywhere.")
    offers = selectors.offers_for_topic(topic=topic, district=district)
    return render(
        request,
        "directory/topic_detail.html",
        {
            "page": home,
            "topic": topic,
            "district": district,
            "districts": selectors.districts_for_topic(topic=topic),
            "notice": notice,
            "offers": paginate(request, offers),
            "pagination_query": urlencode({"district": district.slug})
            if district
            else "",
        },
    )


def agency_index(request, *, home: HomePage):
    return render(
        request,
        "directory/agency_index.html",
        {"page": home, "agencies": selectors.agencies_with_counts()},
    )
