"""Paging of public listings: one page of a list or QuerySet from ``?page=``."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 20


def paginate(request, items, *, per_page: int = PAGE_SIZE) -> Page:
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
