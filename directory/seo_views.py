"""Answers for search engines and link previews: the sitemap, robots.txt and the
generated share images. All are kept in the shared cache; none takes input that
could make it work for more than what is published.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from wagtail.models import Page

from operations.caching import public_cached

from . import seo
from .models import HomePage
from .share_images import share_image_png
from .sitemaps import SECTIONS

# A publish renews the public generation at once (every cached sitemap with it);
# the timeout covers what no signal reports: offers whose end date passes.
SITEMAP_CACHE_SECONDS = 900
# Share images depend on the page's title as last published: the key holds it.
SHARE_IMAGE_CACHE_SECONDS = 30 * 24 * 3600
HTTP_CACHE = "public, max-age=3600"
HOME_TITLE = _("Offers and help for newcomers")


def _xml(content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = HTTP_CACHE
    return response


@require_GET
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """``/sitemap.xml``: one entry per section and page of 50,000 addresses."""

    def build() -> bytes:
        locations = []
        for name, section in SECTIONS.items():
            path = reverse("sitemap-section", kwargs={"section": name})
            pages = section().paginator.num_pages
            locations.append(seo.absolute(path))
            locations.extend(
                seo.absolute(f"{path}?p={number}") for number in range(2, pages + 1)
            )
        return render_to_string(
            "seo/sitemap_index.xml", {"locations": locations}
        ).encode()

    return _xml(
        public_cached("seo:sitemap-index", build, seconds=SITEMAP_CACHE_SECONDS)
    )


@require_GET
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """``/sitemap-<section>.xml[?p=N]``: the addresses of one section."""
    if section not in SECTIONS:
        raise Http404("No such sitemap section.")
    number = request.GET.get("p", "1")
    if not number.isdigit() or len(number) > 6:
        raise Http404("No such sitemap page.")

    def build() -> bytes | str:
        try:
            urls = SECTIONS[section]().get_urls(page=int(number))
        except (EmptyPage, PageNotAnInteger):
            return ""
        return render_to_string("seo/sitemap.xml", {"urlset": urls}).encode()

    content = public_cached(
        f"seo:sitemap:{section}:{int(number)}", build, seconds=SITEMAP_CACHE_SECONDS
    )
    if not content:
        raise Http404("No such sitemap page.")
    return _xml(content)


def robots_lines() -> list[str]:
    """What crawlers may fetch: the public site; not the admin, the APIs (their
    reference excepted), search results, newsletter links that carry a token."""
    lines = ["User-agent: *", "Allow: /", "Allow: /api/docs/", "Disallow: /admin/"]
    lines += ["Disallow: /api/", "Disallow: /newsletter/", "Disallow: /healthz"]
    lines.append("Disallow: /readyz")
    for code in seo.site_languages():
        lines += [
            # The search page itself is welcome; its results (any query) are not.
            f"Disallow: /{code}/search/?",
            f"Disallow: /{code}/newsletter/confirm/",
            f"Disallow: /{code}/newsletter/preferences/",
            f"Disallow: /{code}/newsletter/thanks/",
        ]
    lines += ["", f"Sitemap: {seo.absolute(reverse('sitemap'))}"]
    return lines


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        "\n".join(robots_lines()) + "\n", content_type="text/plain; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


def shareable_page(page_id: int) -> Page | None:
    """The page with ``page_id`` if a reader may see it (``visible()`` of its
    kind; a page without one, the home page, when live and public)."""
    page = Page.objects.live().public().filter(pk=page_id).specific().first()
    if page is None:
        return None
    manager = type(page).objects
    if hasattr(manager, "visible") and not manager.visible().filter(pk=page.pk):
        return None
    return page


@require_GET
def share_image(request: HttpRequest, page_id: str, language: str) -> HttpResponse:
    """``/share-image/<page id>-<language>.png``: the page's card for link
    previews, made once per page, language and publication."""
    if language not in seo.site_languages():
        raise Http404("No such language.")
    page = shareable_page(int(page_id))
    if page is None:
        raise Http404("No such page.")
    published = page.last_published_at.timestamp() if page.last_published_at else 0
    key = f"seo:share-image:{page.pk}:{language}:{published:.0f}"
    content = cache.get(key)
    if content is None:
        if isinstance(page, HomePage):
            with translation.override(language):
                # The home page's title is the brand: its card says what it is.
                title = str(HOME_TITLE)
        else:
            title = seo.text_in(page, "title", language)
        content = share_image_png(
            title=title,
            brand=settings.WAGTAIL_SITE_NAME,
            footer=settings.SITE_URL.split("://", 1)[-1],
        )
        cache.set(key, content, SHARE_IMAGE_CACHE_SECONDS)
    response = HttpResponse(content, content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
