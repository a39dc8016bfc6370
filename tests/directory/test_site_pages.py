"""The site's own pages: accessibility statement with its feedback form, imprint,
privacy notice, easy language; the footer's links to them; who may edit them."""

import re

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from demo.site_pages import TITLES, site_pages_seed
from directory.feedback import MAIL_ATTEMPTS_MAX, feedback_mails_send
from directory.models import (
    AccessibilityFeedback,
    AccessibilityStatementPage,
    InformationPage,
)
from directory.services import agency_editors_group_ensure, coordinators_group_ensure
from directory.tasks import feedback_mails_send_task
from tests.factories import TopicFactory, published_offer
from tests.newsletter import conftest as newsletter_fixtures
from tests.newsletter.smtp import free_port

smtp = newsletter_fixtures.smtp

STATEMENT = "/en/barrierefreiheit/"
MESSAGE = "The search button cannot be reached with the keyboard."
FOOTER_KINDS = {
    "accessibility": "barrierefreiheit",
    "easy_language": "leichte-sprache",
    "imprint": "impressum",
    "privacy": "datenschutz",
}


@pytest.fixture
def site_pages(home):
    site_pages_seed(home=home)
    return home


@pytest.fixture
def people(site_pages, agency, settings):
    """A coordinator, a coordinator without an address, an inactive one, an agency
    editor, a superuser."""
    settings.ACCOUNTS_2FA_REQUIRED = False
    User = get_user_model()
    coordinators = coordinators_group_ensure(home=site_pages)
    coordinator = User.objects.create_user("koordination", "koord@auental.example")
    coordinator.groups.add(coordinators)
    User.objects.create_user("ohne-adresse").groups.add(coordinators)
    gone = User.objects.create_user(
        "ehemalig", "ehemalig@auental.example", is_active=False
    )
    gone.groups.add(coordinators)
    editor = User.objects.create_user("redaktion", "redaktion@caritas.example")
    editor.groups.add(agency_editors_group_ensure(agency=agency))
    admin = User.objects.create_superuser("admin", "admin@auental.example")
    return {"coordinator": coordinator, "editor": editor, "superuser": admin}


def _post(client, captured, data=None, **headers):
    form = {"message": MESSAGE, "page_url": "/en/search/", "name": "", "email": ""}
    form.update(data or {})
    with captured(execute=True):
        return client.post(STATEMENT, form, **headers)


def _text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text().split())


# --- the feedback form ----------------------------------------------------------------


def test_the_statement_shows_its_parts_and_the_form(client, site_pages):
    response = client.get(STATEMENT, HTTP_REFERER="http://testserver/en/topics/")
    assert response.status_code == 200
    text = _text(response)
    assert "partially compliant with the German accessibility regulation" in text
    assert "German Sign Language" in text  # a known barrier
    assert "Report a barrier" in text
    assert "Schlichtungsstelle nach § 16" in text
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("a", href="https://www.schlichtungsstelle-bgg.de/")
    # The page the reader came from is filled in for them.
    assert soup.find("input", attrs={"name": "page_url"})["value"] == "/en/topics/"
    assert soup.find("textarea", attrs={"name": "message"})


