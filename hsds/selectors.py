"""Reads for the HSDS API: lists that count in the database and build documents only
for the window asked for, and lookups by id.

A listing has ``count()`` and gives a window of documents by slicing
(``listing[50:100]``); the rows it reads for a window do not grow with the region.
"""

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from api.errors import BadParameter
from directory.models import AgencyPage, ContactPointPage, OfferPage, Responsibility
from operations.caching import public_generation

from .documents import (
    Documents,
    one_to_one,
    public_agencies,
    public_contact_points,
    public_offers,
    public_responsibilities,
    timestamp_iso,
)
from .filters import OfferPlace, visible_points
from .models import PlacementKey
from .vocabulary import derived_id

# Organizations with fully nested services (full_service): beyond this, page /services.
MAX_FULL_SERVICES = 500
# Organizations with their services' one-to-one fields (full=true in lists).
MAX_NESTED_SERVICES = 2000
# Rows read and written at a time while the service-at-location keys are built.
PLACEMENT_KEYS_CHUNK = 2000
# Seconds a build may take before another request may start one; seconds the news
# that the keys are complete for the current catalogue is kept.
PLACEMENT_KEYS_BUSY = 300
PLACEMENT_KEYS_BUILT = 24 * 3600


def _point_map(ids) -> dict[int, ContactPointPage]:
    ids = set(ids) - {None}
    if not ids:
        return {}
    points = public_contact_points().select_related("agency").filter(pk__in=ids)
    return {point.pk: point for point in points}


