"""Building and running searches: the engine first, the database if it cannot."""

import logging
import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import Page

from directory.models import OfferPage
from directory.selectors import visible_offers

from . import engine
from .documents import OPEN_TO_ALL, minute_of_week
from .embedding import embedder, query_vector
from .forms import FACETS
from .labels import facet_label, label, labels, synonym_groups

log = logging.getLogger(__name__)
MAX_WINDOW = 10_000  # Elasticsearch's default max_result_window
# How many of the query's words long texts must contain: all of one or two words, half
# of a longer question (people type whole questions).
LONG_MATCH = "2<50%"
# A field that matches besides the best one still adds a little to the score.
TIE_BREAKER = 0.3
FACET_FIELDS = {
    "topic": "topics",
    "target_group": "target_groups",
    "residence_status": "residence_statuses",
    "district": "districts",
    "language": "languages",
    "free": "is_free",
    "format": "format",
    "wheelchair": "wheelchair",
}
# Matching by meaning (search/embedding.py): the offers whose passages lie nearest to
# the query, in any language, join the offers whose words match, and the two rankings
# are fused. Figures measured on integreat-qa train + dev (README "Search quality").
DENSE_K = 50  # nearest offers taken at most
DENSE_CANDIDATES = 200  # candidates per shard the engine looks at to find them
# The model's cosine similarities are compressed: unrelated text scores 0.78–0.84,
# answers in another language 0.80–0.86. No absolute line separates them, so an
# offer is taken if it is above a floor and close to the best one: on integreat-qa's
# train questions (441 German pages) that keeps the right page for 75–93 % of them,
# with 9–26 other pages.
DENSE_SIMILARITY = 0.78
DENSE_MARGIN = 0.03
# The words' ranking of an offer without text in the reader's language counts this
# much in the fusion: the reader's words then matched German text (a compound, a
# name, or by accident). On integreat-qa's train questions against German pages (200
# per language), the fused Recall@5 / MRR@10 with weight 1 → 0.25: en .65/.41 →
# .69/.52, ar .57/.44 → .57/.44, uk .66/.49 → .66/.49, fr .57/.37 → .61/.46; 0.1 and
# 0 scored the same as 0.25 (scripts/bench_fusion.py). Readers of German (or of the
# offer's language) keep 1.
WORDS_OTHER_LANGUAGE_WEIGHT = 0.25
# How the two rankings become one: "rrf" (reciprocal rank fusion, 1 / (RRF_K + rank)
# from each) or "linear" (scores scaled to 0–1 and averaged); see make bench.
FUSION = "rrf"
RRF_K = 60
SOURCE_FIELDS = [
    "id",
    "path",
    "title",
    "summary",
    "agency",
    "topics",
    "format",
    "is_free",
    "districts",
]


@dataclass
class SearchRequest:
    query: str = ""
    language: str = "de"
    facets: dict[str, list[str]] = field(default_factory=dict)  # topic, district, …
    free: bool | None = None
    format: str = ""
    wheelchair: bool | None = None
    open_now: bool = False
    open_on: str = ""
    sort: str = "relevance"
    point: tuple[float, float] | None = None  # (lat, lon)
    page: int = 1
    page_size: int = 20
    now: datetime | None = None

    @classmethod
    def from_form(cls, data: dict, *, language: str) -> "SearchRequest":
        facets = {name: data[name] for name in FACETS if data.get(name)}
        point = None
        if data.get("lat") is not None:
            point = (data["lat"], data["lon"])
        elif data.get("near"):
            point = district_point(data["near"])
        sort = data.get("sort") or "relevance"
        return cls(
            query=data.get("q") or "",
            language=data.get("lang") or language,
            facets=facets,
            free=data.get("free"),
            format=data.get("format") or "",
            wheelchair=data.get("wheelchair"),
            open_now=bool(data.get("open_now")),
            open_on=data.get("open_on") or "",
            sort=sort if (sort != "distance" or point) else "relevance",
            point=point,
            page=data.get("page") or 1,
            page_size=data.get("page_size") or 20,
        )


@dataclass
class SearchResponse:
    count: int
    results: list[dict]
    facets: dict[str, list[dict]]
    page: int
    page_size: int
    degraded: bool = False
    # No offer contains the query's words; the results are the nearest in meaning.
    by_meaning_only: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.count, MAX_WINDOW) / self.page_size))


