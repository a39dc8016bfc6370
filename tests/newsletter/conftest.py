"""Newsletter fixtures: a real local SMTP server, subscribers, an issue."""

import pytest
from django.utils import timezone

from newsletter.models import Issue, IssueItem, Subscriber
from tests.factories import TopicFactory, published_offer
from tests.newsletter.smtp import SmtpSink


@pytest.fixture
def smtp(settings):
    """Mail goes over SMTP to a sink on 127.0.0.1 (instead of locmem)."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()


def subscriber_make(email, *, languages=("de",), topics=(), districts=(), **fields):
    subscriber = Subscriber.objects.create(
        email=email,
        languages=list(languages),
        state=fields.pop("state", Subscriber.State.CONFIRMED),
        confirmed_at=fields.pop("confirmed_at", timezone.now()),
        **fields,
    )
    subscriber.topics.set(topics)
    subscriber.districts.set(districts)
    return subscriber


@pytest.fixture
def topic(db):
    topic = TopicFactory(slug="sprache", name_de="Sprache", name_ar="اللغة")
    return topic


@pytest.fixture
def issue(agency, topic):
    """A draft issue with one offer on ``topic`` (German and Arabic text)."""
    offer = published_offer(
        agency,
        slug="deutschkurs",
        texts={
            "title": {"de": "Deutschkurs am Abend", "ar": "دورة لغة ألمانية مسائية"},
            "summary": {"de": "Montags und mittwochs."},
        },
        topics=[topic],
    )
    issue = Issue.objects.create(
        subject="Neues im November",
        subject_de="Neues im November",
        subject_ar="الجديد في نوفمبر",
        intro_de="Das ist neu.",
    )
    IssueItem.objects.create(issue=issue, offer=offer, sort_order=0)
    return issue
