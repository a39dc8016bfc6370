"""Language editions of an issue: a JSON snapshot of what it says, then HTML (Django
template → MJML → mjml-python) and a plain-text part, with per-recipient links left
as placeholders.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import get_language_info, gettext, ngettext
from mjml import mjml2html

from directory.models import OfferPage, Responsibility, Topic
from directory.models.base import reading_order
from directory.selectors import page_public_path, site_root_path, visible_offers

from . import links
from .models import Issue, NewsItem
from .services import NewsletterError

# Stand-ins for the per-recipient links: an edition is rendered once per language,
# ``personalize`` puts each subscriber's own links in when the mail is built.
PREFERENCES_URL = "https://recipient.invalid/preferences"
UNSUBSCRIBE_URL = "https://recipient.invalid/unsubscribe"

HTML_TEMPLATE = "newsletter/email/issue.mjml"
TEXT_TEMPLATE = "newsletter/email/issue.txt"
CONTENT_VERSION = 1
SUMMARY_CHARS = 300
# SMTP allows 998 bytes per line; below that Django sends the HTML as 8bit instead of
# quoted-printable (which costs about a fifth more bytes and CPU).
LINE_BYTES = 600  # room for the per-recipient links that replace placeholders


class RenderError(NewsletterError):
    """An edition could not be rendered; the message is meant for a coordinator."""


@dataclass(frozen=True)
class RenderedEdition:
    language: str
    subject: str
    html: str
    text: str
    content: dict
    fallback_items: int
    html_bytes: int
    warnings: list[str] = field(default_factory=list)


def _direction(language: str) -> str:
    try:
        return "rtl" if get_language_info(language)["bidi"] else "ltr"
    except KeyError:
        return "ltr"


def _localized(row, name: str, language: str) -> tuple[str, str]:
    """The field's text in ``language`` or its fallback, with the language it is
    in. ``row``: a model or a dict.
    """
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key, None)
    for code in reading_order(language):
        text = (get(f"{name}_{code}") or "").strip()
        if text:
            return text, code
    return "", language


def _rows(queryset, ids: set[int], *fields: str) -> dict[int, dict]:
    """Only the columns we show (pages carry every language of every text)."""
    if not ids:
        return {}
    rows = queryset.filter(pk__in=ids).order_by().values("pk", *fields)
    return {row["pk"]: row for row in rows}


class _Sources:
    """Everything the issue's items show in ``language``, in a fixed number of
    queries.
    """

    def __init__(self, entries: list, codes: list[str]) -> None:
        def ids(attribute: str) -> set[int]:
            return {getattr(e, attribute) for e in entries if getattr(e, attribute)}

        def columns(*names: str) -> list[str]:
            return [f"{name}_{code}" for name in names for code in codes]

        self.root = site_root_path()
        self.offers = _rows(
            visible_offers(),
            ids("offer_id"),
            "url_path",
            *columns("title", "summary", "agency__title"),
        )
        self.offer_topics: dict[int, list[int]] = {}
        if self.offers:
            links = OfferPage.topics.through.objects.filter(
                offerpage_id__in=self.offers
            ).values_list("offerpage_id", "topic_id")
            for offer_id, topic_id in links:
                self.offer_topics.setdefault(offer_id, []).append(topic_id)
        self.rules = _rows(
            Responsibility.objects.visible(),
            ids("responsibility_id"),
            "topic_id",
            *columns("title", "explanation", "agency__title"),
        )
        self.news = _rows(
            NewsItem.objects.filter(live=True),
            ids("news_id"),
            "topic_id",
            "link",
            *columns("title", "body", "agency__title"),
        )
        records = [*self.offers.values(), *self.rules.values(), *self.news.values()]
        topic_ids = {r["topic_id"] for r in records if r.get("topic_id")}
        topic_ids.update(t for ts in self.offer_topics.values() for t in ts)
        self.topics = _rows(
            Topic.objects, topic_ids, "slug", "sort_order", *columns("name")
        )

    def first_topic(self, offer_id: int) -> int | None:
        """An offer's topic with the lowest sort order."""
        topics = [self.topics[t] for t in self.offer_topics.get(offer_id, [])]
        topics.sort(key=lambda t: (t["sort_order"], t["name_de"] or ""))
        return topics[0]["pk"] if topics else None