def district_point(slug: str) -> tuple[float, float] | None:
    point = labels().get("district", {}).get("points", {}).get(slug)
    return tuple(point) if point else None


def search(request: SearchRequest) -> SearchResponse:
    """Answer from the engine; if unavailable, from the database (``degraded``)."""
    if settings.SEARCH_URL and engine.breaker.allows():
        try:
            response = engine_search(request)
        except (engine.SearchUnavailable, *engine.ENGINE_ERRORS) as error:
            engine.breaker.failed(error)
        else:
            engine.breaker.succeeded()
            return response
    return database_search(request)


# --- engine -------------------------------------------------------------------------


def _synonym_variants(query: str, language: str, limit: int = 6) -> list[str]:
    """The query plus versions with a word or phrase swapped for its synonyms."""
    lowered = f" {query.lower()} "
    variants = [query]
    for group_language, terms in synonym_groups():
        if group_language not in (language, settings.LANGUAGE_CODE):
            continue
        for term in terms:
            if f" {term} " in lowered:
                for other in terms:
                    if other != term and len(variants) < limit:
                        variants.append(
                            lowered.replace(f" {term} ", f" {other} ").strip()
                        )
    return variants


def _text_clause(query: str, language: str) -> dict:
    """Match ``query`` in the reader's language, and in German with a lower weight."""
    languages = [language] if language == settings.LANGUAGE_CODE else [language, "de"]

    def fields(*weighted: tuple[str, float]) -> list[str]:
        return [
            f"{name.format(code=code)}^{weight * (1.0 if code == language else 0.6):g}"
            for code in languages
            for name, weight in weighted
        ]

    def match(field_list: list[str], **options) -> dict:
        return {
            "multi_match": {
                "query": query,
                "fields": field_list,
                "tie_breaker": TIE_BREAKER,
                **options,
            }
        }

    return {
        "bool": {
            "should": [
                # Typo tolerance on the short fields only: fuzzy matching over long
                # text is slow and finds noise.
                match(
                    fields(("title.{code}", 4), ("summary.{code}", 2)),
                    fuzziness="AUTO",
                    prefix_length=1,
                    minimum_should_match="2<75%",
                ),
                match(
                    fields(("body.{code}", 2), ("agency.{code}", 1)),
                    minimum_should_match=LONG_MATCH,
                ),
                match(
                    fields(
                        ("title.{code}.prefix", 2),
                        ("summary.{code}.prefix", 1),
                        ("body.{code}.prefix", 1),
                    ),
                    minimum_should_match=LONG_MATCH,
                ),
                {
                    "multi_match": {
                        "query": query,
                        "type": "phrase",
                        "fields": fields(("title.{code}", 6)),
                    }
                },
                # Any one important word in a title: short titles rarely hold every
                # word of a question.
                match(fields(("title.{code}", 1), ("title.{code}.prefix", 0.5))),
            ],
            "minimum_should_match": 1,
        }
    }


def _facet_filters(request: SearchRequest) -> dict[str, dict]:
    filters: dict[str, dict] = {}
    for name, values in request.facets.items():
        if name == "residence_status":
            values = [*values, OPEN_TO_ALL]
        filters[name] = {"terms": {FACET_FIELDS[name]: values}}
    if request.free is not None:
        filters["free"] = {"term": {"is_free": request.free}}
    if request.format:
        filters["format"] = {
            "terms": {"format": list(OfferPage.FORMATS_MATCHING[request.format])}
        }
    if request.wheelchair:
        filters["wheelchair"] = {"term": {"wheelchair": True}}
    return filters


def _schedule_filters(request: SearchRequest) -> list[dict]:
    filters: list[dict] = []
    if request.open_now:
        now = timezone.localtime(request.now or timezone.now())
        filters.append({"term": {"open_ranges": minute_of_week(now)}})
    if request.open_on:
        filters.append({"term": {"open_days": request.open_on}})
    return filters


