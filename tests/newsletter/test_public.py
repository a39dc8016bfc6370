"""The public newsletter pages: double opt-in sign-up, confirmation, preference
centre, one-click unsubscribe, archive, bounce webhook and the footer form.
"""

import json
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import get_language_info

from newsletter import links, services, tokens
from newsletter.models import (
    ConsentEvent,
    ConsentText,
    Delivery,
    Edition,
    Issue,
    Subscriber,
    Suppression,
)
from newsletter.models.subscribers import email_hash
from tests.factories import DistrictFactory, TopicFactory
from tests.newsletter.conftest import subscriber_make

pytestmark = pytest.mark.django_db

SITE = "https://wegweiser.example"
WEBHOOK_TOKEN = "s3cret"  # noqa: S105 (a test value)
CONFIRM_LINK = re.compile(re.escape(SITE) + r"(/[a-z]+/newsletter/confirm/[^/\s\"]+/)")


@pytest.fixture(autouse=True)
def newsletter_settings(settings):
    settings.SITE_URL = SITE
    settings.NEWSLETTER_SIGNUPS_PER_IP = 10
    settings.NEWSLETTER_MAILS_PER_ADDRESS = 3
    settings.NEWSLETTER_CONFIRM_DAYS = 7
    settings.NEWSLETTER_CONSENT_IP = "truncated"
    settings.NEWSLETTER_WEBHOOK_TOKEN = ""
    return settings


@pytest.fixture
def signup(client, django_capture_on_commit_callbacks):
    """POST the sign-up form; the confirmation mail task runs on commit."""

    def post(email="amira@example.org", *, language="de", ip="203.0.113.7", **data):
        payload = {"email": email, "languages": [language], "consent": "on", **data}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/{language}/newsletter/", payload, REMOTE_ADDR=ip)

    return post


def confirm_path(message) -> str:
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def problem_text(response) -> str:
    return response.content.decode()


# --- sign-up and confirmation -----------------------------------------------------


def test_signup_in_arabic_sends_one_arabic_confirmation_mail(signup):
    response = signup(language="ar")

    assert response.status_code == 303
    assert response["Location"] == "/ar/newsletter/thanks/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amira@example.org"]
    with translation.override("ar"):
        assert message.subject == translation.gettext(
            "Please confirm: Wegweiser newsletter"
        )
    assert confirm_path(message).startswith("/ar/newsletter/confirm/")
    html = message.alternatives[0][0]
    assert '<html lang="ar" dir="rtl">' in html
    assert "7" in message.body  # the link is valid 7 days
    # No external resources in the mail.
    assert "<img" not in html and "<link" not in html and "@import" not in html
    subscriber = Subscriber.objects.get()
    assert subscriber.state == Subscriber.State.PENDING
    assert subscriber.languages == ["ar"]
    assert subscriber.source == "newsletter page"


def test_thanks_page_says_how_long_the_link_is_valid(client):
    response = client.get("/de/newsletter/thanks/")
    assert response.status_code == 200
    assert "7 Tage" in response.content.decode()


def test_get_on_the_confirmation_link_does_not_confirm_post_does(client, signup):
    signup()
    path = confirm_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    assert f'action="{path}"' in page.content.decode()
    assert Subscriber.objects.get().state == Subscriber.State.PENDING

    confirmed = client.post(path, REMOTE_ADDR="203.0.113.9")
    assert confirmed.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.state == Subscriber.State.CONFIRMED
    preferences = (
        f"/de/newsletter/preferences/{tokens.subscriber_token(subscriber.uuid)}/"
    )
    assert preferences in confirmed.content.decode()

    again = client.post(path)
    assert again.status_code == 200
    assert again.context["newly"] is False
    assert client.get(path).context["newly"] is False
    assert ConsentEvent.objects.filter(kind=ConsentEvent.Kind.CONFIRM).count() == 1


def test_forged_confirmation_link_is_404_with_a_readable_page(client, signup):
    signup()
    path = confirm_path(mail.outbox[0])
    forged = path[:-3] + ("x" if path[-3] != "x" else "y") + path[-2:]

    for response in (client.get(forged), client.post(forged)):
        assert response.status_code == 404
        assert response.templates[0].name == "newsletter/error.html"
        assert 'href="/de/newsletter/"' in response.content.decode()
    assert Subscriber.objects.get().state == Subscriber.State.PENDING


