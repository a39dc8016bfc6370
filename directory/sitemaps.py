"""The sitemap's sections (Django's sitemap framework): every address a reader may
see, once per language it exists in, each with its hreflang alternates.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from django.utils.translation import get_language
from wagtail.models import Page

from . import selectors, seo
from .models import AgencyPage, ContactPointPage, OfferPage


class SiteSitemap(Sitemap):
    """Absolute addresses under ``SITE_URL``, one ``<url>`` per language, alternates
    for the languages the item exists in and x-default → German."""

    i18n = True
    alternates = True
    # Every <url> carries up to one alternate per language and x-default: at most
    # 50,000 addresses' worth of links per sitemap page keeps it under 50 MB.
    limit = 50000 // (len(settings.LANGUAGES) + 1)
    # Django's x-default is the address without a language prefix (a redirect
    # here); ours is the German page, added in get_urls.
    x_default = False

    def get_protocol(self, protocol=None):
        return seo.site_address()[0]

    def get_domain(self, site=None):
        return seo.site_address()[1]

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            german = [
                alternate
                for alternate in url["alternates"]
                if alternate["lang_code"] == settings.LANGUAGE_CODE
            ]
            if german:
                url["alternates"].append(
                    {"location": german[0]["location"], "lang_code": "x-default"}
                )
        return urls


def _home_routes(*names: str) -> dict[str, str]:
    """The home page's routes (``topics/`` …), asked once: reversing a sub-page
    builds the page's resolver every time."""
    home = seo.home_page()
    return {
        name: (home.reverse_subpage(name).lstrip("/") if home is not None else "")
        for name in names
    }


class StaticSitemap(SiteSitemap):
    """Addresses whose text is the site's own (gettext): home, the topic and agency
    lists, the finder — they exist in every site language."""

    changefreq = "daily"

    def items(self):
        self._routes = _home_routes("topic_index", "agency_index")
        return ["home", *self._routes, "finder"]

    def location(self, item):
        if item == "finder":
            return reverse("finder")
        return f"/{get_language()}/{self._routes.get(item, '')}"


class TopicSitemap(SiteSitemap):
    """Topics with at least one visible offer (an empty topic page is no answer)."""

    changefreq = "daily"

    def items(self):
        self._route = _home_routes("topic_index")["topic_index"] or "topics/"
        return [
            topic
            for topic in selectors.topics_with_offer_counts()
            if topic.offer_count > 0
        ]

    def get_languages_for_item(self, item):
        return seo.languages_of(item)

    def location(self, item):
        return f"/{get_language()}/{self._route}{item.slug}/"


class PageSitemap(SiteSitemap):
    """Visible pages of one kind (``model.objects.visible()``), newest change
    last-modified."""

    model: type = AgencyPage

    def items(self):
        self._root = selectors.site_root_path()
        return self.model.objects.visible().order_by("path")

    def get_languages_for_item(self, item):
        return seo.languages_of(item)

    def location(self, item):
        root = getattr(self, "_root", None) or selectors.site_root_path()
        public = selectors.page_public_path(item.url_path, root=root)
        return f"/{get_language()}/{public}"

    def lastmod(self, item):
        return item.last_published_at


class InformationSitemap(PageSitemap):
    """The site's other pages below the home page (imprint, privacy, easy
    language, accessibility statement …), whatever their kind."""

    def items(self):
        self._root = selectors.site_root_path()
        home = seo.home_page()
        if home is None:
            return Page.objects.none()
        return (
            Page.objects.live()
            .public()
            .descendant_of(home)
            .not_type(AgencyPage, OfferPage, ContactPointPage)
            .specific()
            .order_by("path")
        )


class AgencySitemap(PageSitemap):
    model = AgencyPage


class OfferSitemap(PageSitemap):
    model = OfferPage


class ContactPointSitemap(PageSitemap):
    model = ContactPointPage


SECTIONS: dict[str, type[Sitemap]] = {
    "pages": StaticSitemap,
    "topics": TopicSitemap,
    "agencies": AgencySitemap,
    "offers": OfferSitemap,
    "contact-points": ContactPointSitemap,
    "information": InformationSitemap,
}
