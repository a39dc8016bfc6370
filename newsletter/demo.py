"""Demo subscribers for `seed_demo --subscribers N` (demos and benchmarks)."""

import random
import re
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from directory.models import District, Topic

from .models import ConsentEvent, Subscriber
from .models.subscribers import email_hash
from .services import consent_text_current

BATCH = 2000


@transaction.atomic
def subscribers_seed(*, count: int, seed: int = 8) -> int:
    """Add ``count`` confirmed subscribers ``demo-<n>@example.org``: a third choose no
    topic (everything), most one or two languages, some a district. Returns how many
    were added (existing demo addresses are skipped).
    """
    rng = random.Random(seed)  # noqa: S311 - demo data
    codes = [code for code, _name in settings.LANGUAGES]
    # Readers of the region: Arabic, Ukrainian, Persian and German are the most common.
    weights = [10, 5, 14, 10, 12, 6, 6, 4, 3, 3, 3][: len(codes)]
    topics = list(Topic.objects.values_list("pk", flat=True))
    districts = list(District.objects.values_list("pk", flat=True))
    numbers = [
        int(match.group(1))
        for email in Subscriber.objects.filter(email__startswith="demo-").values_list(
            "email", flat=True
        )
        if (match := re.fullmatch(r"demo-(\d+)@example\.org", email))
    ]
    taken = max(numbers) + 1 if numbers else 0
    now = timezone.now()
    consent = {code: consent_text_current(language=code) for code in codes}
    added = 0
    while added < count:
        size = min(BATCH, count - added)
        rows = []
        for n in range(taken + added, taken + added + size):
            address = f"demo-{n}@example.org"
            first = rng.choices(codes, weights=weights)[0]
            languages = [first] + ([rng.choice(codes)] if rng.random() < 0.4 else [])
            rows.append(
                Subscriber(
                    uuid=uuid.uuid4(),
                    email=address,
                    email_hash=email_hash(address),
                    languages=list(dict.fromkeys(languages)),
                    state=Subscriber.State.CONFIRMED,
                    source="demo",
                    created_at=now,
                    confirmed_at=now,
                )
            )
        created = Subscriber.objects.bulk_create(rows)
        topic_links, district_links, events = [], [], []
        for subscriber in created:
            if topics and rng.random() > 0.33:
                for topic_id in rng.sample(
                    topics, k=min(len(topics), rng.randint(1, 3))
                ):
                    topic_links.append(
                        Subscriber.topics.through(
                            subscriber_id=subscriber.pk, topic_id=topic_id
                        )
                    )
            if districts and rng.random() < 0.3:
                district_links.append(
                    Subscriber.districts.through(
                        subscriber_id=subscriber.pk, district_id=rng.choice(districts)
                    )
                )
            for kind in (ConsentEvent.Kind.SIGNUP, ConsentEvent.Kind.CONFIRM):
                events.append(
                    ConsentEvent(
                        subscriber=subscriber,
                        email_hash=subscriber.email_hash,
                        kind=kind,
                        consent_text=consent[subscriber.languages[0]]
                        if kind == ConsentEvent.Kind.SIGNUP
                        else None,
                        language=subscriber.languages[0],
                        source="demo",
                    )
                )
        Subscriber.topics.through.objects.bulk_create(topic_links)
        Subscriber.districts.through.objects.bulk_create(district_links)
        ConsentEvent.objects.bulk_create(events)
        added += len(created)
    return added


def seed_demo_receiver(sender, *, options, write, **kwargs) -> dict:
    from .permissions import newsletter_permissions_grant

    # Every run: the demo's coordinators and editors get their newsletter rights.
    newsletter_permissions_grant()
    count = options.get("subscribers") or 0
    if not count:
        return {}
    return {"newsletter subscribers": subscribers_seed(count=count)}
