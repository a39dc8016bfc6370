"""The HSDS 3.0 read API (Open Referral): services, organizations, services at
locations, taxonomies and terms as JSON, in the reader's language.

Views are thin: ``_endpoint`` checks the query parameters (unknown or bad ones are a
400 that names the parameter), picks the language, turns missing records into 404s
and adds the CORS and cache headers. The reading happens in the functions between
the parameters and the views; every list reads a constant number of queries per
page.
"""

import functools
import json
import math
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from directory.finder import districts_for_postcode
from directory.models import (
    AgencyPage,
    ContactPointPage,
    District,
    OfferPage,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from search.forms import clean_query

from .documents import (
    HSDS_VERSION,
    Documents,
    one_to_one,
    public_agencies,
    public_contact_points,
    public_offers,
    public_responsibilities,
    timestamp_iso,
)
from .vocabulary import (
    PROPERTIES,
    PROPERTY_BY_ID,
    TAXONOMIES,
    TAXONOMY_BY_ID,
    Property,
    derived_id,
    term_by_hsds_id,
)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# ``minimal`` asks for every service in one call: ids and dates are cheap.
MAX_PER_PAGE_MINIMAL = 1000
MAX_PAGE = 100_000
# Organizations with full services nest every service: beyond this, page /services.
MAX_FULL_SERVICES = 500
MAX_SEARCH_WORDS = 10
# Larger than the region; keeps the arithmetic finite.
MAX_PROXIMITY_M = 1_000_000
EARTH_RADIUS_M = 6_371_008.8
CACHE_CONTROL = "public, max-age=300"
PROFILE_URL = "https://github.com/openreferral/specification/tree/3.0"
NOTHING = Q(pk__in=[])
POSTCODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z -]{0,11}")
DIGITS = re.compile(r"[0-9]{1,9}")
# "+01:00" arrives as " 01:00" when a client forgets to encode the plus sign.
UNENCODED_OFFSET = re.compile(r"(?<=\d) (\d{2}(?::?\d{2})?)$")
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class BadParameter(Exception):
    """A query parameter the API does not understand; the message names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


class NotFound(Exception):
    pass


# --- query parameters -----------------------------------------------------------


@dataclass(frozen=True)
class Query:
    language: str = settings.LANGUAGE_CODE
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    format: str = "json"
    words: tuple[str, ...] = ()
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    postcode: str | None = None
    proximity: float | None = None
    full: bool = False
    minimal: bool = False
    full_service: bool = False
    top_only: bool = False
    parent_id: str | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _uuid(name: str, value: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise BadParameter(
            name, _("%(name)s must be a UUID.") % {"name": name}
        ) from None


def _boolean(name: str, value: str) -> bool:
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise BadParameter(name, _("%(name)s must be true or false.") % {"name": name})


def _integer(name: str, value: str, maximum: int) -> int:
    number = int(value.strip()) if DIGITS.fullmatch(value.strip()) else 0
    if not 1 <= number <= maximum:
        raise BadParameter(
            name,
            _("%(name)s must be a whole number from 1 to %(maximum)d.")
            % {"name": name, "maximum": maximum},
        )
    return number


def _datetime(name: str, value: str) -> datetime:
    """ISO 8601 date or date-time; without a time zone it is UTC."""
    text = UNENCODED_OFFSET.sub(r"+\1", value.strip())
    try:
        parsed = parse_datetime(text)
        if parsed is None and (day := parse_date(text)) is not None:
            parsed = datetime.combine(day, time.min)
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise BadParameter(
        name,
        _("%(name)s must be an ISO 8601 date or date-time, e.g. %(example)s.")
        % {"name": name, "example": "2025-01-31T12:00:00Z"},
    )


def _proximity(name: str, value: str) -> float:
    try:
        meters = float(value.strip())
    except ValueError:
        meters = math.nan
    if not 0 <= meters <= MAX_PROXIMITY_M:  # also false for nan
        raise BadParameter(
            name,
            _("%(name)s must be a distance in metres from 0 to %(maximum)d.")
            % {"name": name, "maximum": MAX_PROXIMITY_M},
        )
    return meters


def _postcode(name: str, value: str) -> str:
    if not POSTCODE.fullmatch(value.strip()):
        raise BadParameter(name, _("%(name)s is not a postcode.") % {"name": name})
    return value.strip()


def _format(name: str, value: str) -> str:
    if value.strip().lower() not in ("json", "ndjson"):
        raise BadParameter(name, _("%(name)s must be json or ndjson.") % {"name": name})
    return value.strip().lower()


def _words(name: str, value: str) -> tuple[str, ...]:
    return tuple(clean_query(value).split()[:MAX_SEARCH_WORDS])


PARSERS: dict[str, Callable[[str, str], object]] = {
    "page": lambda name, value: _integer(name, value, MAX_PAGE),
    "per_page": lambda name, value: _integer(name, value, MAX_PER_PAGE_MINIMAL),
    "format": _format,
    "search": _words,
    "taxonomy_term_id": _uuid,
    "taxonomy_id": _uuid,
    "organization_id": _uuid,
    "parent_id": _uuid,
    "modified_after": _datetime,
    "postcode": _postcode,
    "proximity": _proximity,
    "full": _boolean,
    "minimal": _boolean,
    "full_service": _boolean,
    "top_only": _boolean,
}
FIELDS = {"search": "words"}


def _language(request) -> str:
    """The ``lang`` parameter, else the best of ``Accept-Language``, else German."""
    codes = {code for code, _name in settings.LANGUAGES}
    value = request.GET.get("lang", "").strip().lower()
    if value:
        if value not in codes:
            raise BadParameter(
                "lang",
                _("lang must be one of: %(codes)s.")
                % {"codes": ", ".join(code for code, _name in settings.LANGUAGES)},
            )
        return value
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except (LookupError, ValueError):
            continue
    return settings.LANGUAGE_CODE


def parse_query(request, allowed: set[str]) -> Query:
    """The request's parameters as a ``Query``; raises ``BadParameter``."""
    for name in request.GET:
        if name not in allowed and name != "lang":
            raise BadParameter(
                name,
                _("Unknown parameter %(name)s; this endpoint takes: %(names)s.")
                % {"name": name, "names": ", ".join(sorted({*allowed, "lang"}))},
            )
        if len(request.GET.getlist(name)) > 1:
            raise BadParameter(name, _("%(name)s is given twice.") % {"name": name})
    values = {
        FIELDS.get(name, name): PARSERS[name](name, value)
        for name, value in request.GET.items()
        if name != "lang" and value.strip()
    }
    query = Query(language=_language(request), **values)
    limit = MAX_PER_PAGE_MINIMAL if query.minimal else MAX_PER_PAGE
    if query.per_page > limit:
        raise BadParameter(
            "per_page",
            _("per_page must be a whole number from 1 to %(maximum)d.")
            % {"maximum": limit},
        )
    if query.proximity is not None and query.postcode is None:
        raise BadParameter(
            "proximity", _("proximity needs a postcode to measure from.")
        )
    return query


