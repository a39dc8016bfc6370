"""Template helpers: translated text with its real language, opening-state labels."""

from dataclasses import dataclass

from django import template
from django.conf import settings
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


@register.filter
def language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code
