"""Language editions of an issue: content snapshot, MJML → HTML, plain text."""

import json
import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from directory.models import Responsibility
from newsletter import rendering
from newsletter.models import Issue, IssueItem, NewsItem
from newsletter.rendering import (
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
    RenderError,
    edition_content,
    edition_render,
    personalize,
)
from tests.factories import AgencyPageFactory, TopicFactory, published_offer

LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture(autouse=True)
def coordinator_reads_english():
    """Warnings come in the coordinator's language; these tests read English."""
    from django.utils import translation

    with translation.override("en"):
        yield


def add_items(issue, *objects):
    for position, obj in enumerate(objects):
        kind = {
            "OfferPage": "offer",
            "Responsibility": "responsibility",
            "NewsItem": "news",
        }[type(obj).__name__]
        IssueItem.objects.create(issue=issue, sort_order=position, **{kind: obj})
    return issue


@pytest.fixture
def topics(db):
    return {
        "language": TopicFactory(
            slug="language",
            name="Sprache",
            name_de="Sprache",
            name_ar="اللغة",
            sort_order=2,
        ),
        "work": TopicFactory(
            slug="work", name="Arbeit", name_de="Arbeit", name_ar="العمل", sort_order=1
        ),
    }


@pytest.fixture
def issue(agency, topics):
    """An offer on work (its first topic) and language, one on language, news
    without a topic, a responsibility for language.
    """
    course = published_offer(
        agency,
        texts={
            "title": {"de": "Deutschkurs am Abend", "ar": "دورة ألمانية مسائية"},
            "summary": {"de": "Für Anfänger", "ar": "للمبتدئين"},
        },
        slug="deutschkurs",
        topics=[topics["language"]],
    )
    training = published_offer(
        agency,
        texts={
            "title": {"de": "Bewerbungstraining"},
            "summary": {"de": "Lebenslauf schreiben"},
        },
        slug="bewerbung",
        topics=[topics["work"], topics["language"]],
    )
    rule = Responsibility.objects.create(
        topic=topics["language"],
        agency=agency,
        title_de="Integrationskurs beantragen",
        title_ar="التسجيل في دورة الاندماج",
        explanation_de="Beim BAMF. " * 60,
        explanation_ar="لدى المكتب الاتحادي. " * 60,
    )
    news = NewsItem.objects.create(
        agency=agency,
        title_de="Neue Öffnungszeiten",
        title_ar="مواعيد عمل جديدة",
        body_de="Ab Mai auch samstags.",
        body_ar="ابتداءً من مايو أيضاً أيام السبت.",
    )
    issue = Issue.objects.create(
        subject_de="Neues im Mai",
        subject_ar="جديد في مايو",
        intro_de="Hallo!",
        intro_ar="مرحباً!",
    )
    return add_items(issue, training, course, news, rule)


def element_with(html: str, text: str) -> str:
    """The opening tag of the element whose text starts with ``text``."""
    match = re.search(r"<(\w+)([^<>]*)>(?:<a [^>]*>)?" + re.escape(text), html)
    assert match, text
    return match.group(0)


def test_content_groups_by_topic_in_order_of_first_appearance(issue):
    content = edition_content(issue=issue, language="ar")

    groups = content["groups"]
    assert [g["topic"] for g in groups] == ["work", "language", None]
    assert [g["heading"] for g in groups[:2]] == ["العمل", "اللغة"]
    assert [[i["kind"] for i in g["items"]] for g in groups] == [
        ["offer"],
        ["offer", "responsibility"],
        ["news"],
    ]
    assert content["subject"] == "جديد في مايو"
    json.dumps(content)  # stored with the edition


def test_links_are_absolute_and_in_the_edition_language(issue, agency):
    items = {
        i["title"]: i
        for g in edition_content(issue=issue, language="ar")["groups"]
        for i in g["items"]
    }

    assert items["دورة ألمانية مسائية"]["url"] == (
        f"{settings.SITE_URL}/ar/{agency.slug}/deutschkurs/"
    )
    assert items["التسجيل في دورة الاندماج"]["url"] == (
        f"{settings.SITE_URL}/ar/who-is-responsible/"
    )
    assert items["مواعيد عمل جديدة"]["url"] == ""
    assert items["دورة ألمانية مسائية"]["agency"] == "Caritas Auental"
    assert len(items["التسجيل في دورة الاندماج"]["summary"]) <= 300


