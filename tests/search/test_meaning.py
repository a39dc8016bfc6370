"""Search by meaning: a question in any of our languages finds offers written only in
German (the real model, multilingual-e5-small, on the local engine)."""

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search import engine
from search.embedding import MultilingualE5Small, embedder, embedder_forget
from search.indexing import changes_process, ensure_index, rebuild
from search.models import IndexChange, PassageVector
from search.queries import SearchRequest, engine_search, fuse, search

LANGUAGE_COURSES = {
    "Deutschkurs für Frauen mit Kinderbetreuung",
    "Integrationskurs am Abend",
    "Online-Sprachcafé",
}


def titles(response) -> list[str]:
    return [result["title"] for result in response.results]


def ask(query: str, language: str, **kwargs):
    return engine_search(SearchRequest(query=query, language=language, **kwargs))


@pytest.fixture
def model_settings(search_settings):
    embedder_forget()
    engine.index_model_forget()
    yield search_settings
    embedder_forget()
    engine.index_model_forget()


@pytest.fixture
def indexed(region, model_settings):
    rebuild()
    return region


# Hand-written questions, in languages with no text in the region, for one of the
# German language courses or the German-only residence counselling.
QUESTIONS = [
    ("fa", "کلاس زبان آلمانی", LANGUAGE_COURSES),
    ("tr", "Almanca kursu", LANGUAGE_COURSES),
    ("ru", "курсы немецкого языка", LANGUAGE_COURSES),
    ("ps", "د آلماني ژبې کورس", LANGUAGE_COURSES),
    ("ckb", "خولی فێربوونی زمانی ئەڵمانی", LANGUAGE_COURSES),
    ("ti", "ትምህርቲ ቋንቋ ጀርመን", LANGUAGE_COURSES),
    (
        "ru",
        "помощь с видом на жительство для беженцев из Украины",
        {"Beratung für Geflüchtete aus der Ukraine"},
    ),
    (
        "tr",
        "Ukrayna'dan gelen mülteciler için oturma izni danışmanlığı",
        {"Beratung für Geflüchtete aus der Ukraine"},
    ),
]


@pytest.mark.parametrize(("language", "query", "expected"), QUESTIONS)
def test_a_question_in_another_language_finds_the_german_offer(
    indexed, language, query, expected
):
    response = ask(query, language)
    assert set(titles(response)[:3]) & expected, titles(response)
    first = response.results[0]
    assert first["title_language"] == "de"
    assert first["url"].startswith(f"/{language}/")


def test_words_off_the_model_find_nothing_in_another_language(region, model_settings):
    model_settings.SEARCH_EMBEDDER = ""
    embedder_forget()
    rebuild()
    assert ask("کلاس زبان آلمانی", "fa").count == 0
    # …and the same words in German still match.
    assert "Integrationskurs am Abend" in titles(ask("Integrationskurs", "fa"))


