"""When the engine is down the site still answers from the database, says so, and
catches up by itself when the engine is back. Runs its own engine so it can stop it."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from search import engine
from search.indexing import changes_process, rebuild
from search.local_engine import LocalEngine
from search.models import IndexChange
from search.queries import SearchRequest, search
from tests.factories import OfferPageFactory, published_offer


@pytest.fixture
def own_engine(region, settings):
    server = LocalEngine().start()
    settings.SEARCH_URL = server.url
    settings.SEARCH_INDEX_PREFIX = "degraded"
    settings.SEARCH_RETRY_PAUSE = 0  # retry the engine on the next request
    engine._client.cache_clear()
    engine.breaker.succeeded()
    rebuild()
    yield server
    server.stop()
    engine._client.cache_clear()
    engine.breaker.succeeded()


def test_search_falls_back_to_the_database_and_recovers(
    own_engine, client, agency, django_capture_on_commit_callbacks, caplog
):
    assert not search(SearchRequest(query="Sprachcafé")).degraded
    own_engine.stop()

    api = client.get("/api/search/", {"q": "Sprachcafé", "topic": "sprache"})
    assert api.status_code == 200
    data = api.json()
    assert data["degraded"] is True
    assert [r["title"] for r in data["results"]] == ["Online-Sprachcafé"]
    page = client.get("/de/search/", {"q": "Sprachcafé"})
    assert page.status_code == 200
    assert (
        "einfacheren Modus" in page.content.decode()
        or "simpler mode" in page.content.decode()
    )
    assert "search engine unavailable" in caplog.text

    # An editor publishes while the engine is down: the save works, the change waits.
    offer = OfferPageFactory(parent=agency, title_de="Nähcafé am Montag", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        offer.save_revision().publish()
    assert IndexChange.objects.filter(page_id=offer.pk).exists()

    own_engine.start()
    engine._client.cache_clear()
    changes_process()  # what the re-enqueued task does once the delay is over
    response = search(SearchRequest(query="Nähcafé"))
    assert not response.degraded
    assert [r["title"] for r in response.results] == ["Nähcafé am Montag"]
    assert not IndexChange.objects.exists()


def test_suggestions_are_empty_not_an_error_when_the_engine_is_down(own_engine, client):
    own_engine.stop()
    response = client.get("/api/search/suggest/", {"q": "Integ", "lang": "de"})
    assert response.status_code == 200 and response.json() == {"suggestions": []}


def test_no_engine_configured_means_database_search(client, region, settings):
    settings.SEARCH_URL = ""
    data = client.get("/api/search/", {"q": "Rechtsberatung"}).json()
    assert data["degraded"] is True
    assert [r["title"] for r in data["results"]] == ["Rechtsberatung zum Aufenthalt"]


# --- the database's own matching (no engine configured) ---------------------------


@pytest.fixture
def no_engine(settings):
    settings.SEARCH_URL = ""


def _titles(query: str, *, language: str = "de", **form) -> list[str]:
    response = search(
        SearchRequest.from_form({"q": query, "lang": language, **form}, language="de")
    )
    assert response.degraded
    return sorted(r["title"] for r in response.results)


def test_database_search_finds_every_word_in_the_readers_language_or_german(
    no_engine, agency
):
    published_offer(
        agency,
        texts={
            "title": {"de": "Nähcafé", "ar": "مقهى الخياطة"},
            "summary": {"de": "Jeden Montag im Gemeindesaal."},
            "description": {"de": "<p>Nähmaschinen stehen bereit, 100% kostenlos.</p>"},
        },
    )
    published_offer(
        agency,
        texts={
            "title": {"de": "Fahrradwerkstatt"},
            "description": {"en": "<p>Sewing machines on Mondays.</p>"},
        },
    )

    # A word only in the German description, asked for in Arabic: the German counts.
    assert _titles("nähmaschinen", language="ar") == ["مقهى الخياطة"]
    # Each word somewhere, in another field: title, summary, description.
    assert _titles("nähcafé MONTAG Nähmaschinen") == ["Nähcafé"]
    if connection.vendor == "postgresql":  # SQLite upper-cases ASCII letters only
        assert _titles("NÄHCAFÉ") == ["Nähcafé"]
    assert _titles("Nähcafé Fahrrad") == []
    # English text is searched in English only, not from Arabic.
    assert _titles("sewing", language="en") == ["Fahrradwerkstatt"]
    assert _titles("sewing", language="ar") == []
    # "%" and "_" are letters, not wildcards.
    assert _titles("100%") == ["Nähcafé"]
    assert _titles("N_hcaf%") == []


def test_database_search_pages_through_every_match_once(no_engine, agency):
    for number in range(25):
        published_offer(agency, texts={"title": {"de": f"Sprachkurs {number:02}"}})
    published_offer(agency, texts={"title": {"de": "Fahrradwerkstatt"}})

    pages = [
        search(SearchRequest(query="sprachkurs", page=page, page_size=10))
        for page in (1, 2, 3)
    ]
    assert [p.count for p in pages] == [25, 25, 25]
    assert [p.pages for p in pages] == [3, 3, 3]
    titles = [r["title"] for p in pages for r in p.results]
    assert titles == [f"Sprachkurs {number:02}" for number in range(25)]


def test_database_search_uses_the_trigram_indexes_on_postgresql(no_engine, agency):
    """Every word is looked up in the indexes of the migration, not by reading every
    offer's texts: the query holds exactly the indexed expressions."""
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only")
    published_offer(agency, texts={"title": {"de": "Nähcafé"}})
    with CaptureQueriesContext(connection) as queries:
        search(SearchRequest(query="Nähcafé", language="ar"))
    matching = next(q["sql"] for q in queries if " LIKE " in q["sql"])
    with transaction.atomic(), connection.cursor() as cursor:
        # Too few rows for the planner to prefer an index on its own.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {matching}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Other indexes serve the joins (the agency must be live); the text matching
    # uses exactly the four trigram indexes.
    used = {
        name for name in re.findall(r"Index Scan on (\w+)", plan) if "_search_" in name
    }
    assert used == {
        "offer_search_text_de",
        "offer_search_text_ar",
        "page_search_title_de",
        "page_search_title_ar",
    }, plan
