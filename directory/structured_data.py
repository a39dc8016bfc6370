"""schema.org JSON-LD for the public pages, as plain dicts: an offer is a
``Service``, a contact point a ``GovernmentOffice`` (public authorities) or a
``Place``, an agency an ``Organization``. Only what a reader may see goes in.
"""

import json
from datetime import date, time

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from .models import AgencyPage, ContactPointPage, OfferPage, OpeningException

CONTEXT = "https://schema.org"
DAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
# The country of every address (we do not store it per address).
COUNTRY = "DE"

# Inside <script> the HTML parser looks for "</script" and "<!--" only; escaping
# these three in the JSON text keeps any title from ending the element early
# (the same escapes as Django's json_script).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(data: dict) -> SafeString:
    """``data`` as a ``<script type="application/ld+json">`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(  # noqa: S308 - the JSON text is escaped above
        '<script type="application/ld+json">'
        + text.translate(_SCRIPT_ESCAPES)
        + "</script>"
    )


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _compact(data: dict) -> dict:
    """Without empty values (schema.org has no use for "" or [])."""
    return {key: value for key, value in data.items() if value not in ("", None, [])}


def day_url(weekday: int) -> str:
    """Our weekday (0 = Monday, as ``date.weekday()``) as a schema.org DayOfWeek."""
    return f"{CONTEXT}/{DAYS[weekday]}"


def opening_hours(slots, exceptions=(), *, today: date | None = None) -> list[dict]:
    """OpeningHoursSpecification for the weekly slots a visitor can walk in at (an
    appointment-only slot would send people to a closed door) and for the coming
    exceptions: a closed day has opens = closes = 00:00, as search engines expect.
    """
    hours = [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": day_url(slot.weekday),
            "opens": _clock(slot.opens),
            "closes": _clock(slot.closes),
        }
        for slot in slots
        if not slot.appointment_only
    ]
    for exception in exceptions:
        if today is not None and exception.date < today:
            continue
        closed = exception.closed or exception.opens is None or exception.closes is None
        hours.append(
            {
                "@type": "OpeningHoursSpecification",
                "validFrom": exception.date.isoformat(),
                "validThrough": exception.date.isoformat(),
                "opens": "00:00" if closed else _clock(exception.opens),
                "closes": "00:00" if closed else _clock(exception.closes),
            }
        )
    return hours


def postal_address(point: ContactPointPage) -> dict:
    return _compact(
        {
            "@type": "PostalAddress",
            "streetAddress": point.street,
            "postalCode": point.postcode,
            "addressLocality": point.city,
            "addressRegion": getattr(settings, "HSDS_STATE_PROVINCE", ""),
            "addressCountry": COUNTRY,
        }
    )


def _language(language) -> dict:
    return _compact(
        {
            "@type": "Language",
            "name": language.native_name or language.german_name,
            "alternateName": language.code,
        }
    )


def contact_point_type(point: ContactPointPage, agency: AgencyPage | None) -> str:
    if agency is not None and agency.agency_type == AgencyPage.Type.AUTHORITY:
        return "GovernmentOffice"
    return "Place"


def contact_point_place(
    *,
    point: ContactPointPage,
    agency: AgencyPage | None,
    url: str,
    slots=(),
    exceptions: list[OpeningException] | tuple = (),
    languages=(),
    agency_url: str = "",
    today: date | None = None,
) -> dict:
    """A contact point: where it is, how to reach it, when it is open.

    A ``GovernmentOffice`` (a LocalBusiness, so also an Organization) takes email,
    languages and its authority as parent organization; a plain ``Place`` has no
    such properties.
    """
    kind = contact_point_type(point, agency)
    data: dict = {
        "@context": CONTEXT,
        "@type": kind,
        "name": point.title,
        "url": url,
        "address": postal_address(point) if point.address_line else None,
        "telephone": point.phone,
    }
    if point.latitude is not None and point.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": point.latitude,
            "longitude": point.longitude,
        }
    if not point.temporarily_closed:
        data["openingHoursSpecification"] = opening_hours(
            slots, exceptions, today=today
        )
    if point.wheelchair in ("yes", "no"):
        data["amenityFeature"] = [
            {
                "@type": "LocationFeatureSpecification",
                "name": "wheelchair accessible",
                "value": point.wheelchair == "yes",
            }
        ]
    if kind == "GovernmentOffice":
        data["email"] = point.email
        data["knowsLanguage"] = [_language(language) for language in languages]
        if agency is not None:
            data["parentOrganization"] = _compact(
                {
                    "@type": "GovernmentOrganization",
                    "name": agency.title,
                    "url": agency_url,
                }
            )
    return _compact(data)


def organization(
    *,
    agency: AgencyPage,
    url: str,
    logo_url: str = "",
    description: str = "",
) -> dict:
    """An agency: ``GovernmentOrganization`` for public authorities, else
    ``Organization``; its own website is ``sameAs``."""
    kind = (
        "GovernmentOrganization"
        if agency.agency_type == AgencyPage.Type.AUTHORITY
        else "Organization"
    )
    contact = _compact(
        {
            "@type": "ContactPoint",
            "contactType": "customer service",
            "telephone": agency.phone,
            "email": agency.email,
        }
    )
    return _compact(
        {
            "@context": CONTEXT,
            "@type": kind,
            "name": agency.title,
            "url": url,
            "description": description,
            "logo": logo_url,
            "email": agency.email,
            "telephone": agency.phone,
            "sameAs": [agency.website] if agency.website else [],
            "contactPoint": [contact] if len(contact) > 1 else [],
        }
    )


def service(
    *,
    offer: OfferPage,
    url: str,
    agency: AgencyPage | None,
    agency_url: str = "",
    topics=(),
    target_groups=(),
    languages=(),
    places: list[dict] | tuple = (),
    hours: list[dict] | tuple = (),
) -> dict:
    """An offer as a schema.org ``Service``.

    ``places`` are the dicts of its visible contact points (``contact_point_place``);
    ``hours`` are given when the offer takes place at exactly one of them.
    """
    districts = {
        place["address"]["addressLocality"]
        for place in places
        if place.get("address", {}).get("addressLocality")
    }
    price: dict = {"@type": "Offer", "price": "0", "priceCurrency": "EUR"}
    if not offer.is_free:
        price = _compact(
            {"@type": "Offer", "description": offer.fee_description or None}
        )
    # schema.org puts the languages on the channel, not on the Service: one channel
    # per place it takes place at, or one for the offer's page when it has none.
    spoken = [_language(language) for language in languages]
    channels = [
        _compact(
            {
                "@type": "ServiceChannel",
                "serviceLocation": {
                    key: value for key, value in place.items() if key != "@context"
                },
                "availableLanguage": spoken,
            }
        )
        for place in places
    ] or (
        [{"@type": "ServiceChannel", "serviceUrl": url, "availableLanguage": spoken}]
        if spoken
        else []
    )
    return _compact(
        {
            "@context": CONTEXT,
            "@type": "Service",
            "name": offer.title,
            "description": offer.summary,
            "url": url,
            "identifier": str(offer.hsds_id),
            "provider": _compact(
                {
                    "@type": (
                        "GovernmentOrganization"
                        if agency is not None
                        and agency.agency_type == AgencyPage.Type.AUTHORITY
                        else "Organization"
                    ),
                    "name": agency.title,
                    "url": agency_url,
                }
            )
            if agency is not None
            else None,
            "serviceType": topics[0].name if topics else "",
            "category": [topic.name for topic in topics],
            "audience": [
                {"@type": "Audience", "audienceType": group.name}
                for group in target_groups
            ],
            "areaServed": [
                {"@type": "City", "name": name} for name in sorted(districts)
            ],
            "availableChannel": channels,
            "hoursAvailable": list(hours),
            "offers": price,
        }
    )


def website(*, name: str, url: str, language: str, description: str = "") -> dict:
    """The home page: the site itself."""
    return _compact(
        {
            "@context": CONTEXT,
            "@type": "WebSite",
            "name": name,
            "url": url,
            "inLanguage": language,
            "description": description,
        }
    )
