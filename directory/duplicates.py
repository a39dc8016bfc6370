"""Likely duplicate offers: the same service entered by two agencies, found in the
background and listed for the coordinators (``directory.duplicate_views``).

The similarity needs no search engine (``directory`` must not import ``search``):
each offer's title and text become TF-IDF weighted character 3- and 4-grams of the
normalised text, hashed with a sign into ``DIMENSIONS`` numbers and L2-normalised,
one pair of vectors per language; cosines are matrix products (numpy), computed only
within blocks of offers that could be the same offer: another agency, a shared topic,
and the same place or no fixed place.
"""

import html
import logging
import math
import re
import time
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from wagtail.log_actions import log

from .models import (
    ContactPointPage,
    District,
    DuplicateCandidate,
    DuplicateDismissal,
    DuplicateScan,
    OfferPage,
    Topic,
)

logger = logging.getLogger(__name__)

# What a pair must reach to be listed, on the scale of ``_score``. Measured on the
# ~120 hand-written demo offers (texts as agencies write them): the closest pairs of
# *different* offers, the same kind of service by two agencies (migration counselling
# of Caritas and of Diakonie, school enrolment for children and for teenagers), score
# 0.43-0.51. Copies of the demo offers with 30 % of their words dropped or swapped
# score 0.77 or more in nine cases out of ten (median 0.86); with only half the text
# kept and 20 % of it changed, median 0.76. 0.7 keeps such copies and a margin of
# 0.2 above offers that are only about the same thing.
THRESHOLD = 0.7
# The title says what an offer is, the text says it in detail and decides:
# a title is short, so two different offers often share most of it.
TITLE_WEIGHT = 0.4
# Where either offer has only a title in a language, the title alone must carry
# the score, discounted: identical titles reach 0.85, just above the threshold.
TITLE_ONLY_FACTOR = 0.85
# An offer copied to many agencies (or a region with many variants of one offer)
# would list every combination; each offer keeps its best partners, so the report
# stays at most this many times the number of offers long.
PARTNERS_PER_OFFER = 5
# Hashed dimensions of a text. With signed hashing a collision adds noise of about
# 1/sqrt(DIMENSIONS) (≈ 0.02) to a cosine, far below the margins the threshold
# separates; 10,000 offers take 80 MB per language at float32.
DIMENSIONS = 2048
# A title has a few dozen n-grams: fewer dimensions do (noise ≈ 0.04 on the title's
# cosine, 0.02 on the score), at a quarter of the memory and time.
TITLE_DIMENSIONS = 512
NGRAM_SIZES = (3, 4)
# Document frequencies are counted in 2^20 hashed cells (8 MB): collisions only
# blur the weight of rare n-grams a little.
DF_CELL_BITS = 20
# The beginning of a long description says what the offer is; the rest costs time.
TEXT_LIMIT = 2000
# Rows compared per matrix product, and texts vectorised per batch (memory bounds).
ROWS_PER_CHUNK = 512
TEXTS_PER_BATCH = 1000
DISMISS_ACTION = "wegweiser.duplicate_dismiss"

_NON_WORD = re.compile(r"[\W_]+")
_TAG = re.compile(r"<[^>]*>")
# FNV-1a's 64-bit prime: each character moves every later bit of the hash.
_PRIME = np.uint64(0x100000001B3)


class DuplicatePairInvalid(ValueError):
    """The request does not name two different existing offers."""


# --- Text to vectors ------------------------------------------------------------------