def test_expired_confirmation_link_is_410_and_offers_the_sign_up(
    client, signup, monkeypatch, settings
):
    signup()
    subscriber = Subscriber.objects.get()
    past = time.time() - settings.NEWSLETTER_CONFIRM_DAYS * 86400 - 60
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: past)
        token = tokens.confirm_token(
            subscriber_uuid=subscriber.uuid, nonce=subscriber.confirm_nonce
        )
    path = f"/de/newsletter/confirm/{token}/"

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert 'href="/de/newsletter/"' in response.content.decode()
    assert Subscriber.objects.get().state == Subscriber.State.PENDING


def test_a_newer_sign_up_replaces_the_older_link(client, signup):
    signup()
    first = confirm_path(mail.outbox[0])
    signup()
    second = confirm_path(mail.outbox[1])
    assert client.post(first).status_code == 404
    assert client.post(second).status_code == 200


# --- no enumeration ---------------------------------------------------------------


def test_same_answer_for_new_waiting_confirmed_and_unsubscribed_addresses(
    client, signup
):
    topic = TopicFactory(slug="arbeit")
    subscriber_make("confirmed@example.org", languages=["fa"], topics=[topic])
    subscriber_make(
        "gone@example.org",
        state=Subscriber.State.UNSUBSCRIBED,
        confirmed_at=timezone.now(),
    )
    signup("waiting@example.org")
    mail.outbox.clear()

    answers = []
    for address in (
        "new@example.org",
        "waiting@example.org",
        "confirmed@example.org",
        "gone@example.org",
    ):
        response = signup(address, language="de")
        thanks = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], thanks.content))
    assert len(set(answers)) == 1
    assert answers[0][:2] == (303, "/de/newsletter/thanks/")
    # Everyone got one mail; the confirmed subscriber's choices are untouched.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "confirmed@example.org",
        "gone@example.org",
        "new@example.org",
        "waiting@example.org",
    ]
    confirmed = Subscriber.objects.get(email="confirmed@example.org")
    assert confirmed.state == Subscriber.State.CONFIRMED
    assert confirmed.languages == ["fa"]
    assert list(confirmed.topics.all()) == [topic]
    already = next(m for m in mail.outbox if m.to == ["confirmed@example.org"])
    assert "/fa/newsletter/preferences/" in already.body
    assert "/newsletter/confirm/" not in already.body


def test_filled_honeypot_creates_nothing_and_looks_the_same(signup):
    normal = signup("person@example.org")
    bot = signup("bot@example.org", website="http://spam.example")

    assert (bot.status_code, bot["Location"]) == (
        normal.status_code,
        normal["Location"],
    )
    assert list(Subscriber.objects.values_list("email", flat=True)) == [
        "person@example.org"
    ]
    assert [m.to for m in mail.outbox] == [["person@example.org"]]


def test_footer_sign_up_records_its_source(signup):
    signup(source="footer")
    assert Subscriber.objects.get().source == "footer"
    signup("other@example.org", source="anything else")
    assert Subscriber.objects.get(email="other@example.org").source == (
        "newsletter page"
    )


# --- limits -----------------------------------------------------------------------


def test_too_many_sign_ups_from_one_ip_get_429_with_the_input_kept(signup, settings):
    settings.NEWSLETTER_SIGNUPS_PER_IP = 2
    assert signup("a@example.org", ip="198.51.100.1").status_code == 303
    assert signup("b@example.org", ip="198.51.100.1").status_code == 303

    response = signup("c@example.org", language="ar", ip="198.51.100.1")

    assert response.status_code == 429
    body = response.content.decode()
    assert 'value="c@example.org"' in body
    assert re.search(r'value="ar"[^>]*checked', body)
    assert response.context["problem"]
    assert not Subscriber.objects.filter(email="c@example.org").exists()
    # Another connection is not affected.
    assert signup("c@example.org", ip="198.51.100.2").status_code == 303


