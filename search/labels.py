"""Taxonomy labels per language and the synonym list, cached so a search needs no
database query."""

from django.conf import settings
from django.core.cache import cache

from directory.models import District, Language, ResidenceStatus, TargetGroup, Topic
from directory.models.base import reading_order

CACHE_KEY = "search:labels:v2"
FACET_MODELS = {
    "topic": Topic,
    "target_group": TargetGroup,
    "residence_status": ResidenceStatus,
    "district": District,
}


def _build() -> dict:
    labels: dict = {}
    codes = [code for code, _name in settings.LANGUAGES]
    for facet, model in FACET_MODELS.items():
        terms: dict[str, dict[str, str]] = {}
        written: dict[str, dict[str, str]] = {}
        for term in model.objects.all():
            names = {code: getattr(term, f"name_{code}", "") or "" for code in codes}
            terms[term.slug], written[term.slug] = {}, {}
            for code in codes:
                # as pages show texts: the language, the fallbacks, then German
                shown = next((c for c in reading_order(code) if names.get(c)), None)
                terms[term.slug][code] = names[shown] if shown else term.slug
                written[term.slug][code] = shown or code
        labels[facet] = {"terms": terms, "written": written, "order": list(terms)}
        if model is District:
            labels[facet]["points"] = {
                term.slug: (term.latitude, term.longitude)
                for term in model.objects.all()
                if term.latitude is not None and term.longitude is not None
            }
    languages = list(Language.objects.all())
    labels["language"] = {
        # each language by its own name, written in that language
        "terms": {
            language.code: {code: language.native_name for code in codes}
            for language in languages
        },
        "written": {
            language.code: {code: language.code for code in codes}
            for language in languages
        },
        "order": [language.code for language in languages],
    }
    return labels


def labels() -> dict:
    """{facet: {"terms": {slug: {lang: name}}, "written": {slug: {lang: language of
    that name}}, "order": [slug, …]}}, cached."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = _build()
        cache.set(CACHE_KEY, cached, 300)
    return cached


def labels_forget() -> None:
    cache.delete(CACHE_KEY)


def label(facet: str, slug: str, language: str, table: dict) -> tuple[str, str]:
    """(name, the language it is written in) of a term for a reader of
    ``language``: a fallback's language where the term has no name in it, a
    language's own for its own name. ``table``: ``labels()``, read once per answer
    (each read goes to the shared cache)."""
    entry = table.get(facet, {})
    return (
        entry.get("terms", {}).get(slug, {}).get(language, slug),
        entry.get("written", {}).get(slug, {}).get(language, language),
    )


def facet_label(facet: str, slug: str, language: str, table: dict) -> dict:
    """A facet value's "label" and "language" (which the label is written in)."""
    text, written = label(facet, slug, language, table)
    return {"label": text, "language": written}


SYNONYMS_KEY = "search:synonyms:v1"


def synonym_groups() -> list[tuple[str, list[str]]]:
    """[(language, [term, …]), …] from the coordinators' synonym list."""
    from .models import Synonym

    cached = cache.get(SYNONYMS_KEY)
    if cached is None:
        cached = [(group.language, group.term_list) for group in Synonym.objects.all()]
        cache.set(SYNONYMS_KEY, cached, 300)
    return cached


def synonyms_forget() -> None:
    cache.delete(SYNONYMS_KEY)