def build_query(request: SearchRequest, *, nearest: Sequence[str] = ()) -> dict:
    """The request body for the engine (documented Elasticsearch query DSL only).

    ``nearest``: ids of the offers found by meaning (``dense_search``); they match
    besides the words' matches, with score 0, so the facets and the count cover both
    and an aggregation names those that pass the facet filters too.
    """
    must = []
    if request.query:
        variants = _synonym_variants(request.query, request.language)
        words = {
            "bool": {
                "should": [_text_clause(v, request.language) for v in variants],
                "minimum_should_match": 1,
            }
        }
        if nearest:
            by_meaning = {
                "constant_score": {
                    "filter": {"ids": {"values": list(nearest)}},
                    "boost": 0,
                }
            }
            words = {"bool": {"should": [words, by_meaning], "minimum_should_match": 1}}
        must.append(words)
    filters = _schedule_filters(request)
    facet_filters = _facet_filters(request)
    aggs: dict[str, dict] = {}
    for name, field_name in FACET_FIELDS.items():
        others = [f for other, f in facet_filters.items() if other != name]
        aggs[name] = {
            "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
            "aggs": {"values": {"terms": {"field": field_name, "size": 100}}},
        }
    size = request.page_size
    start = max(min((request.page - 1) * size, MAX_WINDOW - size), 0)
    if nearest:
        aggs["nearest"] = {
            "filter": {
                "bool": {
                    "filter": [
                        *facet_filters.values(),
                        {"ids": {"values": list(nearest)}},
                    ]
                }
            },
            "aggs": {"ids": {"terms": {"field": "id", "size": len(nearest)}}},
        }
        if request.sort != "distance":
            # The page is cut after fusing: the words' ranking deep enough that
            # no offer found by meaning can push an unseen one onto the page.
            size, start = min(start + size + len(nearest), MAX_WINDOW), 0
    body: dict = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "post_filter": {"bool": {"filter": list(facet_filters.values())}},
        "aggs": aggs,
        "from": start,
        "size": size,
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
    }
    if request.query:
        lang = request.language
        fields: dict[str, dict] = {
            f"{f}.{lang}": {} for f in ("title", "summary", "body")
        }
        if lang != settings.LANGUAGE_CODE:
            fields.update({f"{f}.de": {} for f in ("summary", "body")})
        body["highlight"] = {
            "encoder": "html",
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fragment_size": 160,
            "number_of_fragments": 1,
            "require_field_match": False,
            "fields": fields,
        }
    if request.sort == "distance" and request.point:
        lat, lon = request.point
        body["sort"] = [
            {
                "_geo_distance": {
                    "locations": {"lat": lat, "lon": lon},
                    "order": "asc",
                    "unit": "m",
                    "ignore_unmapped": True,
                }
            },
            {"sort_title": "asc"},
        ]
    else:
        body["sort"] = ["_score", {"sort_title": "asc"}]
    return body


def _pick(texts: dict, language: str) -> tuple[str, str]:
    """(text, its language): the reader's language, else German, else any."""
    for code in (language, settings.LANGUAGE_CODE):
        if texts.get(code):
            return texts[code], code
    for code, text in texts.items():
        return text, code
    return "", language


def _result(
    hit: dict, request: SearchRequest, table: dict, near: "Nearest | None" = None
) -> dict:
    """One hit as the API shows it; ``table``: ``labels()``, read once per answer."""
    source, language = hit["_source"], request.language
    title, title_lang = _pick(source.get("title", {}), language)
    summary, summary_lang = _pick(source.get("summary", {}), language)
    agency, _agency_lang = _pick(source.get("agency", {}), language)
    highlights = hit.get("highlight", {})
    snippet, snippet_lang = next(
        (
            (highlights[f"{field}.{code}"][0], code)
            for code in dict.fromkeys((language, settings.LANGUAGE_CODE))
            for field in ("summary", "body")
            if f"{field}.{code}" in highlights
        ),
        ("", language),
    )
    if not snippet and near is not None and near.language in (language, title_lang):
        # Found by meaning: the passage that matched, if the reader reads its language
        # or it is the title's (else the summary, as without a match).
        snippet, snippet_lang = escape(near.snippet), near.language
    result = {
        "id": source["id"],
        "title": title,
        "title_language": title_lang,
        "url": f"/{language}/{source['path']}",
        "summary": summary,
        "summary_language": summary_lang,
        "agency": agency,
        "topics": [_term("topic", slug, language, table) for slug in source["topics"]],
        "is_free": source.get("is_free"),
        "format": source.get("format"),
        "highlight": {
            "title": highlights.get(f"title.{language}", [escape(title)])[0],
            "snippet": snippet,
            "snippet_language": snippet_lang,
        },
    }
    if request.sort == "distance" and request.point and hit.get("sort"):
        distance = hit["sort"][0]
        if isinstance(distance, int | float) and math.isfinite(distance):
            result["distance_m"] = round(distance)
    return result


