"""What search engines and link previews are told about a public address: the
languages a page exists in, its absolute address in each, and whether it may be
indexed. One definition for the sitemap, the page head and the share image.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from wagtail.models import Page

from . import selectors
from .context_processors import switch_language_path
from .models import HomePage
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
# Higher page numbers are no list a reader pages through: no canonical for them.
LAST_CANONICAL_PAGE = 9999
# The home page's title is the brand: its head and card say what the site is.
HOME_TITLE = gettext_lazy("Offers and help for newcomers")


def og_locale(language: str) -> str:
    return OG_LOCALES.get(language, language)


def absolute(path: str) -> str:
    """``path`` (``/de/…``) as the public address under ``SITE_URL``; an address
    that already is absolute (a rendition on a media host) stays as it is."""
    return path if "://" in path else f"{settings.SITE_URL}{path}"


def site_address() -> tuple[str, str]:
    """``SITE_URL`` as (protocol, host with any path prefix)."""
    parts = urlsplit(absolute("/"))
    return parts.scheme, f"{parts.netloc}{parts.path}".rstrip("/")


def page_number(value: str | None) -> int | None:
    """A page number (``?page=``, ``?p=``) as a number: ASCII digits only ("²" is
    a digit to ``str.isdigit`` but no number to ``int``), six at most."""
    if value is None or not re.fullmatch(r"[0-9]{1,6}", value):
        return None
    return int(value)


def canonical_query(value: str | None) -> str:
    """The query of the canonical address for ``?page=value``: ``?page=N`` for
    pages 2…9999 (``02`` is 2), nothing for page 1, nonsense or absurd numbers."""
    number = page_number(value)
    if number is None or not 1 < number <= LAST_CANONICAL_PAGE:
        return ""
    return f"?page={number}"


def page_visible(page: Page) -> bool:
    """Whether a reader may see ``page``: ``visible()`` of its kind, otherwise
    published and outside any private section."""
    manager = type(page).objects
    if hasattr(manager, "visible"):
        return manager.visible().filter(pk=page.pk).exists()
    return page.live and not page.get_view_restrictions().exists()


def home_page() -> HomePage | None:
    """The default site's home page when it is live."""
    return HomePage.objects.live().filter(url_path=selectors.site_root_path()).first()


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
    if not hasattr(obj, "translation_state"):
        return [settings.LANGUAGE_CODE]
    # ``translation_status(code) != "missing"`` without hashing the German text.
    state = obj.translation_state or {}
    fields = MAIN_FIELDS.get(type(obj).__name__) or [
        name
        for name in translated_field_names(type(obj))
        if name not in HIDDEN_TRANSLATED_FIELDS
    ]
    present = [
        code
        for code in other_languages()
        if code in state
        and any(
            str(getattr(obj, f"{name}_{code}", "") or "").strip() for name in fields
        )
    ]
    return [settings.LANGUAGE_CODE, *present]


def card_languages(page: Page) -> list[str]:
    """Languages ``page``'s share image exists in: the home page's title is the
    site's own (gettext), every other page's the languages it exists in."""
    if isinstance(page, HomePage):
        return site_languages()
    return languages_of(page)


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
