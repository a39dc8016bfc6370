"""Atom feeds of new offers per language and per topic (Django's syndication).

Each feed lists the newest visible offers in the language of its address, with
the German text where a translation is missing (as the pages do), and absolute
links into the same language under ``SITE_URL`` (never the request's host:
Django's syndication keeps absolute addresses as they are).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, gettext

from .models import OfferPage, Topic
from .selectors import page_public_path, site_root_path
from .seo import absolute

FEED_SIZE = 50


class NewOffersFeed(Feed):
    """The newest visible offers, most recently first published first."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        self._root = site_root_path()
        return super().__call__(request, *args, **kwargs)

    def author_name(self, obj) -> str:
        return settings.WAGTAIL_SITE_NAME

    def title(self, obj) -> str:
        return gettext("New offers – Wegweiser")

    def subtitle(self, obj) -> str:
        return gettext("The offers most recently added to the directory.")

    def link(self, obj) -> str:
        return absolute(f"/{get_language()}/")

    def feed_url(self, obj) -> str:
        return absolute(reverse("feed-offers"))

    def offers(self, obj):
        return OfferPage.objects.visible()

    def items(self, obj):
        return (
            self.offers(obj)
            .select_related("agency")
            .prefetch_related("topics")
            .order_by("-first_published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: OfferPage) -> str:
        return item.title

    def item_description(self, item: OfferPage) -> str:
        return item.summary

    def item_link(self, item: OfferPage) -> str:
        path = page_public_path(item.url_path, root=self._root)
        return absolute(f"/{get_language()}/{path}")

    def item_guid(self, item: OfferPage) -> str:
        return f"urn:uuid:{item.hsds_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: OfferPage):
        return item.first_published_at

    def item_updateddate(self, item: OfferPage):
        return item.last_published_at or item.first_published_at

    def item_author_name(self, item: OfferPage) -> str:
        return item.agency.title

    def item_categories(self, item: OfferPage) -> list[str]:
        return [topic.name for topic in item.topics.all()]


class TopicOffersFeed(NewOffersFeed):
    """The newest visible offers on one topic; 404 for a topic that does not exist."""

    def get_object(self, request, slug: str) -> Topic:
        topic = Topic.objects.filter(slug=slug).first()
        if topic is None:
            raise Http404(gettext("There is no such topic."))
        return topic

    def title(self, obj: Topic) -> str:
        return gettext("New offers: %(topic)s – Wegweiser") % {"topic": obj.name}

    def link(self, obj: Topic) -> str:
        return absolute(f"/{get_language()}/topics/{obj.slug}/")

    def feed_url(self, obj: Topic) -> str:
        return absolute(reverse("feed-topic", kwargs={"slug": obj.slug}))

    def offers(self, obj: Topic):
        return OfferPage.objects.visible().filter(topics=obj)