def _term(facet: str, slug: str, language: str, table: dict) -> dict:
    name, written = label(facet, slug, language, table)
    return {"slug": slug, "name": name, "language": written}


def _facets(
    aggregations: dict, request: SearchRequest, table: dict
) -> dict[str, list[dict]]:
    facets = {}
    selected_values = {
        **request.facets,
        "free": ["true"] if request.free else [],
        "format": [request.format] if request.format else [],
        "wheelchair": ["true"] if request.wheelchair else [],
    }
    for name in FACET_FIELDS:
        buckets = aggregations.get(name, {}).get("values", {}).get("buckets", [])
        counts = {
            str(b.get("key_as_string", b["key"])).lower(): b["doc_count"]
            for b in buckets
        }
        if name == "residence_status":
            open_to_all = counts.pop(OPEN_TO_ALL, 0)
            counts = {key: value + open_to_all for key, value in counts.items()}
        if name in ("free", "wheelchair"):
            counts = {"true": counts.get("true", 0)}
        selected = set(selected_values.get(name, []))
        facets[name] = [
            {
                "value": key,
                **facet_label(name, key, request.language, table),
                "count": count,
                "selected": key in selected,
            }
            for key, count in counts.items()
            if count > 0 or key in selected  # the engine may ignore min_doc_count
        ]
        order = table.get(name, {}).get("order")
        if order:
            position = {slug: i for i, slug in enumerate(order)}
            facets[name].sort(
                key=lambda item: position.get(item["value"], len(position))
            )
    return facets


@dataclass(frozen=True)
class Nearest:
    """An offer found by meaning: its best passage's similarity, language, text."""

    id: str
    similarity: float
    language: str
    snippet: str


def dense_search(request: SearchRequest) -> list[Nearest]:
    """The offers whose passages (in any language) are nearest to the query, best
    first, within the schedule filters; empty without a query, a model, or vectors
    of the same model in the index. Facet filters apply afterwards (post_filter),
    as for the words' matches, so facet counts cover the same offers."""
    model = embedder()
    if not request.query or model is None or engine.index_model() != model.model:
        return []
    vector = query_vector(request.query)
    if vector is None:
        return []
    knn: dict = {
        "field": "passages.vector",
        "query_vector": vector,
        "k": DENSE_K,
        "num_candidates": DENSE_CANDIDATES,
        "similarity": DENSE_SIMILARITY,
        "inner_hits": {
            "size": 1,
            # Elasticsearch names nested fields by their full path here; the local
            # engine by the path inside the nested object. Each ignores the other.
            "_source": [
                "passages.language",
                "passages.snippet",
                "language",
                "snippet",
            ],
        },
    }
    filters = _schedule_filters(request)
    if filters:
        knn["filter"] = {"bool": {"filter": filters}}
    response = engine.client().search(
        index=engine.alias_name(), knn=knn, source=False, size=DENSE_K
    )
    found: list[Nearest] = []
    for hit in response["hits"]["hits"]:
        inner = hit.get("inner_hits", {}).get("passages", {}).get("hits", {})
        passage = (inner.get("hits") or [{}])[0].get("_source", {})
        passage = passage.get("passages", passage)  # full-path form, if nested
        found.append(
            Nearest(
                id=hit["_id"],
                similarity=float(hit["_score"]) * 2 - 1,  # score = (1 + cosine) / 2
                language=passage.get("language", request.language),
                snippet=passage.get("snippet", ""),
            )
        )
    return near_the_best(found)


def near_the_best(found: list[Nearest], margin: float = DENSE_MARGIN) -> list[Nearest]:
    """Of the offers found by meaning (best first), those within ``margin`` of the
    best one's similarity: a far second is noise the words should outrank."""
    if not found:
        return []
    best = found[0].similarity
    return [near for near in found if near.similarity >= best - margin]