def test_feedback_is_stored_and_mailed_to_the_coordinators(
    client, people, smtp, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_FEEDBACK_EMAIL = ["barrierefreiheit@auental.example"]
    response = _post(
        client,
        django_capture_on_commit_callbacks,
        {"name": "Amal", "email": "amal@example.org"},
    )
    assert response.status_code == 303
    thanks = client.get(response["Location"])
    assert "Thank you. Your message has reached us." in _text(thanks)
    feedback = AccessibilityFeedback.objects.get()
    assert (feedback.message, feedback.name, feedback.email) == (
        MESSAGE,
        "Amal",
        "amal@example.org",
    )
    assert (feedback.page_url, feedback.language) == ("/en/search/", "en")
    assert feedback.mailed_at is not None and not feedback.handled
    recipients = {address for mail in smtp.handler.received for address in mail.to}
    # Active coordinators with an address and the office's mailbox; nobody else.
    assert recipients == {"koord@auental.example", "barrierefreiheit@auental.example"}
    mail = smtp.handler.received[0].message
    assert MESSAGE in mail.get_body().get_content()
    assert mail["Reply-To"] == "amal@example.org"
    assert reverse("directory_feedback:edit", args=[feedback.pk]) in (
        mail.get_body().get_content()
    )


def test_a_mail_server_that_is_down_loses_nothing_and_is_tried_again(
    client, people, smtp, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    response = _post(client, django_capture_on_commit_callbacks)
    assert response.status_code == 303
    assert "Thank you" in _text(client.get(response["Location"]))
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.mailed_at is None and feedback.mail_attempts == 1
    # The server is back; the next run (the retry, or the next feedback's) sends it.
    settings.EMAIL_PORT = smtp.port
    assert feedback_mails_send() == {"sent": 1, "failed": 0, "pending": 0}
    feedback.refresh_from_db()
    assert feedback.mailed_at is not None
    assert [mail.to for mail in smtp.handler.received] == [["koord@auental.example"]]
    assert feedback_mails_send()["sent"] == 0  # never twice


def test_a_refused_mail_is_queued_again_for_later(people, smtp, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    smtp.handler.fail_data, smtp.handler.fail_data_count = "451 4.3.0 try later", 1
    AccessibilityFeedback.objects.create(message=MESSAGE, language="de")
    assert feedback_mails_send_task.call() == {"sent": 0, "failed": 1, "pending": 1}
    retries = feedback_mails_send_task.get_backend().results
    assert len(retries) == 1 and retries[0].task.run_after is not None
    assert feedback_mails_send_task.call()["sent"] == 1


def test_a_feedback_that_failed_too_often_waits_in_the_admin(people, smtp):
    AccessibilityFeedback.objects.create(
        message=MESSAGE, language="de", mail_attempts=MAIL_ATTEMPTS_MAX
    )
    assert feedback_mails_send() == {"sent": 0, "failed": 0, "pending": 0}
    assert smtp.handler.received == []


def test_the_rate_limit_answers_with_a_message_and_keeps_the_text(
    client, site_pages, settings, django_capture_on_commit_callbacks
):
    settings.DIRECTORY_FEEDBACK_PER_HOUR = 2
    for _n in range(2):
        assert _post(client, django_capture_on_commit_callbacks).status_code == 303
    text = "Third message: the map has no text alternative."
    response = _post(client, django_capture_on_commit_callbacks, {"message": text})
    assert response.status_code == 429
    assert "many messages from your connection" in _text(response)
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("textarea", attrs={"name": "message"}).get_text() == text
    assert AccessibilityFeedback.objects.count() == 2
    # Another address is not affected.
    other = _post(client, django_capture_on_commit_callbacks, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 303


def test_the_honeypot_looks_like_success_and_stores_nothing(
    client, people, mailoutbox, django_capture_on_commit_callbacks
):
    response = _post(
        client, django_capture_on_commit_callbacks, {"website": "http://spam.example"}
    )
    assert response.status_code == 303
    assert not AccessibilityFeedback.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"message": "x" * 5001}, "Please shorten your message to 5000 characters"),
        ({"message": "   "}, "This field is required."),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"name": "n" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_the_text(
    client, site_pages, data, problem, django_capture_on_commit_callbacks
):
    response = _post(client, django_capture_on_commit_callbacks, data)
    assert response.status_code == 400
    text = _text(response)
    assert "Please check what is marked below. Your text is kept." in text
    assert problem in text
    soup = BeautifulSoup(response.content, "html.parser")
    sent = {"message": MESSAGE, **data}["message"]
    assert soup.find("textarea", attrs={"name": "message"}).get_text() == sent
    assert not AccessibilityFeedback.objects.exists()


def test_the_database_refuses_an_empty_or_too_long_message(db):
    for message in ("", " \n ", "x" * 5001):
        with pytest.raises(ValidationError):
            AccessibilityFeedback(message=message, language="de").full_clean()


# --- the pages themselves -------------------------------------------------------------


def test_one_page_of_each_kind_per_site(site_pages):
    second = InformationPage(
        title="Noch ein Impressum", slug="impressum-2", kind="imprint"
    )
    second.path = None
    with pytest.raises(ValidationError) as raised:
        site_pages.add_child(instance=second)
    assert "kind" in raised.value.message_dict
    assert (
        InformationPage.objects.child_of(site_pages).filter(kind="imprint").count() == 1
    )


def test_the_admin_says_when_the_site_has_a_page_of_that_kind(client, people):
    home = AccessibilityStatementPage.objects.get().get_parent()
    client.force_login(people["coordinator"])
    url = reverse(
        "wagtailadmin_pages:add", args=["directory", "informationpage", home.pk]
    )
    data = {"title_de": "Zweites Impressum", "slug": "impressum-2", "kind": "imprint"}
    # An empty body in every language (the editor's form sends the block counts).
    data.update({f"body_{code}-count": "0" for code, _name in settings.LANGUAGES})
    response = client.post(url, data)
    assert response.status_code == 200
    # The coordinator reads the admin in German.
    assert "Diese Website hat schon eine Seite dieser Art" in response.content.decode()
    assert InformationPage.objects.filter(kind="imprint").count() == 1


@pytest.mark.parametrize("language", ["de", "en", "ps"])
def test_the_easy_language_page_shows_pictograms_with_alt_text(
    client, site_pages, language
):
    response = client.get(f"/{language}/leichte-sprache/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == TITLES["easy_language"][language]
    pictograms = soup.select("img.pictogram")
    assert len(pictograms) >= 7
    assert {img["src"].rsplit("/", 1)[1] for img in pictograms} >= {
        f"{name}.svg"
        for name in ("search", "language", "place", "phone", "calendar", "help")
    }
    assert all(img["alt"].strip() for img in pictograms)
    body = soup.select_one(".site-body > div")
    notice = soup.select_one(".notice-fallback")
    if language == "ps":
        # No Pashto text yet: German, marked as German, with the notice.
        assert body["lang"] == "de" and notice is not None
        assert "Der Wegweiser ist eine Internet·seite." in body.get_text()
    else:
        assert not body.get("lang") and notice is None


def test_editors_cannot_edit_the_site_pages_or_see_feedback(client, people):
    statement = AccessibilityStatementPage.objects.get()
    imprint = InformationPage.objects.get(kind="imprint")
    feedback = AccessibilityFeedback.objects.create(message=MESSAGE, language="de")
    home = statement.get_parent()
    urls = {
        "edit statement": reverse("wagtailadmin_pages:edit", args=[statement.pk]),
        "edit imprint": reverse("wagtailadmin_pages:edit", args=[imprint.pk]),
        "edit easy language": reverse(
            "wagtailadmin_pages:edit",
            args=[InformationPage.objects.get(kind="easy_language").pk],
        ),
        "add page": reverse(
            "wagtailadmin_pages:add",
            args=["directory", "informationpage", home.pk],
        ),
        "feedback list": reverse("directory_feedback:list"),
        "feedback": reverse("directory_feedback:edit", args=[feedback.pk]),
    }
    allowed = {"editor": False, "coordinator": True, "superuser": True}
    for role, may in allowed.items():
        client.force_login(people[role])
        for action, url in urls.items():
            response = client.get(url)
            assert (response.status_code == 200) is may, (role, action)
        listing = client.get(urls["feedback list"])
        assert (MESSAGE[:40] in listing.content.decode()) is may, role
        # Marking handled: only who may.
        client.post(urls["feedback"], {"handled": "on"})
        feedback.refresh_from_db()
        assert feedback.handled is may, role
        AccessibilityFeedback.objects.filter(pk=feedback.pk).update(handled=False)
    client.logout()
    assert client.get(urls["feedback list"]).status_code == 302  # to the login


# --- the footer -----------------------------------------------------------------------


@pytest.fixture
def public_pages(site_pages, agency):
    topic = TopicFactory(slug="sprache", name_de="Sprache", name_en="Language")
    offer = published_offer(
        agency,
        slug="sprachcafe",
        texts={"title": {"de": "Sprachcafé", "en": "Language café"}},
        topics=[topic],
    )
    return {"topic": "topics/sprache/", "offer": offer, "search": "search/?q=kurs"}


@pytest.mark.parametrize("language", ["de", "en", "ar", "ps"])
@pytest.mark.parametrize("where", ["topic", "offer", "search"])
def test_every_page_links_the_site_pages_in_its_language(
    client, public_pages, language, where
):
    target = public_pages[where]
    if where == "offer":
        with translation.override(language):
            url = target.url
    else:
        url = f"/{language}/{target}"
    response = client.get(url)
    assert response.status_code == 200, url
    links = BeautifulSoup(response.content, "html.parser").select(
        "footer nav.site-pages a"
    )
    assert {a["data-kind"]: a["href"] for a in links} == {
        kind: f"/{language}/{slug}/" for kind, slug in FOOTER_KINDS.items()
    }
    # Named by the pages' own titles in that language.
    assert {a["data-kind"]: a.get_text(strip=True) for a in links} == {
        kind: TITLES[kind][language] for kind in FOOTER_KINDS
    }
    # The existing links stay.
    assert f'href="/{language}/who-is-responsible/"' in response.content.decode()
    for link in links:
        page = client.get(link["href"])
        assert page.status_code == 200
        assert re.search(rf'<html lang="{language}"', page.content.decode())


def test_the_footer_reads_the_database_once_then_never(
    site_pages, django_assert_max_num_queries, django_assert_num_queries
):
    template = Template("{% load site_links %}{% site_page_links as l %}{{ l|length }}")
    request = RequestFactory().get("/en/")
    with translation.override("en"):
        with django_assert_max_num_queries(6):
            assert template.render(Context({"request": request})) == "4"
        with django_assert_num_queries(0):
            again = RequestFactory().get("/en/topics/")
            assert template.render(Context({"request": again})) == "4"


def test_an_unpublished_page_leaves_the_footer(client, site_pages):
    InformationPage.objects.get(kind="imprint").unpublish()
    links = BeautifulSoup(client.get("/en/topics/").content, "html.parser").select(
        "footer nav.site-pages a"
    )
    assert [a["data-kind"] for a in links] == [
        "accessibility",
        "easy_language",
        "privacy",
    ]
