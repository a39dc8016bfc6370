"""Public pages: rendering, language URLs and direction, fallbacks, bad input."""

import re
from datetime import time

import pytest
from django.utils import translation

from directory.models import OpeningSlot
from tests.factories import (
    ContactPointPageFactory,
    DistrictFactory,
    LanguageFactory,
    OfferPageFactory,
    TopicFactory,
    published_offer,
    translate,
)


@pytest.fixture
def topic(db):
    topic = TopicFactory(slug="sprache")
    translate(topic, "name", de="Sprache", ar="اللغة", en="Language")
    topic.save()
    return topic


@pytest.fixture
def district(db):
    return DistrictFactory(slug="bergheim", name="Bergheim", name_de="Bergheim")


@pytest.fixture
def offer(agency, topic, district):
    point = ContactPointPageFactory(
        parent=agency,
        title="Caritas-Zentrum",
        title_de="Caritas-Zentrum",
        district=district,
    )
    for weekday in range(7):
        OpeningSlot.objects.create(
            page=point, weekday=weekday, opens=time(0), closes=time(23, 59)
        )
    offer = published_offer(
        agency,
        texts={
            "title": {"de": "Deutschkurs für Frauen", "ar": "دورة لغة ألمانية للنساء"},
            "summary": {
                "de": "Mit Kinderbetreuung im Haus.",
                "ar": "مع رعاية الأطفال في المبنى.",
            },
            "how_to_apply": {"de": "Komm einfach vorbei."},
        },
        topics=[topic],
        contact_points=[point],
        languages=[LanguageFactory(code="ar")],
    )
    return offer


def url_in(page, language: str) -> str:
    with translation.override(language):
        return page.url


def html_attrs(response):
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', response.content.decode())
    return match.groups() if match else None


def test_root_redirects_to_a_language(client, home):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 302
    assert response["Location"] == "/ar/"


@pytest.mark.parametrize(
    ("code", "direction"),
    [
        ("de", "ltr"),
        ("en", "ltr"),
        ("ar", "rtl"),
        ("fa", "rtl"),
        ("ps", "rtl"),
        ("ckb", "rtl"),
        ("uk", "ltr"),
        ("ti", "ltr"),
        ("tr", "ltr"),
        ("ru", "ltr"),
        ("fr", "ltr"),
    ],
)
def test_every_language_has_its_home_page_with_lang_and_dir(
    client, home, code, direction
):
    response = client.get(f"/{code}/")
    assert response.status_code == 200
    assert html_attrs(response) == (code, direction)