# --- what matches ---------------------------------------------------------------


def _text_match(
    words, language: str, translated: tuple[str, ...], plain: tuple[str, ...] = ()
) -> Q:
    """Every word in one of the fields, in ``language`` or German."""
    match = Q()
    for word in words:
        any_field = Q()
        for code in {language, settings.LANGUAGE_CODE}:
            for field in translated:
                any_field |= Q(**{f"{field}_{code}__icontains": word})
        for field in plain:
            any_field |= Q(**{f"{field}__icontains": word})
        match &= any_field
    return match


def _points() -> QuerySet[ContactPointPage]:
    """Public contact points (a subquery of their pks where used in filters)."""
    return ContactPointPage.objects.live().public().values("pk")


def _property_filters(prop: Property, language: str) -> tuple[Q, Q]:
    """Offers and rules whose service document carries the property somewhere."""
    points = _points()
    at_point = {
        "wheelchair": points,
        "lift": points.filter(has_lift=True),
        "hearing-loop": points.filter(has_hearing_loop=True),
        "temporarily-closed": points.filter(temporarily_closed=True),
        "appointment-url": points.exclude(appointment_url=""),
        "closed-day": points.filter(opening_exceptions__closed=True),
    }
    if prop.code in at_point:
        return (
            Q(contact_points__in=at_point[prop.code]),
            Q(contact_point__in=at_point[prop.code]),
        )
    if prop.code == "summary":
        has_summary = Q()
        for code in {language, settings.LANGUAGE_CODE}:
            has_summary |= ~Q(**{f"summary_{code}": ""}) & Q(
                **{f"summary_{code}__isnull": False}
            )
        return has_summary, NOTHING
    if prop.code == "format":
        return Q(), NOTHING
    if prop.code == "responsibility":
        return NOTHING, Q()
    return Q(), Q()  # agency-type: every organization has one