def _item(entry, sources: _Sources, *, language: str, base: str):
    """(topic id or None, item dict) for one issue entry; None if readers cannot
    see it.
    """
    if entry.offer_id:
        row = sources.offers.get(entry.offer_id)
        if row is None:
            return None
        summary = _localized(row, "summary", language)
        url = f"{base}/{page_public_path(row['url_path'], root=sources.root)}"
        kind, topic = "offer", sources.first_topic(entry.offer_id)
    elif entry.responsibility_id:
        row = sources.rules.get(entry.responsibility_id)
        if row is None:
            return None
        text, code = _localized(row, "explanation", language)
        summary = (Truncator(text).chars(SUMMARY_CHARS), code)
        url = f"{base}/who-is-responsible/"
        kind, topic = "responsibility", row["topic_id"]
    else:
        row = sources.news.get(entry.news_id)
        if row is None:
            return None
        summary = _localized(row, "body", language)
        url = row["link"]
        kind, topic = "news", row["topic_id"]
    title = _localized(row, "title", language)
    agency, agency_lang = _localized(row, "agency__title", language)
    # An item counts as shown in German when its title or its text is.
    fell_back = [code for text, code in (title, summary) if text and code != language]
    return topic, {
        "kind": kind,
        "title": title[0],
        "title_lang": title[1],
        "summary": summary[0],
        "summary_lang": summary[1],
        "url": url,
        "agency": agency,
        "agency_lang": agency_lang,
        "lang": fell_back[0] if fell_back else language,
    }


def edition_content(*, issue: Issue, language: str) -> dict:
    """What the ``language`` edition of ``issue`` says, as JSON-serialisable data
    (stored with the edition and shown by the archive; holds no personal data).

    Items are grouped by topic in order of first appearance, keeping the issue's order
    inside each group; items without a topic come last. Offers that are not visible
    on the site and unpublished news items are left out (counted in
    ``skipped_items``). Text missing in ``language`` falls back to German; every text
    carries the language it is really in.
    """
    # Through the relation, so a preview of unsaved items works too.
    entries = list(issue.items.order_by("sort_order", "pk"))
    return _content(
        issue, language, entries, _Sources(entries, reading_order(language))
    )


def _content(issue: Issue, language: str, entries: list, sources: "_Sources") -> dict:
    base = f"{settings.SITE_URL}/{language}"
    groups: dict[int | None, dict] = {}
    skipped = 0
    with translation.override(language):
        for entry in entries:
            found = _item(entry, sources, language=language, base=base)
            if found is None:
                skipped += 1
                continue
            topic_id, item = found
            if topic_id not in groups:
                topic = sources.topics.get(topic_id)
                heading, heading_lang = (
                    _localized(topic, "name", language)
                    if topic is not None
                    else (gettext("Other news"), language)
                )
                groups[topic_id] = {
                    "topic": topic["slug"] if topic is not None else None,
                    "heading": heading,
                    "heading_lang": heading_lang,
                    "items": [],
                }
            groups[topic_id]["items"].append(item)
    # Items without a topic go last, whenever the first of them appeared.
    ordered = [group for key, group in groups.items() if key is not None]
    if None in groups:
        ordered.append(groups[None])
    items = [item for group in ordered for item in group["items"]]
    subject, subject_lang = _localized(issue, "subject", language)
    subject = " ".join(subject.split())  # a mail header: never a line break in it
    intro, intro_lang = _localized(issue, "intro", language)
    return {
        "version": CONTENT_VERSION,
        "language": language,
        "dir": _direction(language),
        "subject": subject,
        "subject_lang": subject_lang,
        "intro": intro,
        "intro_lang": intro_lang,
        "groups": ordered,
        "item_count": len(items),
        "fallback_items": sum(item["lang"] != language for item in items),
        "skipped_items": skipped,
        "site_url": settings.SITE_URL,
        "home_url": f"{base}/",
        "archive_url": links.archive_url(language),
    }


_BETWEEN_TAGS = re.compile(r"(?<=>)(?=<)")
_SPACE_IN_TEXT = re.compile(r" (?=[^<>]*(?:<|$))")


def _break_long_lines(html: str, limit: int = LINE_BYTES) -> str:
    """Lines of at most ``limit`` bytes, broken where a newline changes nothing:
    between two tags, or (inside a long text) at a space outside tags.
    """
    lines = []
    for line in html.split("\n"):
        if len(line) * 4 <= limit or len(line.encode()) <= limit:
            lines.append(line)
        else:
            lines.extend(_pack(_BETWEEN_TAGS.split(line), "", limit))
    return "\n".join(lines)


def _pack(pieces: list[str], joiner: str, limit: int) -> list[str]:
    lines: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        length = len(piece.encode())
        if current and size + len(joiner) + length > limit:
            lines.append(joiner.join(current))
            current, size = [], 0
        if length > limit and not joiner:
            lines.extend(_pack(_SPACE_IN_TEXT.split(piece), " ", limit))
            continue
        size += length + (len(joiner) if current else 0)
        current.append(piece)
    if current:
        lines.append(joiner.join(current))
    return lines


def _lang_attrs(code: str, language: str) -> str:
    """``lang``/``dir`` for an element whose text is not in the edition's language."""
    if code == language:
        return ""
    return format_html(' lang="{}" dir="{}"', code, _direction(code))


