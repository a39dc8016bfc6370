"""Search quality on real municipal integration content (integreat-qa, CC BY 4.0, Tür an
Tür – Digitalfabrik gGmbH): each page becomes an offer in five languages; each question
asked in its language should find its page in the top 5 (same-language). Cross-lingual:
the pages in German only, the questions in the other four languages.

Only the train and dev splits are read; the held-out test split never is."""

import json
import random
import time
import uuid
from collections import defaultdict
from pathlib import Path

from elasticsearch import helpers

from directory.models import AgencyPage, OfferPage
from search import engine
from search.documents import offer_document, offer_passages, passages_field
from search.embedding import embedder
from search.indexing import index_create
from search.queries import SearchRequest, engine_search
from search.vectors import vectors_for

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "integreat-qa"
LANGUAGES = ("de", "en", "ar", "uk", "fr")


def data_dir() -> Path:
    for candidate in (DATA, Path("/work/shared/data/integreat-qa")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("integreat-qa data not found next to the repository")


def load(splits=("dev", "train"), *, asked="dev") -> tuple[dict, dict]:
    """(pages {page_key: {lang: context}}, questions {lang: [(question, page_key)]}):
    the answered questions of split ``asked`` (dev measures; train is for tuning)."""
    pages: dict = defaultdict(dict)
    questions: dict = defaultdict(list)
    root = data_dir()
    for split in splits:
        for language in LANGUAGES:
            for line in (root / language / f"{split}.jsonl").open(encoding="utf-8"):
                row = json.loads(line)
                key = f"{row['city']}-{row['pageId']}"
                pages[key][language] = row["context"]
                if split == asked and row["answers"]:
                    questions[language].append((row["question"], key))
    return pages, questions


def page_offer(key: str, contexts: dict) -> OfferPage:
    """An unsaved offer built from a page's contexts (first line = title)."""
    offer = OfferPage(
        hsds_id=uuid.uuid5(uuid.NAMESPACE_URL, key),
        url_path=f"/home/qa/{key}/",
        pk=None,
    )
    offer.agency = AgencyPage(title_de="Integreat", slug="qa")
    for language, context in contexts.items():
        lines = [line for line in context.split("\n") if line.strip()]
        setattr(offer, f"title_{language}", lines[0] if lines else key)
        setattr(offer, f"description_{language}", " ".join(lines[1:]))
    return offer


def offers(pages: dict, languages: tuple[str, ...]) -> dict[str, OfferPage]:
    """{page key: unsaved offer} with each page's texts in ``languages``."""
    return {
        key: page_offer(key, {code: ctx[code] for code in languages if code in ctx})
        for key, ctx in pages.items()
    }


def page_key(result: dict) -> str:
    """The integreat-qa page a search result stands for (its URL's last part)."""
    return result["url"].rstrip("/").rsplit("/", 1)[-1]


def ranking_figures(asked: list[tuple[str, list[str]]], *, k: int = 5) -> dict:
    """{"recall_at_5", "mrr", "questions"} of (right page, ranked page keys) pairs;
    MRR counts the first 10."""
    hits = sum(key in ranked[:k] for key, ranked in asked)
    reciprocal = sum(
        1 / (ranked.index(key) + 1) for key, ranked in asked if key in ranked[:10]
    )
    return {
        "recall_at_5": hits / len(asked),
        "mrr": reciprocal / len(asked),
        "questions": len(asked),
    }


def sample(
    pages: dict,
    questions: dict,
    *,
    per_language: int,
    others: int,
    seed: int = 7,
    languages: tuple[str, ...] = LANGUAGES,
) -> tuple[dict, dict]:
    """The first ``per_language`` questions of each language, their pages and
    ``others`` pages picked at random besides: a corpus small enough to embed in the
    test run (the whole one: make bench)."""
    asked = {language: questions[language][:per_language] for language in languages}
    keys = {key for language in languages for _question, key in asked[language]}
    rest = sorted(set(pages) - keys)
    random.Random(seed).shuffle(rest)
    keys.update(rest[:others])
    return {key: pages[key] for key in sorted(keys)}, asked


def build_index(pages: dict, *, languages: tuple[str, ...] = LANGUAGES) -> dict:
    """Index every page (its texts in ``languages``) as an offer document under the
    current alias, with passage vectors when a model is on (stored ones reused).
    Returns the number of passages and the seconds spent embedding them."""
    client = engine.client()
    name = f"{engine.alias_name()}-qa-{'-'.join(languages)}"
    index_create(name)
    built = offers(pages, languages)
    documents = {
        key: offer_document(offer, site_root_path="/home/")
        for key, offer in built.items()
    }
    started, count = time.perf_counter(), 0
    if embedder() is not None:
        passages = {key: offer_passages(offer) for key, offer in built.items()}
        texts = [p.text for found in passages.values() for p in found]
        vectors = vectors_for(texts)
        count, position = len(texts), 0
        for key, found in passages.items():
            documents[key]["passages"] = passages_field(
                found, vectors[position : position + len(found)]
            )
            position += len(found)
    seconds = time.perf_counter() - started
    actions = (
        # the document id is the offer's HSDS id, as search_rebuild indexes it
        {"_index": name, "_id": document["id"], "_source": document}
        for document in documents.values()
    )
    helpers.bulk(client, actions, chunk_size=100)
    client.indices.refresh(index=name)
    alias = engine.alias_name()
    current = (
        list(client.indices.get_alias(name=alias))
        if client.indices.exists_alias(name=alias)
        else []
    )
    client.indices.update_aliases(
        actions=[
            *({"remove": {"index": old, "alias": alias}} for old in current),
            {"add": {"index": name, "alias": alias}},
        ]
    )
    engine.index_model_forget()
    return {"passages": count, "embedding_seconds": seconds}


def evaluate(
    questions: dict,
    *,
    per_language: int | None = None,
    k: int = 5,
    languages: tuple[str, ...] = LANGUAGES,
) -> dict:
    """{lang: {"recall_at_5", "mrr", "questions"}}, asked through the real queries."""
    figures = {}
    for language in languages:
        asked = (
            questions[language][:per_language] if per_language else questions[language]
        )
        ranked = [
            (
                key,
                [
                    page_key(result)
                    for result in engine_search(
                        SearchRequest(query=question, language=language, page_size=10)
                    ).results
                ],
            )
            for question, key in asked
        ]
        figures[language] = ranking_figures(ranked, k=k)
    return figures
