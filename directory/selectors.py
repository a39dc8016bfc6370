"""Reads across models for the public pages, written to avoid N+1 queries."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from wagtail.models import Site
from wagtail.query import PageQuerySet

from operations.caching import public_cached

from .hours import opening_state
from .models import (
    AgencyPage,
    ContactPointPage,
    District,
    OfferPage,
    OpeningException,
    OpeningSlot,
    Topic,
    Weekday,
)


def site_root_path() -> str:
    """``url_path`` of the default site's root; a page's public path is its
    ``url_path`` without this prefix, behind the language.
    """
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page.url_path if site else "/"


def page_public_path(url_path: str, *, root: str) -> str:
    """A page's path behind the language prefix (``/de/<this>``): its ``url_path``
    without the site root's (``root``, from ``site_root_path``).
    """
    return url_path[len(root) :]


def visible_offers() -> PageQuerySet:
    """The offers the public may see (``OfferPage.objects.visible()``), active
    ones first.
    """
    return OfferPage.objects.visible().order_by("status", "title")


def visible_contact_points() -> PageQuerySet:
    """The contact points the public may see: ``ContactPointPage.objects.visible()``."""
    return ContactPointPage.objects.visible()


def contact_points_with_hours(
    queryset: QuerySet[ContactPointPage],
) -> QuerySet[ContactPointPage]:
    return queryset.select_related("district").prefetch_related(
        "languages",
        Prefetch(
            "opening_slots", queryset=OpeningSlot.objects.order_by("weekday", "opens")
        ),
        Prefetch(
            "opening_exceptions", queryset=OpeningException.objects.order_by("date")
        ),
    )


def contact_points_with_state(contact_points) -> list[tuple[ContactPointPage, object]]:
    """Pairs of contact point and its current opening state (hours prefetched)."""
    return [
        (
            point,
            opening_state(
                point,
                slots=list(point.opening_slots.all()),
                exceptions=list(point.opening_exceptions.all()),
            ),
        )
        for point in contact_points
    ]


# Reads that count or scan the whole catalogue (home page, topic listings) are kept
# in the shared cache under the public content's generation, which every publish,
# unpublish, move, deletion and taxonomy change renews (directory/signals.py), so
# every app server sees a change at once. The timeout covers what no signal reports:
# offers whose end date passes.
CATALOGUE_CACHE_SECONDS = 300


def _catalogue_cached(name: str, build):
    return public_cached(f"directory:{name}", build, seconds=CATALOGUE_CACHE_SECONDS)


def topics_with_offer_counts() -> list[Topic]:
    """All topics with ``offer_count`` = number of visible offers on that topic."""

    def build() -> list[Topic]:
        visible = visible_offers().values("pk")
        return list(
            Topic.objects.annotate(
                offer_count=Count("offers", filter=Q(offers__in=visible), distinct=True)
            )
        )

    return _catalogue_cached("topic-counts", build)


def offers_for_topic(*, topic: Topic, district: District | None = None):
    offers = visible_offers().filter(topics=topic)
    if district is not None:
        offers = offers.filter(
            Q(contact_points__district=district) | Q(format=OfferPage.Format.ONLINE)
        ).distinct()
    return offers.select_related("agency").prefetch_related("languages")


def districts_for_topic(*, topic: Topic) -> list[District]:
    """Districts where at least one visible offer on ``topic`` takes place."""

    def build() -> list[District]:
        offer_ids = visible_offers().filter(topics=topic).values("pk")
        district_ids = (
            ContactPointPage.objects.filter(offers__in=offer_ids)
            .exclude(district=None)
            .values("district_id")
        )
        return list(District.objects.filter(pk__in=district_ids))

    return _catalogue_cached(f"topic-districts:{topic.pk}", build)


def offer_detail(*, offer: OfferPage) -> dict:
    # A preview holds unsaved relations in memory: read them as objects, not as SQL.
    point_ids = [point.pk for point in offer.contact_points.all()]
    points = contact_points_with_hours(
        visible_contact_points().filter(pk__in=point_ids)
    )
    return {
        "agency": offer.owner_agency,
        "topics": list(offer.topics.all()),
        "target_groups": list(offer.target_groups.all()),
        "residence_statuses": list(offer.residence_statuses.all()),
        "languages": list(offer.languages.all()),
        "contact_points": contact_points_with_state(points),
        "contact_persons": list(offer.contact_persons.all()),
    }


def contact_point_detail(*, contact_point: ContactPointPage) -> dict:
    # Read relations through the page itself so previews show the unsaved draft.
    slots = sorted(
        contact_point.opening_slots.all(), key=lambda s: (s.weekday, s.opens)
    )
    exceptions = sorted(contact_point.opening_exceptions.all(), key=lambda e: e.date)
    offers = (
        visible_offers().filter(contact_points=contact_point).select_related("agency")
        if contact_point.pk
        else OfferPage.objects.none()
    )
    return {
        "agency": contact_point.owner_agency,
        "state": opening_state(contact_point, slots=slots, exceptions=exceptions),
        "slots_by_day": slots_by_day(slots),
        "upcoming_exceptions": _upcoming(exceptions),
        "languages": list(contact_point.languages.all()),
        "offers": offers,
    }


def agency_detail(*, agency: AgencyPage) -> dict:
    return {
        "offers": visible_offers().child_of(agency).select_related("agency"),
        "contact_points": contact_points_with_state(
            contact_points_with_hours(visible_contact_points().child_of(agency))
        ),
    }


def agencies_with_counts() -> list[AgencyPage]:
    agencies = list(AgencyPage.objects.visible().order_by("title"))
    counts = dict(
        visible_offers()
        .order_by()
        .values_list("agency_id")
        .annotate(n=Count("pk"))
        .values_list("agency_id", "n")
    )
    for agency in agencies:
        agency.offer_count = counts.get(agency.pk, 0)
    return agencies


def slots_by_day(slots: list[OpeningSlot]) -> list[tuple[str, list[OpeningSlot]]]:
    grouped: dict[int, list[OpeningSlot]] = defaultdict(list)
    for slot in slots:
        grouped[slot.weekday].append(slot)
    return [(str(label), grouped[value]) for value, label in Weekday.choices]


def _upcoming(exceptions: list[OpeningException]) -> list[OpeningException]:
    today = timezone.localdate()
    return [exception for exception in exceptions if exception.date >= today][:10]
