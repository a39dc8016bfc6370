"""Sending through the real pipeline to a local SMTP server: editions, audience,
RFC 8058 headers, retries, bounces, pause, throttle, claims.
"""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from newsletter import sending
from newsletter.models import Delivery, Issue, Subscriber, Suppression
from newsletter.selectors import audience_by_edition
from newsletter.services import bounce_record, subscriber_unsubscribe
from tests.factories import DistrictFactory, TopicFactory, published_offer
from tests.newsletter.conftest import subscriber_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick(settings):
    settings.SITE_URL = "https://wegweiser.example"
    settings.NEWSLETTER_FROM_EMAIL = "newsletter@wegweiser.example"
    settings.NEWSLETTER_UNSUBSCRIBE_EMAIL = "abmelden@wegweiser.example"
    settings.NEWSLETTER_RETRY_SECONDS = 0.05
    settings.NEWSLETTER_RATE = 0


def start(issue, **kwargs) -> int:
    """Queue the deliveries; the test runs the worker itself."""
    count = sending.issue_send_start(issue=issue, **kwargs)
    issue.refresh_from_db()
    return count


def test_each_subscriber_gets_one_edition_in_their_first_available_language(
    smtp, issue
):
    issue.languages = ["de", "ar"]
    issue.save()
    subscriber_make("farsi@example.org", languages=["fa", "ar"])
    subscriber_make("tigrinya@example.org", languages=["ti"])
    subscriber_make("deutsch@example.org", languages=["de"])
    assert audience_by_edition(issue) == {"de": 2, "ar": 1}

    assert start(issue) == 3
    result = sending.deliveries_send(issue_id=issue.pk)

    assert result.sent == 3
    assert len(smtp.received) == 3
    arabic = smtp.to("farsi@example.org")[0].message
    assert arabic["Subject"] == "الجديد في نوفمبر"
    html = arabic.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html
    german = smtp.to("tigrinya@example.org")[0].message
    assert german["Subject"] == "Neues im November"
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.finished_at is not None