def test_the_result_says_which_language_it_is_written_in(client, indexed):
    page = client.get("/fa/search/", {"q": "کلاس زبان آلمانی"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'lang="de" dir="auto"' in html
    assert "written-in" in html
    data = client.get("/api/search/", {"q": "کلاس زبان آلمانی", "lang": "fa"}).json()
    first = data["results"][0]
    assert first["title_language"] == "de"
    # found by meaning alone: the passage that matched if in the reader's or the
    # title's language, else none (the page shows the summary)
    assert first["highlight"]["snippet_language"] in {"fa", "de"}
    german = client.get(
        "/api/search/", {"q": "Unterricht für Mütter mit Babys", "lang": "de"}
    ).json()
    assert german["by_meaning_only"]
    assert german["results"][0]["highlight"]["snippet"]
    assert german["results"][0]["highlight"]["snippet_language"] == "de"


def test_words_and_meaning_together_rank_the_exact_match_first(indexed):
    response = ask("Rechtsberatung", "de")
    assert titles(response)[0] == "Rechtsberatung zum Aufenthalt"
    assert "<mark>" in response.results[0]["highlight"]["title"]


def test_filters_and_facets_apply_to_offers_found_by_meaning(indexed):
    everything = ask("курсы немецкого языка", "ru")
    assert everything.count == len(everything.results)
    topics = {o["value"]: o["count"] for o in everything.facets["topic"]}
    only = ask("курсы немецкого языка", "ru", facets={"topic": ["sprache"]})
    assert set(titles(only)) <= LANGUAGE_COURSES
    assert only.count == topics["sprache"]
    online = ask("курсы немецкого языка", "ru", format="online")
    assert titles(online) == ["Online-Sprachcafé"]
    wednesday = ask("курсы немецкого языка", "ru", open_on="wed")
    assert titles(wednesday) == ["Integrationskurs am Abend"]


def test_pages_of_fused_results_do_not_repeat_or_lose_offers(indexed):
    whole = ask("курсы немецкого языка", "ru", page_size=20)
    pages = [
        titles(ask("курсы немецкого языка", "ru", page=n, page_size=2))
        for n in (1, 2, 3)
    ]
    assert [t for page in pages for t in page] == titles(whole)


def test_results_found_by_meaning_alone_say_so(client, indexed):
    # The model finds something close to anything; the page says how close.
    odd = ask("xyzzy qwerty", "de")
    assert odd.by_meaning_only and odd.count <= 2
    assert not ask("Rechtsberatung", "de").by_meaning_only
    page = client.get("/de/search/", {"q": "xyzzy qwerty"}).content.decode()
    assert 'class="meaning-only"' in page
    page = client.get("/de/search/", {"q": "Rechtsberatung"}).content.decode()
    assert 'class="meaning-only"' not in page


def test_vectors_are_stored_and_reused(region, model_settings):
    from tests.search.fakes import CountingE5

    model_settings.SEARCH_EMBEDDER = "tests.search.fakes.CountingE5"
    embedder_forget()
    CountingE5.embedded = []
    rebuild()
    first = len(CountingE5.embedded)
    assert first == PassageVector.objects.count() > 0
    rebuild()
    assert len(CountingE5.embedded) == first  # nothing embedded again
    offer = region["abendkurs"]
    offer.summary_de = "Für Berufstätige, dreimal pro Woche."
    offer.save_revision().publish()
    changes_process()
    assert CountingE5.embedded[first:] == [
        "Integrationskurs am Abend. Für Berufstätige, dreimal pro Woche."
    ]
    assert "Integrationskurs am Abend" in titles(ask("вечерний курс интеграции", "ru"))


def test_a_rebuild_removes_vectors_nobody_uses(region, model_settings):
    rebuild()
    PassageVector.objects.create(model="old-model/0", digest="0" * 64, vector=b"")
    kept = PassageVector.objects.filter(model=embedder().model).count()
    region["online"].unpublish()
    rebuild()
    assert not PassageVector.objects.filter(model="old-model/0").exists()
    assert PassageVector.objects.count() < kept


def test_embedding_can_wait_for_the_worker(region, model_settings):
    result = rebuild(embed=False)
    assert result["without_vectors"] == 5
    assert IndexChange.objects.count() == 5
    # words find the offers at once; meaning once the worker has embedded them
    assert ask("кафе", "ru").count == 0
    assert ask("Sprachcafé", "ru").count == 1
    changes_process()
    assert not IndexChange.objects.exists()
    assert set(titles(ask("курсы немецкого языка", "ru"))[:3]) & LANGUAGE_COURSES


def test_without_the_model_search_matches_words_and_says_nothing(
    client, region, model_settings
):
    model_settings.SEARCH_EMBEDDER = "tests.search.fakes.UnloadableModel"
    embedder_forget()
    rebuild()
    page = client.get("/fa/search/", {"q": "Integrationskurs"})
    assert page.status_code == 200
    assert "Integrationskurs am Abend" in page.content.decode()
    assert not search(SearchRequest(query="Integrationskurs")).degraded
    assert 'class="notice' not in page.content.decode()


def test_a_model_failure_while_indexing_keeps_the_words_current(region, model_settings):
    model_settings.SEARCH_EMBEDDER = "tests.search.fakes.FailingModel"
    embedder_forget()
    result = rebuild()
    assert result["documents"] == 5
    assert titles(ask("Integrationskurs", "de")) == ["Integrationskurs am Abend"]


def test_search_check_finds_and_repairs_offers_indexed_without_vectors(
    region, model_settings, capsys
):
    model_settings.SEARCH_EMBEDDER = "tests.search.fakes.FailingModel"
    embedder_forget()
    rebuild()  # the model fails on every passage: words only
    model_settings.SEARCH_EMBEDDER = "search.embedding.MultilingualE5Small"
    embedder_forget()
    assert not ask("کلاس زبان آلمانی", "fa").results
    with pytest.raises(CommandError, match="differs"):
        call_command("search_check")
    assert "without vectors: 5" in capsys.readouterr().out
    call_command("search_check", "--repair")
    call_command("search_check")  # clean now: no error
    assert "without vectors: 0" in capsys.readouterr().out
    assert set(titles(ask("کلاس زبان آلمانی", "fa"))[:3]) & LANGUAGE_COURSES


def test_an_index_of_another_model_is_searched_by_words_until_rebuilt(
    region, model_settings
):
    model_settings.SEARCH_EMBEDDER = "tests.search.fakes.OtherModel"
    embedder_forget()
    rebuild()
    model_settings.SEARCH_EMBEDDER = "search.embedding.MultilingualE5Small"
    embedder_forget()
    engine.index_model_forget()
    assert ask("курсы немецкого языка", "ru").count == 0  # vectors do not mix
    assert ensure_index()  # make run's start rebuilds it, embedding later
    changes_process()
    assert ask("курсы немецкого языка", "ru").count > 0
    assert not ensure_index()


def test_make_runs_first_index_says_the_worker_embeds_later(
    region, model_settings, capsys
):
    call_command("search_rebuild", "--if-missing")  # a fresh index name: none yet
    out = capsys.readouterr().out
    assert "Indexed 5 offers" in out
    assert "5 offers wait for the task worker to embed their text" in out
    call_command("search_rebuild", "--if-missing")
    assert capsys.readouterr().out.strip() == "Index exists; nothing to do."


def test_query_vectors_are_unit_length_and_cached(model_settings):
    from search.embedding import _query_vector, query_vector

    vector = np.array(query_vector("Deutschkurs"))
    assert vector.shape == (MultilingualE5Small.dims,)
    assert abs(np.linalg.norm(vector) - 1) < 1e-3
    query_vector("Deutschkurs")
    assert _query_vector.cache_info().hits >= 1


def test_words_matching_only_german_text_count_less_for_other_readers():
    # "a" matched the words of a Farsi question in German text only (a name, a
    # compound, or by accident); "b" and "c" are near it in meaning.
    words = [("a", 9.0), ("b", 5.0)]
    meaning = [("b", 0.84), ("c", 0.83)]
    assert fuse(words, meaning) == ["b", "a", "c"]
    # …after the offers found by meaning, not dropped
    assert fuse(words, meaning, other_language={"a"}) == ["b", "c", "a"]