def fuse(
    words: list[tuple[str, float]],
    meaning: list[tuple[str, float]],
    *,
    other_language: Collection[str] = (),
) -> list[str]:
    """One ranking (ids) from the words' matches and the meaning's (id, score), each
    best first; the words count WORDS_OTHER_LANGUAGE_WEIGHT for the ids in
    ``other_language``. Ties keep the words' order."""
    scores: dict[str, float] = defaultdict(float)

    def weight(key: str) -> float:
        return WORDS_OTHER_LANGUAGE_WEIGHT if key in other_language else 1.0

    if FUSION == "linear":
        top = max((score for _key, score in words), default=0) or 1
        best = max((score for _key, score in meaning), default=1)
        for key, score in words:
            scores[key] += weight(key) * score / top
        for key, score in meaning:
            scores[key] += (score - DENSE_SIMILARITY) / (best - DENSE_SIMILARITY or 1)
    else:
        for rank, (key, _score) in enumerate(words, start=1):
            scores[key] += weight(key) / (RRF_K + rank)
        for rank, (key, _score) in enumerate(meaning, start=1):
            scores[key] += 1 / (RRF_K + rank)
    return sorted(scores, key=lambda key: -scores[key])


def engine_search(request: SearchRequest) -> SearchResponse:
    client = engine.client()
    try:
        nearest = dense_search(request)
    except engine.ENGINE_ERRORS as error:
        if not isinstance(error, engine.ApiError):
            raise  # the engine is down: the database answers
        # The index cannot answer by meaning (e.g. built without vectors by an
        # older version): the words still can.
        log.warning("search by meaning failed, matching words only: %s", error)
        nearest = []
    body = build_query(request, nearest=[near.id for near in nearest])
    response = client.search(index=engine.alias_name(), body=body)
    hits = response["hits"]
    aggregations = response.get("aggregations", {})
    page = hits["hits"]
    if nearest and request.sort != "distance":
        passing = {
            str(bucket["key"])
            for bucket in aggregations.get("nearest", {})
            .get("ids", {})
            .get("buckets", [])
        }
        by_id = {hit["_id"]: hit for hit in hits["hits"]}
        ranked = fuse(
            [(hit["_id"], hit["_score"]) for hit in hits["hits"] if hit.get("_score")],
            [(near.id, near.similarity) for near in nearest if near.id in passing],
            other_language={
                hit["_id"]
                for hit in hits["hits"]
                if request.language not in hit["_source"].get("title", {})
            },
        )
        start = (request.page - 1) * request.page_size
        wanted = ranked[start : start + request.page_size]
        missing = [key for key in wanted if key not in by_id]
        if missing:
            found = client.mget(
                index=engine.alias_name(), ids=missing, source=SOURCE_FIELDS
            )
            by_id.update((doc["_id"], doc) for doc in found["docs"] if doc.get("found"))
        page = [by_id[key] for key in wanted if key in by_id]
    near_by_id = {near.id: near for near in nearest}
    table = labels()
    return SearchResponse(
        count=hits["total"]["value"],
        results=[
            _result(hit, request, table, near_by_id.get(hit["_id"])) for hit in page
        ],
        facets=_facets(aggregations, request, table),
        page=request.page,
        page_size=request.page_size,
        # Sorted by relevance, the words' matches come first (offers found by
        # meaning alone score 0 there).
        by_meaning_only=bool(
            nearest
            and request.sort != "distance"
            and not any(hit.get("_score") for hit in hits["hits"][:1])
        ),
    )


def suggest(prefix: str, language: str, *, size: int = 8) -> list[dict]:
    """Completion suggestions (offer titles) in the reader's language and German."""
    if not prefix or not settings.SEARCH_URL or not engine.breaker.allows():
        return []
    completion: dict = {
        "field": "suggest",
        "size": size,
        "skip_duplicates": True,
        "contexts": {"lang": list({language, settings.LANGUAGE_CODE})},
    }
    if len(prefix) >= 4:
        completion["fuzzy"] = {"fuzziness": 1}
    try:
        response = engine.client().search(
            index=engine.alias_name(),
            suggest={"offers": {"prefix": prefix, "completion": completion}},
            source_includes=["path"],
        )
    except (engine.SearchUnavailable, *engine.ENGINE_ERRORS) as error:
        engine.breaker.failed(error)
        return []
    options = response.get("suggest", {}).get("offers", [{}])[0].get("options", [])
    return [
        {"text": option["text"], "url": f"/{language}/{option['_source']['path']}"}
        for option in options
    ]


