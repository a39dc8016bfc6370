"""The offer document in the search index: mapping, analyzers, and how an offer
becomes one."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.html import strip_tags

from directory.models import ContactPointPage, OfferPage
from directory.models.pages import Accessibility
from directory.selectors import page_public_path

from .embedding import embedder

# One analyzer per language; built-in ones where Elasticsearch has them. Ukrainian,
# Pashto, Sorani and Tigrinya get the standard analyzer (typo tolerance covers
# inflection). Synonyms are applied when building the query (see queries.py), so
# coordinators' edits take effect without reindexing.
ANALYZERS = {
    "de": "german",
    "en": "english",
    "ar": "arabic",
    "fa": "persian",
    "ru": "russian",
    "tr": "turkish",
    "fr": "french",
}
OPEN_TO_ALL = "_all"  # residence_statuses value of offers open to every status
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def analyzer_for(language: str) -> str:
    return ANALYZERS.get(language, "standard")


ARABIC_SCRIPT = {"ar", "fa", "ps", "ckb"}
# Stop words the lenient field ignores in queries (Elasticsearch's lists; Ukrainian has
# none built in, so a short list of the most common function words).
STOPWORDS = {
    "de": "_german_",
    "en": "_english_",
    "ar": "_arabic_",
    "fa": "_persian_",
    "ru": "_russian_",
    "tr": "_turkish_",
    "fr": "_french_",
    "uk": [
        "і",
        "й",
        "в",
        "у",
        "на",
        "з",
        "із",
        "зі",
        "до",
        "для",
        "що",
        "як",
        "це",
        "чи",
        "не",
        "та",
        "а",
        "але",
        "по",
        "за",
        "від",
        "про",
        "я",
        "ти",
        "ви",
        "ми",
        "він",
        "вона",
        "воно",
        "вони",
        "який",
        "яка",
        "яке",
        "які",
        "де",
        "коли",
        "чому",
        "мені",
        "мене",
        "мій",
        "моя",
        "моє",
        "мої",
        "є",
        "бути",
        "так",
        "ще",
        "вже",
        "якщо",
        "при",
    ],
}


def _analysis() -> dict:
    """A lenient sub-field per language: word starts (edge n-grams) indexed, query words
    stop-filtered and cut to their first letters. So "юрист" finds "юристи" and "لغة"
    finds "اللغة", whatever the language analyzer (or a missing one) does with them."""
    filters: dict = {
        "prefix_grams": {"type": "edge_ngram", "min_gram": 3, "max_gram": 15},
        # Arabic article and attached prepositions; ta marbuta written as ha.
        "arabic_article": {
            "type": "pattern_replace",
            "pattern": "^(وال|بال|كال|فال|لل|ال)(?=...)",
            "replacement": "",
        },
        "arabic_teh": {"type": "pattern_replace", "pattern": "ة$", "replacement": "ه"},
        "word_start": {"type": "truncate", "length": 6},
        "word_start_arabic": {"type": "truncate", "length": 5},
    }
    analyzers: dict = {
        "prefix_index": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "prefix_grams"],
        },
        "prefix_index_arabic": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "arabic_article", "arabic_teh", "prefix_grams"],
        },
    }
    for code in languages():
        chain = ["lowercase"]
        if code in ARABIC_SCRIPT:
            chain += ["arabic_article", "arabic_teh"]
        if code in STOPWORDS:
            filters[f"stop_{code}"] = {"type": "stop", "stopwords": STOPWORDS[code]}
            chain.append(f"stop_{code}")
        chain.append("word_start_arabic" if code in ARABIC_SCRIPT else "word_start")
        analyzers[f"prefix_search_{code}"] = {
            "type": "custom",
            "tokenizer": "standard",
            "filter": chain,
        }
    return {"filter": filters, "analyzer": analyzers}


def _prefix_subfield(code: str) -> dict:
    suffix = "_arabic" if code in ARABIC_SCRIPT else ""
    return {
        "prefix": {
            "type": "text",
            "analyzer": f"prefix_index{suffix}",
            "search_analyzer": f"prefix_search_{code}",
        }
    }


def _passages_mapping() -> tuple[dict, dict]:
    """(properties, _meta) for the passages' vectors: nothing without a model. The
    index names its model, so queries embedded by another model never meet it."""
    model = embedder()
    if model is None:
        return {}, {}
    passages = {
        "type": "nested",
        "properties": {
            "language": {"type": "keyword"},
            "snippet": {"type": "text", "index": False},
            "vector": {
                "type": "dense_vector",
                "dims": model.dims,
                "index": True,
                "similarity": "cosine",
            },
        },
    }
    return {"passages": passages}, {"embedding_model": model.model}


def index_body() -> dict:
    """Settings and mappings for a new offers index."""

    def per_language() -> dict:
        return {
            "properties": {
                code: {
                    "type": "text",
                    "analyzer": analyzer_for(code),
                    "fields": _prefix_subfield(code),
                }
                for code in languages()
            }
        }

    keyword = {"type": "keyword"}
    passages, meta = _passages_mapping()
    return {
        "settings": {
            "number_of_shards": settings.SEARCH_SHARDS,
            "number_of_replicas": settings.SEARCH_REPLICAS,
            "analysis": _analysis(),
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": meta,
            "properties": {
                **passages,
                "id": keyword,
                "page_id": {"type": "integer"},
                "path": {"type": "keyword", "index": False},
                "title": per_language(),
                "summary": per_language(),
                "body": per_language(),
                "agency": per_language(),
                "agency_slug": keyword,
                "topics": keyword,
                "target_groups": keyword,
                "residence_statuses": keyword,
                "districts": keyword,
                "languages": keyword,
                "is_free": {"type": "boolean"},
                "format": keyword,
                "wheelchair": {"type": "boolean"},
                "status": keyword,
                "locations": {"type": "geo_point"},
                "open_ranges": {"type": "integer_range"},
                "open_days": keyword,
                "sort_title": keyword,
                "modified": {"type": "date"},
                "suggest": {
                    "type": "completion",
                    "analyzer": "simple",
                    "contexts": [{"name": "lang", "type": "category"}],
                },
            },
        },
    }


def _text(value: str | None) -> str:
    return re.sub(r"\s+", " ", strip_tags(value or "")).strip()


def _localized(page, field: str) -> dict[str, str]:
    return {
        code: text
        for code in languages()
        if (text := _text(getattr(page, f"{field}_{code}", "")))
    }


def _minutes(moment) -> int:
    return moment.hour * 60 + moment.minute


def open_ranges(points: list[ContactPointPage]) -> list[dict]:
    """Weekly opening slots as minute-of-week ranges (Monday 00:00 = 0, inclusive)."""
    ranges = []
    for point in points:
        if point.temporarily_closed:
            continue
        for slot in point.opening_slots.all():
            start = slot.weekday * MINUTES_PER_DAY + _minutes(slot.opens)
            end = slot.weekday * MINUTES_PER_DAY + _minutes(slot.closes) - 1
            if end >= start:
                ranges.append({"gte": start, "lte": end})
    return ranges


def minute_of_week(moment: datetime) -> int:
    return moment.weekday() * MINUTES_PER_DAY + _minutes(moment)


def offer_document(offer: OfferPage, *, site_root_path: str) -> dict:
    """The document for a visible offer; relations must be prefetched by the caller."""
    points = list(offer.contact_points.all())  # prefetched: the visible ones
    body = {
        code: " ".join(
            part
            for part in (
                _text(getattr(offer, f"description_{code}", "")),
                _text(getattr(offer, f"how_to_apply_{code}", "")),
                _text(getattr(offer, f"required_documents_{code}", "")),
            )
            if part
        )
        for code in languages()
    }
    titles = _localized(offer, "title")
    modified = offer.last_published_at or offer.latest_revision_created_at
    return {
        "id": str(offer.hsds_id),
        "page_id": offer.pk,
        "path": page_public_path(offer.url_path, root=site_root_path),
        "title": titles,
        "summary": _localized(offer, "summary"),
        "body": {code: text for code, text in body.items() if text},
        "agency": _localized(offer.agency, "title"),
        "agency_slug": offer.agency.slug,
        "topics": sorted(topic.slug for topic in offer.topics.all()),
        "target_groups": sorted(group.slug for group in offer.target_groups.all()),
        "residence_statuses": sorted(s.slug for s in offer.residence_statuses.all())
        or [OPEN_TO_ALL],
        "districts": sorted(
            {p.district.slug for p in points if p.district is not None}
        ),
        "languages": sorted(language.code for language in offer.languages.all()),
        "is_free": offer.is_free,
        "format": offer.format,
        "wheelchair": any(p.wheelchair == Accessibility.YES for p in points),
        "status": offer.status,
        "locations": [
            {"lat": p.latitude, "lon": p.longitude}
            for p in points
            if p.latitude is not None and p.longitude is not None
        ],
        "open_ranges": open_ranges(points),
        "open_days": sorted(
            {
                WEEKDAYS[slot.weekday]
                for p in points
                if not p.temporarily_closed
                for slot in p.opening_slots.all()
            }
        ),
        "sort_title": (
            titles.get(settings.LANGUAGE_CODE) or offer.title_de or ""
        ).lower(),
        "modified": (
            modified or datetime.combine(date.today(), datetime.min.time())
        ).isoformat(),
        "suggest": [
            {"input": [text], "contexts": {"lang": [code]}}
            for code, text in titles.items()
        ],
    }


# --- passages: what the embedding model reads -------------------------------------

# Words per passage: the model reads at most 512 tokens; shorter passages keep what a
# passage is about sharp (measured on integreat-qa, see README "Search quality").
PASSAGE_WORDS = 120
PASSAGES_PER_LANGUAGE = 8  # ~1,000 words; bounds the embedding cost of a long page
SNIPPET_CHARS = 220


@dataclass(frozen=True)
class Passage:
    """A piece of an offer's text in one language: ``text`` is embedded (led by the
    title, so every passage says what it belongs to), ``snippet`` can be shown."""

    language: str
    text: str
    snippet: str


def _shortened(text: str, limit: int = SNIPPET_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


def offer_passages(offer: OfferPage) -> list[Passage]:
    """Per language with a title: title with summary, then the description, how to
    apply and the documents to bring, in passages of about PASSAGE_WORDS words."""
    passages = []
    for code in languages():
        title = _text(getattr(offer, f"title_{code}", ""))
        if not title:
            continue
        summary = _text(getattr(offer, f"summary_{code}", ""))
        passages.append(
            Passage(
                code,
                f"{title}. {summary}" if summary else title,
                _shortened(summary or title),
            )
        )
        words = " ".join(
            _text(getattr(offer, f"{field}_{code}", ""))
            for field in ("description", "how_to_apply", "required_documents")
        ).split()
        for start in range(
            0, min(len(words), PASSAGE_WORDS * PASSAGES_PER_LANGUAGE), PASSAGE_WORDS
        ):
            chunk = " ".join(words[start : start + PASSAGE_WORDS])
            passages.append(Passage(code, f"{title}. {chunk}", _shortened(chunk)))
    return passages


def passages_field(passages: list[Passage], vectors: list[list[float]]) -> list[dict]:
    return [
        {"language": p.language, "snippet": p.snippet, "vector": vector}
        for p, vector in zip(passages, vectors, strict=True)
    ]
