"""Template helpers: translated text with its real language, opening-state labels."""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_info

from ..models.base import reading_order

register = template.Library()


@dataclass(frozen=True)
class TranslatedText:
    text: str
    language: str
    is_fallback: bool

    @property
    def dir(self) -> str:
        return "rtl" if get_language_info(self.language)["bidi"] else "ltr"

    def __str__(self) -> str:
        return self.text


@register.simple_tag
def translated(obj, field: str) -> TranslatedText:
    """The field's text in the current language, or the fallback with its language."""
    language = get_language() or settings.LANGUAGE_CODE
    for code in reading_order(language):
        text = getattr(obj, f"{field}_{code}", None)
        if text:
            return TranslatedText(text, code, code != language)
    return TranslatedText(getattr(obj, field, "") or "", language, False)


@register.inclusion_tag("components/lang_attrs.html")
def lang_attrs(text: TranslatedText, classes: str = ""):
    """lang/dir attributes for an element holding fallback text, and its class
    attribute: ``classes`` plus "fallback" (an element has one class attribute; a
    second would be dropped by the browser)."""
    return {"text": text, "classes": classes}


@register.simple_tag
def lang_of(obj, field: str = "title") -> str:
    """lang/dir attributes for an element showing ``field`` (a page's title by
    default) when that text is a fallback in another language, so a screen reader
    reads a German agency name with a German voice on an Arabic page; else nothing.
    No "fallback" class: names and headings keep their look."""
    text = translated(obj, field)
    if not text.is_fallback:
        return ""
    return format_html(' lang="{}" dir="{}"', text.language, text.dir)


@register.filter
def language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code