def test_every_mail_has_rfc8058_headers_and_its_own_links(smtp, issue):
    subscriber = subscriber_make("anna@example.org", languages=["ar"])
    start(issue)
    sending.deliveries_send(issue_id=issue.pk)

    message = smtp.to("anna@example.org")[0].message
    unsubscribe = message["List-Unsubscribe"]
    https_url, mailto = [part.strip(" <>") for part in unsubscribe.split(",")]
    assert https_url.startswith("https://wegweiser.example/newsletter/unsubscribe/")
    assert mailto.startswith("mailto:abmelden@wegweiser.example?subject=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = Delivery.objects.get(subscriber=subscriber)
    assert message["Message-ID"] == delivery.message_id
    assert delivery.message_id == sending.message_id(issue, subscriber)
    body = message.get_body(("html",)).get_content()
    assert https_url in body
    assert "/ar/newsletter/preferences/" in body
    assert "recipient.invalid" not in body
    text = message.get_body(("plain",)).get_content()
    assert https_url in text


def test_audience_follows_topics_districts_and_state(smtp, issue, topic):
    other_topic = TopicFactory(slug="wohnen")
    district = DistrictFactory(slug="auenstadt")
    subscriber_make("all@example.org")
    subscriber_make("topic@example.org", topics=[topic])
    subscriber_make("other-topic@example.org", topics=[other_topic])
    subscriber_make("district@example.org", districts=[district])
    subscriber_make("paused@example.org", paused=True)
    subscriber_make(
        "pending@example.org", state=Subscriber.State.PENDING, confirmed_at=None
    )
    gone = subscriber_make("gone@example.org")
    subscriber_unsubscribe(subscriber=gone, source="test")
    bounced = subscriber_make("bounced@example.org")
    bounce_record(kind="hard", email=bounced.email)

    start(issue)
    sending.deliveries_send(issue_id=issue.pk)

    # The offer has no place: it concerns the whole region, so districts match.
    assert sorted(a for r in smtp.received for a in r.to) == [
        "all@example.org",
        "district@example.org",
        "topic@example.org",
    ]


def test_who_unsubscribes_after_queueing_gets_nothing(smtp, issue):
    stays = subscriber_make("stays@example.org")
    leaves = subscriber_make("leaves@example.org")
    start(issue)
    subscriber_unsubscribe(subscriber=leaves, source="test")
    bounce_record(kind="complaint", email=stays.email)

    result = sending.deliveries_send(issue_id=issue.pk)

    assert result.sent == 0 and result.suppressed == 2
    assert smtp.received == []
    assert set(Delivery.objects.values_list("state", flat=True)) == {"suppressed"}


def test_temporary_failures_are_retried_with_backoff(smtp, issue):
    for n in range(3):
        subscriber_make(f"s{n}@example.org")
    smtp.handler.fail_data = "451 4.3.0 Try again later"
    smtp.handler.fail_data_count = 2
    start(issue)

    result = sending.deliveries_send(issue_id=issue.pk)

    assert result.sent == 3 and result.retried == 2
    assert sorted(a for r in smtp.received for a in r.to) == [
        "s0@example.org",
        "s1@example.org",
        "s2@example.org",
    ]
    assert Delivery.objects.filter(attempts=2).count() == 2
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_hard_bounce_at_send_time_fails_and_suppresses(smtp, issue, agency, topic):
    subscriber_make("good@example.org")
    bad = subscriber_make("nobody@example.org")
    smtp.handler.refuse_rcpt["nobody@example.org"] = "550 5.1.1 No such user"
    start(issue)

    result = sending.deliveries_send(issue_id=issue.pk)

    assert result.sent == 1 and result.failed == 1
    delivery = Delivery.objects.get(subscriber=bad)
    assert delivery.state == "failed"
    assert "550" in delivery.last_error
    assert "nobody" not in delivery.last_error
    assert Suppression.objects.filter(email_hash=bad.email_hash).exists()
    assert not Subscriber.objects.receiving().filter(pk=bad.pk).exists()


def test_repeated_failures_stop_the_issue_and_resume_sends_the_rest(
    smtp, issue, settings, django_user_model
):
    settings.NEWSLETTER_STOP_AFTER_ERRORS = 3
    settings.NEWSLETTER_MAX_ATTEMPTS = 10
    settings.NEWSLETTER_RETRY_SECONDS = 0
    django_user_model.objects.create_superuser(
        "chef", "chef@wegweiser.example", "x" * 12
    )
    for n in range(5):
        subscriber_make(f"s{n}@example.org")
    smtp.handler.fail_data = "421 4.7.0 Server busy"
    smtp.handler.fail_data_count = 3
    start(issue)

    result = sending.deliveries_send(issue_id=issue.pk)

    issue.refresh_from_db()
    assert result.stopped == "errors"
    assert issue.status == Issue.Status.STOPPED
    assert "3" in issue.stop_reason and "SMTPDataError" in issue.stop_reason
    # The coordinator is told (the server takes mail again by then).
    assert [r.to for r in smtp.received] == [["chef@wegweiser.example"]]

    assert sending.issue_resume(issue=issue)
    sending.deliveries_send(issue_id=issue.pk)

    recipients = [a for r in smtp.received[1:] for a in r.to]
    assert sorted(recipients) == [f"s{n}@example.org" for n in range(5)]
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_pause_stops_workers_and_resume_continues(smtp, issue):
    for n in range(4):
        subscriber_make(f"s{n}@example.org")
    start(issue)
    assert sending.issue_pause(issue=issue)

    result = sending.deliveries_send(issue_id=issue.pk)
    assert result.stopped == "paused" and smtp.received == []

    sending.issue_resume(issue=issue)
    sending.deliveries_send(issue_id=issue.pk)
    assert len(smtp.received) == 4


def test_rate_limit_spaces_messages(smtp, issue, settings):
    settings.NEWSLETTER_RATE = 20
    for n in range(6):
        subscriber_make(f"s{n}@example.org")
    start(issue)

    began = time.monotonic()
    sending.deliveries_send(issue_id=issue.pk)

    assert len(smtp.received) == 6
    assert time.monotonic() - began >= 5 / 20 * 0.9


def test_claims_never_overlap_and_a_dead_workers_rows_come_back(issue, settings):
    for n in range(5):
        subscriber_make(f"s{n}@example.org")
    start(issue)
    import uuid

    first = sending.deliveries_claim(issue_id=issue.pk, claim=uuid.uuid4(), limit=3)
    second = sending.deliveries_claim(issue_id=issue.pk, claim=uuid.uuid4(), limit=3)
    assert len(first) == 3 and len(second) == 2
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert (
        sending.deliveries_claim(issue_id=issue.pk, claim=uuid.uuid4(), limit=3) == []
    )

    # The first worker died: once its claim runs out, another takes its rows.
    Delivery.objects.filter(pk__in=[d.pk for d in first]).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    third = sending.deliveries_claim(issue_id=issue.pk, claim=uuid.uuid4(), limit=10)
    assert {d.pk for d in third} == {d.pk for d in first}


def test_starting_twice_or_empty_is_refused(issue):
    subscriber_make("s@example.org")
    start(issue)
    with pytest.raises(sending.NewsletterError):
        sending.issue_send_start(issue=issue)
    empty = Issue.objects.create(subject="Leer", subject_de="Leer")
    with pytest.raises(sending.NewsletterError):
        sending.issue_send_start(issue=empty)


def test_a_schedule_far_in_the_past_needs_confirmation(smtp, issue):
    subscriber_make("s@example.org")
    issue.status = Issue.Status.SCHEDULED
    issue.scheduled_at = timezone.now() - timedelta(days=2)
    issue.save()

    with pytest.raises(sending.ScheduleOverdue):
        sending.issue_send_start(issue=issue)
    assert Delivery.objects.count() == 0

    # A worker that picks it up that late does not send either; it tells coordinators.
    assert sending.scheduled_start_due(issue.pk) == "overdue"
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and issue.stop_reason

    assert start(issue, confirm_overdue=True) == 1


def test_a_due_schedule_starts(issue):
    subscriber_make("s@example.org")
    sending.issue_schedule(issue=issue, at=timezone.now() + timedelta(hours=1))
    assert sending.scheduled_start_due(issue.pk) == "not yet"
    Issue.objects.filter(pk=issue.pk).update(
        scheduled_at=timezone.now() - timedelta(minutes=5)
    )
    assert sending.scheduled_start_due(issue.pk) == "started"
    assert Delivery.objects.filter(issue=issue).count() == 1


def test_soft_bounces_suppress_after_the_limit(settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 2
    subscriber = subscriber_make("soft@example.org")
    assert bounce_record(kind="soft", email="Soft@Example.org") == "counted"
    assert bounce_record(kind="soft", email="soft@example.org") == "suppressed"
    assert Suppression.objects.get(email_hash=subscriber.email_hash).reason == (
        "soft_bounces"
    )


def test_bounce_by_message_id(smtp, issue):
    subscriber = subscriber_make("s@example.org")
    start(issue)
    sending.deliveries_send(issue_id=issue.pk)
    message_id = Delivery.objects.get().message_id
    assert bounce_record(kind="hard", message_id=message_id) == "suppressed"
    assert Suppression.objects.filter(email_hash=subscriber.email_hash).exists()
    assert bounce_record(kind="hard", message_id="<nope@x>") == "unknown"


def test_test_send_reaches_given_addresses_only(issue):
    assert (
        sending.test_send(issue=issue, language="ar", addresses=["probe@example.org"])
        == 1
    )
    assert [m.to for m in mail.outbox] == [["probe@example.org"]]
    assert mail.outbox[0].subject.endswith("الجديد في نوفمبر")
    assert Delivery.objects.count() == 0


def test_a_schedule_is_a_deferred_task_in_the_database_backend(
    issue, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    subscriber_make("s@example.org")
    at = timezone.now() + timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        sending.issue_schedule(issue=issue, at=at)

    # (Wagtail queues its own index tasks for the page fixtures too.)
    task = DBTaskResult.objects.get(task_path__endswith="issue_start_scheduled")
    assert task.run_after == at
    assert task.args_kwargs["args"] == [issue.pk]


def test_a_worker_that_lost_its_claim_leaves_those_rows_to_the_new_holder(
    smtp, issue, settings, monkeypatch
):
    import uuid
    from collections import Counter

    settings.NEWSLETTER_CLAIM_SECONDS = 0.3
    for n in range(4):
        subscriber_make(f"s{n}@example.org")
    start(issue)
    real_send = sending._Connection.send
    stalled = []

    def first_message_hangs(connection, **kwargs):
        if not stalled:
            # The server hangs on the first message until the claim has run out,
            # and another worker takes every row over meanwhile.
            time.sleep(0.4)
            stalled.extend(
                sending.deliveries_claim(
                    issue_id=issue.pk, claim=uuid.uuid4(), limit=10
                )
            )
        return real_send(connection, **kwargs)

    monkeypatch.setattr(sending._Connection, "send", first_message_hangs)
    result = sending.deliveries_send(issue_id=issue.pk)

    assert len(stalled) == 4
    assert result.lost >= 3
    copies = Counter(address for r in smtp.received for address in r.to)
    assert set(copies) == {f"s{n}@example.org" for n in range(4)}
    # Only the message that was in flight when the claim ran out can repeat.
    assert sorted(copies.values()) in ([1, 1, 1, 1], [1, 1, 1, 2])


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    ],
)
def test_every_mail_backend_can_send_an_issue(
    issue, settings, tmp_path, backend, capsys
):
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_FILE_PATH = str(tmp_path)
    subscriber_make("s@example.org", languages=["ar"])
    start(issue)

    result = sending.deliveries_send(issue_id=issue.pk)

    assert result.sent == 1
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_relay_that_refuses_to_relay_suppresses_nobody(smtp, issue, settings):
    settings.NEWSLETTER_STOP_AFTER_ERRORS = 2
    subscribers = [subscriber_make(f"s{n}@example.org") for n in range(3)]
    for subscriber in subscribers:
        smtp.handler.refuse_rcpt[subscriber.email] = "550 5.7.1 Relaying denied"
    start(issue)

    result = sending.deliveries_send(issue_id=issue.pk)

    issue.refresh_from_db()
    assert result.stopped == "errors" and issue.status == Issue.Status.STOPPED
    assert not Suppression.objects.exists()
    assert not Delivery.objects.filter(state="failed").exists()


def test_a_server_that_refuses_our_sender_stops_at_once_and_costs_no_attempt(
    smtp, issue
):
    for n in range(3):
        subscriber_make(f"s{n}@example.org")
    smtp.handler.refuse_mail_from = "553 5.7.1 Sender address rejected"
    start(issue)

    result = sending.deliveries_send(issue_id=issue.pk)

    issue.refresh_from_db()
    assert result.stopped == "errors" and issue.status == Issue.Status.STOPPED
    assert "SMTPSenderRefused" in issue.stop_reason
    assert set(Delivery.objects.values_list("state", "attempts")) == {("queued", 0)}
    assert not Suppression.objects.exists()

    smtp.handler.refuse_mail_from = ""
    sending.issue_resume(issue=issue)
    sending.deliveries_send(issue_id=issue.pk)
    assert len({a for r in smtp.received for a in r.to}) == 3


def test_a_scheduled_issue_that_cannot_start_goes_back_to_draft(issue, smtp):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("chef", "chef@wegweiser.example", "x")
    subscriber_make("s@example.org")
    sending.issue_schedule(issue=issue, at=timezone.now() + timedelta(hours=1))
    issue.items.all().delete()
    Issue.objects.filter(pk=issue.pk).update(
        scheduled_at=timezone.now() - timedelta(minutes=1)
    )

    assert sending.scheduled_start_due(issue.pk) == "failed"

    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and issue.stop_reason
    assert [r.to for r in smtp.received] == [["chef@wegweiser.example"]]


def test_news_without_a_topic_reaches_subscribers_of_every_topic(smtp, agency):
    from newsletter.models import IssueItem, NewsItem

    topic = TopicFactory(slug="arbeit")
    subscriber_make("topic@example.org", topics=[topic])
    news = NewsItem.objects.create(
        agency=agency,
        title="Neue Sprechzeiten",
        title_de="Neue Sprechzeiten",
        body="Ab Mai auch samstags.",
        body_de="Ab Mai auch samstags.",
    )
    issue = Issue.objects.create(subject="Nachricht", subject_de="Nachricht")
    IssueItem.objects.create(issue=issue, news=news, sort_order=0)

    start(issue)
    sending.deliveries_send(issue_id=issue.pk)

    assert [r.to for r in smtp.received] == [["topic@example.org"]]


def test_bounce_notes_keep_no_address():
    subscriber = subscriber_make("anna@example.org")
    bounce_record(
        kind="hard",
        email=subscriber.email,
        note="550 5.1.1 <anna@example.org>: Recipient address rejected",
    )
    note = Suppression.objects.get().note
    assert "anna" not in note and "[address]" in note


def test_the_audience_takes_the_same_queries_for_one_item_or_many(
    issue, agency, topic, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from newsletter.models import IssueItem
    from newsletter.selectors import audience_by_edition

    subscriber_make("s@example.org", topics=[topic])
    with CaptureQueriesContext(connection) as one:
        audience_by_edition(issue)
    for n in range(5):
        offer = published_offer(
            agency, slug=f"mehr-{n}", texts={"title": {"de": f"Mehr {n}"}}
        )
        IssueItem.objects.create(issue=issue, offer=offer, sort_order=n + 1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert audience_by_edition(issue)["de"] == 1
