"""The dense side alone, without the engine: integreat-qa pages in German (train + dev;
the test split is never read), passages as search/documents.py cuts them, each page
scored by its best passage; questions of the dev split in five languages.

Prints Recall@5 / MRR@10 per question language and, per language, how often the right
page stays within search/queries.py's similarity floor and margin, and how many other
pages do. Usage: .venv/bin/python scripts/bench_dense.py  (~5 min on 2 cores)
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    import numpy as np

    from search.documents import offer_passages
    from search.embedding import MultilingualE5Small
    from search.queries import DENSE_MARGIN, DENSE_SIMILARITY
    from tests.search import relevance

    pages, questions = relevance.load()
    keys = [key for key in sorted(pages) if "de" in pages[key]]
    texts, owner = [], []
    for number, key in enumerate(keys):
        offer = relevance.page_offer(key, {"de": pages[key]["de"]})
        for passage in offer_passages(offer):
            texts.append(passage.text)
            owner.append(number)
    model = MultilingualE5Small()
    started = time.perf_counter()
    vectors = model.passages(texts)
    seconds = time.perf_counter() - started
    print(
        f"{len(keys)} German pages, {len(texts)} passages embedded in {seconds:.0f} s "
        f"({len(texts) / seconds:.1f}/s)"
    )
    owners = np.array(owner)
    for language in relevance.LANGUAGES:
        asked = questions[language]
        hits = reciprocal = kept = others = 0.0
        for question, key in asked:
            scores = np.full(len(keys), -1.0)
            np.maximum.at(scores, owners, vectors @ model.queries([question])[0])
            order = list(np.argsort(-scores))
            rank = order.index(keys.index(key)) + 1
            hits += rank <= 5
            reciprocal += 1 / rank if rank <= 10 else 0
            line = max(DENSE_SIMILARITY, scores.max() - DENSE_MARGIN)
            kept += scores[keys.index(key)] >= line
            others += (scores >= line).sum() - 1
        count = len(asked)
        print(
            f"  {language}→de: Recall@5 {hits / count:.2f}  "
            f"MRR {reciprocal / count:.2f}"
            f"  right page kept {kept / count:.2f}, with {others / count:.0f} others"
            f"  ({count} questions)"
        )


if __name__ == "__main__":
    main()