def test_arabic_edition_is_right_to_left(issue):
    html = edition_render(issue=issue, language="ar").html

    assert '<html lang="ar" dir="rtl"' in html
    assert 'align="right"' in html
    assert "text-align:right" in html
    assert "text-align:left;direction:ltr" not in html  # no column left ltr
    assert 'align="left"' not in html


def test_german_edition_is_left_to_right(issue):
    html = edition_render(issue=issue, language="de").html

    assert '<html lang="de" dir="ltr"' in html
    assert 'align="right"' not in html
    assert 'lang="ar"' not in html


def test_offer_without_arabic_text_is_marked_german_and_counted(issue):
    edition = edition_render(issue=issue, language="ar")

    assert edition.fallback_items == 1
    assert 'lang="de" dir="ltr"' in element_with(edition.html, "Bewerbungstraining")
    assert 'lang="de" dir="ltr"' in element_with(edition.html, "Lebenslauf")
    assert "lang=" not in element_with(edition.html, "دورة ألمانية مسائية")
    assert any("1 of 4 items" in w and "German" in w for w in edition.warnings)
    german = edition_render(issue=issue, language="de")
    assert german.fallback_items == 0
    assert not german.warnings


def test_placeholders_are_in_both_parts_and_personalize_replaces_them(issue):
    edition = edition_render(issue=issue, language="fa")

    for body in (edition.html, edition.text):
        assert PREFERENCES_URL in body
        assert UNSUBSCRIBE_URL in body
        mine = personalize(
            body,
            preferences_url="https://example.org/p/abc",
            unsubscribe_url="https://example.org/u/abc",
        )
        assert "recipient.invalid" not in mine
        assert "https://example.org/p/abc" in mine
        assert "https://example.org/u/abc" in mine
    assert f"{settings.SITE_URL}/fa/newsletter/archive/" in edition.html


def test_text_part_has_titles_links_and_short_lines(issue, agency):
    text = edition_render(issue=issue, language="ar").text

    for title in ("دورة ألمانية مسائية", "Bewerbungstraining", "مواعيد عمل جديدة"):
        assert title in text
    assert f"{settings.SITE_URL}/ar/{agency.slug}/deutschkurs/" in text
    assert UNSUBSCRIBE_URL in text
    assert "&amp;" not in text and "<p" not in text
    assert max(len(line) for line in text.splitlines() if "http" not in line) <= 72


def test_markup_in_content_is_text_not_mjml(issue, agency):
    offer = published_offer(
        agency,
        texts={"title": {"de": "Kurs </mj-text><mj-section> & <b>mehr</b>"}},
        slug="markup",
    )
    IssueItem.objects.create(issue=issue, offer=offer, sort_order=20)

    edition = edition_render(issue=issue, language="de")

    assert "Kurs &lt;/mj-text&gt;&lt;mj-section&gt; &amp; &lt;b&gt;" in edition.html


def test_broken_mjml_gives_a_readable_render_error(issue, monkeypatch):
    def broken(name, context):
        if name == rendering.HTML_TEMPLATE:
            return "<mjml><mj-body><mj-section><mj-column><mj-text>x</mj-column>"
        return render_to_string(name, context)

    monkeypatch.setattr(rendering, "render_to_string", broken)

    with pytest.raises(RenderError) as raised, translation.override("en"):
        edition_render(issue=issue, language="ar")
    message = str(raised.value)
    assert "Arabic" in message
    assert "MJML" in message
    assert "unexpected end of stream" in message


def test_unpublished_items_are_left_out_with_a_warning(issue, agency):
    hidden = published_offer(agency, texts={"title": {"de": "Entwurf"}}, slug="e")
    hidden.unpublish()
    draft_news = NewsItem.objects.create(
        agency=agency, title_de="Noch nicht frei", body_de="…", live=False
    )
    IssueItem.objects.create(issue=issue, offer=hidden, sort_order=10)
    IssueItem.objects.create(issue=issue, news=draft_news, sort_order=11)

    edition = edition_render(issue=issue, language="de")

    assert "Entwurf" not in edition.html
    assert "Noch nicht frei" not in edition.html
    assert edition.content["skipped_items"] == 2
    assert any("2 items are left out" in w for w in edition.warnings)


