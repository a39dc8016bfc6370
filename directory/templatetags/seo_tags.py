"""The head of every public page for search engines and link previews: canonical
address, hreflang alternates, robots, Open Graph and schema.org JSON-LD
(``templates/components/head_meta.html``).
"""

from dataclasses import dataclass, field

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page

from .. import seo, structured_data
from ..context_processors import switch_language_path
from ..models import AgencyPage, ContactPointPage, HomePage, OfferPage

register = template.Library()

TAGLINE = gettext_lazy(
    "Wegweiser – offers, contact points and responsibilities for refugees and "
    "migrants in the region."
)
ROUTE_TITLES = {
    "topic_index": gettext_lazy("Topics"),
    "agency_index": gettext_lazy("Agencies"),
}
VIEW_TITLES = {
    "finder": gettext_lazy("Who is responsible?"),
    "search": gettext_lazy("Search"),
}
# Addresses outside Wagtail's pages that search engines may index.
INDEXABLE_VIEWS = {
    "finder",
    "search",
    "newsletter-signup",
    "newsletter-archive",
    "newsletter-archive-issue",
}
DESCRIPTION_LENGTH = 200
LOGO_RENDITION = "max-1200x630"


@dataclass(frozen=True)
class ShareImage:
    url: str
    width: int
    height: int
    alt: str


@dataclass
class HeadMeta:
    """What head_meta.html writes; ``indexable`` False means robots noindex and
    no canonical, alternates or JSON-LD."""

    indexable: bool
    title: str = ""
    description: str = ""
    canonical: str = ""
    alternates: list[seo.Alternate] = field(default_factory=list)
    locale: str = ""
    locale_alternates: list[str] = field(default_factory=list)
    site_name: str = ""
    image: ShareImage | None = None
    twitter_card: str = "summary_large_image"
    json_ld: SafeString | str = ""


def _description(text: str) -> str:
    return Truncator(" ".join(strip_tags(text).split())).chars(DESCRIPTION_LENGTH)


def _page_url(page: Page, request) -> str:
    return seo.absolute(page.get_url(request=request) or "")


def _agency_of(page, context) -> AgencyPage | None:
    if isinstance(page, AgencyPage):
        return page
    agency = context.get("agency")
    if isinstance(agency, AgencyPage):
        return agency
    return getattr(page, "owner_agency", None)


def logo_image(agency: AgencyPage | None) -> ShareImage | None:
    """The agency's logo as a share image, when it has one a preview can show."""
    logo = agency.logo if agency is not None else None
    if logo is None or logo.is_svg():
        return None
    try:
        rendition = logo.get_rendition(LOGO_RENDITION)
    except SourceImageIOError:
        return None
    return ShareImage(
        url=seo.absolute(rendition.url),
        width=rendition.width,
        height=rendition.height,
        alt=agency.title if agency is not None else "",
    )


def generated_image(page: Page | None, *, language: str, alt: str) -> ShareImage | None:
    """The generated card of ``page`` in ``language``, or in German when the page
    does not exist in ``language`` (its card would show the German title)."""
    if page is None:
        return None
    if language not in seo.card_languages(page):
        language = settings.LANGUAGE_CODE
    path = reverse(
        "share-image", kwargs={"page_id": str(page.pk), "language": language}
    )
    # The version makes previews fetch the card again after a new publication.
    version = int(page.last_published_at.timestamp()) if page.last_published_at else 0
    return ShareImage(
        url=seo.absolute(f"{path}?v={version}"), width=1200, height=630, alt=alt
    )


def _places(points, *, agency, request) -> list[dict]:
    today = timezone.localdate()
    return [
        structured_data.contact_point_place(
            point=point,
            agency=agency,
            url=_page_url(point, request),
            slots=list(point.opening_slots.all()),
            exceptions=list(point.opening_exceptions.all()),
            languages=list(point.languages.all()),
            today=today,
        )
        for point in points
    ]


