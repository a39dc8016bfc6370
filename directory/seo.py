"""What search engines and link previews are told about a public address: the
languages a page exists in, its absolute address in each, and whether it may be
indexed. One definition for the sitemap, the page head and the share image.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language
from wagtail.models import Page

from .context_processors import switch_language_path
from .models.base import other_languages, reading_order, translated_field_names
from .models.pages import HIDDEN_TRANSLATED_FIELDS

# Open Graph wants language_TERRITORY; these are where most readers of each site
# language come from (Facebook's codes where it has one).
OG_LOCALES = {
    "de": "de_DE",
    "en": "en_GB",
    "ar": "ar_AR",
    "fa": "fa_IR",
    "uk": "uk_UA",
    "ru": "ru_RU",
    "tr": "tr_TR",
    "ps": "ps_AF",
    "ckb": "ckb_IQ",
    "ti": "ti_ER",
    "fr": "fr_FR",
}

# The one query parameter that makes another page of the same content.
CANONICAL_PARAMETERS = ("page",)


def og_locale(language: str) -> str:
    return OG_LOCALES.get(language, language)


def absolute(path: str) -> str:
    """``path`` (``/de/…``) as the public address under ``SITE_URL``."""
    return f"{settings.SITE_URL}{path}"


def headline_field(obj) -> str:
    """The field that names ``obj``: ``title`` on pages, ``name`` on terms."""
    return "title" if isinstance(obj, Page) else "name"


def site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# The fields whose own text makes a page a page in that language. Agencies and
# contact points are named by proper names that often stay German: their
# description counts too. A translated SEO title or a fee alone does not. Other
# kinds (the site's information pages): any text a reader sees.
MAIN_FIELDS = {
    "OfferPage": ("title", "summary", "description"),
    "AgencyPage": ("title", "description"),
    "ContactPointPage": ("title", "transport_hint", "accessibility_note"),
    "Topic": ("name", "description"),
}


def languages_of(obj) -> list[str]:
    """Languages ``obj`` exists in: German (the source) always, another language
    when the translation (``TranslationStateMixin``) has its own text in one of the
    main fields — under /ar/ a page with none shows German text and is no Arabic
    page.
    """
    if not hasattr(obj, "translation_status"):
        return [settings.LANGUAGE_CODE]
    fields = MAIN_FIELDS.get(type(obj).__name__) or [
        name
        for name in translated_field_names(type(obj))
        if name not in HIDDEN_TRANSLATED_FIELDS
    ]
    present = [
        code
        for code in other_languages()
        if obj.translation_status(code) != "missing"
        and any(
            str(getattr(obj, f"{name}_{code}", "") or "").strip() for name in fields
        )
    ]
    return [settings.LANGUAGE_CODE, *present]


def text_in(obj, field: str, language: str) -> str:
    """``field`` of ``obj`` as a reader of ``language`` sees it (with fallbacks)."""
    for code in reading_order(language):
        text = getattr(obj, f"{field}_{code}", None)
        if text:
            return str(text)
    return str(getattr(obj, field, "") or "")


def language_paths(path: str, languages: list[str]) -> dict[str, str]:
    """The same address (``/de/…``) in each of ``languages``."""
    return {code: switch_language_path(path, code) for code in languages}


@dataclass(frozen=True)
class Alternate:
    hreflang: str
    url: str


def alternates(path: str, languages: list[str]) -> list[Alternate]:
    """hreflang alternates of ``path`` for ``languages``, plus x-default → German."""
    paths = language_paths(path, languages)
    links = [Alternate(code, absolute(paths[code])) for code in languages]
    if settings.LANGUAGE_CODE in paths:
        links.append(Alternate("x-default", absolute(paths[settings.LANGUAGE_CODE])))
    return links


def current_language() -> str:
    return get_language() or settings.LANGUAGE_CODE
