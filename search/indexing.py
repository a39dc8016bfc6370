"""Keeping the index in step with the database: queued changes, rebuild, drift."""

import logging
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from elasticsearch import NotFoundError, helpers

from directory.models import ContactPointPage, OfferPage, OpeningSlot
from directory.selectors import site_root_path, visible_offers

from . import engine
from .documents import index_body, offer_document
from .models import IndexChange

log = logging.getLogger(__name__)
BATCH = 500


def _for_documents(offers: QuerySet[OfferPage]) -> QuerySet[OfferPage]:
    points = ContactPointPage.objects.select_related("district").prefetch_related(
        Prefetch(
            "opening_slots", queryset=OpeningSlot.objects.order_by("weekday", "opens")
        )
    )
    return offers.select_related("agency").prefetch_related(
        "topics",
        "target_groups",
        "residence_statuses",
        "languages",
        Prefetch("contact_points", queryset=points),
    )


def indexable_offers() -> QuerySet[OfferPage]:
    """What belongs in the index: live, public offers that have not ended."""
    return visible_offers()


# --- queueing ---------------------------------------------------------------------


def changes_record(offers: Iterable[OfferPage]) -> int:
    """Queue ``offers`` for (re)indexing after the current transaction commits.

    Never raises on engine trouble: the engine is not touched here.
    """
    if not settings.SEARCH_URL:
        return 0  # no engine configured: `search_rebuild` indexes everything later
    rows = [IndexChange(page_id=o.pk, hsds_id=o.hsds_id) for o in offers if o.pk]
    if not rows:
        return 0
    IndexChange.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["page_id"],
        update_fields=["hsds_id"],
    )
    transaction.on_commit(_enqueue_processing)
    return len(rows)


def _enqueue_processing(delay: timedelta | None = None) -> None:
    from .tasks import process_index_changes

    task = process_index_changes
    if delay:
        task = task.using(run_after=timezone.now() + delay)
    try:
        task.enqueue()
    except Exception:  # a broken task backend must not break an editor's save
        log.exception("could not enqueue index processing; pending changes stay queued")


def changes_process(*, limit: int = 1000) -> dict:
    """Send queued changes to the engine; rows go only once the engine has them.

    Returns counts. On engine failure the rows stay with their error, and processing is
    enqueued again with a growing delay.
    """
    pending = list(IndexChange.objects.order_by("created_at")[:limit])
    if not pending:
        return {"indexed": 0, "deleted": 0, "failed": 0}
    visible = {
        offer.pk: offer
        for offer in _for_documents(
            indexable_offers().filter(pk__in=[c.page_id for c in pending])
        )
    }
    root = site_root_path()
    actions = []
    for change in pending:
        offer = visible.get(change.page_id)
        if offer is not None:
            actions.append(
                {
                    "_op_type": "index",
                    "_id": str(offer.hsds_id),
                    "_source": offer_document(offer, site_root_path=root),
                }
            )
        else:
            actions.append({"_op_type": "delete", "_id": str(change.hsds_id)})
    try:
        client = engine.client()
        _ok, errors = helpers.bulk(
            client,
            actions,
            index=engine.alias_name(),
            raise_on_error=False,
            refresh="wait_for",
        )
    except (engine.SearchUnavailable, *engine.ENGINE_ERRORS) as error:
        attempts = max(change.attempts for change in pending) + 1
        IndexChange.objects.filter(pk__in=[c.pk for c in pending]).update(
            attempts=attempts, last_error=str(error)[:2000]
        )
        log.warning("indexing postponed (%s pending): %s", len(pending), error)
        _enqueue_processing(delay=timedelta(seconds=min(30 * 2**attempts, 3600)))
        return {"indexed": 0, "deleted": 0, "failed": len(pending)}

    failed_ids = {
        item.get("index", item.get("delete", {})).get("_id")
        for item in (errors if isinstance(errors, list) else [])
        # deleting what is not in the index is fine
        if item.get("delete", {}).get("status") != 404
    }
    done = [c.pk for c in pending if str(c.hsds_id) not in failed_ids]
    IndexChange.objects.filter(pk__in=done).delete()
    deleted = sum(1 for a in actions if a["_op_type"] == "delete")
    if len(pending) == limit:
        _enqueue_processing()
    return {
        "indexed": len(actions) - deleted - len(failed_ids),
        "deleted": deleted,
        "failed": len(failed_ids),
    }


