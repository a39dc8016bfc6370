"""The HSDS paging object around one page of a listing (``hsds.selectors``)."""

import math

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from api.errors import BadParameter

from .filters import whole_number_parse

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# ``minimal`` asks for every service in one call: ids and dates are cheap.
MAX_PER_PAGE_MINIMAL = 1000
MAX_PAGE = 100_000


def _number(request, name: str, maximum: int, default: int) -> int:
    value = request.query_params.get(name, "")
    if not value.strip():
        return default
    try:
        return whole_number_parse(name, value, maximum)
    except ValidationError as error:
        raise BadParameter(name, error.messages[0]) from None


class HsdsPagination(BasePagination):
    """``page`` (from 1) and ``per_page`` (at most ``view.max_per_page``); the
    answer has ``total_items``, ``total_pages``, ``page_number``, ``size``,
    ``first_page``, ``last_page``, ``empty`` and ``contents``.
    """

    def parameters(self, request, view) -> tuple[int, int]:
        """``(page, per_page)``; raises ``BadParameter``."""
        limit = getattr(view, "max_per_page", MAX_PER_PAGE)
        page = _number(request, "page", MAX_PAGE, 1)
        per_page = _number(request, "per_page", MAX_PER_PAGE_MINIMAL, DEFAULT_PER_PAGE)
        if per_page > limit:
            raise BadParameter(
                "per_page",
                _("per_page must be a whole number from 1 to %(maximum)d.")
                % {"maximum": limit},
            )
        return page, per_page

    def paginate_queryset(self, queryset, request, view=None):
        """One page of ``queryset`` (anything with ``count()`` and slicing)."""
        self.page, self.per_page = self.parameters(request, view)
        self.total = queryset.count()
        start = (self.page - 1) * self.per_page
        return queryset[start : start + self.per_page]

    def get_paginated_response(self, data):
        total_pages = math.ceil(self.total / self.per_page)
        return Response(
            {
                "total_items": self.total,
                "total_pages": total_pages,
                "page_number": self.page,
                "size": len(data),
                "first_page": self.page == 1,
                "last_page": self.page >= total_pages,
                "empty": not data,
                "contents": data,
            }
        )

    def get_schema_operation_parameters(self, view):
        return []  # described with the view (``hsds.views``)
