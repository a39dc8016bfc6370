"""The HSDS 3.0 read API (Open Referral) under /api/hsds/: services, organizations,
services at locations, taxonomies and terms as JSON, in the reader's language.

Each view names the parameters it takes (filters in ``hsds.filters``, options in a
small serializer, paging in ``hsds.pagination``); any other parameter, one given
twice or a bad value is a 400 naming it. Lists read one page in the database; the
reading is in ``hsds.selectors``.
"""

import functools
import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from api.language import answer_language
from api.openapi import ACCEPT_LANGUAGE, answer, error_responses, language_parameter
from api.views import PublicApiView
from directory.models import Topic

from .documents import (
    HSDS_VERSION,
    Documents,
    public_agencies,
    public_offers,
    public_responsibilities,
)
from .filters import (
    MAX_PROXIMITY_M,
    POSTCODE,
    OrganizationFilter,
    ServiceAtLocationFilter,
    ServiceFilter,
    TaxonomyFilter,
    TaxonomyTermFilter,
    flag_parse,
    uuid_parse,
)
from .pagination import (
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_PER_PAGE_MINIMAL,
    HsdsPagination,
)
from .selectors import (
    MAX_FULL_SERVICES,
    MAX_NESTED_SERVICES,
    OrganizationListing,
    PlacementListing,
    ServiceListing,
    organization_find,
    placement_pairs,
    placement_rules,
    service_at_location_find,
    service_find,
)
from .vocabulary import (
    PROPERTIES,
    PROPERTY_BY_ID,
    TAXONOMIES,
    TAXONOMY_BY_ID,
    term_by_hsds_id,
)

CACHE_CONTROL = "public, max-age=300"
PROFILE_URL = "https://github.com/openreferral/specification/tree/3.0"
# format=ndjson reads this many results at a time while it streams.
NDJSON_CHUNK = 100