# --- rebuild and drift ----------------------------------------------------------------


def index_create(name: str) -> None:
    engine.client().indices.create(index=name, **index_body())


def rebuild() -> dict:
    """Index every visible offer into a new index, then swap the alias in one call.

    Readers keep the old index until the swap; the old index is deleted afterwards.
    """
    client = engine.client()
    alias = engine.alias_name()
    new_index = f"{alias}-{timezone.now():%Y%m%d%H%M%S%f}"
    started = time.monotonic()
    index_create(new_index)
    root = site_root_path()
    # Changes queued from now on are replayed after the swap, so none is lost.
    cutoff = timezone.now()

    def actions():
        offers = _for_documents(indexable_offers().order_by("pk"))
        for offer in offers.iterator(chunk_size=BATCH):
            yield {
                "_id": str(offer.hsds_id),
                "_source": offer_document(offer, site_root_path=root),
            }

    count, _errors = helpers.bulk(client, actions(), index=new_index, chunk_size=BATCH)
    client.indices.refresh(index=new_index)
    old = (
        list(client.indices.get_alias(name=alias))
        if client.indices.exists_alias(name=alias)
        else []
    )
    if client.indices.exists(index=alias) and not old:
        # A real index squats the alias name (e.g. created by hand): replace it.
        client.indices.delete(index=alias)
    swap = [
        {"remove": {"index": name, "alias": alias, "must_exist": True}} for name in old
    ]
    swap.append({"add": {"index": new_index, "alias": alias}})
    client.indices.update_aliases(actions=swap)
    for name in old:
        client.indices.delete(index=name)
    IndexChange.objects.filter(created_at__lt=cutoff).delete()
    if IndexChange.objects.exists():
        changes_process()
    return {
        "index": new_index,
        "documents": count,
        "seconds": time.monotonic() - started,
    }


def ensure_index() -> bool:
    """Create the index (through a rebuild) if the alias does not exist yet."""
    client = engine.client()
    if client.indices.exists_alias(name=engine.alias_name()):
        return False
    rebuild()
    return True


def drift(*, repair: bool = False) -> dict:
    """Compare database and index: missing, extra, stale documents; optionally fix."""
    client = engine.client()
    alias = engine.alias_name()
    expected = {
        str(hsds_id): modified
        for hsds_id, modified in indexable_offers().values_list(
            "hsds_id", "last_published_at"
        )
    }
    indexed = {}
    try:
        for hit in helpers.scan(client, index=alias, _source=["modified"], size=1000):
            indexed[hit["_id"]] = hit["_source"].get("modified")
    except NotFoundError:
        indexed = {}
    missing = sorted(set(expected) - set(indexed))
    extra = sorted(set(indexed) - set(expected))
    stale = sorted(
        hsds_id
        for hsds_id in set(expected) & set(indexed)
        if (published := expected[hsds_id]) is not None
        and indexed[hsds_id] is not None
        and published.isoformat() != indexed[hsds_id]
    )
    if repair and (missing or extra or stale):
        changes_record(OfferPage.objects.filter(hsds_id__in=missing + stale))
        changes_process(limit=100_000)
        helpers.bulk(
            client,
            ({"_op_type": "delete", "_id": hsds_id} for hsds_id in extra),
            index=alias,
            raise_on_error=False,
            refresh="wait_for",
        )
    return {"missing": missing, "extra": extra, "stale": stale}