def test_mails_to_one_address_are_limited_per_day(signup, settings):
    settings.NEWSLETTER_MAILS_PER_ADDRESS = 2
    for _attempt in range(4):
        assert signup("same@example.org").status_code == 303
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"languages": ["xx"]}, "languages", "xx"),
        ({"languages": []}, "languages", ""),
        ({"topics": ["no-such-topic"]}, "topics", "no-such-topic"),
        ({"topics": ["<script>"]}, "topics", "&lt;script&gt;"),
        ({"districts": ["nowhere"]}, "districts", "nowhere"),
        ({"email": "not an address"}, "email", ""),
        ({"email": "a" * 250 + "@example.org"}, "email", ""),
        ({"consent": ""}, "consent", ""),
        ({"topics": [f"t{i}" for i in range(60)]}, "topics", "50"),
    ],
)
def test_bad_input_comes_back_with_a_message_on_its_field(
    client, data, field, expected
):
    payload = {
        "email": "amira@example.org",
        "languages": ["de"],
        "consent": "on",
        **data,
    }
    response = client.post("/de/newsletter/", payload)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    body = response.content.decode()
    assert escape(form.errors[field][0]) in body
    assert expected in body
    if field != "email":
        assert 'value="amira@example.org"' in body
    assert not Subscriber.objects.exists()


def test_a_huge_body_gets_a_readable_400_page(client):
    response = client.post(
        "/de/newsletter/",
        {"email": "a@example.org", "languages": ["de"], "note": "x" * 100_000},
    )
    assert response.status_code == 400
    assert response.templates[0].name == "newsletter/signup.html"
    assert response.context["problem"] in response.content.decode()
    assert not Subscriber.objects.exists()