class FirstRenderer(BaseContentNegotiation):
    """Always JSON: ``format`` is an HSDS parameter here, not DRF's renderer switch."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- options (parameters that are not filters) -----------------------------------


class Flag(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(required=False, default=False, **kwargs)

    def to_internal_value(self, data):
        return flag_parse(self.field_name, str(data))


class Format(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(required=False, default="json", **kwargs)

    def to_internal_value(self, data):
        value = str(data).strip().lower()
        if value not in ("json", "ndjson"):
            raise DjangoValidationError(
                _("%(name)s must be json or ndjson.") % {"name": self.field_name}
            )
        return value


class ListOptions(serializers.Serializer):
    format = Format()


class ServiceOptions(ListOptions):
    minimal = Flag()
    full = Flag()


class OrganizationOptions(ListOptions):
    full = Flag()
    full_service = Flag()


class ServiceAtLocationOptions(ListOptions):
    full = Flag()


class OrganizationDetailOptions(serializers.Serializer):
    full_service = Flag()


class NoOptions(serializers.Serializer):
    pass


# --- OpenAPI: the parameters as the old hand-written document described them -------


def _query(name, schema, description, **extra) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        type=schema,
        location=OpenApiParameter.QUERY,
        description=description,
        **extra,
    )


UUID_SCHEMA = {"type": "string", "format": "uuid"}
FLAG = {"type": "boolean", "default": False}
DOC = {
    "lang": language_parameter(
        "Answer language of names, descriptions and links. Missing or empty: from "
        "the `Accept-Language` header, else German (`de`); texts missing in that "
        "language fall back to German. Any other value is a `400` error."
    ),
    "page": _query(
        "page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        "Page number, from 1. A page past the last one is empty (`empty: true`).",
    ),
    "per_page": _query(
        "per_page",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE_MINIMAL,
            "default": DEFAULT_PER_PAGE,
        },
        f"Items per page: at most {MAX_PER_PAGE}, with `minimal=true` at most "
        f"{MAX_PER_PAGE_MINIMAL}.",
    ),
    "search": _query(
        "search",
        {"type": "string"},
        "Words that must all occur (case-insensitive, anywhere in a word) in the "
        "name or description, in the answer language or in German. Only the first "
        "10 words count.",
    ),
    "format": _query(
        "format",
        {"type": "string", "enum": ["json", "ndjson"], "default": "json"},
        "`json` (default): one page. `ndjson`: every result, one JSON document a "
        "line (`application/x-ndjson`), without paging; `page` and `per_page` are "
        "ignored.",
    ),
    "taxonomy_term_id": _query(
        "taxonomy_term_id",
        UUID_SCHEMA,
        "Only services that refer to this taxonomy term anywhere in their document "
        "(their own attributes, their organization's, their locations'). An unknown "
        "id gives an empty list.",
    ),
    "taxonomy_id": _query(
        "taxonomy_id",
        UUID_SCHEMA,
        "Only services that refer to some term of this taxonomy. An unknown id gives "
        "an empty list.",
    ),
    "organization_id": _query(
        "organization_id", UUID_SCHEMA, "Only services of this organization."
    ),
    "modified_after": _query(
        "modified_after",
        {"type": "string"},
        "Only services published (offers) or changed (rules of the finder) on or "
        "after this time: an ISO 8601 date-time (without a time zone it is UTC) or "
        "date (midnight UTC).",
    ),
    "minimal": _query(
        "minimal",
        FLAG,
        "`true`: only `id` and `last_modified` of each service; `per_page` may be "
        f"up to {MAX_PER_PAGE_MINIMAL}.",
    ),
    "full": _query(
        "full",
        FLAG,
        "`true`: fully nested documents (all arrays and nested objects). Otherwise "
        "list items have their one-to-one fields only (for services: with the "
        "organization's one-to-one fields; for services at locations: with the "
        "service's and the location's). Organizations nest at most "
        f"{MAX_NESTED_SERVICES} services in one answer (else `400`: ask for fewer "
        "a page).",
    ),
    "full_service": _query(
        "full_service",
        FLAG,
        "`true`: the organization's `services` are fully nested services (implies "
        "`full` in lists). Otherwise they have their one-to-one fields only. "
        f"Refused (400) when the answer would nest more than {MAX_FULL_SERVICES} "
        "services: page through `/api/hsds/services?organization_id=…&full=true` "
        "instead.",
    ),
    "postcode": _query(
        "postcode",
        {"type": "string", "pattern": f"^{POSTCODE.pattern}$"},
        "Only services at locations that cover this postcode: the location has it "
        "or lies in a district that lists it; a rule with a district (its service "
        "area) only when the district lists the postcode, a rule for the whole "
        "region for every postcode of the region. With `proximity`, the locations "
        "within that distance of the postcode's centroid instead.",
    ),
    "proximity": _query(
        "proximity",
        {"type": "number", "minimum": 0, "maximum": MAX_PROXIMITY_M},
        "Distance in metres from the centroid of `postcode` (required with it): the "
        "mean position of the districts that list the postcode, else of the "
        "locations that have it. A postcode with no known position is a `400` "
        "error.",
    ),
    "top_only": _query(
        "top_only",
        FLAG,
        "Only top-level terms. Our terms are flat: all of them are top-level, so "
        "`true` and `false` give the same list.",
    ),
    "parent_id": _query(
        "parent_id",
        UUID_SCHEMA,
        "Only children of this term. Our terms are flat: the list is always empty.",
    ),
}
PATH_ID = OpenApiParameter(
    "id",
    type=UUID_SCHEMA,
    location=OpenApiParameter.PATH,
    description="The record's HSDS id (a UUID; anything else is a `400` error).",
)
NDJSON = {"type": "string", "description": "With `format=ndjson`: one item a line."}


def documented(summary: str, description: str, body: str):
    """Describes a view's GET in the OpenAPI document: its parameters (as the view
    takes them), the schema of its answer, its errors.
    """

    def decorate(view):
        parameters = [DOC[name] for name in view.parameters()]
        if view.detail:
            parameters.insert(0, PATH_ID)
        ok = answer(body, summary + ".")
        responses = (
            {
                (200, "application/json"): ok,
                (200, "application/x-ndjson"): OpenApiResponse(
                    NDJSON, description=summary + "."
                ),
            }
            if view.paged
            else {200: ok}
        )
        errors = (400, 404) if view.detail else (400,)
        return extend_schema_view(
            get=extend_schema(
                operation_id=view.operation_id,
                summary=summary,
                description=description,
                tags=["hsds"],
                parameters=[*parameters, ACCEPT_LANGUAGE],
                responses={**responses, **error_responses(*errors)},
                filters=False,
            )
        )(view)

    return decorate


# --- views -------------------------------------------------------------------------


class HsdsView(PublicApiView):
    """Checks the parameters before anything is read: each must be one this view
    takes (``lang`` always), once, with a good value; all faults in one 400.
    """

    cache_control = CACHE_CONTROL
    content_negotiation_class = FirstRenderer
    filterset_class: Any = None
    options_class: type[serializers.Serializer] = NoOptions
    detail = False
    paged = False
    operation_id = ""

    @classmethod
    def parameters(cls) -> list[str]:
        names = list(cls.filterset_class.base_filters) if cls.filterset_class else []
        names += list(cls.options_class().fields)
        if cls.paged:
            names = ["page", "per_page", *names]
        return [*names, "lang"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "OPTIONS":
            return
        allowed = self.parameters()
        for name in request.query_params:
            if name not in allowed:
                raise ValidationError(
                    {
                        name: _(
                            "Unknown parameter %(name)s; this endpoint takes: "
                            "%(names)s."
                        )
                        % {"name": name, "names": ", ".join(sorted(allowed))}
                    }
                )
            if len(request.query_params.getlist(name)) > 1:
                raise ValidationError(
                    {name: _("%(name)s is given twice.") % {"name": name}}
                )
        self.checked(request, kwargs)

    def checked(self, request, kwargs) -> None:
        """Parses every parameter into ``self.options``, ``self.filters`` (a
        filter set, or None), ``self.id`` and ``self.documents``; raises one
        ``ValidationError`` with every fault, in the order of the query.
        """
        errors: dict[str, list[str]] = {}
        if "id" in kwargs:
            try:
                self.id = uuid_parse("id", kwargs["id"])
            except DjangoValidationError as error:
                errors["id"] = error.messages
        try:
            language = answer_language(request)
        except ValidationError as error:
            errors.update(error.detail)
            language = "de"
        self.documents = Documents(language=language)
        options = self.options_class(data=request.query_params)
        if options.is_valid():
            self.options = dict(options.validated_data)
        else:
            errors.update(options.errors)
            self.options = {}
        if self.paged:
            try:
                self.paginator.parameters(request, self)
            except ValidationError as error:
                errors.update(error.detail)
        self.filters = None
        if self.filterset_class:
            self.filters = self.filterset_class(
                request.query_params, queryset=Topic.objects.none(), language=language
            )
            if not self.filters.is_valid():
                for name, messages in self.filters.errors.get_json_data().items():
                    errors[name] = [message["message"] for message in messages]
        if errors:
            order = {name: index for index, name in enumerate(request.query_params)}
            raise ValidationError(
                dict(sorted(errors.items(), key=lambda item: order.get(item[0], -1)))
            )

    @functools.cached_property
    def paginator(self):
        return self.pagination_class() if self.paged else None

    def filtered(self, queryset):
        """``queryset`` through this view's filters (checked in ``initial``)."""
        filters = self.filterset_class(
            self.request.query_params,
            queryset=queryset,
            language=self.documents.language,
        )
        return filters.qs


