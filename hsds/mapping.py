"""HSDS records mapped to our page fields: pure functions, one per kind of record.

Each mapper takes one schema-checked HSDS document and returns a frozen value that
says what the record asks of our pages, without reading or writing the database.
References to other records (an organization, a location, a taxonomy term) stay
HSDS ids here; the writer (``hsds.writer``) looks them up.

A value the file cannot give us (not a date, a missing code, overlapping hours)
raises ``RecordError`` naming the field: the importer reports the record as
skipped. Any other exception is a bug of ours and is not caught.

``KEEP`` marks a field the document does not carry: the page keeps what it has (a
brief document updates only what it holds; a full one, with its arrays, sets all).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any, Final, TypeAlias, TypeVar

from django.conf import settings
from django.utils import timezone
from django.utils.html import linebreaks

from directory.models import AgencyPage, OfferPage, Topic
from directory.models.pages import Accessibility, slots_overlap
from directory.sanitise import plain_text_clean, rich_text_clean

from .vocabulary import (
    PROPERTY_BY_ID,
    STATUS_FROM_HSDS,
    TAXONOMIES,
    TAXONOMY_BY_ID,
    WEEKDAYS,
    Term,
)


class RecordError(ValueError):
    """This record cannot be imported; the message names the field."""


class _Keep(Enum):
    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep.KEEP
T = TypeVar("T")
Kept: TypeAlias = T | _Keep  # a value to set, or KEEP


# --- values ------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedTerm:
    """A taxonomy term; ``model`` is where a new one goes (Topic when unknown)."""

    id: str
    name: str
    code: str
    description: str
    model: type[Term]


@dataclass(frozen=True)
class TermRef:
    """A term an attribute names: by id, with the term itself when nested."""

    id: str
    where: str
    term: MappedTerm | None = None


@dataclass(frozen=True)
class Attributes:
    """A record's attributes: our properties ({code: value}) and its terms."""

    properties: dict[str, str]
    terms: tuple[TermRef, ...]


@dataclass(frozen=True)
class MappedOrganization:
    id: str
    name: str
    slug_wanted: str
    description: str
    email: str
    website: str
    phone: Kept[str]
    agency_type: Kept[str]
    attributes: Attributes


@dataclass(frozen=True)
class Owner:
    """The organization a service or location belongs to: nested in the record,
    or named by id. Neither: an agency must be given to the import.
    """

    organization: MappedOrganization | None = None
    id: str | None = None
    where: str = ""


@dataclass(frozen=True)
class Language:
    code: str
    name: str


@dataclass(frozen=True)
class Hours:
    slots: frozenset[tuple[int, time, time, bool]]  # weekday, opens, closes, by appt.
    # date: (closed, opens, closes, note)
    exceptions: dict[date, tuple[bool, time | None, time | None, str]]


@dataclass(frozen=True)
class LocationAttributes:
    terms: tuple[TermRef, ...]
    wheelchair: str
    has_lift: bool
    has_hearing_loop: bool
    temporarily_closed: bool
    closed_note: str
    appointment_url: str


@dataclass(frozen=True)
class MappedLocation:
    id: str
    name: str
    slug_wanted: str
    organization_id: str | None  # as the document gives it
    street: Kept[str]
    postcode: Kept[str]
    city: Kept[str]
    transport_hint: str
    latitude: float | None
    longitude: float | None
    phone: Kept[str]
    email: Kept[str]
    accessibility_note: Kept[str]
    attributes: Kept[LocationAttributes]
    languages: tuple[Language, ...] | None  # None: leave them
    hours: Kept[Hours]
    notes: tuple[str, ...]  # imported anyway, with these remarks


@dataclass(frozen=True)
class LocationLink:
    """One of a service's places: a nested location, or an id of a known one."""

    where: str
    location: MappedLocation | None = None
    location_id: str | None = None


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    email: str
    phone: str


