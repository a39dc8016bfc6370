"""Calendar files for readers: a contact point's opening hours, an offer's days or
hours, an agency's places. Only what the public may see; anything else is a 404.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext

from . import selectors
from .calendar import (
    Event,
    Period,
    calendar_document,
    offer_dates_event,
    offer_has_events,
    opening_hours_events,
)
from .models import AgencyPage, ContactPointPage, OfferPage
from .seo import absolute


def _absolute_url(request: HttpRequest, page) -> str:
    """The page's public address (``SITE_URL``, never the request's host)."""
    parts = page.get_url_parts(request)
    return absolute(parts[2]) if parts else ""


def _point_events(request: HttpRequest, point: ContactPointPage, **options) -> list:
    return opening_hours_events(
        point,
        url=options.pop("url", None) or _absolute_url(request, point),
        slots=list(point.opening_slots.all()),
        exceptions=list(point.opening_exceptions.all()),
        **options,
    )


def _response(*, name: str, slug: str, events: list[Event]) -> HttpResponse:
    response = HttpResponse(
        calendar_document(name=name, events=events),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}.ics"'
    return response


def contact_point_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact point's weekly opening hours, closed days and special hours."""
    point = selectors.contact_points_with_hours(
        selectors.visible_contact_points().filter(pk=pk)
    ).first()
    if point is None:
        raise Http404(gettext("There is no such place."))
    return _response(
        name=point.title, slug=point.slug, events=_point_events(request, point)
    )


def offer_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """A dated offer's days, or the hours of its places (limited to its days).

    The hours are timed weekly events; an offer with dates and no hours gets one
    all-day event from its first to its last day. A temporarily closed offer, or
    one whose days have passed, has none.
    """
    offer = OfferPage.objects.visible().filter(pk=pk).first()
    if offer is None:
        raise Http404(gettext("There is no such offer."))
    url = _absolute_url(request, offer)
    points = selectors.contact_points_with_hours(
        selectors.visible_contact_points().filter(offers=offer).order_by("title")
    )
    period = Period(first=offer.start_date, last=offer.end_date)
    events: list[Event] = []
    for point in points if offer_has_events(offer) else ():
        events.extend(
            _point_events(
                request,
                point,
                url=url,
                summary=f"{offer.title} – {point.title}",
                uid_prefix=f"{offer.hsds_id}-{point.hsds_id}",
                period=period,
            )
        )
    if not events:
        dates = offer_dates_event(offer, url=url)
        events = [dates] if dates is not None else []
    return _response(name=offer.title, slug=offer.slug, events=events)


def agency_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The opening hours of all the agency's visible contact points."""
    agency = AgencyPage.objects.visible().filter(pk=pk).first()
    if agency is None:
        raise Http404(gettext("There is no such agency."))
    points = selectors.contact_points_with_hours(
        selectors.visible_contact_points().child_of(agency).order_by("title")
    )
    events: list[Event] = []
    for point in points:
        events.extend(_point_events(request, point))
    return _response(name=agency.title, slug=agency.slug, events=events)
