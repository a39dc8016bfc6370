"""Search quality on real integration content in five languages (see relevance.py).

Asks the first questions of each language (all of them: `make bench`) and reports
Recall@5 and MRR; fails when a language falls clearly below the target of 0.8."""

import pytest

from tests.search import relevance

QUESTIONS_PER_LANGUAGE = 30
FLOOR = 0.7  # below the 0.8 target by a margin for the sample's noise


@pytest.fixture(scope="module")
def corpus():
    return relevance.load()


def test_recall_at_5_per_language(db, search_settings, corpus, capsys):
    pages, questions = corpus
    relevance.build_index(pages)
    figures = relevance.evaluate(questions, per_language=QUESTIONS_PER_LANGUAGE)
    with capsys.disabled():
        print(
            f"\nrelevance on {len(pages)} pages, "
            f"{QUESTIONS_PER_LANGUAGE} questions/language"
        )
        for language, figure in figures.items():
            print(
                f"  {language}: Recall@5 {figure['recall_at_5']:.2f}  "
                f"MRR {figure['mrr']:.2f}"
            )
    low = {
        lang: f["recall_at_5"]
        for lang, f in figures.items()
        if f["recall_at_5"] < FLOOR
    }
    assert not low, f"Recall@5 below {FLOOR}: {low}"
