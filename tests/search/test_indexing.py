"""Index maintenance: publish/unpublish/delete/move reach the index through tasks,
failures are retried, rebuilds swap an alias, drift is reported and repaired."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search import engine
from search.indexing import changes_process, rebuild
from search.models import IndexChange
from search.queries import SearchRequest, engine_search
from tests.factories import AgencyPageFactory, OfferPageFactory


def found(query: str, language: str = "de") -> list[str]:
    return [
        r["title"]
        for r in engine_search(SearchRequest(query=query, language=language)).results
    ]


def indexed_ids() -> set[str]:
    client = engine.client()
    client.indices.refresh(index=engine.alias_name())
    hits = client.search(index=engine.alias_name(), size=100, _source=False)["hits"][
        "hits"
    ]
    return {hit["_id"] for hit in hits}


def test_publishing_reaches_the_index_after_commit(
    indexed, agency, django_capture_on_commit_callbacks
):
    offer = OfferPageFactory(parent=agency, title_de="Nähcafé für alle", live=False)
    assert "Nähcafé für alle" not in found("Nähcafé")
    with django_capture_on_commit_callbacks(execute=True):
        offer.save_revision().publish()
    assert found("Nähcafé") == ["Nähcafé für alle"]
    assert not IndexChange.objects.exists()


def test_unpublishing_and_deleting_remove_from_the_index(
    indexed, django_capture_on_commit_callbacks
):
    offer = indexed["abendkurs"]
    with django_capture_on_commit_callbacks(execute=True):
        offer.unpublish()
    assert "Integrationskurs am Abend" not in found("Integrationskurs")
    other = indexed["online"]
    with django_capture_on_commit_callbacks(execute=True):
        other.delete()
    assert str(other.hsds_id) not in indexed_ids()


def test_moving_an_offer_updates_its_agency_in_the_index(
    indexed, home, django_capture_on_commit_callbacks
):
    new_home = AgencyPageFactory(parent=home, slug="awo", title_de="AWO Kreisverband")
    with django_capture_on_commit_callbacks(execute=True):
        indexed["abendkurs"].move(new_home, pos="last-child")
    result = engine_search(SearchRequest(query="Integrationskurs")).results[0]
    assert result["agency"] == "AWO Kreisverband"
    assert result["url"] == "/de/awo/abendkurs/"


def test_renaming_a_topic_updates_the_offers(
    indexed, django_capture_on_commit_callbacks
):
    from directory.models import Topic

    topic = Topic.objects.get(slug="aufenthalt")
    topic.slug = "aufenthalt-recht"
    with django_capture_on_commit_callbacks(execute=True):
        topic.save()
    response = engine_search(SearchRequest(facets={"topic": ["aufenthalt-recht"]}))
    assert response.count == 2


def test_changed_opening_hours_of_a_place_reach_its_offers(
    indexed, django_capture_on_commit_callbacks
):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from directory.models import ContactPointPage, OpeningSlot

    point = ContactPointPage.objects.get(slug="vhs-bergheim")
    OpeningSlot.objects.filter(page=point).delete()
    OpeningSlot.objects.create(page=point, weekday=5, opens=time(10), closes=time(12))
    with django_capture_on_commit_callbacks(execute=True):
        point.save_revision().publish()
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    response = engine_search(SearchRequest(open_now=True, now=saturday))
    assert [r["title"] for r in response.results] == ["Integrationskurs am Abend"]


def test_engine_failure_never_breaks_a_save_and_is_retried(
    indexed, agency, settings, django_capture_on_commit_callbacks
):
    good_url = settings.SEARCH_URL
    settings.SEARCH_URL = "http://127.0.0.1:9"  # nothing listens there
    engine._client.cache_clear()
    offer = OfferPageFactory(parent=agency, title_de="Fahrradkurs", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        offer.save_revision().publish()  # must not raise
    pending = IndexChange.objects.get(page_id=offer.pk)
    assert pending.attempts == 1 and pending.last_error

    settings.SEARCH_URL = good_url
    engine._client.cache_clear()
    assert changes_process() == {"indexed": 1, "deleted": 0, "failed": 0}
    assert found("Fahrradkurs") == ["Fahrradkurs"]
    assert not IndexChange.objects.exists()


def test_rebuild_swaps_the_alias_and_drops_the_old_index(indexed):
    client = engine.client()
    alias = engine.alias_name()
    before = set(client.indices.get_alias(name=alias))
    result = rebuild()
    after = set(client.indices.get_alias(name=alias))
    assert after == {result["index"]} and not before & after
    assert not any(client.indices.exists(index=name) for name in before)
    assert result["documents"] == 5
    assert found("Sprachcafé") == ["Online-Sprachcafé"]


def test_search_rebuild_command(indexed, capsys):
    call_command("search_rebuild")
    assert "Indexed 5 offers" in capsys.readouterr().out


def test_search_check_reports_and_repairs_drift(indexed, capsys):
    client = engine.client()
    alias = engine.alias_name()
    missing = indexed["online"]
    client.delete(index=alias, id=str(missing.hsds_id), refresh=True)
    client.index(
        index=alias,
        id="00000000-0000-0000-0000-000000000001",
        document={
            "id": "x",
            "path": "x/",
            "title": {"de": "Geister"},
            "topics": [],
            "residence_statuses": [],
        },
        refresh=True,
    )
    with pytest.raises(CommandError, match="differs"):
        call_command("search_check")
    out = capsys.readouterr().out
    assert "missing: 1" in out and "extra: 1" in out
    call_command("search_check", "--repair")
    assert str(missing.hsds_id) in indexed_ids()
    assert "00000000-0000-0000-0000-000000000001" not in indexed_ids()
    call_command("search_check")  # clean now: no error


def test_only_live_public_current_offers_are_indexed(indexed, agency):
    from wagtail.models import PageViewRestriction

    draft = OfferPageFactory(parent=agency, title_de="Entwurf", live=False)
    ended = OfferPageFactory(parent=agency, title_de="Beendet", status="ended")
    private = OfferPageFactory(parent=agency, title_de="Privat")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    rebuild()
    ids = indexed_ids()
    assert not {str(draft.hsds_id), str(ended.hsds_id), str(private.hsds_id)} & ids


def test_deleting_a_place_reindexes_its_offers(
    indexed, django_capture_on_commit_callbacks
):
    from directory.models import ContactPointPage

    point = ContactPointPage.objects.get(slug="vhs-bergheim")
    with django_capture_on_commit_callbacks(execute=True):
        point.delete()
    response = engine_search(SearchRequest(facets={"district": ["bergheim"]}))
    assert response.count == 0
