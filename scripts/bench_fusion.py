"""Tune the fusion of words and meaning offline: the words' rankings come from the
engine once (cached as JSON), the meaning's side is replayed in numpy from the stored
passage vectors, and `search.queries.fuse` ranks every combination of the weight of
words on text in another language and the similarity margin. Train questions by
default (tune on train, measure on dev with `scripts/bench.py --relevance-only`).

Usage: WEGWEISER_VAR_DIR=<dir whose database holds the relevance corpus's vectors>
  .venv/bin/python scripts/bench_fusion.py [--questions 200] [--split train]
First run: ~0.7 s per question for the words (one engine core); replays take seconds.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = (1.0, 0.5, 0.25, 0.1, 0.0)
MARGINS = (0.03, 0.05)
CROSS_LANGUAGES = ("en", "ar", "uk", "fr")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200, help="per language")
    parser.add_argument("--split", choices=("train", "dev"), default="train")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.conf import settings

    from tests.search import relevance

    pages, questions = relevance.load(asked=args.split)
    cache = Path(settings.VAR_DIR) / f"fusion-{args.split}-{args.questions}.json"
    if cache.exists():
        rankings = json.loads(cache.read_text(encoding="utf-8"))
    else:
        rankings = words_rankings(pages, questions, per_language=args.questions)
        cache.write_text(json.dumps(rankings), encoding="utf-8")
    replay(pages, rankings, "question language → German pages", ("de",))
    replay(pages, rankings, "same language", relevance.LANGUAGES)


def words_rankings(pages: dict, questions: dict, *, per_language: int) -> dict:
    """{"<table>:<lang>": [[question, page key, [[key, in reader's language], …]]]}:
    the first 60 words' matches per question, asked with the model off."""
    from django.test.utils import override_settings

    from search.embedding import embedder_forget
    from search.local_engine import LocalEngine
    from search.queries import SearchRequest, engine_search
    from tests.search import relevance

    engine = LocalEngine().start()
    rankings: dict = {}
    try:
        with override_settings(
            SEARCH_URL=engine.url, SEARCH_EMBEDDER="", SEARCH_INDEX_PREFIX="fusion"
        ):
            embedder_forget()
            for table, corpus, asking in (
                ("cross", ("de",), CROSS_LANGUAGES),
                ("same", relevance.LANGUAGES, relevance.LANGUAGES),
            ):
                relevance.build_index(pages, languages=corpus)
                started = time.perf_counter()
                for language in asking:
                    rows = []
                    for question, key in questions[language][:per_language]:
                        response = engine_search(
                            SearchRequest(
                                query=question, language=language, page_size=60
                            )
                        )
                        found = [
                            [relevance.page_key(r), r["title_language"] == language]
                            for r in response.results
                        ]
                        rows.append([question, key, found])
                    rankings[f"{table}:{language}"] = rows
                    print(
                        f"words, {table}, {language}: {len(rows)} questions "
                        f"({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
    finally:
        embedder_forget()
        engine.stop()
    return rankings


def replay(pages: dict, rankings: dict, title: str, corpus: tuple[str, ...]) -> None:
    import numpy as np

    from search import queries
    from search.documents import offer_passages
    from search.embedding import embedder
    from search.vectors import vectors_for
    from tests.search import relevance

    model = embedder()
    if model is None:
        raise SystemExit("no embedding model configured (SEARCH_EMBEDDER)")
    built = relevance.offers(pages, corpus)
    keys = sorted(built)
    texts, owners = [], []
    for number, key in enumerate(keys):
        for passage in offer_passages(built[key]):
            texts.append(passage.text)
            owners.append(number)
    vectors = np.array(vectors_for(texts), dtype=np.float32)
    owner = np.array(owners)
    table = "cross" if corpus == ("de",) else "same"
    languages = [code for code in relevance.LANGUAGES if f"{table}:{code}" in rankings]

    def nearest(query: "np.ndarray", margin: float) -> list[tuple[str, float]]:
        # what the engine's knn returns (k best pages, by their best passage, above
        # the floor), then what dense_search keeps of it
        best = np.full(len(keys), -9.0)
        np.maximum.at(best, owner, vectors @ query)
        found = [
            queries.Nearest(keys[i], float(best[i]), "", "")
            for i in np.argsort(-best)[: queries.DENSE_K]
            if best[i] >= queries.DENSE_SIMILARITY
        ]
        return [
            (near.id, near.similarity) for near in queries.near_the_best(found, margin)
        ]

    print(f"\n{title} ({len(keys)} pages; Recall@5 / MRR@10)")
    print(f"  {'weight':>6} {'margin':>6}" + "".join(f"{c:>13}" for c in languages))
    asked = {code: rankings[f"{table}:{code}"] for code in languages}
    vectors_q = {
        code: model.queries([row[0] for row in rows]) for code, rows in asked.items()
    }
    saved = queries.WORDS_OTHER_LANGUAGE_WEIGHT, queries.FUSION
    queries.FUSION = "rrf"  # ranks only: the cached words carry no scores
    try:
        for weight in WEIGHTS:
            queries.WORDS_OTHER_LANGUAGE_WEIGHT = weight
            for margin in MARGINS:
                cells = []
                for code, rows in asked.items():
                    figures = relevance.ranking_figures(
                        [
                            (
                                gold,
                                queries.fuse(
                                    [(key, 0.0) for key, _own in words],
                                    nearest(query, margin),
                                    other_language={
                                        key for key, own in words if not own
                                    },
                                ),
                            )
                            for (_question, gold, words), query in zip(
                                rows, vectors_q[code], strict=True
                            )
                        ]
                    )
                    cells.append(f"{figures['recall_at_5']:.2f} / {figures['mrr']:.2f}")
                print(f"  {weight:>6} {margin:>6}" + "".join(f"{c:>13}" for c in cells))
    finally:
        queries.WORDS_OTHER_LANGUAGE_WEIGHT, queries.FUSION = saved


if __name__ == "__main__":
    main()