def service_documents(
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


def _windows(first_count: int, window: slice) -> tuple[slice, slice]:
    """``window`` over two lists one after the other, as a window on each."""
    start, stop = window.start or 0, window.stop
    return (
        slice(min(start, first_count), min(stop, first_count)),
        slice(max(0, start - first_count), max(0, stop - first_count)),
    )


class ServiceListing:
    """Offers (in tree order) then rules; ``minimal`` gives ids and dates only."""

    def __init__(
        self,
        offers: QuerySet[OfferPage],
        rules: QuerySet[Responsibility],
        documents: Documents,
        *,
        full: bool = False,
        minimal: bool = False,
    ):
        self.offers, self.rules = offers, rules
        self.documents, self.full, self.minimal = documents, full, minimal
        self._counts: tuple[int, int] | None = None

    def counts(self) -> tuple[int, int]:
        if self._counts is None:
            self._counts = (self.offers.count(), self.rules.count())
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __getitem__(self, window: slice) -> list[dict]:
        on_offers, on_rules = _windows(self.counts()[0], window)
        if self.minimal:
            return [
                {"id": str(hsds_id), "last_modified": timestamp_iso(pub or revised)}
                for hsds_id, pub, revised in self.offers.prefetch_related(None)
                .select_related(None)
                .values_list(
                    "hsds_id", "last_published_at", "latest_revision_created_at"
                )[on_offers]
            ] + [
                {"id": str(hsds_id), "last_modified": timestamp_iso(updated)}
                for hsds_id, updated in self.rules.select_related(None).values_list(
                    "hsds_id", "updated_at"
                )[on_rules]
            ]
        page_offers = list(self.offers[on_offers]) if on_offers.stop else []
        page_rules = list(self.rules[on_rules]) if on_rules.stop else []
        services = service_documents(self.documents, page_offers, page_rules)
        return services if self.full else [one_to_one(s) for s in services]


def service_find(documents: Documents, service_id: str) -> dict | None:
    offer = public_offers().filter(hsds_id=service_id).first()
    rule = (
        None if offer else public_responsibilities().filter(hsds_id=service_id).first()
    )
    if offer is None and rule is None:
        return None
    return service_documents(
        documents, [offer] if offer else [], [rule] if rule else []
    )[0]


# --- organizations ----------------------------------------------------------------


def organizations_nested(
    documents: Documents, agencies: list[AgencyPage], *, full_service: bool
) -> list[dict]:
    """Organizations with their locations and services (one-to-one fields only
    unless ``full_service``). Raises ``BadParameter`` when ``full_service`` would
    nest more than ``MAX_FULL_SERVICES``.
    """
    ids = [agency.pk for agency in agencies]
    offers = public_offers().filter(agency__in=ids)
    rules = public_responsibilities().filter(agency__in=ids)
    if full_service:
        count = offers.count() + rules.count()
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
    services = service_documents(documents, list(offers), list(rules))
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


class OrganizationListing:
    """Agencies in tree order; ``full`` nests their locations and services, at most
    ``MAX_NESTED_SERVICES`` in one answer (else a 400 that says how to page).
    """

    def __init__(
        self,
        agencies: QuerySet[AgencyPage],
        documents: Documents,
        *,
        full: bool = False,
        full_service: bool = False,
    ):
        self.agencies, self.documents = agencies.order_by("path"), documents
        self.full, self.full_service = full or full_service, full_service

    def count(self) -> int:
        return self.agencies.count()

    def __getitem__(self, window: slice) -> list[dict]:
        page = list(self.agencies[window])
        if not self.full:
            return [one_to_one(self.documents.organization(agency)) for agency in page]
        if not self.full_service:
            count = (
                public_offers().filter(agency__in=page).count()
                + public_responsibilities().filter(agency__in=page).count()
            )
            if count > MAX_NESTED_SERVICES:
                raise BadParameter(
                    "full",
                    _(
                        "full would nest %(count)d services, more than %(maximum)d "
                        "fit in one answer; ask for fewer organizations a page "
                        "(per_page) or page through "
                        "/api/hsds/services?organization_id=… instead."
                    )
                    % {"count": count, "maximum": MAX_NESTED_SERVICES},
                )
        return organizations_nested(
            self.documents, page, full_service=self.full_service
        )


def organization_find(
    documents: Documents, organization_id: str, *, full_service: bool
) -> dict | None:
    agency = public_agencies().filter(hsds_id=organization_id).first()
    if agency is None:
        return None
    return organizations_nested(documents, [agency], full_service=full_service)[0]


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


PAIR_FIELDS = (
    "offerpage_id",
    "offerpage__hsds_id",
    "contactpointpage_id",
    "contactpointpage__hsds_id",
)
RULE_FIELDS = ("pk", "hsds_id", "contact_point_id", "contact_point__hsds_id")


def placement_pairs(offers: QuerySet[OfferPage]) -> QuerySet:
    """The offers' pairs with their visible places, in the order of the services
    (tree order), a service's places by id.
    """
    return OfferPlace.objects.filter(
        offerpage__in=offers.values("pk"), contactpointpage__in=visible_points()
    ).order_by("offerpage__path", "contactpointpage__hsds_id")


def placement_rules(rules: QuerySet[Responsibility]) -> QuerySet[Responsibility]:
    return (
        rules.filter(contact_point__in=visible_points())
        .select_related(None)
        .order_by("pk")
    )


def _placement_documents(
    documents: Documents, chosen: list[Placement], *, full: bool
) -> list[dict]:
    offers = list(
        public_offers().filter(pk__in={p.offer_id for p in chosen if p.offer_id})
    )
    rules = list(
        public_responsibilities().filter(
            pk__in={p.rule_id for p in chosen if p.rule_id}
        )
    )
    services = {
        service["id"]: service
        for service in service_documents(documents, offers, rules)
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


class PlacementListing:
    """Every service at each of its public places: offers in tree order (their places
    by id, as in the service documents), then rules; paged in the database.
    """

    def __init__(self, pairs: QuerySet, rules: QuerySet, documents, *, full=False):
        self.pairs, self.rules = pairs, rules
        self.documents, self.full = documents, full
        self._counts: tuple[int, int] | None = None

    def counts(self) -> tuple[int, int]:
        if self._counts is None:
            self._counts = (self.pairs.count(), self.rules.count())
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __getitem__(self, window: slice) -> list[dict]:
        on_pairs, on_rules = _windows(self.counts()[0], window)
        chosen = [
            Placement(offer, None, service, point, point_hsds)
            for offer, service, point, point_hsds in self.pairs.values_list(
                *PAIR_FIELDS
            )[on_pairs]
        ] + [
            Placement(None, rule, service, point, point_hsds)
            for rule, service, point, point_hsds in self.rules.values_list(
                *RULE_FIELDS
            )[on_rules]
        ]
        return _placement_documents(self.documents, chosen, full=self.full)


def _placement_by_key(service_id: str, point_id: str) -> Placement | None:
    offers = public_offers().filter(hsds_id=service_id)
    pair = (
        placement_pairs(offers)
        .filter(contactpointpage__hsds_id=point_id)
        .values_list(*PAIR_FIELDS)
        .first()
    )
    if pair:
        return Placement(pair[0], None, *pair[1:])
    rule = (
        placement_rules(public_responsibilities())
        .filter(hsds_id=service_id, contact_point__hsds_id=point_id)
        .values_list(*RULE_FIELDS)
        .first()
    )
    return Placement(None, *rule) if rule else None


def _placement_keys_marker(state: str) -> str:
    return f"hsds:placement-keys-{state}:{public_generation()}"


def placement_keys_build() -> int:
    """Store the key of every public service at a location (``PlacementKey``); the
    number of keys. Runs at most once per catalogue change, on the first id that is
    not found, so the catalogue's writers need not know about it.
    """
    pairs = placement_pairs(public_offers()).values_list(*PAIR_FIELDS)
    rules = placement_rules(public_responsibilities()).values_list(*RULE_FIELDS)
    placements = (
        *(
            Placement(offer, None, service, point, point_hsds)
            for offer, service, point, point_hsds in pairs.iterator(
                PLACEMENT_KEYS_CHUNK
            )
        ),
        *(
            Placement(None, rule, service, point, point_hsds)
            for rule, service, point, point_hsds in rules.iterator(PLACEMENT_KEYS_CHUNK)
        ),
    )
    PlacementKey.objects.bulk_create(
        (
            PlacementKey(
                id=placement.id,
                service_id=placement.service_hsds_id,
                location_id=placement.point_hsds_id,
            )
            for placement in placements
        ),
        batch_size=PLACEMENT_KEYS_CHUNK,
        ignore_conflicts=True,
    )
    return len(placements)


def _placement_key(placement_id: str) -> tuple[str, str] | None:
    key = (
        PlacementKey.objects.filter(pk=placement_id)
        .values_list("service_id", "location_id")
        .first()
    )
    return (str(key[0]), str(key[1])) if key else None


def service_at_location_find(documents: Documents, placement_id: str) -> dict | None:
    """The service at a location with this id, fully nested; None when there is no
    such public pair. A lookup of the stored key; an id not stored is looked for once
    more after the keys are built, if they were not built since the last change of
    the catalogue (else it is not there: no scan per unknown id).
    """
    key = _placement_key(placement_id)
    if (
        key is None
        and not cache.get(_placement_keys_marker("built"))
        # One build at a time; meanwhile an id new since the change is not found.
        and cache.add(_placement_keys_marker("building"), True, PLACEMENT_KEYS_BUSY)
    ):
        try:
            placement_keys_build()
            cache.set(_placement_keys_marker("built"), True, PLACEMENT_KEYS_BUILT)
        finally:
            cache.delete(_placement_keys_marker("building"))
        key = _placement_key(placement_id)
    placement = _placement_by_key(*key) if key else None
    if placement is None:
        return None
    return _placement_documents(documents, [placement], full=True)[0]
