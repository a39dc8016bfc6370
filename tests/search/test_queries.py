"""Searching the local engine by words: text, typos, languages, facets, filters,
distance. The embedding model is off here, so each test sees what the words' matching
does alone; search by meaning and the fusion are tested in test_meaning.py."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from search.models import Synonym
from search.queries import SearchRequest, engine_search, search, suggest

BERLIN = ZoneInfo("Europe/Berlin")


pytestmark = pytest.mark.usefixtures("words_only")


def titles(response):
    return [result["title"] for result in response.results]


def ask(**kwargs):
    return engine_search(SearchRequest(**kwargs))


def test_full_sentence_finds_the_right_offer_first(indexed):
    response = ask(query="Deutschkurs für Frauen mit Kinderbetreuung")
    assert titles(response)[0] == "Deutschkurs für Frauen mit Kinderbetreuung"


def test_typos_are_tolerated(indexed):
    assert "Deutschkurs für Frauen mit Kinderbetreuung" in titles(
        ask(query="Deutshkurs Fraun")
    )


def test_arabic_query_finds_arabic_offer_in_arabic(indexed):
    response = ask(query="دورة لغة", language="ar")
    assert response.results[0]["title"] == "دورة لغة ألمانية للنساء مع رعاية الأطفال"
    assert response.results[0]["url"] == "/ar/vhs/frauenkurs/"


def test_ukrainian_word_form_finds_inflected_text(indexed):
    response = ask(query="юрист", language="uk")
    assert titles(response) == ["Юридична консультація щодо перебування"]


def test_german_text_is_found_from_every_language(indexed):
    response = ask(query="Integrationskurs", language="ar")
    assert titles(response) == ["Integrationskurs am Abend"]
    assert response.results[0]["title_language"] == "de"
    assert response.results[0]["url"] == "/ar/vhs/abendkurs/"


def test_synonyms_from_the_coordinators_list(indexed):
    assert "Integrationskurs am Abend" not in titles(ask(query="Sprachkurs"))
    Synonym.objects.create(
        language="de", terms="Sprachkurs, Integrationskurs, Deutschkurs"
    )
    assert "Integrationskurs am Abend" in titles(ask(query="Sprachkurs"))


def test_highlight_marks_the_match_and_escapes_html(indexed, region):
    from tests.factories import translate

    offer = region["abendkurs"]
    translate(
        offer,
        "summary",
        de="<script>alert(1)</script> Abendkurs für Eltern & Kinder < 6",
    )
    offer.save_revision().publish()
    from search.indexing import rebuild

    rebuild()
    result = ask(query="Abendkurs").results[0]
    assert "<mark>" in result["highlight"]["snippet"]
    assert "<script>" not in result["highlight"]["snippet"]
    assert "Eltern &amp; Kinder &lt; 6" in result["highlight"]["snippet"]


def test_facets_count_and_filters_combine(indexed):
    response = ask(facets={"topic": ["sprache"]})
    assert response.count == 3
    topics = {f["value"]: f["count"] for f in response.facets["topic"]}
    # the topic facet ignores its own filter, so the other topic still shows its count
    assert topics == {"sprache": 3, "aufenthalt": 2}
    districts = {f["value"]: f["count"] for f in response.facets["district"]}
    assert districts == {"auenstadt": 1, "bergheim": 1}
    free = ask(facets={"topic": ["sprache"]}, free=True)
    assert sorted(titles(free)) == [
        "Deutschkurs für Frauen mit Kinderbetreuung",
        "Online-Sprachcafé",
    ]


def test_residence_status_filter_keeps_offers_open_to_everyone(indexed):
    response = ask(facets={"residence_status": ["duldung"]})
    names = titles(response)
    assert "Rechtsberatung zum Aufenthalt" in names
    assert "Beratung für Geflüchtete aus der Ukraine" not in names
    assert "Online-Sprachcafé" in names  # open to every status


def test_language_format_and_wheelchair_facets(indexed):
    assert titles(ask(facets={"language": ["uk"]})) == ["Rechtsberatung zum Aufenthalt"]
    assert titles(ask(format="online")) == ["Online-Sprachcafé"]
    assert titles(ask(wheelchair=True)) == [
        "Deutschkurs für Frauen mit Kinderbetreuung"
    ]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (
            datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN),
            {"Deutschkurs für Frauen mit Kinderbetreuung"},
        ),
        (
            datetime(2026, 11, 23, 14, 0, tzinfo=BERLIN),
            {
                "Rechtsberatung zum Aufenthalt",
                "Beratung für Geflüchtete aus der Ukraine",
            },
        ),
        (datetime(2026, 11, 23, 20, 0, tzinfo=BERLIN), set()),
    ],
)
def test_open_now(indexed, moment, expected):
    assert set(titles(ask(open_now=True, now=moment))) == expected


def test_open_on_a_weekday(indexed):
    assert titles(ask(open_on="wed")) == ["Integrationskurs am Abend"]


def test_sort_by_distance_from_a_district(indexed):
    response = ask(facets={"topic": ["sprache"]}, sort="distance", point=(48.70, 10.10))
    assert titles(response)[0] == "Integrationskurs am Abend"
    assert response.results[0]["distance_m"] < 100
    assert response.results[1]["distance_m"] > 5000


def test_pagination(indexed):
    first = ask(page_size=2, page=1)
    third = ask(page_size=2, page=3)
    assert first.count == 5 and len(first.results) == 2 and len(third.results) == 1
    assert not set(titles(first)) & set(titles(third))


def test_autocomplete_suggests_titles_in_the_reader_language(indexed):
    suggestions = suggest("دورة", "ar")
    assert suggestions[0]["text"] == "دورة لغة ألمانية للنساء مع رعاية الأطفال"
    assert suggestions[0]["url"] == "/ar/vhs/frauenkurs/"
    assert [s["text"] for s in suggest("Integr", "de")] == ["Integrationskurs am Abend"]


def test_search_uses_the_engine_when_it_is_up(indexed):
    response = search(SearchRequest(query="Sprachcafé"))
    assert not response.degraded
    assert titles(response) == ["Online-Sprachcafé"]


def test_names_of_topics_and_filters_say_which_language_they_are_written_in(
    indexed, client
):
    """On /uk/ the topic "Sprache" has no Ukrainian name: it is shown in German and
    marked so; in Arabic it has one; a language's own name is in that language."""
    response = ask(query="Deutschkurs", language="uk")
    topics = {topic["slug"]: topic for topic in response.results[0]["topics"]}
    assert topics["sprache"] == {"slug": "sprache", "name": "Sprache", "language": "de"}
    arabic = ask(query="Deutschkurs", language="ar").results[0]["topics"]
    assert {"slug": "sprache", "name": "اللغة", "language": "ar"} in arabic
    facets = {
        (name, option["value"]): option["language"]
        for name, options in response.facets.items()
        for option in options
    }
    assert facets[("topic", "sprache")] == "de"
    assert facets[("language", "ar")] == "ar"

    page = client.get("/uk/search/", {"q": "Deutschkurs"}).content.decode()
    assert '<span class="tag" lang="de">Sprache</span>' in page
    assert '<span lang="ar">العربية</span>' in page
    german = client.get("/de/search/", {"q": "Deutschkurs"}).content.decode()
    assert '<span class="tag">Sprache</span>' in german
