"""Passage vectors: embedded once per text and model, stored, reused by every index
write and rebuild."""

import hashlib
import logging
from collections.abc import Iterable

import numpy as np

from .embedding import Embedder, embedder
from .models import PassageVector

log = logging.getLogger(__name__)
BATCH = 32  # texts per call into the model (16–32 is its fastest, notes/embeddings.md)
LOOKUP = 500  # digests per database query


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(model: str, digests: Iterable[str]) -> dict[str, bytes]:
    wanted = sorted(set(digests))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), LOOKUP):
        found.update(
            (key, bytes(value))
            for key, value in PassageVector.objects.filter(
                model=model, digest__in=wanted[start : start + LOOKUP]
            ).values_list("digest", "vector")
        )
    return found


def vectors_missing(digests: Iterable[str]) -> set[str]:
    """Those of the texts' ``digests`` that have no stored vector for the current
    model (all of them without a model)."""
    digests = set(digests)
    model = embedder()
    if model is None:
        return digests
    return digests - set(_stored(model.model, digests))


def vectors_for(
    texts: list[str], *, model: Embedder | None = None
) -> list[list[float]]:
    """One vector per text, in order: stored ones read, missing ones embedded (in
    batches) and stored. Raises ValueError without a model."""
    model = model or embedder()
    if model is None:
        raise ValueError("no embedding model is configured")
    digests = [digest(text) for text in texts]
    stored = _stored(model.model, digests)
    missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in stored}
    pending = list(missing.items())
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        vectors = model.passages([text for _digest, text in batch])
        rows = [
            PassageVector(
                model=model.model, digest=key, vector=vector.astype("<f4").tobytes()
            )
            for (key, _text), vector in zip(batch, vectors, strict=True)
        ]
        PassageVector.objects.bulk_create(rows, ignore_conflicts=True)
        stored.update((row.digest, bytes(row.vector)) for row in rows)
    if pending:
        log.info("embedded %s passages with %s", len(pending), model.model)
    return [np.frombuffer(stored[d], dtype="<f4").tolist() for d in digests]


def vectors_prune(*, keep: set[str]) -> int:
    """Delete the vectors of other models and those of the current model whose text
    is not in ``keep`` (digests). Returns how many went; without a model, none."""
    model = embedder()
    if model is None:
        return 0
    deleted, _ = PassageVector.objects.exclude(model=model.model).delete()
    unused = [
        pk
        for pk, key in PassageVector.objects.filter(model=model.model).values_list(
            "pk", "digest"
        )
        if key not in keep
    ]
    for start in range(0, len(unused), LOOKUP):
        PassageVector.objects.filter(pk__in=unused[start : start + LOOKUP]).delete()
    return deleted + len(unused)