def _term_filters(term_id: str, language: str) -> tuple[Q, Q]:
    """Offers and rules whose service document refers to the term."""
    if term_id in PROPERTY_BY_ID:
        return _property_filters(PROPERTY_BY_ID[term_id], language)
    term = term_by_hsds_id(term_id)
    if term is None:
        return NOTHING, NOTHING
    if isinstance(term, Topic):
        return Q(topics=term), Q(topic=term)
    if isinstance(term, TargetGroup):
        return Q(target_groups=term), Q(target_group=term)
    if isinstance(term, ResidenceStatus):
        return Q(residence_statuses=term), Q(residence_status=term)
    in_district = _points().filter(district=term)
    return (
        Q(contact_points__in=in_district),
        Q(district=term) | Q(contact_point__in=in_district),
    )


def _taxonomy_filters(taxonomy_id: str) -> tuple[Q, Q]:
    """Offers and rules that use any term of the taxonomy."""
    taxonomy = TAXONOMY_BY_ID.get(taxonomy_id)
    if taxonomy is None:
        return NOTHING, NOTHING
    if taxonomy.model is Topic:
        return Q(topics__isnull=False), Q()
    if taxonomy.model is TargetGroup:
        return Q(target_groups__isnull=False), Q(target_group__isnull=False)
    if taxonomy.model is ResidenceStatus:
        return Q(residence_statuses__isnull=False), Q(residence_status__isnull=False)
    if taxonomy.model is District:
        with_district = _points().filter(district__isnull=False)
        return (
            Q(contact_points__in=with_district),
            Q(district__isnull=False) | Q(contact_point__in=with_district),
        )
    return Q(), Q()  # properties: format or responsibility, always


def matching_services(
    query: Query,
) -> tuple[QuerySet[OfferPage], QuerySet[Responsibility]]:
    """Public offers and rules that pass the query's service filters."""
    filters: list[tuple[Q, Q]] = []
    if query.words:
        filters.append(
            (
                _text_match(
                    query.words, query.language, ("title", "summary", "description")
                ),
                _text_match(query.words, query.language, ("title", "explanation")),
            )
        )
    if query.taxonomy_term_id:
        filters.append(_term_filters(query.taxonomy_term_id, query.language))
    if query.taxonomy_id:
        filters.append(_taxonomy_filters(query.taxonomy_id))
    if query.organization_id:
        by_agency = Q(agency__hsds_id=query.organization_id)
        filters.append((by_agency, by_agency))
    if query.modified_after:
        filters.append(
            (
                Q(last_published_at__gte=query.modified_after),
                Q(updated_at__gte=query.modified_after),
            )
        )
    offers, rules = public_offers(), public_responsibilities()
    # One subquery per filter: joins through many-to-many never repeat a row.
    for offer_filter, rule_filter in filters:
        if offer_filter == NOTHING:
            offers = offers.none()
        elif offer_filter != Q():
            offers = offers.filter(
                pk__in=OfferPage.objects.filter(offer_filter).values("pk")
            )
        if rule_filter == NOTHING:
            rules = rules.none()
        elif rule_filter != Q():
            rules = rules.filter(
                pk__in=Responsibility.objects.filter(rule_filter).values("pk")
            )
    return offers, rules


def _point_map(ids) -> dict[int, ContactPointPage]:
    ids = set(ids) - {None}
    if not ids:
        return {}
    points = public_contact_points().select_related("agency").filter(pk__in=ids)
    return {point.pk: point for point in points}


