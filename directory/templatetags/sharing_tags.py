"""Template helpers for sharing and printing: the page's own address, a QR code of
it (SVG made here, no image request), ``geo:`` links, calendar addresses.
"""

import hashlib
from urllib.parse import quote, urlencode

import qrcode
import qrcode.constants
from django import template
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..calendar import offer_days, offer_has_events
from ..models import AgencyPage, ContactPointPage, OfferPage
from ..seo import absolute

register = template.Library()

# The list filters of the search form (search/forms.py) and the topic pages that a
# shared or printed list keeps, so that it shows the same offers; anything else
# (tracking such as utm_* or fbclid, the reader's coordinates, page sizes) is left
# out of the address. The free text is cut to keep the QR code easy to scan.
SHARED_PARAMETERS = (
    "q",
    "topic",
    "target_group",
    "residence_status",
    "district",
    "language",
    "free",
    "format",
    "wheelchair",
    "open_now",
    "open_on",
    "near",
    "sort",
    "page",
)
MAX_SHARED_QUERY = 100
MAX_SHARED_VALUES = 10  # per parameter (?topic=a&topic=b…)
# Longer addresses make QR codes too dense to scan from paper: the filters of a
# list longer than this are left out of the shared and printed address.
MAX_SHARED_ADDRESS = 400
# Kept this long in the shared cache; the same address always gives the same code.
QR_CACHE_SECONDS = 60 * 60 * 24


def shared_address(request: HttpRequest) -> str:
    """The public address (``SITE_URL``, never the request's host) of the page a
    reader sees, with only the list filters of ``SHARED_PARAMETERS``."""
    query: list[tuple[str, str]] = []
    for name in SHARED_PARAMETERS:
        values = [v for v in request.GET.getlist(name) if v][:MAX_SHARED_VALUES]
        if name == "q":
            values = [v.strip()[:MAX_SHARED_QUERY] for v in values[-1:]]
        query.extend((name, value) for value in values if value)
    address = absolute(request.path)
    if not query:
        return address
    with_query = f"{address}?{urlencode(query)}"
    return with_query if len(with_query) <= MAX_SHARED_ADDRESS else address


@register.simple_tag(takes_context=True)
def absolute_page_url(context) -> str:
    """The public address of the page being shown, with its list filters."""
    request = context.get("request")
    if request is None:
        return ""
    return shared_address(request)


def qr_path(data: str) -> tuple[int, str]:
    """(size in modules, SVG path data) of a QR code for ``data``: each run of dark
    modules in a row is one stroke of width 1, moved to relatively (about 1-2 kB
    for a page's address). Kept in the shared cache: making one takes 20-50 ms.
    """
    key = "qr:" + hashlib.sha256(data.encode()).hexdigest()
    found = cache.get(key)
    if found is not None:
        return found[0], found[1]
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    commands = []
    for y, row in enumerate(matrix):
        x, end = 0, None  # end: where the pen stopped in this row
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            move = f"M{start} {y}.5" if end is None else f"m{start - end} 0"
            commands.append(f"{move}h{x - start}")
            end = x
    result = (len(matrix), "".join(commands))
    cache.set(key, result, QR_CACHE_SECONDS)
    return result


@register.simple_tag
def qr_svg(data: str) -> SafeString:
    """An inline SVG QR code of ``data`` (black on white, scales to its box)."""
    if not data or len(data) > 2 * MAX_SHARED_ADDRESS:
        return mark_safe("")  # noqa: S308 - a constant
    size, path = qr_path(data)
    return format_html(
        '<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}" shape-rendering="crispEdges">'
        '<rect width="{}" height="{}" fill="#fff"/>'
        '<path stroke="#000" d="{}"/></svg>',
        size,
        size,
        gettext("QR code with the address of this page"),
        size,
        size,
        path,
    )


@register.filter
def geo_uri(point: ContactPointPage) -> str:
    """A ``geo:`` link (RFC 5870) that opens the phone's map app at the place, with
    its name as label; without coordinates, a search for its address."""
    label = quote(str(point.title).replace("(", " ").replace(")", " "), safe="")
    if point.latitude is not None and point.longitude is not None:
        where = f"{point.latitude:.6f},{point.longitude:.6f}"
        return f"geo:{where}?q={where}({label})"
    if point.address_line:
        return f"geo:0,0?q={quote(point.address_line, safe='')}"
    return ""


@register.simple_tag
def calendar_url(page, places=()) -> str:
    """The address of the page's calendar file, or "" when it would be empty.

    ``places``: the offer's or agency's contact points (with prefetched slots), as
    the page's context has them (pairs of place and opening state, or places).
    """
    if not page.pk:  # a preview of a page not saved yet
        return ""
    points = [place[0] if isinstance(place, tuple) else place for place in places]

    def has_hours(point) -> bool:
        return not point.temporarily_closed and bool(point.opening_slots.all())

    if isinstance(page, OfferPage):
        if offer_has_events(page) and (
            offer_days(page) is not None or any(map(has_hours, points))
        ):
            return reverse("calendar-offer", kwargs={"pk": page.pk})
    elif isinstance(page, ContactPointPage):
        if has_hours(page):
            return reverse("calendar-contact-point", kwargs={"pk": page.pk})
    elif isinstance(page, AgencyPage) and any(map(has_hours, points)):
        return reverse("calendar-agency", kwargs={"pk": page.pk})
    return ""


@register.simple_tag
def places_for_print(offers) -> dict[str, list[ContactPointPage]]:
    """The visible contact points of each offer in a list, hours prefetched, for the
    printed list (address, phone, hours): {HSDS id: [places]}, in two queries.

    ``offers``: offer pages or search results (dicts with the HSDS ``id``).
    """
    from .. import selectors

    keys = [str(o["id"] if isinstance(o, dict) else o.hsds_id) for o in offers]
    if not keys:
        return {}
    links = list(
        OfferPage.contact_points.through.objects.filter(
            offerpage__hsds_id__in=keys
        ).values_list("offerpage__hsds_id", "contactpointpage_id")
    )
    points = {
        point.pk: point
        for point in selectors.contact_points_with_hours(
            selectors.visible_contact_points().filter(
                pk__in={point_id for _offer, point_id in links}
            )
        ).order_by("title")
    }
    found: dict[str, list[ContactPointPage]] = {}
    for offer_id, point_id in links:
        if point_id in points:
            found.setdefault(str(offer_id), []).append(points[point_id])
    return found


@register.filter
def places_of(places: dict, offer) -> list[ContactPointPage]:
    """The places of ``offer`` (page or search result) in ``places_for_print``."""
    key = str(offer["id"] if isinstance(offer, dict) else offer.hsds_id)
    return places.get(key, []) if places else []
