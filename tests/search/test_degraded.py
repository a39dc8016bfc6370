"""When the engine is down the site still answers from the database, says so, and
catches up by itself when the engine is back. Runs its own engine so it can stop it."""

import pytest

from search import engine
from search.indexing import changes_process, rebuild
from search.local_engine import LocalEngine
from search.models import IndexChange
from search.queries import SearchRequest, search
from tests.factories import OfferPageFactory


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