@dataclass(frozen=True)
class MappedOffer:
    id: str
    owner: Owner | None  # None: the import's agency
    links: tuple[LocationLink, ...]
    attributes: Attributes
    full: bool  # carries its places: the offer takes place exactly there
    title: str
    slug_wanted: str
    summary: Kept[str]
    description: str  # rich text, cleaned
    status: str
    how_to_apply: Kept[str]
    is_free: Kept[bool]
    fee_description: Kept[str]
    min_age: Kept[int | None]
    max_age: Kept[int | None]
    assured_date: Kept[date | None]
    assurer_email: Kept[str]
    format: Kept[str]
    required_documents: Kept[str]
    start_date: Kept[date | None]
    end_date: Kept[date | None]
    set_terms: bool  # topics, target groups, residence statuses from the attributes
    languages: tuple[Language, ...] | None
    contacts: tuple[Contact, ...] | None  # None: leave them
    contact_roles: tuple[str, ...]  # their roles, for a translation
    last_modified: datetime | None


@dataclass(frozen=True)
class MappedResponsibility:
    """A service with the "responsibility" property: who is responsible for what."""

    id: str
    owner: Owner | None
    links: tuple[LocationLink, ...]
    attributes: Attributes
    title: str
    explanation: str
    what_to_bring: str
    last_modified: datetime | None


# --- small readers -----------------------------------------------------------------


def text(document: dict, key: str) -> str:
    value = document.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key}: expected text, got {value!r}")
    return value.strip()


def uuid_text(value, where: str) -> str:
    """``value`` as a UUID in its canonical text form."""
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise RecordError(f"{where}: {value!r} is not a UUID") from None


def uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def date_value(value, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RecordError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def time_value(value, where: str) -> time | None:
    if value in (None, ""):
        return None
    try:
        return time.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        raise RecordError(f"{where}: {value!r} is not a time (HH:MM)") from None


def age_value(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"{where}: {value!r} is not a number")
    if not 0 <= value <= 150 or int(value) != value:  # also refuses NaN
        raise RecordError(f"{where}: {value!r} is not an age in whole years")
    return int(value)


def timestamp_value(value) -> datetime | None:
    """``last_modified``: a date we do not understand is no date (not a problem)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed.replace(microsecond=0)


def html(value: str) -> str:
    """HSDS descriptions may be HTML or plain text; rich text wants HTML, holding
    only what our rich-text fields allow.
    """
    if not value:
        return value
    if re.search(r"<[a-zA-Z/!][^>]*>", value):
        return rich_text_clean(value)
    return linebreaks(value, autoescape=True)


def lines(items: list[dict], key: str) -> str:
    return "\n".join(
        str(item.get(key)).strip() for item in items if str(item.get(key) or "").strip()
    )


def phone_value(phones: list, where: str) -> str:
    for phone in phones:
        number = str(phone.get("number") or "").strip().strip('"')
        if number:
            if len(number) > 40:
                raise RecordError(f"{where}.number: {number!r} is too long")
            return number
    return ""


def slug_from_url(url: str) -> str:
    """Our own page links end in the page's slug: keep it, so URLs survive a
    round trip.
    """
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    if not url.startswith(base + "/"):
        return ""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return last if re.fullmatch(r"[-a-z0-9_]{1,80}", last) else ""


def property_code(term: dict) -> str | None:
    """The code of one of our properties this term document is, else None."""
    if not isinstance(term, dict):
        return None
    prop = PROPERTY_BY_ID.get(str(term.get("id")))
    if prop:
        return prop.code
    if term.get("taxonomy_id") == TAXONOMIES["properties"].id:
        return str(term.get("code") or "") or None
    return None


def _address(addresses: list) -> dict:
    for kind in ("physical", "postal", "virtual"):
        for address in addresses:
            if address.get("address_type") == kind:
                return address
    return addresses[0] if addresses else {}


def _coordinates_valid(latitude, longitude) -> bool:
    numbers = all(
        isinstance(v, (int, float)) and not isinstance(v, bool)
        for v in (latitude, longitude)
    )
    return numbers and -90 <= latitude <= 90 and -180 <= longitude <= 180


def _kept(carried: bool, value: Any) -> Any:
    return value if carried else KEEP


# --- mappers -----------------------------------------------------------------------


def term_map(document: dict) -> MappedTerm:
    tid = uuid_text(document.get("id"), "taxonomy_term.id")
    name = plain_text_clean(text(document, "name"))
    if not name:
        raise RecordError(f"taxonomy term {tid}: name is missing")
    taxonomy = TAXONOMY_BY_ID.get(str(document.get("taxonomy_id")))
    if taxonomy is None:
        taxonomy = TAXONOMIES.get(str(document.get("taxonomy") or ""))
    return MappedTerm(
        id=tid,
        name=name,
        code=text(document, "code"),
        description=text(document, "description"),
        model=taxonomy.model if taxonomy and taxonomy.model else Topic,
    )


def attributes_map(document: dict) -> Attributes:
    properties: dict[str, str] = {}
    terms = []
    for position, attribute in enumerate(document.get("attributes") or []):
        where = f"attributes[{position}]"
        term_document = attribute.get("taxonomy_term") or {}
        term_id = attribute.get("taxonomy_term_id") or term_document.get("id")
        prop = PROPERTY_BY_ID.get(str(term_id)) or PROPERTY_BY_ID.get(
            str(property_code(term_document) or "")
        )
        code = property_code(term_document) or (prop.code if prop else None)
        if code:
            properties[code] = str(attribute.get("value") or "")
        elif term_document:
            term = term_map({"id": term_id, **term_document})
            terms.append(TermRef(id=term.id, where=where, term=term))
        else:
            tid = uuid_text(term_id, f"{where}.taxonomy_term_id")
            terms.append(TermRef(id=tid, where=where))
    return Attributes(properties=properties, terms=tuple(terms))


def organization_map(document: dict) -> MappedOrganization:
    oid = uuid_text(document.get("id"), "organization.id")
    name = plain_text_clean(text(document, "name"))
    description = text(document, "description")
    attributes = attributes_map(document)
    kind = attributes.properties.get("agency-type")
    return MappedOrganization(
        id=oid,
        name=name,
        slug_wanted=slug_from_url(text(document, "uri")) or name,
        description="" if description == name else description,
        email=text(document, "email"),
        website=text(document, "website"),
        phone=_kept(
            "phones" in document, phone_value(document.get("phones") or [], "phones")
        ),
        agency_type=kind if kind in AgencyPage.Type.values else KEEP,
        attributes=attributes,
    )


def owner_map(document: dict, *, where: str) -> Owner:
    """The organization ``document`` (a service or location) belongs to.

    Raises ``RecordError`` when it names none: call it only when the import has
    no agency of its own.
    """
    nested = document.get("organization")
    if isinstance(nested, dict) and nested.get("name"):
        return Owner(organization=organization_map(nested))
    oid = document.get("organization_id") or (nested or {}).get("id")
    if oid:
        return Owner(id=uuid_text(oid, f"{where}.organization_id"), where=where)
    raise RecordError(f"{where}: no organization; include one or import with --agency")


def languages_map(documents: list | None) -> tuple[Language, ...] | None:
    if documents is None:
        return None
    found = []
    for position, item in enumerate(documents):
        code = str(item.get("code") or "").strip().lower()
        if not code:
            raise RecordError(f"languages[{position}].code is missing")
        name = plain_text_clean(str(item.get("name") or code))[:60]
        found.append(Language(code=code, name=name))
    return tuple(found)


def hours_map(schedules: list) -> tuple[Hours, list[str]]:
    """Weekly slots and single-day exceptions of a place, and notes on schedules
    left out.
    """
    slots, exceptions, notes = set(), {}, []
    for position, schedule in enumerate(schedules):
        where = f"schedules[{position}]"
        opens = time_value(schedule.get("opens_at"), f"{where}.opens_at")
        closes = time_value(schedule.get("closes_at"), f"{where}.closes_at")
        days = [d.strip().upper() for d in str(schedule.get("byday") or "").split(",")]
        days = [d[-2:] for d in days if d]
        valid_from = date_value(schedule.get("valid_from"), f"{where}.valid_from")
        valid_to = date_value(schedule.get("valid_to"), f"{where}.valid_to")
        if days:
            if opens is None or closes is None or closes <= opens:
                raise RecordError(
                    f"{where}: weekly hours need opens_at before closes_at"
                )
            appointment = schedule.get("attending_type") == "appointment"
            for day in days:
                if day not in WEEKDAYS:
                    raise RecordError(f"{where}.byday: {day!r} is not a weekday")
                slots.add((WEEKDAYS.index(day), opens, closes, appointment))
        elif valid_from and valid_from == valid_to:
            properties = attributes_map(schedule).properties
            closed = "closed-day" in properties or opens is None
            if opens is not None and not closed and (closes is None or closes <= opens):
                raise RecordError(f"{where}: special hours need a later closes_at")
            exceptions[valid_from] = (
                closed,
                None if closed else opens,
                None if closed else closes,
                plain_text_clean(str(schedule.get("description") or ""))[:200],
            )
        else:
            notes.append(f"{where}: neither weekly hours nor a single day; left out")
    clashes = slots_overlap([(d, o, c) for d, o, c, _a in slots])
    if clashes:
        first, second = clashes[0]
        raise RecordError(
            f"schedules: opening hours overlap on {WEEKDAYS[first[0]]}: "
            f"{first[1]:%H:%M}–{first[2]:%H:%M} and {second[1]:%H:%M}–"
            f"{second[2]:%H:%M}"
        )
    return Hours(slots=frozenset(slots), exceptions=exceptions), notes


def location_map(document: dict) -> MappedLocation:
    lid = uuid_text(document.get("id"), "location.id")
    full = "addresses" in document
    address = _address(document.get("addresses") or [])
    name = (
        plain_text_clean(text(document, "name") or str(address.get("address_1") or ""))
        or "Anlaufstelle"
    )
    notes = []
    latitude, longitude = document.get("latitude"), document.get("longitude")
    if not _coordinates_valid(latitude, longitude):
        if latitude is not None or longitude is not None:
            notes.append(
                f"location {lid}: latitude/longitude {latitude}, {longitude} are "
                "not valid coordinates; left out"
            )
        latitude = longitude = None
    has_address = full or bool(address)
    street = ", ".join(
        part for part in (address.get("address_1"), address.get("address_2")) if part
    )
    emails = [c.get("email") for c in document.get("contacts") or [] if c.get("email")]
    accessibility = [
        a.get("description") for a in document.get("accessibility") or [] if a
    ]
    attributes: Kept[LocationAttributes] = KEEP
    if full or "attributes" in document:
        found = attributes_map(document)
        properties = found.properties
        wheelchair = properties.get("wheelchair", Accessibility.UNKNOWN)
        attributes = LocationAttributes(
            terms=found.terms,
            wheelchair=(
                wheelchair
                if wheelchair in Accessibility.values
                else Accessibility.UNKNOWN
            ),
            has_lift="lift" in properties,
            has_hearing_loop="hearing-loop" in properties,
            temporarily_closed="temporarily-closed" in properties,
            closed_note=properties.get("temporarily-closed", ""),
            appointment_url=properties.get("appointment-url", ""),
        )
    hours: Kept[Hours] = KEEP
    if full or "schedules" in document:
        hours, hour_notes = hours_map(document.get("schedules") or [])
        notes += hour_notes
    oid = document.get("organization_id")
    return MappedLocation(
        id=lid,
        name=name,
        slug_wanted=slug_from_url(text(document, "url")) or name,
        organization_id=str(oid) if oid else None,
        street=_kept(has_address, street),
        postcode=_kept(has_address, str(address.get("postal_code") or "")),
        city=_kept(has_address, str(address.get("city") or "")),
        transport_hint=text(document, "transportation"),
        latitude=latitude,
        longitude=longitude,
        phone=_kept(
            full or "phones" in document,
            phone_value(document.get("phones") or [], "phones"),
        ),
        email=_kept(full or "contacts" in document, emails[0] if emails else ""),
        accessibility_note=_kept(
            full or "accessibility" in document,
            "\n".join(note for note in accessibility if note),
        ),
        attributes=attributes,
        languages=languages_map(document.get("languages")),
        hours=hours,
        notes=tuple(notes),
    )


def _links_map(document: dict) -> tuple[LocationLink, ...]:
    links = []
    for position, link in enumerate(document.get("service_at_locations") or []):
        where = f"service_at_locations[{position}]"
        location = link.get("location")
        if isinstance(location, dict):
            links.append(LocationLink(where=where, location=location_map(location)))
        else:
            lid = uuid_text(link.get("location_id"), "location_id")
            links.append(LocationLink(where=where, location_id=lid))
    return tuple(links)


def _contacts_map(documents: list) -> tuple[Contact, ...]:
    found = []
    for item in documents:
        name = str(item.get("name") or item.get("title") or item.get("email") or "")
        name = plain_text_clean(name.strip())
        if name:
            found.append(
                Contact(
                    name=name[:120],
                    role=plain_text_clean(str(item.get("title") or "").strip())[:120],
                    email=str(item.get("email") or "").strip(),
                    phone=phone_value(item.get("phones") or [], "contacts.phones"),
                )
            )
    return tuple(found)


def service_map(
    document: dict, *, owned: bool = True
) -> MappedOffer | MappedResponsibility:
    """An offer, or a responsibility when the service has that property.

    ``owned=False``: the import puts everything under its own agency, so the
    service's organization is not read.
    """
    attributes = attributes_map(document)
    owner = owner_map(document, where="service") if owned else None
    links = _links_map(document)
    sid = uuid_text(document.get("id"), "service.id")
    name = plain_text_clean(text(document, "name"))
    when = timestamp_value(document.get("last_modified"))
    if "responsibility" in attributes.properties:
        explanation = text(document, "description")
        return MappedResponsibility(
            id=sid,
            owner=owner,
            links=links,
            attributes=attributes,
            title=name,
            explanation="" if explanation == name else explanation,
            what_to_bring=lines(document.get("required_documents") or [], "document"),
            last_modified=when,
        )
    full = "service_at_locations" in document
    properties = attributes.properties
    summary = properties.get("summary", "")
    description = text(document, "description")
    if description in (name, summary):
        description = ""
    fee = text(document, "fees_description") or text(document, "fees")
    costs = document.get("cost_options")
    free = any(c.get("amount") == 0 for c in costs or []) or (not costs and not fee)
    if not free and not fee:
        fee = "; ".join(
            " ".join(
                str(part)
                for part in (c.get("option"), c.get("amount"), c.get("currency"))
                if part not in (None, "")
            )
            for c in costs or []
        )
    costs_carried = costs is not None or bool(fee) or full
    start = end = None
    for position, schedule in enumerate(document.get("schedules") or []):
        if not schedule.get("byday"):
            where = f"schedules[{position}]"
            start = date_value(schedule.get("valid_from"), f"{where}.valid_from")
            end = date_value(schedule.get("valid_to"), f"{where}.valid_to")
    ages = {
        key: _kept(full or key in document, age_value(document.get(key), key))
        for key in ("minimum_age", "maximum_age")
    }
    contacts = document.get("contacts")
    kind = properties.get("format")
    return MappedOffer(
        id=sid,
        owner=owner,
        links=links,
        attributes=attributes,
        full=full,
        title=name,
        slug_wanted=slug_from_url(text(document, "url")) or name,
        summary=_kept(full or "summary" in properties, summary),
        description=html(description),
        status=STATUS_FROM_HSDS.get(text(document, "status"), "active"),
        how_to_apply=_kept(
            full or "application_process" in document,
            text(document, "application_process"),
        ),
        is_free=_kept(costs_carried, free),
        fee_description=_kept(costs_carried, fee),
        min_age=ages["minimum_age"],
        max_age=ages["maximum_age"],
        assured_date=_kept(
            full or "assured_date" in document,
            date_value(document.get("assured_date"), "assured_date"),
        ),
        # Our own export leaves it out (a staff address): absent is not empty.
        assurer_email=_kept(
            "assurer_email" in document, text(document, "assurer_email")
        ),
        format=kind if kind in OfferPage.Format.values else KEEP,
        required_documents=_kept(
            full or "required_documents" in document,
            lines(document.get("required_documents") or [], "document"),
        ),
        start_date=_kept(full or "schedules" in document, start),
        end_date=_kept(full or "schedules" in document, end),
        set_terms=full or "attributes" in document,
        languages=languages_map(document.get("languages")),
        contacts=None if contacts is None else _contacts_map(contacts),
        contact_roles=tuple(str(c.get("title") or "").strip() for c in contacts or []),
        last_modified=when,
    )
