"""Index maintenance: publish/unpublish/delete/move reach the index through tasks,
failures are retried, rebuilds swap an alias, drift is reported and repaired, and a
change is never lost between workers (see also test_workers.py)."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks import task_backends
from elasticsearch import helpers

from directory.models import OfferPage
from search import engine, indexing
from search.indexing import changes_claim, changes_process, changes_record, rebuild
from search.models import IndexChange
from search.queries import SearchRequest, engine_search
from search.tasks import recover_index_changes
from tests.factories import AgencyPageFactory, OfferPageFactory

# What reaches the index is checked by the words that find it.
pytestmark = pytest.mark.usefixtures("words_only")


def found(query: str, language: str = "de") -> list[str]:
    return [
        r["title"]
        for r in engine_search(SearchRequest(query=query, language=language)).results
    ]


def indexed_ids() -> set[str]:
    client = engine.client()
    client.indices.refresh(index=engine.alias_name())
    hits = client.search(index=engine.alias_name(), size=100, source=False)["hits"][
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


# --- several workers: claims, changes recorded again, dead workers -------------------


@pytest.fixture
def enqueued(settings):
    """Tasks are recorded, not run: the test plays the worker. Returns the search
    tasks enqueued so far (Wagtail enqueues its own too)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    results = task_backends["default"].results
    return lambda: [
        r.task for r in results if r.task.module_path.startswith("search.tasks.")
    ]


def indexed_title(offer: OfferPage) -> str:
    document = engine.client().get(index=engine.alias_name(), id=str(offer.hsds_id))
    return document["_source"]["title"]["de"]


def retitle(offer: OfferPage, title: str) -> None:
    """An editor's change to the offer, queued as the signals do."""
    OfferPage.objects.filter(pk=offer.pk).update(title=title, title_de=title)
    changes_record([offer])


def test_a_change_recorded_again_while_it_is_sent_is_not_lost(
    indexed, enqueued, monkeypatch
):
    offer = indexed["abendkurs"]
    retitle(offer, "Integrationskurs am Abend (neu)")
    real_bulk = helpers.bulk

    def editor_saves_while_sending(*args, **kwargs):
        # The documents are built; the editor saves again before they reach the engine.
        retitle(offer, "Integrationskurs am Abend (neuer)")
        return real_bulk(*args, **kwargs)

    monkeypatch.setattr(helpers, "bulk", editor_saves_while_sending)
    assert changes_process()["indexed"] == 1
    monkeypatch.setattr(helpers, "bulk", real_bulk)

    assert indexed_title(offer) == "Integrationskurs am Abend (neu)"
    change = IndexChange.objects.get(page_id=offer.pk)
    assert change.claim is None, "released for the next run"
    assert "process_index_changes" in [task.name for task in enqueued()]

    assert changes_process()["indexed"] == 1  # what the enqueued task does
    assert indexed_title(offer) == "Integrationskurs am Abend (neuer)"
    assert not IndexChange.objects.exists()


def test_a_claim_of_a_dead_worker_runs_out_and_is_taken_over(
    indexed, agency, enqueued, settings
):
    settings.SEARCH_CLAIM_SECONDS = 300
    offer = OfferPageFactory(parent=agency, title_de="Fahrradwerkstatt")
    changes_record([offer])
    held = changes_claim(claim=uuid.uuid4(), limit=10)  # then the worker is killed
    assert [c.page_id for c in held] == [offer.pk]
    (recovery,) = enqueued()
    assert recovery.name == "recover_index_changes"
    assert recovery.run_after > held[0].claimed_until

    # While the claim holds, other runs leave the row alone.
    assert changes_process()["indexed"] == 0
    assert recover_index_changes.call()["indexed"] == 0
    assert found("Fahrradwerkstatt") == []

    IndexChange.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert recover_index_changes.call()["indexed"] == 1  # at recovery.run_after
    assert found("Fahrradwerkstatt") == ["Fahrradwerkstatt"]
    assert not IndexChange.objects.exists()


def test_a_run_slower_than_its_claim_queues_its_offers_again(
    indexed, enqueued, monkeypatch
):
    offer = indexed["online"]
    retitle(offer, "Online-Sprachcafé am Abend")
    real_bulk = helpers.bulk
    calls = []

    def claim_runs_out_while_sending(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            # This run stalls past its claim; another run takes the row over and
            # finishes first, then this run's request reaches the engine.
            IndexChange.objects.update(
                claimed_until=timezone.now() - timedelta(seconds=1)
            )
            assert indexing.changes_process()["indexed"] == 1
            assert not IndexChange.objects.exists()
        return real_bulk(*args, **kwargs)

    monkeypatch.setattr(helpers, "bulk", claim_runs_out_while_sending)
    assert changes_process()["indexed"] == 1
    monkeypatch.setattr(helpers, "bulk", real_bulk)

    assert IndexChange.objects.filter(page_id=offer.pk, claim=None).exists()
    assert "process_index_changes" in [task.name for task in enqueued()]
    assert changes_process()["indexed"] == 1
    assert indexed_title(offer) == "Online-Sprachcafé am Abend"
    assert not IndexChange.objects.exists()
