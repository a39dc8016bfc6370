"""Operator commands: compose, send (dry run, wait), bounce, cleanup, seed_demo
--subscribers; and no address in any log line along the whole loop.
"""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from newsletter.models import ConsentEvent, Delivery, Issue, Subscriber, Suppression
from newsletter.services import subscriber_confirm, subscriber_signup
from newsletter.tokens import confirm_token
from tests.factories import published_offer
from tests.newsletter.conftest import subscriber_make

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_compose_prints_the_issue_id_last_and_takes_new_items_only(agency, topic):
    old = published_offer(agency, slug="alt", texts={"title": {"de": "Alt"}})
    old.last_published_at = timezone.now() - timedelta(days=30)
    old.save(update_fields=["last_published_at"])
    published_offer(agency, slug="neu", texts={"title": {"de": "Neu"}}, topics=[topic])
    since = (timezone.localdate() - timedelta(days=3)).isoformat()

    output = run("newsletter_compose", "--subject", "Neues", "--since", since)

    issue = Issue.objects.get(pk=int(output.strip().splitlines()[-1]))
    assert issue.status == Issue.Status.DRAFT
    assert [item.offer.slug for item in issue.items.all()] == ["neu"]


def test_compose_refuses_a_bad_date_and_an_empty_subject():
    with pytest.raises(CommandError, match="2026-11-30"):
        run("newsletter_compose", "--subject", "X", "--since", "30.11.2026")
    with pytest.raises(CommandError):
        run("newsletter_compose", "--subject", "  ")


def test_send_dry_run_counts_per_edition_and_sends_nothing(issue):
    issue.languages = ["de", "ar"]
    issue.save()
    subscriber_make("a@example.org", languages=["ar"])
    subscriber_make("b@example.org", languages=["ti", "de"])

    output = run("newsletter_send", str(issue.pk), "--dry-run")

    assert output.splitlines() == ["de\t1", "ar\t1", "total\t2"]
    assert Delivery.objects.count() == 0 and mail.outbox == []


def test_send_wait_returns_with_the_final_counts(issue):
    for n in range(3):
        subscriber_make(f"s{n}@example.org")
    subscriber_make("p@example.org", paused=True)

    output = run("newsletter_send", str(issue.pk), "--wait")

    assert "sent\t3" in output.splitlines()
    assert "status\tsent" in output.splitlines()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "s0@example.org",
        "s1@example.org",
        "s2@example.org",
    ]


def test_send_refuses_unknown_issue_and_overdue_schedule(issue):
    subscriber_make("s@example.org")
    with pytest.raises(CommandError, match="No issue"):
        run("newsletter_send", "999999")
    issue.status = Issue.Status.SCHEDULED
    issue.scheduled_at = timezone.now() - timedelta(days=3)
    issue.save()
    with pytest.raises(CommandError):
        run("newsletter_send", str(issue.pk))
    assert "sent\t1" in run(
        "newsletter_send", str(issue.pk), "--confirm-overdue", "--wait"
    )


def test_send_due_starts_scheduled_issues_whose_time_has_come(issue):
    subscriber_make("s@example.org")
    issue.status = Issue.Status.SCHEDULED
    issue.scheduled_at = timezone.now() - timedelta(minutes=1)
    issue.save()
    assert run("newsletter_send", "--due").strip() == f"{issue.pk}\tstarted"
    assert Delivery.objects.filter(issue=issue).count() == 1


def test_bounce_command_suppresses_and_names_bad_input():
    subscriber = subscriber_make("gone@example.org")
    assert run("newsletter_bounce", "hard", "--email", "GONE@example.org").strip() == (
        "suppressed"
    )
    assert Suppression.objects.filter(email_hash=subscriber.email_hash).exists()
    with pytest.raises(CommandError):
        run("newsletter_bounce", "soft")