# --- database fallback ---------------------------------------------------------


def database_search(request: SearchRequest) -> SearchResponse:
    """Simpler matching in the database: every word in title, summary or description,
    in the reader's language or German, any case.
    """
    languages = sorted({request.language, settings.LANGUAGE_CODE})
    offers = visible_offers()
    for word in request.query.split()[:10]:
        offers = offers.filter(pk__in=_pages_containing(word, languages))
    lookups = {
        "topic": "topics__slug__in",
        "target_group": "target_groups__slug__in",
        "district": "contact_points__district__slug__in",
        "language": "languages__code__in",
    }
    # Each filter on a relation is a subquery: chained joins over topics, groups,
    # places and languages multiply an offer's rows (seconds for six slugs).
    for name, values in request.facets.items():
        if name == "residence_status":
            offers = offers.filter(
                pk__in=_offer_ids(
                    Q(residence_statuses__slug__in=values)
                    | Q(residence_statuses__isnull=True)
                )
            )
        else:
            offers = offers.filter(pk__in=_offer_ids(Q(**{lookups[name]: values})))
    if request.free is not None:
        offers = offers.filter(is_free=request.free)
    if request.format:
        offers = offers.filter(format__in=OfferPage.FORMATS_MATCHING[request.format])
    if request.wheelchair:
        offers = offers.filter(pk__in=_offer_ids(Q(contact_points__wheelchair="yes")))
    # One search, not two (a count and a page): the ids of all matches in order,
    # then the page's offers by id.
    ids = list(offers.values_list("pk", flat=True))
    start = (request.page - 1) * request.page_size
    page_ids = ids[start : start + request.page_size]
    page = OfferPage.objects.select_related("agency").in_bulk(page_ids)
    return SearchResponse(
        count=len(ids),
        results=[_db_result(page[pk], request) for pk in page_ids],
        facets={},
        page=request.page,
        page_size=request.page_size,
        degraded=True,
    )


def searchable_text(*columns: str) -> Func:
    """The columns joined by spaces, upper-cased: the expression the trigram indexes
    hold on PostgreSQL (``directory`` migration 0006), so that a LIKE on it can use one.
    """
    return Func(
        *(Coalesce(column, Value("")) for column in columns),
        template="UPPER(%(expressions)s)",
        arg_joiner=" || ' ' || ",
        output_field=TextField(),
    )


def _pages_containing(word: str, languages: list[str]) -> QuerySet:
    """Ids of the offers whose summary or description, and of the pages whose title,
    contains ``word`` in one of ``languages``: one indexed lookup each.
    """
    # Upper-cased by the database, as the texts are (Python's upper() makes "ß" "SS").
    word_upper = Upper(Value(word))
    parts = []
    for code in languages:
        texts = OfferPage.objects.alias(
            text=searchable_text(f"summary_{code}", f"description_{code}")
        )
        titles = Page.objects.alias(text=searchable_text(f"title_{code}"))
        for pages in (texts, titles):
            parts.append(
                pages.filter(text__contains=word_upper).order_by().values("pk")
            )
    first, *others = parts
    return first.union(*others, all=True)


def _offer_ids(condition: Q):
    return OfferPage.objects.filter(condition).values("pk")


def _db_result(offer: OfferPage, request: SearchRequest) -> dict:
    language = request.language
    title, title_lang = _pick(
        {code: getattr(offer, f"title_{code}", "") for code in {language, "de"}},
        language,
    )
    summary, summary_lang = _pick(
        {code: getattr(offer, f"summary_{code}", "") for code in {language, "de"}},
        language,
    )
    agency, _lang = _pick(
        {code: getattr(offer.agency, f"title_{code}", "") for code in {language, "de"}},
        language,
    )
    # url_path starts with the site root's own segment ("/home/…"); URLs do not.
    path = offer.url_path.split("/", 2)[2]
    return {
        "id": str(offer.hsds_id),
        "title": title,
        "title_language": title_lang,
        "url": f"/{language}/{path}",
        "summary": summary,
        "summary_language": summary_lang,
        "agency": agency,
        "topics": [],
        "is_free": offer.is_free,
        "format": offer.format,
        "highlight": {
            "title": escape(title),
            "snippet": "",
            "snippet_language": language,
        },
    }