class HsdsListView(HsdsView):
    """A list: one page in the HSDS paging object, or with ``format=ndjson`` every
    result, one a line, read a chunk at a time.
    """

    pagination_class = HsdsPagination
    paged = True
    max_per_page = MAX_PER_PAGE

    def listing(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        listing = self.listing()
        if self.options.get("format") == "ndjson":
            return self.ndjson(listing)
        page = self.paginator.paginate_queryset(listing, request, view=self)
        return self.paginator.get_paginated_response(page)

    def ndjson(self, listing) -> StreamingHttpResponse:
        # The first chunk is read before the answer starts: a parameter found bad
        # while reading it (a postcode without a position) is a 400, not a broken
        # 200 stream.
        total = listing.count()
        first = listing[0:NDJSON_CHUNK]

        def lines() -> Iterator[str]:
            chunk, start = first, 0
            while True:
                for item in chunk:
                    yield json.dumps(item, ensure_ascii=False) + "\n"
                start += NDJSON_CHUNK
                if not chunk or start >= total:
                    return
                chunk = listing[start : start + NDJSON_CHUNK]

        return StreamingHttpResponse(
            lines(), content_type="application/x-ndjson; charset=utf-8"
        )


@documented(
    "HSDS API information",
    "The HSDS version of this API and where its OpenAPI document is.",
    "HsdsInfo",
)
class ApiInfoView(HsdsView):
    operation_id = "getHsdsApiInfo"

    def get(self, request):
        return Response(
            {
                "version": HSDS_VERSION,
                "profile": PROFILE_URL,
                "openapi_url": request.build_absolute_uri(reverse("openapi")),
            }
        )


@documented(
    "List services",
    "Public offers (in the order of the site's tree), then the rules of the finder.",
    "HsdsServicePage",
)
class ServiceListView(HsdsListView):
    filterset_class = ServiceFilter
    options_class = ServiceOptions
    operation_id = "listHsdsServices"

    @property
    def max_per_page(self):
        return MAX_PER_PAGE_MINIMAL if self.options.get("minimal") else MAX_PER_PAGE

    def listing(self):
        return ServiceListing(
            self.filtered(public_offers()),
            self.filtered(public_responsibilities()),
            self.documents,
            full=self.options["full"],
            minimal=self.options["minimal"],
        )


@documented(
    "A service",
    "A fully nested service.",
    "HsdsService",
)
class ServiceView(HsdsView):
    detail = True
    operation_id = "getHsdsService"

    def get(self, request, id):
        service = service_find(self.documents, self.id)
        if service is None:
            raise NotFound(_("No public service has this id."))
        return Response(service)


@documented(
    "List organizations",
    "Public agencies.",
    "HsdsOrganizationPage",
)
class OrganizationListView(HsdsListView):
    filterset_class = OrganizationFilter
    options_class = OrganizationOptions
    operation_id = "listHsdsOrganizations"

    def listing(self):
        return OrganizationListing(
            self.filtered(public_agencies()),
            self.documents,
            full=self.options["full"],
            full_service=self.options["full_service"],
        )


@documented(
    "An organization",
    "A fully nested organization with its locations and services.",
    "HsdsOrganization",
)
class OrganizationView(HsdsView):
    options_class = OrganizationDetailOptions
    detail = True
    operation_id = "getHsdsOrganization"

    def get(self, request, id):
        organization = organization_find(
            self.documents, self.id, full_service=self.options["full_service"]
        )
        if organization is None:
            raise NotFound(_("No public organization has this id."))
        return Response(organization)


@documented(
    "List services at locations",
    "Every service at each of its public locations, services in the order of "
    "`/services`.",
    "HsdsServiceAtLocationPage",
)
class ServiceAtLocationListView(HsdsListView):
    filterset_class = ServiceAtLocationFilter
    options_class = ServiceAtLocationOptions
    operation_id = "listHsdsServiceAtLocations"

    def listing(self):
        offers = self.filtered(public_offers())
        return PlacementListing(
            self.filtered(placement_pairs(offers)),
            self.filtered(placement_rules(public_responsibilities())),
            self.documents,
            full=self.options["full"],
        )


@documented(
    "A service at a location",
    "Fully nested, with the service and the location.",
    "HsdsServiceAtLocation",
)
class ServiceAtLocationView(HsdsView):
    detail = True
    operation_id = "getHsdsServiceAtLocation"

    def get(self, request, id):
        found = service_at_location_find(self.documents, self.id)
        if found is None:
            raise NotFound(_("No public service at location has this id."))
        return Response(found)


class Documented(list):
    """A list that is its own listing (taxonomies and terms are few)."""

    def count(self) -> int:  # type: ignore[override]  # the listing's count()
        return len(self)


def _matches(document: dict, words, fields=("name", "description")) -> bool:
    text = " ".join(str(document.get(field, "")) for field in fields).casefold()
    return all(word.casefold() in text for word in words or ())


@documented(
    "List taxonomies",
    "Topics, target groups, residence statuses, districts and properties (values "
    "HSDS has no field for).",
    "HsdsTaxonomyPage",
)
class TaxonomyListView(HsdsListView):
    filterset_class = TaxonomyFilter
    options_class = ListOptions
    operation_id = "listHsdsTaxonomies"

    def listing(self):
        words = self.filters.form.cleaned_data.get("search")
        return Documented(t for t in self.documents.taxonomies() if _matches(t, words))


@documented(
    "A taxonomy",
    "One taxonomy.",
    "HsdsTaxonomy",
)
class TaxonomyView(HsdsView):
    detail = True
    operation_id = "getHsdsTaxonomy"

    def get(self, request, id):
        if self.id not in TAXONOMY_BY_ID:
            raise NotFound(_("No taxonomy has this id."))
        return Response(self.documents.taxonomy(TAXONOMY_BY_ID[self.id]))


def _term_document(documents: Documents, term: dict) -> dict:
    return term | {
        "taxonomy_detail": documents.taxonomy(TAXONOMY_BY_ID[term["taxonomy_id"]])
    }


@documented(
    "List taxonomy terms",
    "Terms of every taxonomy, taxonomy by taxonomy, each in its order; `search` "
    "looks at names (answer language and German) and codes.",
    "HsdsTaxonomyTermPage",
)
class TaxonomyTermListView(HsdsListView):
    """Terms of every taxonomy (or of ``taxonomy_id``), each taxonomy in its order."""

    filterset_class = TaxonomyTermFilter
    options_class = ListOptions
    operation_id = "listHsdsTaxonomyTerms"

    def listing(self):
        data = self.filters.form.cleaned_data
        found = []
        for taxonomy in TAXONOMIES.values():
            if taxonomy.model is None:
                if data.get("parent_id") or (
                    data.get("taxonomy_id") and data["taxonomy_id"] != taxonomy.id
                ):
                    continue
                terms = [self.documents.property_term(code) for code in PROPERTIES]
                found += [
                    t
                    for t in terms
                    if _matches(t, data.get("search"), ("name", "code"))
                ]
                continue
            rows = self.filtered(taxonomy.model.objects.all())
            found += [self.documents.term(row) for row in rows]
        return Documented(_term_document(self.documents, term) for term in found)


@documented(
    "A taxonomy term",
    "One taxonomy term.",
    "HsdsTaxonomyTerm",
)
class TaxonomyTermView(HsdsView):
    detail = True
    operation_id = "getHsdsTaxonomyTerm"

    def get(self, request, id):
        if self.id in PROPERTY_BY_ID:
            term = self.documents.property_term(PROPERTY_BY_ID[self.id].code)
        elif (row := term_by_hsds_id(self.id)) is not None:
            term = self.documents.term(row)
        else:
            raise NotFound(_("No taxonomy term has this id."))
        return Response(_term_document(self.documents, term))


class NoEndpointView(PublicApiView):
    """Anything else below /api/hsds/: a JSON 404, not the site's HTML page."""

    content_negotiation_class = FirstRenderer

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        raise NotFound(
            _("No such endpoint; see %(url)s.") % {"url": reverse("openapi")}
        )