def _context(content: dict) -> dict:
    """The templates' context: the content plus alignment, the link placeholders and
    ready-made ``lang``/``dir`` attributes for text in another language.
    """
    language = content["language"]
    groups = [
        {
            **group,
            "heading_attrs": _lang_attrs(group["heading_lang"], language),
            "items": [
                {
                    **item,
                    "title_attrs": _lang_attrs(item["title_lang"], language),
                    "summary_attrs": _lang_attrs(item["summary_lang"], language),
                    "agency_attrs": _lang_attrs(item["agency_lang"], language),
                }
                for item in group["items"]
            ],
        }
        for group in content["groups"]
    ]
    return {
        **content,
        "groups": groups,
        "intro_attrs": _lang_attrs(content["intro_lang"], language),
        "align": "right" if content["dir"] == "rtl" else "left",
        "preferences_url": PREFERENCES_URL,
        "unsubscribe_url": UNSUBSCRIBE_URL,
        # Who sends it (German law: name and address in every newsletter); in the
        # sender's own words, so marked as German.
        "imprint": settings.NEWSLETTER_IMPRINT,
        "imprint_attrs": _lang_attrs(settings.LANGUAGE_CODE, language),
    }


def edition_render(
    *, issue: Issue, language: str, content: dict | None = None
) -> RenderedEdition:
    """The ``language`` edition of ``issue`` as HTML and plain text, with the
    placeholders ``PREFERENCES_URL`` and ``UNSUBSCRIBE_URL`` in both.

    Renders ``content`` if given (e.g. a stored snapshot), else the issue as it is
    now. Raises ``RenderError`` if the MJML cannot be turned into HTML. Warnings
    (clipping size, items in German, left-out items) are in the active language.
    """
    if content is None:
        content = edition_content(issue=issue, language=language)
    context = _context(content)
    with translation.override(language):
        source = render_to_string(HTML_TEMPLATE, context)
        text = render_to_string(TEXT_TEMPLATE, context)
    try:
        html = mjml2html(source, fonts={})
    except ValueError as error:
        raise RenderError(
            gettext(
                "The %(language)s edition could not be turned into HTML. "
                "The MJML converter reports: %(error)s"
            )
            % {"language": language_label(language), "error": error}
        ) from error
    html = _break_long_lines(html)
    html_bytes = len(html.encode())
    return RenderedEdition(
        language=language,
        subject=content["subject"],
        html=html,
        text=_tidy_text(text),
        content=content,
        fallback_items=content["fallback_items"],
        html_bytes=html_bytes,
        warnings=_warnings(content, language=language, html_bytes=html_bytes),
    )


def editions_render(*, issue: Issue, languages: list[str]) -> list[RenderedEdition]:
    """Every edition in ``languages``, reading the items once for all of them.

    Raises ``RenderError`` for the first edition that does not render.
    """
    entries = list(issue.items.order_by("sort_order", "pk"))
    codes = list(
        dict.fromkeys(code for lang in languages for code in reading_order(lang))
    )
    sources = _Sources(entries, codes)
    return [
        edition_render(
            issue=issue,
            language=language,
            content=_content(issue, language, entries, sources),
        )
        for language in languages
    ]


def _tidy_text(text: str) -> str:
    """At most one empty line in a row; no trailing spaces."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def language_label(language: str) -> str:
    """The language's name as the admin shows it (from LANGUAGES, translated)."""
    return str(dict(settings.LANGUAGES).get(language, language))


def _warnings(content: dict, *, language: str, html_bytes: int) -> list[str]:
    warnings = []
    limit = settings.NEWSLETTER_HTML_WARN_BYTES
    if html_bytes > limit:
        warnings.append(
            gettext(
                "The HTML is %(size)d KB; Gmail clips messages above %(limit)d KB "
                "and hides the unsubscribe link."
            )
            % {"size": round(html_bytes / 1024), "limit": limit // 1024}
        )
    if language != settings.LANGUAGE_CODE and (
        content.get("subject_lang") != language
        or (content.get("intro") and content.get("intro_lang") != language)
    ):
        warnings.append(
            gettext(
                "The subject or introduction has no %(language)s text and is shown "
                "in German: translate it in the issue."
            )
            % {"language": language_label(language)}
        )
    count = content["fallback_items"]
    if count:
        warnings.append(
            ngettext(
                "%(count)d of %(total)d items has no %(language)s text and is shown "
                "in German.",
                "%(count)d of %(total)d items have no %(language)s text and are "
                "shown in German.",
                count,
            )
            % {
                "count": count,
                "total": content["item_count"],
                "language": language_label(language),
            }
        )
    skipped = content.get("skipped_items", 0)
    if skipped:
        warnings.append(
            ngettext(
                "%(count)d item is left out: it is not published on the site.",
                "%(count)d items are left out: they are not published on the site.",
                skipped,
            )
            % {"count": skipped}
        )
    if not content["item_count"]:
        warnings.append(gettext("This edition has no items."))
    return warnings


def personalize(body: str, *, preferences_url: str, unsubscribe_url: str) -> str:
    """``body`` (an edition's HTML or text) with one recipient's own links."""
    return body.replace(PREFERENCES_URL, preferences_url).replace(
        UNSUBSCRIBE_URL, unsubscribe_url
    )