@pytest.fixture
def big_issue(home, topics):
    """30 offers of 3 agencies in 5 topics, long texts, Arabic for every other one."""
    agencies = [AgencyPageFactory(parent=home) for _ in range(3)]
    more = [TopicFactory(name_de=f"Thema {n}") for n in range(3)]
    all_topics = [*topics.values(), *more]
    issue = Issue.objects.create(subject_de="Neues im Mai", intro_de="Hallo! " * 40)
    offers = []
    for n in range(30):
        titles = {"de": f"Angebot {n}: Beratung für Familien und Alleinerziehende"}
        summaries = {"de": "Wir helfen beim Ausfüllen von Anträgen. " * 7}
        if n % 2:
            titles["ar"] = f"عرض {n}: استشارة للعائلات والوالدين الوحيدين"
            summaries["ar"] = "نساعدكم في ملء الطلبات والنماذج. " * 8
        offers.append(
            published_offer(
                agencies[n % 3],
                texts={"title": titles, "summary": summaries},
                topics=[all_topics[n % 5]],
            )
        )
    return add_items(issue, *offers)


def test_thirty_items_stay_under_the_clipping_limit_in_every_language(big_issue):
    for language in LANGUAGES:
        edition = edition_render(issue=big_issue, language=language)

        assert edition.content["item_count"] == 30
        assert edition.html_bytes == len(edition.html.encode())
        assert edition.html_bytes < 100 * 1024, (language, edition.html_bytes)
        assert not any("clips" in w for w in edition.warnings)
        longest = max(len(line.encode()) for line in edition.html.splitlines())
        assert longest < 998, (language, longest)


def test_oversized_edition_warns_the_coordinator(big_issue, settings):
    settings.NEWSLETTER_HTML_WARN_BYTES = 10 * 1024

    edition = edition_render(issue=big_issue, language="de")

    assert any("Gmail clips messages above 10 KB" in w for w in edition.warnings)


def test_no_url_points_to_a_third_party(issue):
    allowed = (settings.SITE_URL + "/", PREFERENCES_URL, UNSUBSCRIBE_URL)
    for language in ("de", "ar"):
        html = edition_render(issue=issue, language=language).html
        # XML namespace names are identifiers, never fetched.
        html = re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)

        urls = re.findall(r"(?:https?:)?//[^\s\"'<>)]+", html)
        assert urls
        assert [url for url in urls if not url.startswith(allowed)] == []
        assert "<img" not in html and "<link" not in html and "@import" not in html


def test_stored_content_renders_the_same_edition(issue):
    first = edition_render(issue=issue, language="uk")
    content = json.loads(json.dumps(first.content))
    Issue.objects.filter(pk=issue.pk).update(subject_de="Geändert")

    again = edition_render(issue=issue, language="uk", content=content)

    assert again.html == first.html
    assert again.text == first.text
    assert again.subject == "Neues im Mai"


def test_long_texts_are_broken_into_short_lines_without_losing_words(issue, agency):
    body = " ".join(f"Wort{n}" for n in range(400))
    news = NewsItem.objects.create(agency=agency, title_de="Lang", body_de=body)
    IssueItem.objects.create(issue=issue, news=news, sort_order=30)

    html = edition_render(issue=issue, language="de").html

    assert max(len(line.encode()) for line in html.splitlines()) < 998
    assert body in " ".join(html.split())


def test_untranslated_subject_is_a_warning(agency, topic):
    from newsletter.models import Issue

    issue = Issue.objects.create(subject="Nur Deutsch", subject_de="Nur Deutsch")
    arabic = edition_render(issue=issue, language="ar")
    german = edition_render(issue=issue, language="de")
    assert any("subject or introduction" in w for w in arabic.warnings)
    assert not any("subject or introduction" in w for w in german.warnings)


def test_the_senders_imprint_is_in_every_edition(agency, topic, settings):
    from newsletter.models import Issue

    settings.NEWSLETTER_IMPRINT = "Landratsamt Auental, Marktplatz 1, 86733 Auenstadt"
    issue = Issue.objects.create(subject="Neu", subject_de="Neu")
    arabic = edition_render(issue=issue, language="ar")
    assert 'lang="de" dir="ltr">Landratsamt Auental, Marktplatz 1' in arabic.html
    assert "Landratsamt Auental, Marktplatz 1, 86733 Auenstadt" in arabic.text
