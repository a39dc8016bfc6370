"""Cleaning HTML from outside (imports, stored rich text) to what our editor allows.

Our rich-text fields offer ``RICH_TEXT_FEATURES`` (bold, italic, link, lists, h3):
in Wagtail's database format that is ``p``, ``br``, ``b``, ``i``, ``ul``, ``ol``,
``li``, ``h3`` and ``a href``. Everything else goes: scripts, event handlers,
``style``, SVG and MathML (with their content), links other than http, https,
mailto and tel. Text is kept.
"""

import html
import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from wagtail.rich_text import expand_db_html

# Wagtail stores bold as <b> and italic as <i>; other spellings are renamed after
# cleaning, headings the editor does not offer become h3.
_RENAMED = {"strong": "b", "em": "i", "h1": "h3", "h2": "h3", "h4": "h3"}
_RENAMED.update({"h5": "h3", "h6": "h3"})
_TAGS = {"p", "br", "b", "i", "ul", "ol", "li", "h3", "a", *_RENAMED}
_ATTRIBUTES = {"a": {"href"}}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Dropped with their content, not only their tags: their text is code or markup
# (and SVG or MathML can carry script).
_DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "svg",
    "math",
    "template",
    "noscript",
    "iframe",
    "object",
    "embed",
    "textarea",
    "select",
    "title",
}
_RENAME = re.compile(r"<(/?)(" + "|".join(_RENAMED) + r")>")
# A complete tag; plain text with a lone "<" ("Kinder <6 Jahre") is no markup.
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def _clean(value: str, *, relative_links: bool) -> str:
    cleaned = nh3.clean(
        value,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        # Stored text has no relative links (our own pages are linked by id);
        # rendered text has them once Wagtail has expanded those.
        url_relative="pass_through" if relative_links else "deny",
        link_rel=None,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        strip_comments=True,
    )
    return _RENAME.sub(lambda m: f"<{m[1]}{_RENAMED[m[2]]}>", cleaned)


def rich_text_clean(value: str) -> str:
    """Rich text from outside in Wagtail's database format, holding only what our
    rich-text fields allow; harmless text and markup stay as they are.
    """
    if not value:
        return ""
    return _clean(value, relative_links=False)


def rich_text_render(value: str | None) -> SafeString:
    """Stored rich text as HTML for a page or API answer: Wagtail's links expanded,
    then cleaned again, so text stored before cleaning existed is safe too.
    """
    if not value:
        return mark_safe("")
    return mark_safe(_clean(expand_db_html(value), relative_links=True))  # noqa: S308


def plain_text_clean(value: str) -> str:
    """Plain text from outside without markup tags (a script's content goes with
    it); text that only looks like markup ("a <6") stays.
    """
    # Again while unescaping reveals tags: "&lt;script&gt;" must not come back.
    for _round in range(5):
        if not value or not _TAG.search(value):
            return value
        stripped = nh3.clean(
            value, tags=set(), clean_content_tags=_DROPPED_WITH_CONTENT
        )
        value = html.unescape(stripped).strip()
    return nh3.clean(value, tags=set(), clean_content_tags=_DROPPED_WITH_CONTENT)
