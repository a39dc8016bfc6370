"""Search quality on real municipal integration content (integreat-qa, CC BY 4.0, Tür an
Tür – Digitalfabrik gGmbH): each page becomes an offer in five languages; each question
asked in its language should find its page in the top 5."""

import json
import uuid
from collections import defaultdict
from pathlib import Path

from elasticsearch import helpers

from directory.models import AgencyPage, OfferPage
from search import engine
from search.documents import offer_document
from search.indexing import index_create
from search.queries import SearchRequest, engine_search

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "integreat-qa"
LANGUAGES = ("de", "en", "ar", "uk", "fr")


def data_dir() -> Path:
    for candidate in (DATA, Path("/work/shared/data/integreat-qa")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("integreat-qa data not found next to the repository")


def load(splits=("dev", "train")) -> tuple[dict, dict]:
    """(pages {page_key: {lang: context}}, questions {lang: [(question, page_key)]})."""
    pages: dict = defaultdict(dict)
    questions: dict = defaultdict(list)
    root = data_dir()
    for split in splits:
        for language in LANGUAGES:
            for line in (root / language / f"{split}.jsonl").open(encoding="utf-8"):
                row = json.loads(line)
                key = f"{row['city']}-{row['pageId']}"
                pages[key][language] = row["context"]
                if split == "dev" and row["answers"]:
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


def build_index(pages: dict) -> None:
    """Index every page as an offer document under the current alias."""
    client = engine.client()
    name = f"{engine.alias_name()}-qa"
    index_create(name)
    actions = (
        {
            "_index": name,
            "_id": key,
            "_source": offer_document(page_offer(key, ctx), site_root_path="/home/"),
        }
        for key, ctx in pages.items()
    )
    helpers.bulk(client, actions, chunk_size=200)
    client.indices.refresh(index=name)
    client.indices.update_aliases(
        actions=[{"add": {"index": name, "alias": engine.alias_name()}}]
    )


def evaluate(questions: dict, *, per_language: int | None = None, k: int = 5) -> dict:
    """{lang: {"recall_at_5", "mrr", "questions"}}, asked through the real queries."""
    figures = {}
    for language in LANGUAGES:
        asked = (
            questions[language][:per_language] if per_language else questions[language]
        )
        hits, reciprocal = 0, 0.0
        for question, key in asked:
            response = engine_search(
                SearchRequest(query=question, language=language, page_size=10)
            )
            ranked = [r["url"].rstrip("/").rsplit("/", 1)[-1] for r in response.results]
            if key in ranked[:k]:
                hits += 1
            if key in ranked:
                reciprocal += 1 / (ranked.index(key) + 1)
        figures[language] = {
            "recall_at_5": hits / len(asked),
            "mrr": reciprocal / len(asked),
            "questions": len(asked),
        }
    return figures
