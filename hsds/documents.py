"""The catalogue as HSDS 3.0 documents: what the API returns and the export writes.

``Documents`` turns our records into plain dicts in one language. Text falls back to
German where a translation is missing (as on the site). Every document validates
against the official schemas (``schemas.problems``), which the tests check.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import translation

from directory.models import (
    AgencyPage,
    ContactPerson,
    ContactPointPage,
    District,
    Language,
    OfferPage,
    OpeningException,
    OpeningSlot,
    ResidenceStatus,
    Responsibility,
    TargetGroup,
    Topic,
)
from directory.sanitise import rich_text_render
from directory.selectors import page_public_path, site_root_path

from .vocabulary import (
    PROPERTIES,
    STATUS_TO_HSDS,
    TAXONOMIES,
    TAXONOMY_BY_MODEL,
    WEEKDAYS,
    Taxonomy,
    derived_id,
)

HSDS_VERSION = "3.0"
COUNTRY = "DE"


def _text(value) -> str:
    return str(value or "").strip()


def _code(language: Language) -> str:
    return language.code


def _drop_empty(document: dict) -> dict:
    """HSDS leaves unknown values out rather than sending empty strings."""
    return {k: v for k, v in document.items() if v not in ("", None)}


def _lines(value: str) -> list[str]:
    return [line.strip(" -•\t") for line in (value or "").splitlines() if line.strip()]


def timestamp_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- what is public -------------------------------------------------------------


def public_agencies() -> QuerySet[AgencyPage]:
    """The agencies the public may see (``AgencyPage.objects.visible()``)."""
    return AgencyPage.objects.visible()


def public_contact_points() -> QuerySet[ContactPointPage]:
    """The contact points the public may see, with their hours and languages."""
    return (
        ContactPointPage.objects.visible()
        .select_related("district")
        .prefetch_related(
            "languages",
            Prefetch(
                "opening_slots",
                queryset=OpeningSlot.objects.order_by("weekday", "opens"),
            ),
            Prefetch(
                "opening_exceptions", queryset=OpeningException.objects.order_by("date")
            ),
        )
    )


def public_offers() -> QuerySet[OfferPage]:
    """The offers the public may see (``OfferPage.objects.visible()``: ended ones
    are left out, as on the site), with what their documents need.
    """
    return (
        OfferPage.objects.visible()
        .select_related("agency")
        .prefetch_related(
            "topics",
            "target_groups",
            "residence_statuses",
            "languages",
            Prefetch(
                "contact_points",
                queryset=ContactPointPage.objects.visible().only("pk"),
            ),
            Prefetch("contact_persons", queryset=ContactPerson.objects.all()),
        )
        .order_by("path")
    )


def public_responsibilities() -> QuerySet[Responsibility]:
    """Rules of a visible agency (``Responsibility.objects.visible()``; a rule
    pointing at a hidden contact point keeps its agency and loses the place).
    """
    return (
        Responsibility.objects.visible()
        .select_related("topic", "residence_status", "target_group", "district")
        .order_by("pk")
    )


class Documents:
    """Builds HSDS documents in ``language``; caches what many documents share.

    ``base_url`` (scheme and host, no trailing slash) makes page links absolute.
    """

    def __init__(self, *, language: str | None = None, base_url: str | None = None):
        self.language = language or settings.LANGUAGE_CODE
        self.base_url = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
        self._root_path: str | None = None
        self._terms: dict[tuple[type, int | str], dict] = {}
        self._locations: dict[int, dict] = {}
        self._organizations: dict[int, dict] = {}

    # --- helpers ----------------------------------------------------------------

    def _in_language(self):
        return translation.override(self.language)

    def page_url(self, page) -> str:
        if self._root_path is None:
            self._root_path = site_root_path()
        relative = page_public_path(page.url_path, root=self._root_path)
        return f"{self.base_url}/{self.language}/{relative}"

    def _language_doc(self, language: Language, owner_key: str, owner_id) -> dict:
        return {
            "id": derived_id(owner_id, "language", language.code),
            owner_key: str(owner_id),
            "name": language.native_name or language.german_name,
            "code": language.code,
        }

    def _phone_doc(self, number: str, owner_key: str, owner_id, *parts) -> dict:
        return {
            "id": derived_id(owner_id, "phone", *parts),
            owner_key: str(owner_id),
            "number": number,
        }

    def _attribute(
        self, link_entity: str, link_id, term: dict, value: str | None = None
    ) -> dict:
        document = {
            "id": derived_id(link_id, "attribute", term["id"]),
            "link_id": str(link_id),
            "link_type": term["taxonomy"],
            "link_entity": link_entity,
            "taxonomy_term_id": term["id"],
            "taxonomy_term": term,
        }
        if value is not None:
            document["value"] = value
        return document

    def _property(self, link_entity: str, link_id, code: str, value: str) -> dict:
        return self._attribute(
            link_entity, link_id, self.property_term(code), value=value
        )

    # --- taxonomies -------------------------------------------------------------

    def taxonomy(self, taxonomy: Taxonomy) -> dict:
        return {
            "id": taxonomy.id,
            "name": taxonomy.name,
            "description": taxonomy.description,
            "version": HSDS_VERSION,
        }

    def taxonomies(self) -> list[dict]:
        return [self.taxonomy(t) for t in TAXONOMIES.values()]

    def term(self, term) -> dict:
        key = (type(term), term.pk)
        if key not in self._terms:
            taxonomy = TAXONOMY_BY_MODEL[type(term)]
            with self._in_language():
                name = _text(term.name)
                description = _text(getattr(term, "description", "")) or name
            self._terms[key] = {
                "id": str(term.hsds_id),
                "code": term.slug,
                "name": name,
                "description": description,
                "taxonomy": taxonomy.key,
                "taxonomy_id": taxonomy.id,
                "language": self.language,
            }
        return self._terms[key]

    def property_term(self, code: str) -> dict:
        key = (dict, code)
        if key not in self._terms:
            prop = PROPERTIES[code]
            # A machine vocabulary: its names stay English in every language.
            self._terms[key] = {
                "id": prop.id,
                "code": prop.code,
                "name": prop.name,
                "description": prop.name,
                "taxonomy": "properties",
                "taxonomy_id": TAXONOMIES["properties"].id,
                "language": "en",
            }
        return self._terms[key]

    def terms(self) -> list[dict]:
        documents = []
        for model in (Topic, TargetGroup, ResidenceStatus, District):
            documents += [self.term(term) for term in model.objects.all()]
        documents += [self.property_term(code) for code in PROPERTIES]
        return documents

    # --- organizations and locations ---------------------------------------------

    def organization(self, agency: AgencyPage) -> dict:
        if agency.pk not in self._organizations:
            oid = agency.hsds_id
            with self._in_language():
                name = _text(agency.title)
                description = _text(agency.description) or name
            document = {
                "id": str(oid),
                "name": name,
                "description": description,
                "email": agency.email,
                "website": agency.website,
                "uri": self.page_url(agency),
                "phones": (
                    [self._phone_doc(agency.phone, "organization_id", oid)]
                    if agency.phone
                    else []
                ),
                "attributes": [
                    self._property(
                        "organization", oid, "agency-type", agency.agency_type
                    )
                ],
            }
            self._organizations[agency.pk] = _drop_empty(document)
        return self._organizations[agency.pk]

    def location(self, point: ContactPointPage) -> dict:
        if point.pk not in self._locations:
            self._locations[point.pk] = self._location(point)
        return self._locations[point.pk]

    def _location(self, point: ContactPointPage) -> dict:
        lid = point.hsds_id
        with self._in_language():
            name = _text(point.title)
            transport = _text(point.transport_hint)
            accessibility_note = _text(point.accessibility_note)
            closed_note = _text(point.closed_note)
            district_name = _text(point.district.name) if point.district else ""
            slots = [self._slot(point, slot) for slot in point.opening_slots.all()]
            exceptions = [
                self._exception(point, exception)
                for exception in point.opening_exceptions.all()
            ]
        address = {
            "id": derived_id(lid, "address"),
            "location_id": str(lid),
            "address_1": point.street,
            "city": point.city,
            "region": district_name,
            "state_province": settings.HSDS_STATE_PROVINCE,
            "postal_code": point.postcode,
            "country": COUNTRY,
            "address_type": "physical",
        }
        attributes = []
        if point.district:
            attributes.append(
                self._attribute("location", lid, self.term(point.district))
            )
        attributes.append(
            self._property("location", lid, "wheelchair", point.wheelchair)
        )
        if point.has_lift:
            attributes.append(self._property("location", lid, "lift", "yes"))
        if point.has_hearing_loop:
            attributes.append(self._property("location", lid, "hearing-loop", "yes"))
        if point.temporarily_closed:
            attributes.append(
                self._property("location", lid, "temporarily-closed", closed_note)
            )
        if point.appointment_url:
            attributes.append(
                self._property(
                    "location", lid, "appointment-url", point.appointment_url
                )
            )
        document = {
            "id": str(lid),
            "location_type": "physical",
            "url": self.page_url(point),
            "organization_id": str(point.agency.hsds_id),
            "name": name,
            "transportation": transport,
            "latitude": point.latitude,
            "longitude": point.longitude,
            "languages": [
                self._language_doc(language, "location_id", lid)
                for language in sorted(point.languages.all(), key=_code)
            ],
            "addresses": [_drop_empty(address) | _required_address(address)],
            "phones": (
                [self._phone_doc(point.phone, "location_id", lid)]
                if point.phone
                else []
            ),
            "contacts": (
                [
                    {
                        "id": derived_id(lid, "contact"),
                        "location_id": str(lid),
                        "name": name,
                        "email": point.email,
                    }
                ]
                if point.email
                else []
            ),
            "accessibility": (
                [
                    {
                        "id": derived_id(lid, "accessibility"),
                        "location_id": str(lid),
                        "description": accessibility_note,
                    }
                ]
                if accessibility_note
                else []
            ),
            "schedules": slots + exceptions,
            "attributes": attributes,
        }
        return _drop_empty(document)

    def _slot(self, point: ContactPointPage, slot: OpeningSlot) -> dict:
        lid = point.hsds_id
        opens, closes = slot.opens.strftime("%H:%M"), slot.closes.strftime("%H:%M")
        return {
            "id": derived_id(lid, "slot", slot.weekday, opens, closes),
            "location_id": str(lid),
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": WEEKDAYS[slot.weekday],
            "opens_at": opens,
            "closes_at": closes,
            "attending_type": "appointment" if slot.appointment_only else "walk-in",
            "description": f"{slot.get_weekday_display()} {opens}–{closes}",
        }

    def _exception(self, point: ContactPointPage, exception: OpeningException) -> dict:
        lid = point.hsds_id
        day = exception.date.isoformat()
        document: dict[str, Any] = {
            "id": derived_id(lid, "exception", day),
            "location_id": str(lid),
            "valid_from": day,
            "valid_to": day,
            "description": _text(exception.note),
        }
        if exception.closed:
            document["attributes"] = [
                self._property("schedule", document["id"], "closed-day", "yes")
            ]
        elif exception.opens and exception.closes:  # a constraint guarantees both
            document["opens_at"] = exception.opens.strftime("%H:%M")
            document["closes_at"] = exception.closes.strftime("%H:%M")
        return _drop_empty(document)

    # --- services ---------------------------------------------------------------

    def _service_at_location(self, service_id, point: ContactPointPage) -> dict:
        location = self.location(point)
        return {
            "id": derived_id(service_id, "at", location["id"]),
            "service_id": str(service_id),
            "location_id": location["id"],
            "location": location,
        }

    def service(self, offer: OfferPage, points: dict[int, ContactPointPage]) -> dict:
        """Full service for an offer; ``points`` holds the public contact points by pk
        (hours prefetched).
        """
        sid = offer.hsds_id
        with self._in_language():
            name = _text(offer.title)
            summary = _text(offer.summary)
            # Cleaned again: text stored before imports were cleaned may hold script.
            description = str(rich_text_render(offer.description)).strip()
            fee = _text(offer.fee_description)
            how_to_apply = _text(offer.how_to_apply)
            documents = _lines(offer.required_documents)
            contacts = [
                self._contact(sid, index, person)
                for index, person in enumerate(offer.contact_persons.all())
            ]
        attributes = [
            self._attribute("service", sid, self.term(term))
            for relation in ("topics", "target_groups", "residence_statuses")
            # By slug: the order must not depend on sort orders HSDS cannot carry.
            for term in sorted(getattr(offer, relation).all(), key=lambda t: t.slug)
        ]
        if summary:
            attributes.append(self._property("service", sid, "summary", summary))
        attributes.append(self._property("service", sid, "format", offer.format))
        schedules = []
        if offer.start_date or offer.end_date:
            schedules.append(
                _drop_empty(
                    {
                        "id": derived_id(sid, "dates"),
                        "service_id": str(sid),
                        "valid_from": offer.start_date and offer.start_date.isoformat(),
                        "valid_to": offer.end_date and offer.end_date.isoformat(),
                    }
                )
            )
        document = {
            "id": str(sid),
            "organization_id": str(offer.agency.hsds_id),
            "name": name,
            "description": description or summary or name,
            "url": self.page_url(offer),
            "status": STATUS_TO_HSDS[offer.status],
            "application_process": how_to_apply,
            "fees_description": fee,
            "minimum_age": offer.min_age,
            "maximum_age": offer.max_age,
            "assured_date": offer.assured_date and offer.assured_date.isoformat(),
            # A staff address: readers of the site never see it (see settings).
            "assurer_email": (
                offer.assurer_email if settings.HSDS_PUBLISH_ASSURER_EMAIL else ""
            ),
            "last_modified": timestamp_iso(
                offer.last_published_at or offer.latest_revision_created_at
            ),
            "organization": self.organization(offer.agency),
            "service_at_locations": sorted(
                (
                    self._service_at_location(sid, points[point.pk])
                    for point in offer.contact_points.all()
                    if point.pk in points
                ),
                key=lambda link: link["location_id"],
            ),
            "languages": [
                self._language_doc(language, "service_id", sid)
                for language in sorted(offer.languages.all(), key=_code)
            ],
            "cost_options": (
                [
                    {
                        "id": derived_id(sid, "cost", "free"),
                        "service_id": str(sid),
                        "option": "free",
                        "amount": 0,
                        "currency": "EUR",
                    }
                ]
                if offer.is_free
                else []
            ),
            "required_documents": [
                {
                    "id": derived_id(sid, "document", index),
                    "service_id": str(sid),
                    "document": line,
                }
                for index, line in enumerate(documents)
            ],
            "schedules": schedules,
            "contacts": contacts,
            "attributes": attributes,
        }
        return _drop_empty(document)

    def _contact(self, service_id, index: int, person: ContactPerson) -> dict:
        cid = derived_id(service_id, "contact", index)
        return _drop_empty(
            {
                "id": cid,
                "service_id": str(service_id),
                "name": person.name,
                "title": _text(person.role),
                "email": person.email,
                "phones": (
                    [self._phone_doc(person.phone, "contact_id", cid)]
                    if person.phone
                    else []
                ),
            }
        )

    def responsibility_service(
        self,
        rule: Responsibility,
        agencies: dict[int, AgencyPage],
        points: dict[int, ContactPointPage],
    ) -> dict:
        """A finder rule as a service: its criteria are attributes, its area a
        service area.
        """
        sid = rule.hsds_id
        with self._in_language():
            name = _text(rule.title)
            explanation = _text(rule.explanation)
            documents = _lines(rule.what_to_bring)
        attributes = [self._property("service", sid, "responsibility", "yes")]
        for term in (
            rule.topic,
            rule.residence_status,
            rule.target_group,
            rule.district,
        ):
            if term is not None:
                attributes.append(self._attribute("service", sid, self.term(term)))
        agency = agencies[rule.agency_id]
        document = {
            "id": str(sid),
            "organization_id": str(agency.hsds_id),
            "name": name,
            "description": explanation or name,
            "status": "active",
            "last_modified": timestamp_iso(rule.updated_at),
            "organization": self.organization(agency),
            "service_areas": (
                [
                    {
                        "id": derived_id(sid, "area"),
                        "service_id": str(sid),
                        "name": self.term(rule.district)["name"],
                    }
                ]
                if rule.district
                else []
            ),
            "service_at_locations": (
                [self._service_at_location(sid, points[rule.contact_point_id])]
                if rule.contact_point_id in points
                else []
            ),
            "required_documents": [
                {
                    "id": derived_id(sid, "document", index),
                    "service_id": str(sid),
                    "document": line,
                }
                for index, line in enumerate(documents)
            ],
            "attributes": attributes,
        }
        return _drop_empty(document)


def _required_address(address: dict) -> dict:
    """The schema requires these address fields even when we do not know them."""
    return {key: address.get(key) or "" for key in ("address_1", "city", "postal_code")}


def services_all(documents: Documents, *, offers: Iterable[OfferPage] | None = None):
    """Every public offer and responsibility as a full service document, in a
    stable order (offers by tree position, then rules).
    """
    points = {
        point.pk: point for point in public_contact_points().select_related("agency")
    }
    agencies = {agency.pk: agency for agency in public_agencies()}
    for offer in offers if offers is not None else public_offers():
        offer.agency = agencies.get(offer.agency_id, offer.agency)
        yield documents.service(offer, points)
    if offers is None:
        for rule in public_responsibilities():
            yield documents.responsibility_service(rule, agencies, points)


def one_to_one(document: dict) -> dict:
    """``document`` with its one-to-one fields only, as HSDS list endpoints give it:
    arrays dropped, nested objects (a service's organization) reduced the same way.
    """
    return {
        key: one_to_one(value) if isinstance(value, dict) else value
        for key, value in document.items()
        if not isinstance(value, list)
    }


def terms_used_by(service: dict) -> dict[str, dict]:
    """Taxonomy terms a service document refers to, by id."""
    found: dict[str, dict] = {}

    def visit(value):
        if isinstance(value, dict):
            if "taxonomy_term" in value:
                found[value["taxonomy_term"]["id"]] = value["taxonomy_term"]
            for child in value.values():
                visit(child)
        elif isinstance(value, list):
            for child in value:
                visit(child)

    visit(service)
    return found