def text_normalise(text: str | None, *, markup: bool = False) -> str:
    """Lower case, compatibility forms folded, every run of punctuation, symbols and
    spaces one space; tags dropped from rich text (``markup``)."""
    if not text:
        return ""
    if markup:
        text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every output bit depends on every input bit."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def _grams(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The character n-grams of ``texts`` (non-empty, normalised) as 64-bit hashes:
    (text index, hash, count), one row per distinct n-gram of a text."""
    padded = [f" {text} " for text in texts]
    lengths = np.fromiter((len(text) for text in padded), np.int64, len(padded))
    # Texts end at a NUL (normalised text has none), so no n-gram spans two texts.
    codes = np.frombuffer("\0".join(padded).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    owner = np.repeat(np.arange(len(padded), dtype=np.int64), lengths + 1)
    owner = owner[: len(codes)]
    owners, hashes = [], []
    for size in NGRAM_SIZES:
        count = len(codes) - size + 1
        if count <= 0:
            continue
        valid = (owner[:count] == owner[size - 1 :]) & (codes[size - 1 :] != 0)
        value = np.full(count, size, dtype=np.uint64)
        for offset in range(size):
            value = (value * _PRIME) ^ codes[offset : offset + count]
        owners.append(owner[:count][valid])
        hashes.append(_mix(value[valid]))
    owner_all = np.concatenate(owners)
    hash_all = np.concatenate(hashes)
    # One sort finds each text's distinct n-grams: the text index in the top bits,
    # the n-gram's hash below (its lowest bits dropped: they are never used).
    owner_bits = max(1, (len(texts) - 1).bit_length())
    keys = (owner_all.astype(np.uint64) << np.uint64(64 - owner_bits)) | (
        hash_all >> np.uint64(owner_bits)
    )
    unique, counts = np.unique(keys, return_counts=True)
    owner_unique = (unique >> np.uint64(64 - owner_bits)).astype(np.int64)
    hash_unique = unique << np.uint64(owner_bits)
    return owner_unique, hash_unique, counts


def _cells(hashes: np.ndarray) -> np.ndarray:
    """The document-frequency cell of each n-gram: the hash's top bits."""
    return (hashes >> np.uint64(64 - DF_CELL_BITS)).astype(np.int64)


def _batches(texts: Sequence[str]) -> Iterable[tuple[int, Sequence[str]]]:
    for start in range(0, len(texts), TEXTS_PER_BATCH):
        yield start, texts[start : start + TEXTS_PER_BATCH]


def text_vectors(texts: Sequence[str], *, dimensions: int = DIMENSIONS) -> np.ndarray:
    """One L2-normalised row per text (a row of zeros for an empty text): TF-IDF
    weights of its character n-grams, hashed with a sign into ``dimensions``
    columns. The cosine of two texts is the dot product of their rows.

    Document frequencies come from ``texts``: what most texts share weighs little.
    """
    matrix = np.zeros((len(texts), dimensions), dtype=np.float32)
    present = np.array([i for i, text in enumerate(texts) if text], dtype=np.int64)
    if not len(present):
        return matrix
    given = [texts[i] for i in present]
    # Two passes over the texts keep memory to one batch: frequencies, then weights.
    frequencies = np.zeros(1 << DF_CELL_BITS, dtype=np.int64)
    for _start, batch in _batches(given):
        _owner, hashes, _counts = _grams(batch)
        frequencies += np.bincount(_cells(hashes), minlength=len(frequencies))
    idf = np.log((1 + len(given)) / (1 + frequencies)) + 1
    for start, batch in _batches(given):
        owner, hashes, counts = _grams(batch)
        weights = (1 + np.log(counts)) * idf[_cells(hashes)]
        # Sign and column from bits the cell does not use (nor the dropped low ones).
        sign = np.where((hashes >> np.uint64(31)) & np.uint64(1), -1.0, 1.0)
        column = ((hashes >> np.uint64(32)) % np.uint64(dimensions)).astype(np.int64)
        block = np.bincount(
            owner * dimensions + column,
            weights=sign * weights,
            minlength=len(batch) * dimensions,
        ).reshape(len(batch), dimensions)
        norms = np.sqrt(np.einsum("ij,ij->i", block, block))[:, None]
        np.divide(block, norms, out=block, where=norms > 0)
        matrix[present[start : start + len(batch)]] = block
    return matrix