def _json_ld(page, context, request, *, agency, logo: ShareImage | None) -> dict:
    url = _page_url(page, request)
    agency_url = _page_url(agency, request) if agency is not None else ""
    if isinstance(page, OfferPage):
        points = [pair[0] for pair in context.get("contact_points", [])]
        places = _places(points, agency=agency, request=request)
        return structured_data.service(
            offer=page,
            url=url,
            agency=agency,
            agency_url=agency_url,
            topics=context.get("topics", []),
            target_groups=context.get("target_groups", []),
            languages=context.get("languages", []),
            places=places,
            hours=places[0].get("openingHoursSpecification", [])
            if len(places) == 1
            else [],
        )
    if isinstance(page, ContactPointPage):
        slots = [
            slot
            for _day, day_slots in context.get("slots_by_day", [])
            for slot in day_slots
        ]
        return structured_data.contact_point_place(
            point=page,
            agency=agency,
            url=url,
            slots=slots,
            exceptions=context.get("upcoming_exceptions", []),
            languages=context.get("languages", []),
            agency_url=agency_url,
            today=timezone.localdate(),
        )
    if isinstance(page, AgencyPage):
        return structured_data.organization(
            agency=page,
            url=url,
            logo_url=logo.url if logo is not None else "",
            description=_description(page.description),
        )
    if isinstance(page, HomePage):
        return structured_data.website(
            name=settings.WAGTAIL_SITE_NAME,
            url=url,
            language=seo.current_language(),
            description=str(TAGLINE),
        )
    return {}


@register.simple_tag(takes_context=True)
def seo_head(context) -> HeadMeta | None:
    """Everything head_meta.html needs for the page being rendered."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if request is None or match is None:
        return None
    language = seo.current_language()
    page = context.get("page")
    page = page if isinstance(page, Page) else None
    route = getattr(request, "routable_resolver_match", None)
    route_name = route.url_name if route is not None and page is not None else ""
    if route_name == "index_route":  # a routable page's own address
        route_name = ""
    topic = context.get("topic") if route_name == "topic_detail" else None
    if getattr(request, "is_preview", False):
        indexable = False
    elif match.url_name == "wagtail_serve":
        indexable = page is not None and (
            topic is not None
            if route_name == "topic_detail"
            else seo.page_visible(page)
        )
    elif match.url_name == "search":
        indexable = not request.GET
    else:
        indexable = match.url_name in INDEXABLE_VIEWS

    if topic is not None:
        languages = seo.languages_of(topic)
        title = topic.name
        description = topic.description
    elif route_name:
        languages = seo.site_languages()
        title = str(ROUTE_TITLES.get(route_name, seo.HOME_TITLE))
        description = ""
    elif isinstance(page, HomePage):
        languages = seo.site_languages()
        title = str(seo.HOME_TITLE)
        description = page.search_description
    elif page is not None:
        languages = seo.languages_of(page)
        title = page.seo_title or page.title
        description = (
            page.search_description
            or getattr(page, "summary", "")
            or getattr(page, "description", "")
        )
    else:
        languages = seo.site_languages()
        title = str(VIEW_TITLES.get(match.url_name, settings.WAGTAIL_SITE_NAME))
        description = ""

    # A page not (yet) in this language shows German text: German is its canonical
    # address, and it is not among the alternates.
    path = request.path
    if language not in languages:
        path = switch_language_path(path, settings.LANGUAGE_CODE)
    meta = HeadMeta(
        indexable=indexable,
        title=title,
        description=_description(description or str(TAGLINE)),
        canonical=seo.absolute(path) + seo.canonical_query(request.GET.get("page")),
        locale=seo.og_locale(language),
        locale_alternates=[
            seo.og_locale(code) for code in languages if code != language
        ],
        site_name=settings.WAGTAIL_SITE_NAME,
    )
    agency = _agency_of(page, context) if page is not None and not route_name else None
    logo = logo_image(agency)
    if logo is not None:
        meta.image = logo
        meta.twitter_card = "summary"
    else:
        card_page = page if page is not None and not route_name else None
        if card_page is None or not indexable:
            card_page = seo.home_page()
        meta.image = generated_image(card_page, language=language, alt=title)
    if not indexable:
        return meta
    meta.alternates = seo.alternates(request.path, languages)
    if page is not None and not route_name:
        data = _json_ld(page, context, request, agency=agency, logo=logo)
        if data:
            meta.json_ld = structured_data.json_ld_script(data)
    return meta


@register.filter
def json_ld(data: dict) -> SafeString:
    """``data`` as a safe ``<script type="application/ld+json">`` element."""
    return structured_data.json_ld_script(data)