def test_more_fields_than_django_reads_get_a_readable_400_page(client):
    body = "&".join(["languages=de"] * 1200)
    response = client.post(
        "/de/newsletter/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.context["problem"] in response.content.decode()


# --- consent record ---------------------------------------------------------------


def test_consent_event_keeps_a_truncated_ip_and_the_text_once(signup):
    signup("one@example.org", language="ar", ip="203.0.113.77")
    signup("two@example.org", language="ar", ip="2001:db8:1234:5678::1")

    events = ConsentEvent.objects.filter(kind=ConsentEvent.Kind.SIGNUP).order_by("pk")
    assert [event.ip for event in events] == ["203.0.113.0/24", "2001:db8:1234::/48"]
    assert ConsentText.objects.count() == 1
    text = ConsentText.objects.get()
    with translation.override("ar"):
        assert text.text == services.consent_sentence()
    assert text.language == "ar"
    assert {event.consent_text_id for event in events} == {text.pk}
    assert all(event.language == "ar" for event in events)


def test_behind_our_proxy_the_readers_address_is_recorded_not_the_proxys(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/de/newsletter/",
            {"email": "p@example.org", "languages": ["de"], "consent": "on"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7",
        )
    assert ConsentEvent.objects.get().ip == "198.51.100.0/24"


# --- preference centre ------------------------------------------------------------


def preferences_path(subscriber, language="de") -> str:
    return links.preferences_url(subscriber, language).removeprefix(SITE)


def test_preference_centre_changes_choices_and_pauses(client):
    old, new = TopicFactory(slug="wohnen"), TopicFactory(slug="arbeit")
    district = DistrictFactory(slug="auenstadt")
    subscriber = subscriber_make("p@example.org", languages=["de"], topics=[old])
    path = preferences_path(subscriber)

    page = client.get(path)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "p@example.org" in page.content.decode()

    response = client.post(
        path,
        {
            "action": "save",
            "languages": ["de", "ar"],
            "topics": ["arbeit"],
            "districts": ["auenstadt"],
            "paused": "on",
        },
    )
    assert response.status_code == 303
    subscriber.refresh_from_db()
    assert subscriber.languages == ["de", "ar"]  # the first language stays first
    assert list(subscriber.topics.all()) == [new]
    assert list(subscriber.districts.all()) == [district]
    assert subscriber.paused is True
    assert ConsentEvent.objects.filter(
        subscriber=subscriber, kind=ConsentEvent.Kind.PAUSE
    ).exists()
    assert client.get(response["Location"]).context["saved"] is True

    bad = client.post(path, {"action": "save", "languages": ["de"], "topics": ["x-y"]})
    assert bad.status_code == 200
    assert list(bad.context["form"].errors) == ["topics"]

    client.post(path, {"action": "save", "languages": ["ar", "de"]})
    subscriber.refresh_from_db()
    assert subscriber.paused is False
    assert subscriber.languages == ["de", "ar"]
    assert ConsentEvent.objects.filter(
        subscriber=subscriber, kind=ConsentEvent.Kind.RESUME
    ).exists()


def test_unsubscribe_from_the_preference_centre_then_the_page_says_so(client):
    subscriber = subscriber_make("u@example.org")
    path = preferences_path(subscriber)

    response = client.post(path, {"action": "unsubscribe"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED

    page = client.get(path)
    assert page.context["unsubscribed"] is True
    body = page.content.decode()
    assert 'href="/de/newsletter/"' in body
    assert 'value="save"' not in body


def test_export_is_mailed_to_the_address_with_the_consent_proof(
    client, signup, django_capture_on_commit_callbacks
):
    signup("data@example.org", language="ar", ip="203.0.113.5")
    client.post(confirm_path(mail.outbox[0]), REMOTE_ADDR="203.0.113.5")
    subscriber = Subscriber.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(preferences_path(subscriber), {"action": "export"})

    # Not a download: whoever holds a forwarded newsletter must not get the data.
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response.context["export_message"]
    message = mail.outbox[-1]
    assert message.to == ["data@example.org"]
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("wegweiser-newsletter-data.json", "application/json")
    data = json.loads(content)
    assert data["email"] == "data@example.org"
    events = {event["event"]: event for event in data["consent_events"]}
    assert events["signup"]["ip"] == "203.0.113.0/24"
    with translation.override("ar"):
        assert events["signup"]["consent_text"]["text"] == services.consent_sentence()
    assert events["confirm"]["at"]


def row_values(model) -> list[str]:
    return [json.dumps(row, default=str) for row in model._base_manager.values()]


def tables_holding(text: str) -> list[str]:
    """Every model (ours, Wagtail's, Django's, the task queue's) with a row that
    contains ``text`` anywhere.
    """
    from django.apps import apps

    return [
        model._meta.label
        for model in apps.get_models()
        if not model._meta.proxy and any(text in row for row in row_values(model))
    ]


def test_erase_needs_the_checkbox_and_leaves_no_row_with_the_address(client, signup):
    address = "erase.me@example.org"
    signup(address)
    client.post(confirm_path(mail.outbox[0]))
    subscriber = Subscriber.objects.get()
    sent_issue = Issue.objects.create(subject="Alt", status=Issue.Status.SENT)
    running = Issue.objects.create(subject="Neu", status=Issue.Status.SENDING)
    for issue, state in ((sent_issue, "sent"), (running, "queued")):
        Delivery.objects.create(
            issue=issue,
            subscriber=subscriber,
            email_hash=subscriber.email_hash,
            language="de",
            state=state,
            message_id=f"<{issue.pk}@wegweiser.example>",
        )
    path = preferences_path(subscriber)

    refused = client.post(path, {"action": "erase"})
    assert refused.status_code == 200
    assert refused.context["erase_error"]
    assert Subscriber.objects.exists()

    response = client.post(path, {"action": "erase", "erase_confirm": "yes"})

    assert response.status_code == 200
    assert response.templates[0].name == "newsletter/erased.html"
    assert not Subscriber.objects.exists()
    assert tables_holding(address) == []
    events = ConsentEvent.objects.all()
    assert {event.email_hash for event in events} == {email_hash(address)}
    assert all(event.subscriber_id is None for event in events)
    assert list(Delivery.objects.values_list("issue", "subscriber")) == [
        (sent_issue.pk, None)
    ]
    assert client.get(path).status_code == 404


def test_unknown_preference_token_is_404(client):
    response = client.get("/de/newsletter/preferences/nonsense/")
    assert response.status_code == 404
    assert response.templates[0].name == "newsletter/error.html"
    assert client.post("/de/newsletter/preferences/nonsense/").status_code == 404


# --- one-click unsubscribe --------------------------------------------------------


def test_rfc8058_one_click_post_unsubscribes_without_cookies():
    subscriber = subscriber_make("click@example.org")
    path = links.unsubscribe_url(subscriber).removeprefix(SITE)
    assert path.startswith("/newsletter/unsubscribe/")
    client = Client()  # no cookies, no CSRF token

    response = client.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert response.cookies == {}
    assert "no-store" in response["Cache-Control"]
    subscriber.refresh_from_db()
    assert subscriber.state == Subscriber.State.UNSUBSCRIBED
    event = ConsentEvent.objects.get(kind=ConsentEvent.Kind.UNSUBSCRIBE)
    assert event.source == "one-click"
    # A second click changes nothing and still answers 200.
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert ConsentEvent.objects.filter(kind=ConsentEvent.Kind.UNSUBSCRIBE).count() == 1


def test_unsubscribe_page_speaks_the_subscribers_language_and_its_button_works():
    subscriber = subscriber_make("fa@example.org", languages=["fa", "de"])
    path = links.unsubscribe_url(subscriber).removeprefix(SITE)
    client = Client()

    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert '<html lang="fa" dir="rtl">' in body
    assert f'action="{path}"' in body
    assert "/fa/newsletter/preferences/" in body
    assert page.cookies == {}
    assert Subscriber.objects.get().state == Subscriber.State.CONFIRMED

    done = client.post(path)
    assert done.status_code == 200
    assert done.context["done"] is True
    assert Subscriber.objects.get().state == Subscriber.State.UNSUBSCRIBED


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_unsubscribe_token_is_404(method):
    response = getattr(Client(), method)("/newsletter/unsubscribe/forged-token/")
    assert response.status_code == 404


# --- archive ----------------------------------------------------------------------


CONTENT = {
    "subject": "Neues im November",
    "subject_lang": "de",
    "intro": "Das ist neu.",
    "intro_lang": "de",
    "groups": [
        {
            "heading": "Sprache",
            "heading_lang": "de",
            "items": [
                {
                    "kind": "offer",
                    "title": "Deutschkurs am Abend",
                    "title_lang": "de",
                    "summary": "Montags.",
                    "summary_lang": "de",
                    "url": f"{SITE}/de/deutschkurs/",
                    "agency": "Caritas",
                    "agency_lang": "de",
                    "lang": "de",
                },
                {"title": "Kaputt", "url": "javascript:alert(1)"},
                "not an item",
            ],
        }
    ],
}


def edition_make(issue, language, subject, content=CONTENT):
    return Edition.objects.create(
        issue=issue,
        language=language,
        subject=subject,
        html="<p>personal?</p>",
        text="",
        content=content,
    )


def test_archive_lists_sent_issues_in_the_page_language_or_marked_german(client):
    now = timezone.now()
    older = Issue.objects.create(
        subject="Oktober", status=Issue.Status.SENT, started_at=now - timedelta(30)
    )
    newer = Issue.objects.create(
        subject="November", status=Issue.Status.SENT, started_at=now
    )
    draft = Issue.objects.create(subject="Entwurf")
    edition_make(older, "de", "Neues im Oktober")
    edition_make(older, "ar", "الجديد في أكتوبر")
    edition_make(newer, "de", "Neues im November")
    edition_make(draft, "de", "Geheimer Entwurf")

    page = client.get("/ar/newsletter/archive/")

    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("Neues im November") < body.index("الجديد في أكتوبر")
    assert re.search(r'lang="de"[^>]*>Neues im November<', body)
    assert "Neues im Oktober" not in body
    assert "Geheimer Entwurf" not in body


def test_archive_issue_renders_the_snapshot_and_refuses_unsent_ones(client):
    sent = Issue.objects.create(
        subject="November", status=Issue.Status.SENT, started_at=timezone.now()
    )
    edition_make(sent, "de", "Neues im November")
    draft = Issue.objects.create(subject="Entwurf")
    edition_make(draft, "de", "Entwurf")

    page = client.get(f"/ar/newsletter/archive/{sent.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    assert re.search(r'<h1 lang="de"[^>]*>Neues im November</h1>', body)
    assert f'href="{SITE}/de/deutschkurs/"' in body
    assert "Kaputt" in body and "javascript:" not in body
    assert "personal?" not in body
    assert client.get(f"/de/newsletter/archive/{draft.pk}/").status_code == 404
    assert client.get("/de/newsletter/archive/999999/").status_code == 404


# --- bounce webhook ---------------------------------------------------------------


def bounce_post(client, body, token=WEBHOOK_TOKEN):
    return client.post(
        "/api/newsletter/bounces",
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_bounce_api_is_off_without_a_token_and_refuses_a_wrong_one(client, settings):
    assert bounce_post(client, {"kind": "hard", "email": "x@y.z"}).status_code == 404
    settings.NEWSLETTER_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    wrong = bounce_post(client, {"kind": "hard", "email": "x@y.z"}, token="guess")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    missing = client.post(
        "/api/newsletter/bounces", "{}", content_type="application/json"
    )
    assert missing.status_code == 401
    assert not Suppression.objects.exists()


def test_bounce_api_records_reports_and_answers_per_item(client, settings):
    settings.NEWSLETTER_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    subscriber_make("bounced@example.org")
    complainer = subscriber_make("angry@example.org")

    response = bounce_post(
        client,
        [
            {"kind": "hard", "email": "Bounced@example.org", "note": "550 no user"},
            {"kind": "complaint", "email": "angry@example.org"},
            {"kind": "soft", "email": "nobody@example.org"},
            {"kind": "hard", "message_id": "<unknown@wegweiser.example>"},
        ],
    )

    assert response.status_code == 200
    assert [r["result"] for r in response.json()["results"]] == [
        "suppressed",
        "suppressed",
        "unknown",
        "unknown",
    ]
    assert Suppression.objects.count() == 2
    complainer.refresh_from_db()
    assert complainer.state == Subscriber.State.UNSUBSCRIBED
    single = bounce_post(client, {"kind": "soft", "email": "bounced@example.org"})
    assert single.json() == {"results": [{"index": 0, "result": "counted"}]}


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("{not json", "JSON"),
        ({"kind": "bogus", "email": "a@b.c"}, "kind"),
        ({"kind": "hard"}, "email"),
        ({"kind": "hard", "email": 5}, "email"),
        ([{"kind": "hard", "email": "a@b.c"}, "x"], "item 1"),
        ([{"kind": "soft", "email": "a@b.c"}] * 1001, "1000"),
    ],
)
def test_bounce_api_names_the_problem_with_bad_input(client, settings, body, names):
    settings.NEWSLETTER_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    response = bounce_post(client, body)
    assert response.status_code == 400
    assert names in response.json()["error"]
    assert not Suppression.objects.exists()


# --- footer form ------------------------------------------------------------------


@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl")])
def test_footer_form_on_the_home_page(client, home, language, direction):
    response = client.get(f"/{language}/")

    assert response.status_code == 200
    assert response.cookies == {}
    body = response.content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in body
    footer = body[body.index('<footer class="site-footer">') :]
    assert f'action="/{language}/newsletter/"' in footer
    assert f'name="languages" value="{language}"' in footer
    assert 'name="source" value="footer"' in footer
    assert re.search(r'name="website"[^>]*tabindex="-1"', footer)
    assert 'class="nl-hp" aria-hidden="true"' in footer
    with translation.override(language):
        assert services.consent_sentence() in footer


def test_footer_form_posts_a_working_sign_up(client, home, signup):
    response = signup(language="ar", source="footer")
    assert response.status_code == 303
    subscriber = Subscriber.objects.get()
    assert (subscriber.languages, subscriber.source) == (["ar"], "footer")
    assert len(mail.outbox) == 1


def test_sign_up_page_has_its_own_form_only(client):
    body = client.get("/de/newsletter/").content.decode()
    assert body.count('name="email"') == 1
    assert re.search(r'value="de"[^>]*checked', body)
    # Language names in their own script.
    assert get_language_info("ar")["name_local"] in body