def _service_documents(
    documents: Documents, offers: list[OfferPage], rules: list[Responsibility]
) -> list[dict]:
    """Full service documents; loads the contact points and agencies these need."""
    points = _point_map(
        [point.pk for offer in offers for point in offer.contact_points.all()]
        + [rule.contact_point_id for rule in rules]
    )
    agency_ids = {rule.agency_id for rule in rules}
    agencies = (
        {agency.pk: agency for agency in public_agencies().filter(pk__in=agency_ids)}
        if agency_ids
        else {}
    )
    return [documents.service(offer, points) for offer in offers] + [
        documents.responsibility_service(rule, agencies, points) for rule in rules
    ]


def list_services(query: Query, documents: Documents) -> tuple[int, list[dict]]:
    """Offers (in tree order) then rules; ``minimal`` gives ids and dates only."""
    offers, rules = matching_services(query)
    offer_count, rule_count = offers.count(), rules.count()
    start, stop = query.offset, query.offset + query.per_page
    rule_start, rule_stop = max(0, start - offer_count), max(0, stop - offer_count)
    if query.minimal:
        page_offers = offers.prefetch_related(None).select_related(None)
        contents = [
            {"id": str(hsds_id), "last_modified": timestamp_iso(published or revised)}
            for hsds_id, published, revised in page_offers.values_list(
                "hsds_id", "last_published_at", "latest_revision_created_at"
            )[start:stop]
        ] + [
            {"id": str(hsds_id), "last_modified": timestamp_iso(updated)}
            for hsds_id, updated in rules.select_related(None).values_list(
                "hsds_id", "updated_at"
            )[rule_start:rule_stop]
        ]
        return offer_count + rule_count, contents
    page_offers = list(offers[start:stop]) if start < offer_count else []
    page_rules = list(rules[rule_start:rule_stop]) if rule_stop > rule_start else []
    services = _service_documents(documents, page_offers, page_rules)
    if not query.full:
        services = [one_to_one(service) for service in services]
    return offer_count + rule_count, services


def service_document(service_id: str, documents: Documents) -> dict:
    offer = public_offers().filter(hsds_id=service_id).first()
    rule = (
        None if offer else public_responsibilities().filter(hsds_id=service_id).first()
    )
    if offer is None and rule is None:
        raise NotFound(_("No public service has this id."))
    return _service_documents(
        documents, [offer] if offer else [], [rule] if rule else []
    )[0]


# --- organizations ----------------------------------------------------------------


def _organizations_nested(
    documents: Documents, agencies: list[AgencyPage], *, full_service: bool
) -> list[dict]:
    """Organizations with their locations and services (one-to-one fields only
    unless ``full_service``).
    """
    ids = [agency.pk for agency in agencies]
    if full_service:
        count = (
            public_offers().filter(agency__in=ids).count()
            + public_responsibilities().filter(agency__in=ids).count()
        )
        if count > MAX_FULL_SERVICES:
            raise BadParameter(
                "full_service",
                _(
                    "full_service would nest %(count)d services, more than "
                    "%(maximum)d fit in one answer; page through "
                    "/api/hsds/services?organization_id=…&full=true instead."
                )
                % {"count": count, "maximum": MAX_FULL_SERVICES},
            )
    services = _service_documents(
        documents,
        list(public_offers().filter(agency__in=ids)),
        list(public_responsibilities().filter(agency__in=ids)),
    )
    points = list(
        public_contact_points().select_related("agency").filter(agency__in=ids)
    )
    result = []
    for agency in agencies:
        document = dict(documents.organization(agency))
        document["locations"] = [
            documents.location(point)
            for point in points
            if point.agency_id == agency.pk
        ]
        document["services"] = [
            {
                key: value
                for key, value in (
                    service if full_service else one_to_one(service)
                ).items()
                if key != "organization"
            }
            for service in services
            if service["organization_id"] == str(agency.hsds_id)
        ]
        result.append(document)
    return result


def list_organizations(query: Query, documents: Documents) -> tuple[int, list[dict]]:
    agencies = public_agencies().order_by("path")
    if query.words:
        agencies = agencies.filter(
            _text_match(query.words, query.language, ("title", "description"))
        )
    total = agencies.count()
    page = list(agencies[query.offset : query.offset + query.per_page])
    if query.full or query.full_service:
        return total, _organizations_nested(
            documents, page, full_service=query.full_service
        )
    return total, [one_to_one(documents.organization(agency)) for agency in page]


