"""Reads across models for the newsletter: suggestions for a new issue, who gets
which edition, and how sending is going.
"""

from collections import Counter, OrderedDict, defaultdict
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from directory.models import OfferPage, Responsibility, Topic

from .models import Delivery, Issue, IssueItem, NewsItem, Subscriber


def last_sent_at() -> datetime | None:
    """When the newest issue started sending (what "new since" means by default)."""
    return Issue.objects.filter(status=Issue.Status.SENT).aggregate(
        at=Max("started_at")
    )["at"]


def suggestions(*, since: datetime | None) -> list[dict]:
    """What is new or changed since ``since``, grouped by topic (topic order).

    Each group: {"topic": Topic | None, "offers": [...], "responsibilities": [...],
    "news": [...]}; offers carry ``is_new`` (first published after ``since``).
    News items are approved (live) ones not yet in a sent issue.
    """
    offers = (
        OfferPage.objects.visible().select_related("agency").prefetch_related("topics")
    )
    responsibilities = Responsibility.objects.visible().select_related(
        "topic", "agency"
    )
    news = (
        NewsItem.objects.filter(live=True)
        .exclude(
            # Not Issue…values("items__news"): the offer rows of a sent issue give
            # NULL, and NOT IN (…, NULL) would leave out every news item.
            pk__in=IssueItem.objects.filter(
                issue__status=Issue.Status.SENT, news__isnull=False
            ).values("news")
        )
        .select_related("agency", "topic")
    )
    if since is not None:
        offers = offers.filter(last_published_at__gt=since)
        responsibilities = responsibilities.filter(updated_at__gt=since)
    groups: OrderedDict = OrderedDict(
        (topic.pk, {"topic": topic, "offers": [], "responsibilities": [], "news": []})
        for topic in Topic.objects.all()
    )
    other: dict = {"topic": None, "offers": [], "responsibilities": [], "news": []}

    def group_for(topic_id):
        return groups.get(topic_id, other)

    for offer in offers.order_by("title"):
        offer.is_new = since is None or (
            offer.first_published_at is not None and offer.first_published_at > since
        )
        topics = sorted(offer.topics.all(), key=lambda t: (t.sort_order, t.name))
        group_for(topics[0].pk if topics else None)["offers"].append(offer)
    for rule in responsibilities:
        group_for(rule.topic_id)["responsibilities"].append(rule)
    for item in news:
        group_for(item.topic_id)["news"].append(item)
    result = [
        g
        for g in [*groups.values(), other]
        if any(g[k] for k in ("offers", "responsibilities", "news"))
    ]
    return result


def suggestions_tick(groups: list[dict], *, limit: int) -> int:
    """Mark at most ``limit`` suggestions ``ticked`` (approved agency news first, then
    what changed last): a first issue would otherwise hold everything ever published
    and far exceed the size mail clients show. Returns how many are ticked.
    """
    oldest = datetime.min.replace(tzinfo=UTC)
    candidates = []
    for group in groups:
        for item in group["news"]:
            candidates.append((1, item.updated_at or oldest, item))
        for offer in group["offers"]:
            candidates.append((0, offer.last_published_at or oldest, offer))
        for rule in group["responsibilities"]:
            candidates.append((0, rule.updated_at or oldest, rule))
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    for position, (_news, _when, obj) in enumerate(candidates):
        obj.ticked = position < limit
    return min(limit, len(candidates))


def issue_coverage(issue: Issue) -> tuple[set[int] | None, set[int] | None]:
    """(topic ids, district ids) the issue's items are about. Topic ids None when an
    item has no topic (news for everyone); district ids None when an item concerns
    the whole region (or no item names a place). A fixed number of queries.
    """
    items = list(issue.items.select_related("offer", "responsibility", "news"))
    offer_ids = [item.offer_id for item in items if item.offer_id]
    offer_topics: defaultdict[int, set[int]] = defaultdict(set)
    for offer_id, topic_id in OfferPage.topics.through.objects.filter(
        offerpage_id__in=offer_ids
    ).values_list("offerpage_id", "topic_id"):
        offer_topics[offer_id].add(topic_id)
    offer_places: defaultdict[int, set[int]] = defaultdict(set)
    for offer_id, district_id in OfferPage.contact_points.through.objects.filter(
        offerpage_id__in=offer_ids, contactpointpage__district__isnull=False
    ).values_list("offerpage_id", "contactpointpage__district_id"):
        offer_places[offer_id].add(district_id)

    topics: set[int] = set()
    districts: set[int] = set()
    for_everyone = region_wide = False
    for item in items:
        if item.offer_id:
            item_topics = offer_topics[item.offer_id]
            places = offer_places[item.offer_id]
            if item.offer.format == OfferPage.Format.ONLINE:
                places = set()
        else:
            about = item.responsibility or item.news
            item_topics = {about.topic_id} - {None}
            places = {about.district_id} - {None}
        for_everyone = for_everyone or not item_topics
        region_wide = region_wide or not places
        topics |= item_topics
        districts |= places
    return (
        None if for_everyone else topics,
        None if region_wide or not districts else districts,
    )


def _none_chosen_or_any_of(through, column: str, ids: set[int]) -> Q:
    """A subscriber chose nothing in this list (= everything) or one of ``ids``."""
    chosen = through.objects.filter(subscriber_id=OuterRef("pk"))
    return ~Exists(chosen) | Exists(chosen.filter(**{f"{column}__in": ids}))


def audience(issue: Issue) -> QuerySet[Subscriber]:
    """Confirmed, unpaused, unsuppressed subscribers whose topics and districts match
    the issue (a subscriber who chose none gets everything).
    """
    topics, districts = issue_coverage(issue)
    subscribers = Subscriber.objects.receiving()
    if topics is not None:
        subscribers = subscribers.filter(
            _none_chosen_or_any_of(Subscriber.topics.through, "topic_id", topics)
        )
    if districts is not None:
        subscribers = subscribers.filter(
            _none_chosen_or_any_of(
                Subscriber.districts.through, "district_id", districts
            )
        )
    return subscribers


def edition_for(languages: list[str], available: list[str]) -> str:
    """The subscriber's first chosen language that has an edition, else German."""
    for code in languages or []:
        if code in available:
            return code
    return settings.LANGUAGE_CODE


def audience_by_edition(issue: Issue) -> dict[str, int]:
    """How many subscribers would get each edition (every edition listed, German
    first), before anything is sent.
    """
    available = issue.edition_languages()
    counts: Counter = Counter(
        edition_for(languages, available)
        for languages in audience(issue).values_list("languages", flat=True)
    )
    return {code: counts.get(code, 0) for code in available}


def delivery_report(issue: Issue) -> dict:
    """Counts per edition and state, and the totals."""
    rows = (
        Delivery.objects.filter(issue=issue)
        .values("language", "state")
        .annotate(n=Count("pk"))
    )
    editions: dict[str, Counter] = {}
    totals: Counter = Counter()
    for row in rows:
        editions.setdefault(row["language"], Counter())[row["state"]] = row["n"]
        totals[row["state"]] += row["n"]
    return {"editions": editions, "totals": totals, "all": sum(totals.values())}