def test_cleanup_deletes_expired_sign_ups_only(settings):
    settings.NEWSLETTER_CONFIRM_DAYS = 7
    old = subscriber_make(
        "old@example.org", state=Subscriber.State.PENDING, confirmed_at=None
    )
    Subscriber.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    subscriber_make(
        "new@example.org", state=Subscriber.State.PENDING, confirmed_at=None
    )
    subscriber_make("confirmed@example.org")

    assert run("newsletter_cleanup").startswith("1 ")
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "confirmed@example.org",
        "new@example.org",
    ]


def test_seed_demo_adds_confirmed_subscribers_to_an_existing_region(home, topic):
    run("seed_demo", "--subscribers", "60")

    subscribers = Subscriber.objects.all()
    assert subscribers.count() == 60
    assert set(subscribers.values_list("state", flat=True)) == {"confirmed"}
    assert all(s.email.endswith("@example.org") for s in subscribers)
    assert len({s.languages[0] for s in subscribers}) >= 5
    assert ConsentEvent.objects.filter(kind="confirm").count() == 60
    run("seed_demo", "--subscribers", "5")
    assert Subscriber.objects.count() == 65


def test_no_address_in_any_log_line(caplog, issue, django_capture_on_commit_callbacks):
    """Sign-up, confirmation, sending, a refused and a bounced address: the logs
    never name anyone.
    """
    caplog.set_level(logging.DEBUG)
    addresses = ["log.one@example.org", "log.two@example.org"]
    for address in addresses:
        with django_capture_on_commit_callbacks(execute=True):
            subscriber_signup(
                email=address,
                languages=["de"],
                topics=[],
                districts=[],
                language="de",
                source="page",
                ip="203.0.113.9",
            )
    for subscriber in Subscriber.objects.all():
        token = confirm_token(
            subscriber_uuid=subscriber.uuid, nonce=subscriber.confirm_nonce
        )
        subscriber_confirm(token=token, ip=None)
    run("newsletter_send", str(issue.pk), "--wait")
    run("newsletter_bounce", "hard", "--email", addresses[0])

    assert len(mail.outbox) == 4  # two confirmations, two issues
    assert caplog.records, "the loop logs something"
    for address in addresses:
        assert address not in caplog.text
        assert address.split("@")[0] not in caplog.text


def test_compose_without_a_choice_takes_the_newest_suggestions_only(
    agency, topic, settings
):
    settings.NEWSLETTER_SUGGESTED_ITEMS = 3
    now = timezone.now()
    for n in range(6):
        offer = published_offer(
            agency, slug=f"o{n}", texts={"title": {"de": f"Angebot {n}"}}
        )
        offer.last_published_at = now - timedelta(hours=n)
        offer.save(update_fields=["last_published_at"])

    output = run("newsletter_compose", "--subject", "Neues")

    issue = Issue.objects.get(pk=int(output.strip().splitlines()[-1]))
    assert sorted(item.offer.slug for item in issue.items.all()) == ["o0", "o1", "o2"]


def test_a_mail_to_the_mailto_unsubscribe_address_unsubscribes(tmp_path, issue, smtp):
    from email.message import EmailMessage
    from urllib.parse import unquote

    from newsletter import sending

    subscriber = subscriber_make("mailto@example.org")
    sending.issue_send_start(issue=issue)
    sending.deliveries_send(issue_id=issue.pk)
    header = smtp.received[0].message["List-Unsubscribe"]
    mailto = header.split(",")[1].strip(" <>")
    subject = unquote(mailto.split("?subject=", 1)[1])
    reply = EmailMessage()
    reply["From"] = subscriber.email
    reply["To"] = mailto.removeprefix("mailto:").split("?")[0]
    reply["Subject"] = subject
    path = tmp_path / "reply.eml"
    path.write_bytes(reply.as_bytes())

    assert run("newsletter_inbound", "--file", str(path)).startswith("unsubscribed")
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED

    reply.replace_header("Subject", "unsubscribe forged-token")
    path.write_bytes(reply.as_bytes())
    assert run("newsletter_inbound", "--file", str(path)).startswith("ignored")