def test_offer_page_in_german_shows_what_who_where_and_when(client, offer):
    response = client.get(url_in(offer, "de"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Deutschkurs für Frauen" in body
    assert "Mit Kinderbetreuung im Haus." in body
    assert "Caritas-Zentrum" in body
    assert "Caritas Auental" in body
    assert "Komm einfach vorbei." in body
    assert "badge-open" in body  # open around the clock in this fixture
    assert "العربية" in body  # language the offer is delivered in


def test_offer_page_in_arabic_is_rtl_translated_and_marks_german_fallback(
    client, offer
):
    response = client.get(url_in(offer, "ar"))
    body = response.content.decode()
    assert response.status_code == 200
    assert html_attrs(response) == ("ar", "rtl")
    assert "دورة لغة ألمانية للنساء" in body
    assert "مع رعاية الأطفال في المبنى." in body
    # how_to_apply exists only in German: shown, marked as German, left-to-right
    assert re.search(
        r'<p lang="de" dir="ltr" class="fallback">Komm einfach vorbei.', body
    )
    assert "notice-fallback" in body
    german = client.get(url_in(offer, "de")).content.decode()
    assert "notice-fallback" not in german


def test_language_switcher_keeps_the_current_page(client, offer):
    response = client.get(url_in(offer, "de"))
    arabic = url_in(offer, "ar")
    assert f'href="{arabic}"' in response.content.decode()
    assert client.get(arabic).status_code == 200


def test_outdated_translation_is_flagged_to_readers(client, offer):
    translate(offer, "summary", de="Jetzt auch mit Abendkurs.")
    offer.save_revision().publish()
    body = client.get(url_in(offer, "ar")).content.decode()
    assert "notice-outdated" in body


def test_unknown_language_prefix_is_a_404_not_a_redirect(client, home):
    for path in ("/xx/", "/zz/some/page/", "/kmr/"):
        assert client.get(path).status_code == 404, path


def test_home_lists_topics_with_offer_counts(client, offer, topic):
    body = client.get("/de/").content.decode()
    assert "/de/topics/sprache/" in body
    assert "1 Angebot" in body or "1 offer" in body


def test_counts_and_districts_follow_publishing_at_once(
    client, offer, topic, district, agency
):
    """The home page's counts and the topic's districts are cached in the shared
    cache; publishing and unpublishing renew them at once."""
    assert "1 Angebot" in client.get("/de/").content.decode()
    other = DistrictFactory(slug="talheim", name_de="Talheim")
    point = ContactPointPageFactory(parent=agency, district=other)
    second = published_offer(
        agency,
        texts={"title": {"de": "Sprachcafé"}},
        topics=[topic],
        contact_points=[point],
    )
    assert "2 Angebote" in client.get("/de/").content.decode()
    assert "talheim" in client.get("/de/topics/sprache/").content.decode()
    second.unpublish()
    assert "1 Angebot" in client.get("/de/").content.decode()
    assert "talheim" not in client.get("/de/topics/sprache/").content.decode()


def test_topic_page_lists_its_offers_and_filters_by_district(client, offer, district):
    assert (
        "Deutschkurs für Frauen" in client.get("/de/topics/sprache/").content.decode()
    )
    body = client.get("/de/topics/sprache/?district=bergheim").content.decode()
    assert "Deutschkurs für Frauen" in body
    other = DistrictFactory(slug="talheim")
    body = client.get(f"/de/topics/sprache/?district={other.slug}").content.decode()
    assert "Deutschkurs für Frauen" not in body


@pytest.mark.parametrize(
    "query",
    [
        "?district=%00%ff",
        "?district=" + "x" * 5000,
        "?page=abc",
        "?page=-1",
        "?page=99999",
        "?district=bergheim&district=talheim",
        "?%zz=1",
        "?page=%C2%B2",
    ],
)
def test_malformed_query_strings_never_fail(client, offer, query):
    response = client.get("/de/topics/sprache/" + query)
    assert response.status_code == 200
    assert client.get(url_in(offer, "de") + query).status_code == 200


def test_unknown_topic_is_a_404(client, home):
    assert client.get("/de/topics/gibt-es-nicht/").status_code == 404


def test_contact_point_page_shows_hours_languages_and_accessibility(client, offer):
    point = offer.contact_points.first()
    body = client.get(url_in(point, "de")).content.decode()
    assert "Caritas-Zentrum" in body
    assert "00:00–23:59" in body
    assert "Deutschkurs für Frauen" in body


def test_agency_page_lists_contact_points_and_offers(client, offer, agency):
    body = client.get(url_in(agency, "de")).content.decode()
    assert "Caritas-Zentrum" in body and "Deutschkurs für Frauen" in body


def test_ended_and_draft_offers_are_not_listed(client, offer, agency, topic):
    draft = OfferPageFactory(
        parent=agency, title="Entwurf", title_de="Entwurf", live=False
    )
    draft.topics.add(topic)
    offer.status = "ended"
    offer.save_revision().publish()
    body = client.get("/de/topics/sprache/").content.decode()
    assert "Deutschkurs für Frauen" not in body and "Entwurf" not in body


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\u202e\u0000dورة",
        "x" * 10_000,
    ],
)
def test_search_page_handles_odd_input(client, offer, q):
    response = client.get("/de/search/", {"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_page_finds_offers_in_the_reader_language_and_german(client, offer):
    assert "دورة لغة" in client.get("/ar/search/", {"q": "دورة لغة"}).content.decode()
    assert (
        "Deutschkurs"
        in client.get("/ar/search/", {"q": "Deutschkurs"}).content.decode()
    )


def test_agency_page_paginates_many_offers(client, agency):
    for number in range(25):
        OfferPageFactory(parent=agency, title_de=f"Kurs {number:02d}")
    first = client.get(url_in(agency, "de")).content.decode()
    second = client.get(url_in(agency, "de") + "?page=2").content.decode()
    assert "Kurs 00" in first and "Kurs 24" not in first
    assert "Kurs 24" in second and 'rel="prev"' in second


def test_not_found_page_is_in_the_reader_language_with_the_site_layout(client, home):
    response = client.get("/ar/gibt-es-nicht/")
    body = response.content.decode()
    assert response.status_code == 404
    assert html_attrs(response) == ("ar", "rtl")
    assert 'href="/ar/topics/"' in body


def test_a_fallback_keeps_the_elements_own_class(client, offer):
    """One class attribute: the browser drops a second one, and with it the
    fallback marking (or the element's own style)."""
    offer.summary_ar = ""
    offer.save_revision().publish()
    body = client.get(url_in(offer, "ar")).content.decode()
    assert re.search(r'<p lang="de" dir="ltr" class="lead fallback">', body)
    assert not re.search(r"<[^>]*class=[^>]*class=", body)
    german = client.get(url_in(offer, "de")).content.decode()
    assert re.search(r'<p class="lead">', german)


def test_names_shown_in_german_on_an_arabic_page_are_marked_german(client, offer):
    """A screen reader reads "Caritas Auental" with a German voice on /ar/; the
    offer's own (Arabic) title is not marked."""
    body = client.get(url_in(offer, "ar")).content.decode()
    assert re.search(r"<h1>دورة لغة ألمانية للنساء", body)
    assert re.search(r'<a href="[^"]+" lang="de" dir="ltr">Caritas Auental</a>', body)
    assert re.search(r'<a href="[^"]+" lang="de" dir="ltr">Caritas-Zentrum</a>', body)
    agency = client.get(url_in(offer.agency, "ar")).content.decode()
    assert '<h1 lang="de" dir="ltr">Caritas Auental</h1>' in agency
    german = client.get(url_in(offer, "de")).content.decode()
    assert 'lang="de" dir="ltr">Caritas' not in german


def test_a_topic_without_a_name_in_the_readers_language_is_marked_german(
    client, offer, topic
):
    ukrainian = client.get("/uk/topics/sprache/").content.decode()
    assert '<h1 lang="de" dir="ltr">Sprache</h1>' in ukrainian
    assert 'lang="de" dir="ltr">Sprache</span>' in client.get("/uk/").content.decode()
    assert (
        'lang="de" dir="ltr">Sprache</a>' in client.get("/uk/topics/").content.decode()
    )
    assert "<h1>اللغة</h1>" in client.get("/ar/topics/sprache/").content.decode()
    offer.topics.add(topic)
    offer.save_revision().publish()
    breadcrumb = client.get(url_in(offer, "uk")).content.decode()
    assert '/uk/topics/sprache/" lang="de" dir="ltr">Sprache</a>' in breadcrumb