# --- The offers, their blocks and their texts -----------------------------------------


@dataclass
class _Corpus:
    """The visible offers in id order and what decides which pairs are compared."""

    ids: np.ndarray
    agencies: np.ndarray
    # Online or hybrid, or no visible contact point with a district: could be the
    # same offer as one anywhere in the region.
    anywhere: np.ndarray
    # Offers × districts, True where a visible contact point of the offer lies there.
    places: np.ndarray
    district_ids: list[int]
    topic_rows: dict[int, np.ndarray]
    topics_of: list[set[int]] = field(default_factory=list)
    districts_of: list[set[int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def row_of(self) -> dict[int, int]:
        return {pk: row for row, pk in enumerate(self.ids.tolist())}

    def blocks(self, present: np.ndarray) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        """(rows, columns) of offers that may be the same offer, among the
        ``present`` ones: per topic, each offer that could be anywhere with all the
        topic's offers, and the offers in one district among themselves. Together
        they hold every pair that shares a topic and a place or has one offer that
        could be anywhere (some pairs more than once); in place, only a tenth of a
        topic's in-person pairs where offers spread over ten districts.
        """
        for members in self.topic_rows.values():
            members = members[present[members]]
            anywhere = members[self.anywhere[members]]
            if len(anywhere) and len(members) > 1:
                yield anywhere, members
            located = self.places[members]
            for district in np.flatnonzero(located.sum(axis=0) > 1):
                here = members[located[:, district]]
                yield here, here


def _corpus_load() -> _Corpus:
    """Three queries, whatever the number of offers."""
    visible = OfferPage.objects.visible()
    offers = list(visible.order_by("pk").values_list("pk", "agency_id", "format"))
    ids = np.array([pk for pk, _agency, _format in offers], dtype=np.int64)
    row_of = {int(pk): row for row, pk in enumerate(ids.tolist())}
    topics_of: list[set[int]] = [set() for _offer in offers]
    for offer_id, topic_id in OfferPage.topics.through.objects.filter(
        offerpage__in=visible.values("pk")
    ).values_list("offerpage_id", "topic_id"):
        if offer_id in row_of:
            topics_of[row_of[offer_id]].add(topic_id)
    districts_of: list[set[int]] = [set() for _offer in offers]
    for offer_id, district_id in OfferPage.contact_points.through.objects.filter(
        offerpage__in=visible.values("pk"),
        contactpointpage__in=ContactPointPage.objects.visible().values("pk"),
        contactpointpage__district__isnull=False,
    ).values_list("offerpage_id", "contactpointpage__district_id"):
        if offer_id in row_of:
            districts_of[row_of[offer_id]].add(district_id)

    district_ids = sorted({d for districts in districts_of for d in districts})
    column_of = {district: column for column, district in enumerate(district_ids)}
    places = np.zeros((len(offers), len(district_ids)), dtype=bool)
    for row, districts in enumerate(districts_of):
        for district in districts:
            places[row, column_of[district]] = True
    remote = {OfferPage.Format.ONLINE, OfferPage.Format.HYBRID}
    anywhere = np.array(
        [
            fmt in remote or not districts_of[row]
            for row, (_pk, _agency, fmt) in enumerate(offers)
        ],
        dtype=bool,
    )
    members: dict[int, list[int]] = {}
    for row, topics in enumerate(topics_of):
        for topic in topics:
            members.setdefault(topic, []).append(row)
    return _Corpus(
        ids=ids,
        agencies=np.array([agency for _pk, agency, _fmt in offers], dtype=np.int64),
        anywhere=anywhere,
        places=places,
        district_ids=district_ids,
        topic_rows={
            topic: np.array(rows, dtype=np.int64)
            for topic, rows in members.items()
            if len(rows) > 1
        },
        topics_of=topics_of,
        districts_of=districts_of,
    )


def _texts_load(corpus: _Corpus, language: str) -> tuple[list[str], list[str]]:
    """Normalised titles and texts (summary and description) in ``language``, in
    corpus order; "" where the offer has none in that language."""
    row_of = corpus.row_of()
    titles = [""] * len(corpus)
    texts = [""] * len(corpus)
    fields = [f"{name}_{language}" for name in ("title", "summary", "description")]
    rows = OfferPage.objects.visible().values_list("pk", *fields)
    for pk, title, summary, description in rows.iterator(chunk_size=2000):
        row = row_of.get(pk)
        if row is None:  # published while the scan runs: the next scan sees it
            continue
        titles[row] = text_normalise(title)
        body = f"{text_normalise(summary)} {text_normalise(description, markup=True)}"
        texts[row] = body.strip()[:TEXT_LIMIT]
    return titles, texts


# --- Pairs ----------------------------------------------------------------------------


@dataclass
class _Pairs:
    """Scored pairs as parallel arrays; ``first`` < ``second`` (corpus rows, so ids
    in the same order)."""

    first: np.ndarray
    second: np.ndarray
    score: np.ndarray
    title: np.ndarray
    text: np.ndarray  # NaN where the score rests on the title alone
    language: np.ndarray  # index into the scan's languages

    @classmethod
    def joined(cls, parts: list["_Pairs"]) -> "_Pairs":
        if not parts:
            rows, values = np.zeros(0, dtype=np.int64), np.zeros(0)
            return cls(rows, rows, values, values, values, rows)
        return cls(
            *(
                np.concatenate([getattr(part, name) for part in parts])
                for name in ("first", "second", "score", "title", "text", "language")
            )
        )

    def __len__(self) -> int:
        return len(self.first)

    def taken(self, keep: np.ndarray) -> "_Pairs":
        return _Pairs(
            self.first[keep],
            self.second[keep],
            self.score[keep],
            self.title[keep],
            self.text[keep],
            self.language[keep],
        )

    def keys(self, size: int) -> np.ndarray:
        return self.first * size + self.second

    def best_per_pair(self, size: int) -> "_Pairs":
        """One row per pair: its best language (the first language on a tie)."""
        keys = self.keys(size)
        order = np.lexsort((-self.score, keys))
        first_of_key = np.ones(len(order), dtype=bool)
        first_of_key[1:] = keys[order][1:] != keys[order][:-1]
        return self.taken(order[first_of_key])

    def best_partners(self, limit: int) -> "_Pairs":
        """The pairs that are among the ``limit`` best of either of their offers."""
        count = len(self)
        owner = np.concatenate([self.first, self.second])
        pair = np.concatenate([np.arange(count), np.arange(count)])
        score = np.concatenate([self.score, self.score])
        order = np.lexsort((pair, -score, owner))
        owner_sorted = owner[order]
        starts = np.ones(len(order), dtype=bool)
        starts[1:] = owner_sorted[1:] != owner_sorted[:-1]
        group_start = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
        rank = np.arange(len(order)) - group_start
        keep = np.zeros(count, dtype=bool)
        keep[pair[order][rank < limit]] = True
        return self.taken(keep)


def _score(title: np.ndarray, text: np.ndarray, with_text: np.ndarray) -> np.ndarray:
    return np.where(
        with_text,
        TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * text,
        TITLE_ONLY_FACTOR * title,
    )


def _best_in_chunk(ranked: np.ndarray) -> np.ndarray:
    """True where an entry is among the ``PARTNERS_PER_OFFER`` best of its row or of
    its column: what the final cut can keep (a pair among an offer's best overall
    is among its best in any part), so raw pairs stay bounded by the chunks' size
    even where thousands of copies of one offer are alike."""
    limit = PARTNERS_PER_OFFER
    rows, columns = ranked.shape
    if rows <= limit or columns <= limit:
        return np.ones(ranked.shape, dtype=bool)
    keep = np.zeros(ranked.shape, dtype=bool)
    best = np.argpartition(-ranked, limit - 1, axis=1)[:, :limit]
    keep[np.arange(rows)[:, None], best] = True
    best = np.argpartition(-ranked, limit - 1, axis=0)[:limit, :]
    keep[best, np.arange(columns)[None, :]] = True
    return keep


def _language_pairs(
    corpus: _Corpus, titles: list[str], texts: list[str], language: int
) -> list[_Pairs]:
    """The pairs at or above ``THRESHOLD`` in one language (a pair may come more
    than once: in several topics or places)."""
    has_title = np.array([bool(title) for title in titles], dtype=bool)
    has_text = np.array([bool(text) for text in texts], dtype=bool)
    if has_title.sum() < 2:
        return []
    title_matrix = text_vectors(titles, dimensions=TITLE_DIMENSIONS)
    text_matrix = text_vectors(texts)
    found = []
    for block_rows, block_columns in corpus.blocks(has_title):
        square = block_rows is block_columns
        for start in range(0, len(block_rows), ROWS_PER_CHUNK):
            rows = block_rows[start : start + ROWS_PER_CHUNK]
            # In a square block a row meets only later offers (rows are in id
            # order): each pair once, half the work.
            columns = block_columns[start + 1 :] if square else block_columns
            if not len(columns):
                continue
            allowed = corpus.agencies[rows][:, None] != corpus.agencies[columns]
            # Each pair once here too: two offers that could be anywhere meet where
            # the lower id is the row.
            once = rows[:, None] < columns
            if not square:
                once |= ~corpus.anywhere[columns]
            allowed &= once
            wanted = allowed.any(axis=0)
            if not wanted.any():
                continue
            columns, allowed = columns[wanted], allowed[:, wanted]
            title = title_matrix[rows] @ title_matrix[columns].T
            text = text_matrix[rows] @ text_matrix[columns].T
            with_text = has_text[rows][:, None] & has_text[columns]
            score = _score(title, text, with_text)
            hits = allowed & (score >= THRESHOLD)
            if not hits.any():
                continue
            i, j = np.nonzero(hits & _best_in_chunk(np.where(hits, score, -np.inf)))
            found.append(
                _Pairs(
                    first=np.minimum(rows[i], columns[j]),
                    second=np.maximum(rows[i], columns[j]),
                    score=score[i, j].astype(np.float64),
                    title=title[i, j].astype(np.float64),
                    text=np.where(with_text[i, j], text[i, j], np.nan),
                    language=np.full(len(i), language, dtype=np.int64),
                )
            )
    return found


def _pairs_find(corpus: _Corpus, languages: list[str]) -> _Pairs:
    parts: list[_Pairs] = []
    for index, language in enumerate(languages):
        titles, texts = _texts_load(corpus, language)
        parts.extend(_language_pairs(corpus, titles, texts, index))
    return _Pairs.joined(parts).best_per_pair(len(corpus))


def _dismissed(corpus: _Corpus, pairs: _Pairs) -> np.ndarray:
    """True for the pairs a coordinator marked as not duplicates."""
    row_of = corpus.row_of()
    keys = [
        row_of[first] * len(corpus) + row_of[second]
        for first, second in DuplicateDismissal.objects.values_list(
            "first_id", "second_id"
        )
        if first in row_of and second in row_of
    ]
    return np.isin(pairs.keys(len(corpus)), np.array(keys, dtype=np.int64))


def _reasons(corpus: _Corpus, first: int, second: int, names: dict) -> dict:
    topics = corpus.topics_of[first] & corpus.topics_of[second]
    districts = corpus.districts_of[first] & corpus.districts_of[second]
    return {
        "topics": sorted(names["topics"].get(t, str(t)) for t in topics),
        "districts": sorted(names["districts"].get(d, str(d)) for d in districts),
    }


def duplicates_find(*, now: datetime | None = None) -> DuplicateScan:
    """Compare every visible offer with the offers of other agencies that share a
    topic and a place (or either has no fixed place); store the pairs scoring at
    least ``THRESHOLD`` in any language both offers have text in, each offer with at
    most ``PARTNERS_PER_OFFER`` partners, dismissed pairs left out.

    The scan and its pairs are written in one transaction, which also deletes the
    pairs of earlier scans: a reader sees the previous complete scan or this one.
    ``now`` is when the scan counts as started (tests).
    """
    started_at = now or timezone.now()
    clock = time.monotonic()
    languages = [code for code, _name in settings.LANGUAGES]
    corpus = _corpus_load()
    pairs = _pairs_find(corpus, languages)
    pairs = pairs.taken(~_dismissed(corpus, pairs)).best_partners(PARTNERS_PER_OFFER)
    pairs = pairs.taken(np.argsort(-pairs.score, kind="stable"))
    source = f"name_{settings.LANGUAGE_CODE}"
    names = {
        "topics": dict(Topic.objects.values_list("pk", source)),
        "districts": dict(District.objects.values_list("pk", source)),
    }
    with transaction.atomic():
        # An offer deleted while the scan ran takes no pair into the report.
        existing = set(OfferPage.objects.values_list("pk", flat=True))
        candidates = []
        for n in range(len(pairs)):
            first, second = int(pairs.first[n]), int(pairs.second[n])
            first_id, second_id = int(corpus.ids[first]), int(corpus.ids[second])
            if first_id not in existing or second_id not in existing:
                continue
            text = float(pairs.text[n])
            candidates.append(
                DuplicateCandidate(
                    first_id=first_id,
                    second_id=second_id,
                    score=round(float(pairs.score[n]), 4),
                    reasons={
                        "title": round(float(pairs.title[n]), 3),
                        "text": None if math.isnan(text) else round(text, 3),
                        "language": languages[int(pairs.language[n])],
                        **_reasons(corpus, first, second, names),
                    },
                )
            )
        scan = DuplicateScan.objects.create(offers=len(corpus), pairs=len(candidates))
        for candidate in candidates:
            candidate.scan = scan
        DuplicateCandidate.objects.bulk_create(candidates, batch_size=500)
        scan.started_at = started_at  # auto_now_add set the time of writing
        scan.finished_at = started_at + timedelta(seconds=time.monotonic() - clock)
        scan.save(update_fields=["started_at", "finished_at"])
        DuplicateCandidate.objects.exclude(scan=scan).delete()
    logger.info(
        "duplicate scan %s: %s offers, %s pairs", scan.pk, scan.offers, scan.pairs
    )
    return scan


@task()
def duplicates_find_task() -> dict:
    """``duplicates_find`` in the task worker ("Scan now" and the nightly timer)."""
    scan = duplicates_find()
    return {"scan": scan.pk, "offers": scan.offers, "pairs": scan.pairs}


# --- Reading and dismissing -----------------------------------------------------------


def duplicate_scan_latest() -> DuplicateScan | None:
    """The newest finished scan: the one the report shows."""
    return (
        DuplicateScan.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at", "-pk")
        .first()
    )


def duplicate_candidates(
    *, scan: DuplicateScan | None = None
) -> QuerySet[DuplicateCandidate]:
    """The pairs of ``scan`` (default: the newest finished scan; none before the
    first), best first, without pairs marked as not duplicates since and without
    pairs of which either offer is no longer visible. Offers and their agencies come
    in the same query (``.values()`` on it reads thousands of pairs in a second).
    """
    scan = scan or duplicate_scan_latest()
    if scan is None:
        return DuplicateCandidate.objects.none()
    visible = OfferPage.objects.visible()
    dismissed = DuplicateDismissal.objects.filter(
        first=OuterRef("first"), second=OuterRef("second")
    )
    # EXISTS per pair, not IN (visible offers): SQLite would read the visible offers
    # for each pair, where one lookup by primary key does.
    return (
        DuplicateCandidate.objects.filter(
            Exists(visible.filter(pk=OuterRef("first_id"))),
            Exists(visible.filter(pk=OuterRef("second_id"))),
            scan=scan,
        )
        .exclude(Exists(dismissed))
        .select_related("scan", "first__agency", "second__agency")
        .order_by("-score", "first_id", "second_id")
    )


@dataclass
class DuplicatePair:
    """Two offers to compare side by side, lower id first."""

    offers: tuple[OfferPage, OfferPage]
    # The newest scan's entry for the pair; None when it lists them no more.
    candidate: DuplicateCandidate | None
    dismissal: DuplicateDismissal | None
    visible: frozenset[int]


def duplicate_pair(*, first_id: int, second_id: int) -> DuplicatePair:
    """Both offers with their agency, topics, languages and contact points (with
    their districts), and what the report knows about the pair, in six queries.

    Raises ``DuplicatePairInvalid`` unless the ids name two different existing
    offers; they may come in either order.
    """
    first_id, second_id = duplicate_pair_ordered(first_id=first_id, second_id=second_id)
    ids = (first_id, second_id)
    offers = (
        OfferPage.objects.filter(pk__in=ids)
        .select_related("agency")
        .prefetch_related(
            "topics",
            "languages",
            Prefetch(
                "contact_points",
                queryset=ContactPointPage.objects.select_related("district").order_by(
                    "title"
                ),
            ),
        )
        .order_by("pk")
    )
    first, second = offers
    return DuplicatePair(
        offers=(first, second),
        candidate=duplicate_candidates()
        .filter(first_id=first_id, second_id=second_id)
        .first(),
        dismissal=DuplicateDismissal.objects.filter(
            first_id=first_id, second_id=second_id
        )
        .select_related("dismissed_by")
        .first(),
        visible=frozenset(
            OfferPage.objects.visible().filter(pk__in=ids).values_list("pk", flat=True)
        ),
    )


def duplicate_pair_ordered(*, first_id: int, second_id: int) -> tuple[int, int]:
    """The two offer ids, lower first (the order pairs are stored in).

    Raises ``DuplicatePairInvalid`` unless they are two different existing offers.
    """
    ids = sorted({first_id, second_id})
    if len(ids) != 2:
        raise DuplicatePairInvalid(_("An offer cannot be a duplicate of itself."))
    if OfferPage.objects.filter(pk__in=ids).count() != 2:
        raise DuplicatePairInvalid(
            _("One of the two offers does not exist (any more).")
        )
    return ids[0], ids[1]


def duplicate_dismiss(
    *, first_id: int, second_id: int, user
) -> tuple[DuplicateDismissal, bool]:
    """Mark two offers as not duplicates: no scan lists them again, and the report
    hides them at once. Recorded in both offers' history (audit log). Marking a pair
    again changes nothing (``False``).

    Raises ``DuplicatePairInvalid`` unless the ids name two different existing
    offers.
    """
    first_id, second_id = duplicate_pair_ordered(first_id=first_id, second_id=second_id)
    with transaction.atomic():
        dismissal, created = DuplicateDismissal.objects.get_or_create(
            first_id=first_id, second_id=second_id, defaults={"dismissed_by": user}
        )
        if created:
            offers = OfferPage.objects.filter(pk__in=(first_id, second_id))
            first, second = sorted(offers.select_related("agency"), key=lambda o: o.pk)
            for offer, other in ((first, second), (second, first)):
                log(
                    instance=offer,
                    action=DISMISS_ACTION,
                    user=user,
                    # Wagtail shows one entry per request and action (the last):
                    # each offer's history needs its own.
                    uuid=uuid.uuid4(),
                    data={
                        "other": {
                            "id": other.pk,
                            "title": other.title,
                            "agency": other.agency.title,
                        }
                    },
                )
    return dismissal, created