def organization_document(
    organization_id: str, query: Query, documents: Documents
) -> dict:
    agency = public_agencies().filter(hsds_id=organization_id).first()
    if agency is None:
        raise NotFound(_("No public organization has this id."))
    return _organizations_nested(documents, [agency], full_service=query.full_service)[
        0
    ]


# --- services at locations --------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """A service at one of its public contact points."""

    offer_id: int | None
    rule_id: int | None
    service_hsds_id: uuid.UUID
    point_id: int
    point_hsds_id: uuid.UUID

    @property
    def id(self) -> str:
        return derived_id(self.service_hsds_id, "at", str(self.point_hsds_id))


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = (
        math.sin(d_phi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def postcode_centroid(postcode: str) -> tuple[float, float] | None:
    """Mean position of the districts that list the postcode, else of the public
    contact points that have it; None when neither has coordinates.
    """
    places = [
        (district.latitude, district.longitude)
        for district in districts_for_postcode(postcode=postcode)
        if district.latitude is not None and district.longitude is not None
    ] or list(
        ContactPointPage.objects.live()
        .public()
        .filter(postcode=postcode, latitude__isnull=False, longitude__isnull=False)
        .values_list("latitude", "longitude")
    )
    if not places:
        return None
    return (
        sum(lat for lat, _lon in places) / len(places),
        sum(lon for _lat, lon in places) / len(places),
    )


def _place_filters(query: Query) -> tuple[Q, Q]:
    """Offer pairs (through table) and rules that pass ``postcode`` / ``proximity``.

    With ``proximity`` a contact point counts when it lies within that many metres of
    the postcode's centroid. Without, a place counts when it has the postcode or lies
    in a district that lists it; a rule with a district (its service area) counts when
    the district lists the postcode, a rule for the whole region for any postcode of
    the region.
    """
    if query.postcode is None:
        return Q(), Q()
    if query.proximity is not None:
        centre = postcode_centroid(query.postcode)
        if centre is None:
            raise BadParameter(
                "postcode",
                _("postcode %(postcode)s has no known position to measure from.")
                % {"postcode": query.postcode},
            )
        near = [
            pk
            for pk, lat, lon in ContactPointPage.objects.live()
            .public()
            .filter(latitude__isnull=False, longitude__isnull=False)
            .values_list("pk", "latitude", "longitude")
            if _distance_m(centre[0], centre[1], lat, lon) <= query.proximity
        ]
        return Q(contactpointpage__in=near), Q(contact_point__in=near)
    covering = [d.pk for d in districts_for_postcode(postcode=query.postcode)]
    at_place = _points().filter(Q(postcode=query.postcode) | Q(district__in=covering))
    rules = Q(district__in=covering) | Q(
        district__isnull=True, contact_point__in=at_place
    )
    if covering:
        rules |= Q(district__isnull=True)
    return Q(contactpointpage__in=at_place), rules


def placements(query: Query) -> list[Placement]:
    """Every service at each of its public contact points that passes the filters:
    offers in tree order (their places by id, as in the service documents), then
    rules.
    """
    offers, rules = matching_services(query)
    pair_filter, rule_filter = _place_filters(query)
    through = OfferPage.contact_points.through.objects.filter(
        pair_filter, offerpage__in=offers.values("pk"), contactpointpage__in=_points()
    ).order_by("offerpage__path", "contactpointpage__hsds_id")
    found = [
        Placement(offer, None, service, point, point_hsds)
        for offer, service, point, point_hsds in through.values_list(
            "offerpage_id",
            "offerpage__hsds_id",
            "contactpointpage_id",
            "contactpointpage__hsds_id",
        )
    ]
    found += [
        Placement(None, rule, service, point, point_hsds)
        for rule, service, point, point_hsds in rules.filter(
            rule_filter, contact_point__in=_points()
        )
        .select_related(None)
        .values_list("pk", "hsds_id", "contact_point_id", "contact_point__hsds_id")
    ]
    return found


def _placement_documents(
    documents: Documents, chosen: list[Placement], *, full: bool
) -> list[dict]:
    offers = {
        offer.pk: offer
        for offer in public_offers().filter(
            pk__in={p.offer_id for p in chosen if p.offer_id}
        )
    }
    rules = {
        rule.pk: rule
        for rule in public_responsibilities().filter(
            pk__in={p.rule_id for p in chosen if p.rule_id}
        )
    }
    services = {
        service["id"]: service
        for service in _service_documents(
            documents, list(offers.values()), list(rules.values())
        )
    }
    result = []
    for placement in chosen:
        service = services[str(placement.service_hsds_id)]
        at = next(
            item
            for item in service["service_at_locations"]
            if item["location_id"] == str(placement.point_hsds_id)
        )
        document = at | {
            "service": {
                key: value
                for key, value in service.items()
                if key != "service_at_locations"
            }
        }
        result.append(document if full else one_to_one(document))
    return result


def list_service_at_locations(
    query: Query, documents: Documents
) -> tuple[int, list[dict]]:
    found = placements(query)
    chosen = found[query.offset : query.offset + query.per_page]
    return len(found), _placement_documents(documents, chosen, full=query.full)


def service_at_location_document(placement_id: str, documents: Documents) -> dict:
    for placement in placements(Query()):
        if placement.id == placement_id:
            return _placement_documents(documents, [placement], full=True)[0]
    raise NotFound(_("No public service at location has this id."))


# --- taxonomies and terms ---------------------------------------------------------


def _matches(document: dict, words, fields=("name", "description")) -> bool:
    text = " ".join(str(document.get(field, "")) for field in fields).casefold()
    return all(word.casefold() in text for word in words)


def list_taxonomies(query: Query, documents: Documents) -> tuple[int, list[dict]]:
    found = [t for t in documents.taxonomies() if _matches(t, query.words)]
    return len(found), found[query.offset : query.offset + query.per_page]


def taxonomy_document(taxonomy_id: str, documents: Documents) -> dict:
    if taxonomy_id not in TAXONOMY_BY_ID:
        raise NotFound(_("No taxonomy has this id."))
    return documents.taxonomy(TAXONOMY_BY_ID[taxonomy_id])


def _term_document(documents: Documents, term: dict) -> dict:
    return term | {
        "taxonomy_detail": documents.taxonomy(TAXONOMY_BY_ID[term["taxonomy_id"]])
    }


def matching_terms(query: Query, documents: Documents) -> list[dict]:
    """Terms of every taxonomy (or of ``taxonomy_id``), each taxonomy in its order.

    Our terms are flat: all are top-level and none has a parent.
    """
    if query.parent_id:
        return []
    found = []
    for taxonomy in TAXONOMIES.values():
        if query.taxonomy_id and query.taxonomy_id != taxonomy.id:
            continue
        if taxonomy.model is None:
            terms = [documents.property_term(code) for code in PROPERTIES]
            found += [
                term for term in terms if _matches(term, query.words, ("name", "code"))
            ]
            continue
        rows = taxonomy.model.objects.all()
        if query.words:
            rows = rows.filter(
                _text_match(query.words, query.language, ("name",), ("slug",))
            )
        found += [documents.term(row) for row in rows]
    return [_term_document(documents, term) for term in found]


def list_taxonomy_terms(query: Query, documents: Documents) -> tuple[int, list[dict]]:
    found = matching_terms(query, documents)
    return len(found), found[query.offset : query.offset + query.per_page]


def taxonomy_term_document(term_id: str, documents: Documents) -> dict:
    if term_id in PROPERTY_BY_ID:
        return _term_document(
            documents, documents.property_term(PROPERTY_BY_ID[term_id].code)
        )
    term = term_by_hsds_id(term_id)
    if term is not None:
        return _term_document(documents, documents.term(term))
    raise NotFound(_("No taxonomy term has this id."))


# --- responses --------------------------------------------------------------------


def paging(query: Query, total: int, contents: list[dict]) -> dict:
    """The HSDS page object around one page of ``contents``."""
    total_pages = math.ceil(total / query.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": query.page,
        "size": len(contents),
        "first_page": query.page == 1,
        "last_page": query.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _headers(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = CACHE_CONTROL
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _json(body, status: int = 200) -> HttpResponse:
    return JsonResponse(
        body,
        status=status,
        safe=False,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


def _error(status: int, message: str, parameter: str | None = None) -> HttpResponse:
    body = {"error": message}
    if parameter:
        body["parameter"] = parameter
    return _json(body, status=status)


def _ndjson(lister, query: Query, documents: Documents) -> StreamingHttpResponse:
    """Every result, one JSON document a line, read a page of 100 at a time."""

    chunk = replace(query, page=1, per_page=MAX_PER_PAGE)
    # The first page is read before the answer starts: a parameter found bad while
    # reading it (a postcode without a position) is a 400, not a broken 200 stream.
    first = lister(chunk, documents)

    def lines() -> Iterator[str]:
        nonlocal chunk
        total, contents = first
        while True:
            for item in contents:
                yield json.dumps(item, ensure_ascii=False) + "\n"
            if not contents or chunk.page * chunk.per_page >= total:
                return
            chunk = replace(chunk, page=chunk.page + 1)
            total, contents = lister(chunk, documents)

    return StreamingHttpResponse(
        lines(), content_type="application/x-ndjson; charset=utf-8"
    )


def _endpoint(*parameters: str):
    """A GET endpoint taking ``parameters`` (and ``lang``); the wrapped function
    gets the parsed query and a ``Documents`` in the answer language and returns the
    body (a dict) or, for lists, the lister to page through.
    """
    allowed = set(parameters)

    def decorate(build):
        @functools.wraps(build)
        def view(request, **kwargs):
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
                response["Access-Control-Allow-Headers"] = "Accept, Accept-Language"
                response["Access-Control-Max-Age"] = "86400"
                return _headers(response)
            if request.method not in ("GET", "HEAD"):
                response = _error(405, _("Only GET is allowed."))
                response["Allow"] = "GET, HEAD, OPTIONS"
                return _headers(response)
            try:
                query = parse_query(request, allowed)
                for name, value in kwargs.items():
                    kwargs[name] = _uuid(name, value)
                documents = Documents(language=query.language)
                result = build(request, query, documents, **kwargs)
                if callable(result):
                    if query.format == "ndjson":
                        return _headers(_ndjson(result, query, documents))
                    total, contents = result(query, documents)
                    result = paging(query, total, contents)
                response = _json(result)
            except BadParameter as error:
                response = _error(400, str(error), error.parameter)
            except NotFound as error:
                response = _error(404, str(error))
            return _headers(response)

        return view

    return decorate


LIST = ("page", "per_page", "format", "search")
SERVICE_FILTERS = (
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
)


# --- views ------------------------------------------------------------------------


@_endpoint()
def api_info(request, query, documents):
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE_URL,
        "openapi_url": request.build_absolute_uri(reverse("openapi")),
    }


@_endpoint(*LIST, *SERVICE_FILTERS, "minimal", "full")
def services(request, query, documents):
    return list_services


@_endpoint()
def service(request, query, documents, id):
    return service_document(id, documents)


@_endpoint(*LIST, "full", "full_service")
def organizations(request, query, documents):
    return list_organizations


@_endpoint("full_service")
def organization(request, query, documents, id):
    return organization_document(id, query, documents)


@_endpoint(*LIST, *SERVICE_FILTERS, "full", "postcode", "proximity")
def service_at_locations(request, query, documents):
    return list_service_at_locations


@_endpoint()
def service_at_location(request, query, documents, id):
    return service_at_location_document(id, documents)


@_endpoint(*LIST)
def taxonomies(request, query, documents):
    return list_taxonomies


@_endpoint()
def taxonomy(request, query, documents, id):
    return taxonomy_document(id, documents)


@_endpoint(*LIST, "taxonomy_id", "top_only", "parent_id")
def taxonomy_terms(request, query, documents):
    return list_taxonomy_terms


@_endpoint()
def taxonomy_term(request, query, documents, id):
    return taxonomy_term_document(id, documents)


def not_found(request):
    message = _("No such endpoint; see %(url)s.") % {"url": reverse("openapi")}
    return _headers(_error(404, message))
