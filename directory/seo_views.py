"""Answers for search engines and link previews: the sitemap, robots.txt and the
generated share images. All are kept in the shared cache; none takes input that
could make it work for more than what is published.
"""

import hashlib
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
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
# A share image is kept under a hash of what it draws: a new title makes a new
# card, the same title in another page or language is drawn once.
SHARE_IMAGE_CACHE_SECONDS = 30 * 24 * 3600
# Raise when the drawing changes, so cached cards are drawn again.
SHARE_IMAGE_VERSION = 1
# One request draws a card (about 150 ms); others asking for it at the same time
# wait this long for it, then get the brand-only card.
SHARE_IMAGE_LOCK_SECONDS = 30
SHARE_IMAGE_WAIT_SECONDS = 1.0
HTTP_CACHE = "public, max-age=3600"


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
    number = seo.page_number(request.GET.get("p", "1"))
    if number is None:
        raise Http404("No such sitemap page.")

    def build() -> bytes | str:
        try:
            urls = SECTIONS[section]().get_urls(page=number)
        except (EmptyPage, PageNotAnInteger):
            return ""
        return render_to_string("seo/sitemap.xml", {"urlset": urls}).encode()

    content = public_cached(
        f"seo:sitemap:{section}:{number}", build, seconds=SITEMAP_CACHE_SECONDS
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


def share_card(page: Page, language: str) -> dict[str, str]:
    """What ``page``'s card in ``language`` draws (``share_image_png``'s
    arguments); the text's direction follows from the title's script."""
    if isinstance(page, HomePage):
        with translation.override(language):
            title = str(seo.HOME_TITLE)
    else:
        title = seo.text_in(page, "title", language)
    return {
        "title": title,
        "brand": settings.WAGTAIL_SITE_NAME,
        "footer": seo.site_address()[1],
    }


def share_image_key(card: dict[str, str]) -> str:
    drawn = json.dumps([SHARE_IMAGE_VERSION, card], sort_keys=True)
    return f"seo:share-image:{hashlib.sha256(drawn.encode()).hexdigest()}"


def _draw_once(card: dict[str, str]) -> bytes | None:
    """The card from the cache, or drawn by this request when no other is drawing
    it; None when another one still is after ``SHARE_IMAGE_WAIT_SECONDS``."""
    key = share_image_key(card)
    content = cache.get(key)
    if content is not None:
        return content
    lock = f"{key}:drawing"
    if cache.add(lock, 1, SHARE_IMAGE_LOCK_SECONDS):
        try:
            content = share_image_png(**card)
            cache.set(key, content, SHARE_IMAGE_CACHE_SECONDS)
        finally:
            cache.delete(lock)
        return content
    deadline = time.monotonic() + SHARE_IMAGE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        content = cache.get(key)
        if content is not None:
            return content
    return None


def _brand_card(card: dict[str, str]) -> bytes:
    """The card without a title, one for the whole site."""
    blank = {**card, "title": ""}
    key = share_image_key(blank)
    content = cache.get(key)
    if content is None:
        content = share_image_png(**blank)
        cache.set(key, content, SHARE_IMAGE_CACHE_SECONDS)
    return content


@require_GET
def share_image(request: HttpRequest, page_id: str, language: str) -> HttpResponse:
    """``/share-image/<page id>-<language>.png``: the page's card for link
    previews in a language the page exists in (another language is sent to the
    German card: it would draw the German title again)."""
    if language not in seo.site_languages():
        raise Http404("No such language.")
    page = Page.objects.filter(pk=int(page_id)).specific().first()
    if page is None or not seo.page_visible(page):
        raise Http404("No such page.")
    if language not in seo.card_languages(page):
        german = reverse(
            "share-image",
            kwargs={"page_id": str(page.pk), "language": settings.LANGUAGE_CODE},
        )
        response: HttpResponse = HttpResponseRedirect(german)
        response["Cache-Control"] = HTTP_CACHE
        return response
    card = share_card(page, language)
    content = _draw_once(card)
    response = HttpResponse(
        content if content is not None else _brand_card(card),
        content_type="image/png",
    )
    # The brand-only stand-in is not kept: the next preview gets the real card.
    response["Cache-Control"] = (
        "public, max-age=86400" if content is not None else "no-cache"
    )
    return response
