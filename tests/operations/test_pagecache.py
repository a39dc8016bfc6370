"""Whole public answers cached for anonymous readers (issue 14): served again from the
cache, forgotten at once by every change a reader could see, never shared with
editors, other languages or other API clients."""

# ruff: noqa: F811 (the offer fixtures of the public page tests)

import pytest
from django.core.cache.backends.base import BaseCache
from wagtail.models import PageViewRestriction

from directory.models import Responsibility
from tests.directory.test_pages import district, offer, topic  # noqa: F401
from tests.factories import ContactPointPageFactory, published_offer


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.OPERATIONS_PAGE_CACHE_SECONDS = 60


def _get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response


def test_a_public_page_is_served_again_from_the_cache_with_all_headers(client, offer):
    url = offer.url
    first = _get(client, url)
    again = _get(client, url)
    assert first["X-Page-Cache"] == "miss"
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Language"] == "de"
    # Headers of the middleware above the cache are on the cached answer too.
    assert again["X-Frame-Options"] == first["X-Frame-Options"]
    assert again["X-Request-ID"] != first["X-Request-ID"]


def test_the_cache_is_off_with_zero_seconds(client, offer, settings):
    settings.OPERATIONS_PAGE_CACHE_SECONDS = 0
    _get(client, offer.url)
    assert "X-Page-Cache" not in _get(client, offer.url)


def test_publishing_a_change_shows_at_once(client, offer, agency, topic):
    _get(client, offer.url)
    _get(client, "/de/")
    offer.title_de = "Deutschkurs am Abend"
    offer.save_revision().publish()
    page = _get(client, offer.url)
    assert page["X-Page-Cache"] == "miss"
    assert "Deutschkurs am Abend" in page.content.decode()
    published_offer(agency, texts={"title": {"de": "Sprachcafé"}}, topics=[topic])
    assert "2 Angebote" in _get(client, "/de/").content.decode()


def test_unpublishing_removes_the_page_at_once(client, offer):
    url = offer.url
    _get(client, url)
    offer.unpublish()
    assert client.get(url).status_code == 404


def test_a_taxonomy_edit_shows_at_once(client, offer, topic):
    _get(client, "/de/")
    topic.name_de = "Deutsch lernen"
    topic.save()
    assert "Deutsch lernen" in _get(client, "/de/").content.decode()


def test_a_new_responsibility_changes_the_finder_answer_at_once(
    client,
    offer,
    topic,
    district,
):
    url = f"/api/finder/?topic={topic.slug}&district={district.slug}"
    assert _get(client, url).json()["answers"] == []
    point = ContactPointPageFactory(
        parent=offer.agency, title_de="Amt Bergheim", district=district
    )
    Responsibility.objects.create(
        topic=topic,
        agency=offer.agency,
        contact_point=point,
        title="Sprachkurs finden",
        title_de="Sprachkurs finden",
        explanation_de="Für Sprachfragen in Bergheim",
    )
    after = _get(client, url)
    assert after["X-Page-Cache"] == "miss"
    assert [answer["title"] for answer in after.json()["answers"]] == [
        "Sprachkurs finden"
    ]


def test_each_language_has_its_own_answer(client, offer):
    german = _get(client, "/de/").content.decode()
    arabic = _get(client, "/ar/")
    assert arabic["X-Page-Cache"] == "miss"
    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    assert '<html lang="de" dir="ltr">' in german


def test_api_answers_follow_the_readers_language_and_keep_cors(client, offer):
    url = "/api/hsds/services"
    # A web page elsewhere asks (browsers send Origin; CORS answers only them).
    origin = {"HTTP_ORIGIN": "https://example.org"}
    german = _get(client, url, HTTP_ACCEPT_LANGUAGE="de", **origin)
    arabic = _get(client, url, HTTP_ACCEPT_LANGUAGE="ar", **origin)
    assert arabic["X-Page-Cache"] == "miss"
    assert "Deutschkurs für Frauen" in german.content.decode()
    assert "دورة لغة ألمانية للنساء" in arabic.json()["contents"][0]["name"]
    again = _get(client, url, HTTP_ACCEPT_LANGUAGE="ar", **origin)
    assert again["X-Page-Cache"] == "hit"
    assert again["Access-Control-Allow-Origin"] == "*"
    assert again["Content-Type"].startswith("application/json")


def test_editors_never_get_or_fill_the_readers_cache(client, offer, django_user_model):
    _get(client, offer.url)
    editor = django_user_model.objects.create_superuser("chef", "c@example.org", "x")
    client.force_login(editor)
    page = _get(client, offer.url)
    assert "X-Page-Cache" not in page
    client.logout()
    assert _get(client, offer.url)["X-Page-Cache"] == "hit"


def test_search_errors_and_the_newsletter_are_not_cached(client, offer):
    for _ in range(2):
        assert "X-Page-Cache" not in _get(client, "/de/search/?q=deutschkurs")
        missing = client.get("/de/gibt-es-nicht/")
        assert missing.status_code == 404
        assert "X-Page-Cache" not in missing
        assert "X-Page-Cache" not in client.get("/de/newsletter/")


def test_making_a_page_private_stops_serving_it_at_once(client, offer):
    _get(client, offer.url)
    PageViewRestriction.objects.create(
        page=offer, restriction_type=PageViewRestriction.LOGIN
    )
    answer = client.get(offer.url)
    assert answer.status_code == 302  # to the login, not the cached page
    assert "X-Page-Cache" not in answer


def test_pages_in_a_language_path_ignore_accept_language(client, offer):
    _get(client, offer.url, HTTP_ACCEPT_LANGUAGE="ar")
    again = _get(client, offer.url, HTTP_ACCEPT_LANGUAGE="tr,en;q=0.5")
    assert again["X-Page-Cache"] == "hit"


class BrokenCache(BaseCache):
    """A cache server that is down."""

    def __init__(self, location, params):
        super().__init__(params)

    def get(self, key, default=None, version=None):
        raise ConnectionError("cache down")

    def set(self, key, value, timeout=None, version=None):
        raise ConnectionError("cache down")


def test_a_cache_server_that_is_down_does_not_take_the_pages_down(
    client, offer, settings
):
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": f"{__name__}.BrokenCache"},
    }
    settings.OPERATIONS_PAGE_CACHE_ALIAS = "broken"
    page = _get(client, offer.url)
    assert "X-Page-Cache" not in page
    assert "Deutschkurs für Frauen" in page.content.decode()


def test_staff_records_leave_the_readers_cache_alone(client, offer):
    """Accessibility feedback and duplicate scans are written by readers and nightly
    jobs; each would otherwise throw away every cached public page."""
    from directory.models import AccessibilityFeedback, DuplicateScan

    url = offer.url
    _get(client, url)
    AccessibilityFeedback.objects.create(message="Der Kontrast ist zu schwach.")
    DuplicateScan.objects.create()
    assert _get(client, url)["X-Page-Cache"] == "hit"
    offer.save_revision().publish()
    assert _get(client, url)["X-Page-Cache"] == "miss"
