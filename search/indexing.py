"""Keeping the index in step with the database: queued changes, rebuild, drift."""

import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from elasticsearch import NotFoundError, helpers

from directory.models import ContactPointPage, OfferPage, OpeningSlot
from directory.selectors import site_root_path, visible_offers

from . import engine
from .documents import index_body, offer_document, offer_passages, passages_field
from .embedding import embedder
from .models import IndexChange
from .vectors import digest, vectors_for, vectors_missing, vectors_prune

log = logging.getLogger(__name__)
BATCH = 500
# The recovery task runs this long after a claim ran out: hosts' clocks differ a little.
RECOVERY_MARGIN = timedelta(seconds=10)


def _for_documents(offers: QuerySet[OfferPage]) -> QuerySet[OfferPage]:
    points = (
        ContactPointPage.objects.visible()
        .select_related("district")
        .prefetch_related(
            Prefetch(
                "opening_slots",
                queryset=OpeningSlot.objects.order_by("weekday", "opens"),
            )
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


def _documents(
    offers: list[OfferPage], *, root: str, embed: bool
) -> tuple[dict[int, dict], list[int], set[str]]:
    """(documents by offer id, offers left without passages, digests of all passages).

    With a model, each document carries its passages' vectors: stored ones are
    reused, missing ones embedded now if ``embed``, else the offer is indexed
    without them (words still find it) and listed for embedding later. A model
    failure leaves the documents without passages rather than out of date.
    """
    documents = {o.pk: offer_document(o, site_root_path=root) for o in offers}
    model = embedder()
    if model is None:
        return documents, [], set()
    passages = {offer.pk: offer_passages(offer) for offer in offers}
    keys = {pk: {digest(p.text) for p in found} for pk, found in passages.items()}
    digests = set().union(*keys.values())
    later: list[int] = []
    if not embed:
        missing = vectors_missing(digests)
        later = [pk for pk, found in keys.items() if found & missing]
    waiting = set(later)
    ready = [pk for pk in passages if pk not in waiting]
    texts = [p.text for pk in ready for p in passages[pk]]
    try:
        vectors = vectors_for(texts, model=model)
    except Exception:
        log.exception("embedding failed; %s offers indexed without vectors", len(ready))
        return documents, [*later, *ready], digests
    position = 0
    for pk in ready:
        count = len(passages[pk])
        documents[pk]["passages"] = passages_field(
            passages[pk], vectors[position : position + count]
        )
        position += count
    return documents, later, digests


# --- queueing ---------------------------------------------------------------------
#
# Several workers may run `process_index_changes` at once. Each run claims its rows
# (``IndexChange.claim``) for SEARCH_CLAIM_SECONDS, sends them outside any transaction
# and then deletes only the rows whose revision is still the one it sent: a change
# recorded again meanwhile stays queued and is sent again. A claim that ran out (the
# worker died) is taken over; `recover_index_changes` runs when it runs out.


def _claim_seconds() -> float:
    return settings.SEARCH_CLAIM_SECONDS


def changes_record(offers: Iterable[OfferPage]) -> int:
    """Queue ``offers`` for (re)indexing after the current transaction commits.

    An offer already queued gets a new revision, so a worker sending its older state
    right now leaves the row for the next run. Never raises on engine trouble: the
    engine is not touched here.
    """
    if not settings.SEARCH_URL:
        return 0  # no engine configured: `search_rebuild` indexes everything later
    count = _changes_upsert({o.pk: o.hsds_id for o in offers if o.pk})
    if count:
        transaction.on_commit(_enqueue_processing)
    return count


def _changes_upsert(hsds_ids: dict[int, uuid.UUID]) -> int:
    # The claim is left alone: while a worker sends an offer, no other worker may
    # send it (the older state could reach the engine last). The worker sees the new
    # revision when it finishes, releases the row and enqueues processing again.
    rows = [
        IndexChange(page_id=pk, hsds_id=hsds_id, revision=uuid.uuid4())
        for pk, hsds_id in hsds_ids.items()
    ]
    if rows:
        IndexChange.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["page_id"],
            update_fields=["hsds_id", "revision"],
        )
    return len(rows)


def _enqueue_processing(delay: timedelta | None = None) -> None:
    from .tasks import process_index_changes

    _enqueue(process_index_changes, at=timezone.now() + delay if delay else None)


def _enqueue(task, *, at: datetime | None = None) -> None:
    try:
        if at is None:
            task.enqueue()
            return
        if not task.get_backend().supports_defer:
            log.info("the task backend runs no deferred tasks: %s skipped", task.name)
            return
        # Possibly inside a claim's transaction: a savepoint keeps a failed enqueue
        # from breaking it.
        with transaction.atomic():
            task.using(run_after=at).enqueue()
    except Exception:  # a broken task backend must not break an editor's save
        log.exception("could not enqueue %s; pending changes stay queued", task.name)


def _claimable(now: datetime) -> QuerySet[IndexChange]:
    return IndexChange.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def changes_claim(*, claim: uuid.UUID, limit: int) -> list[IndexChange]:
    """Take up to ``limit`` pending changes for the run ``claim``, oldest first:
    unclaimed rows and rows whose claim ran out.

    Two runs never hold the same row: on PostgreSQL the candidates are locked with
    SKIP LOCKED, and the update claims only rows that are still free (on SQLite, where
    rows cannot be locked, the conditional update is what keeps a second writer out).
    A recovery task is enqueued, in the same transaction, for when the claim runs out.
    """
    now = timezone.now()
    until = now + timedelta(seconds=_claim_seconds())
    with transaction.atomic():
        candidates = _claimable(now).order_by("created_at")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        _claimable(now).filter(pk__in=ids).update(claim=claim, claimed_until=until)
        claimed = list(IndexChange.objects.filter(claim=claim).order_by("created_at"))
        if claimed:
            from .tasks import recover_index_changes

            _enqueue(recover_index_changes, at=until + RECOVERY_MARGIN)
    return claimed


def _changes_finish(
    *, claim: uuid.UUID, claimed: list[IndexChange], sent: list[IndexChange]
) -> bool:
    """Delete the rows that reached the engine and were not recorded again since the
    claim; release all other rows of this run.

    Returns whether changes are left to process now: rows recorded again while they
    were sent, and rows this run lost (it was slower than its claim and another run
    took them over), which are recorded again because this run's older state may
    have reached the engine after the other run's.
    """
    with transaction.atomic():
        held = IndexChange.objects.filter(claim=claim)
        if connection.features.has_select_for_update:
            held = held.select_for_update()
        still = dict(held.values_list("pk", "revision"))
        done = [c for c in sent if still.get(c.pk) == c.revision]
        IndexChange.objects.filter(
            claim=claim,
            pk__in=[c.pk for c in done],
            revision__in=[c.revision for c in done],
        ).delete()
        IndexChange.objects.filter(claim=claim).update(claim=None, claimed_until=None)
    changed = [c for c in claimed if c.pk in still and still[c.pk] != c.revision]
    lost = [c for c in claimed if c.pk not in still]
    if lost:
        log.warning(
            "%s index changes were taken over or removed while being sent; "
            "queued again",
            len(lost),
        )
        _changes_upsert({c.page_id: c.hsds_id for c in lost})
    return bool(changed or lost)


def _actions(changes: list[IndexChange]) -> list[dict]:
    visible = {
        offer.pk: offer
        for offer in _for_documents(
            indexable_offers().filter(pk__in=[c.page_id for c in changes])
        )
    }
    documents, _later, _digests = _documents(
        list(visible.values()), root=site_root_path(), embed=True
    )
    actions = []
    for change in changes:
        offer = visible.get(change.page_id)
        if offer is not None:
            actions.append(
                {
                    "_op_type": "index",
                    "_id": str(offer.hsds_id),
                    "_source": documents[offer.pk],
                }
            )
        else:
            actions.append({"_op_type": "delete", "_id": str(change.hsds_id)})
    return actions


def changes_process(*, limit: int = 1000) -> dict:
    """Send queued changes to the engine; rows go only once the engine has them.

    Each change is sent by one run at a time, however many workers run. A change
    recorded again while it was being sent stays queued and processing is enqueued
    again. Returns counts. On engine failure the rows stay with their error, and
    processing is enqueued again with a growing delay.
    """
    if embedder() is not None:
        # Embedding takes seconds per offer: a run must end well within its claim.
        limit = min(limit, settings.SEARCH_EMBED_OFFERS_PER_RUN)
    claim = uuid.uuid4()
    claimed = changes_claim(claim=claim, limit=limit)
    if not claimed:
        return {"indexed": 0, "deleted": 0, "failed": 0}
    actions = _actions(claimed)
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
        attempts = max(change.attempts for change in claimed) + 1
        IndexChange.objects.filter(claim=claim).update(
            attempts=attempts,
            last_error=str(error)[:2000],
            claim=None,
            claimed_until=None,
        )
        log.warning("indexing postponed (%s pending): %s", len(claimed), error)
        _enqueue_processing(delay=timedelta(seconds=min(30 * 2**attempts, 3600)))
        return {"indexed": 0, "deleted": 0, "failed": len(claimed)}

    failed_ids = {
        item.get("index", item.get("delete", {})).get("_id")
        for item in (errors if isinstance(errors, list) else [])
        # deleting what is not in the index is fine
        if item.get("delete", {}).get("status") != 404
    }
    sent = [c for c in claimed if str(c.hsds_id) not in failed_ids]
    again = _changes_finish(claim=claim, claimed=claimed, sent=sent)
    if again or len(claimed) == limit:
        _enqueue_processing()
    deleted = sum(1 for a in actions if a["_op_type"] == "delete")
    return {
        "indexed": len(actions) - deleted - len(failed_ids),
        "deleted": deleted,
        "failed": len(failed_ids),
    }


def changes_recover() -> dict:
    """Process the queue if a claim ran out (its worker died); else do nothing."""
    now = timezone.now()
    if not IndexChange.objects.filter(
        claim__isnull=False, claimed_until__lt=now
    ).exists():
        return {"indexed": 0, "deleted": 0, "failed": 0}
    return changes_process()


# --- rebuild and drift ----------------------------------------------------------------


def index_create(name: str) -> None:
    engine.client().indices.create(index=name, **index_body())


def rebuild(*, embed: bool = True) -> dict:
    """Index every visible offer into a new index, then swap the alias in one call.

    Readers keep the old index until the swap; the old index is deleted afterwards.
    Stored passage vectors are reused; offers with passages not embedded yet are
    embedded now if ``embed``, else indexed without vectors and queued, so the task
    worker embeds them. Vectors no offer uses any more are removed.
    """
    client = engine.client()
    alias = engine.alias_name()
    new_index = f"{alias}-{timezone.now():%Y%m%d%H%M%S%f}"
    started = time.monotonic()
    index_create(new_index)
    root = site_root_path()
    # Changes queued until now are in the new index unless recorded again meanwhile;
    # the others are replayed after the swap, so none is lost.
    queued = list(IndexChange.objects.values_list("pk", "revision"))

    later: list[int] = []
    used: set[str] = set()

    def actions() -> Iterator[dict]:
        offers = _for_documents(indexable_offers().order_by("pk"))
        batch: list[OfferPage] = []
        for offer in offers.iterator(chunk_size=BATCH):
            batch.append(offer)
            if len(batch) == BATCH:
                yield from batch_actions(batch)
                batch = []
        yield from batch_actions(batch)

    def batch_actions(batch: list[OfferPage]) -> Iterator[dict]:
        documents, waiting, digests = _documents(batch, root=root, embed=embed)
        later.extend(waiting)
        used.update(digests)
        for offer in batch:
            yield {"_id": str(offer.hsds_id), "_source": documents[offer.pk]}

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
    engine.index_model_forget()
    for name in old:
        client.indices.delete(index=name)
    for start in range(0, len(queued), BATCH):
        chunk = queued[start : start + BATCH]
        IndexChange.objects.filter(
            pk__in=[pk for pk, _revision in chunk],
            revision__in=[revision for _pk, revision in chunk],
        ).delete()
    if IndexChange.objects.exists():
        changes_process()
    if embedder() is not None:
        vectors_prune(keep=used)
    for start in range(0, len(later), BATCH):
        changes_record(OfferPage.objects.filter(pk__in=later[start : start + BATCH]))
    return {
        "index": new_index,
        "documents": count,
        "without_vectors": len(later),
        "seconds": time.monotonic() - started,
    }


def ensure_index() -> dict | None:
    """Build the index if the alias does not exist yet, or if it was built with
    another embedding model (or none, or without one now); texts not embedded yet
    are left to the task worker. The rebuild's figures, or None if none was needed."""
    client = engine.client()
    if client.indices.exists_alias(name=engine.alias_name()):
        engine.index_model_forget()
        model = embedder()
        if engine.index_model() == (model.model if model else None):
            return None
    return rebuild(embed=False)


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
    unembedded = sorted(set(expected) & _without_vectors())
    stale = sorted(
        hsds_id
        for hsds_id in set(expected) & set(indexed)
        if (published := expected[hsds_id]) is not None
        and indexed[hsds_id] is not None
        and published.isoformat() != indexed[hsds_id]
    )
    if repair and (missing or extra or stale or unembedded):
        changes_record(
            OfferPage.objects.filter(hsds_id__in=missing + stale + unembedded)
        )
        changes_process(limit=100_000)
        helpers.bulk(
            client,
            ({"_op_type": "delete", "_id": hsds_id} for hsds_id in extra),
            index=alias,
            raise_on_error=False,
            refresh="wait_for",
        )
    return {
        "missing": missing,
        "extra": extra,
        "stale": stale,
        "without vectors": unembedded,
    }


def _without_vectors() -> set[str]:
    """Ids of indexed offers without passage vectors although the index was built
    with the configured model: the model failed while they were indexed (they are
    found by their words only until indexed again)."""
    model = embedder()
    if model is None or engine.index_model() != model.model:
        return set()
    no_passages = {
        "bool": {
            "must_not": [{"nested": {"path": "passages", "query": {"match_all": {}}}}]
        }
    }
    return {
        hit["_id"]
        for hit in helpers.scan(
            engine.client(),
            index=engine.alias_name(),
            query={"query": no_passages},
            _source=False,
            size=1000,
        )
    }
